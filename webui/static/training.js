// Trainer page: refresh the trainees table from progress.json every 2 s.
// Text goes in with textContent only.
"use strict";
(function () {
  var table = document.getElementById("trainees");
  if (!table) { return; }
  var KEYS = ["trainee", "sandbox", "level", "title", "score", "hints", "attempts", "solution", "started"];
  function cell(row, key) {
    var value = row[key];
    if (key === "solution") { return value ? "shown" : ""; }
    return value === null || value === undefined ? "" : String(value);
  }
  function draw(data) {
    var body = table.tBodies[0];
    while (body.firstChild) { body.removeChild(body.firstChild); }
    data.trainees.forEach(function (row) {
      var tr = document.createElement("tr");
      KEYS.forEach(function (key) {
        var td = document.createElement("td");
        td.textContent = cell(row, key);
        tr.appendChild(td);
      });
      body.appendChild(tr);
    });
  }
  function poll() {
    fetch(table.getAttribute("data-source"), { credentials: "same-origin" })
      .then(function (r) { return r.ok ? r.json() : null; })
      .then(function (data) { if (data) { draw(data); } })
      .catch(function () {})
      .then(function () { setTimeout(poll, 2000); });
  }
  setTimeout(poll, 2000);
})();
