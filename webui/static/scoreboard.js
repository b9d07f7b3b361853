// Scoreboard: draws the score-over-time chart as SVG and follows the live
// board through server-sent events. Text goes in with textContent only.
"use strict";
(function () {
  var SVG = "http://www.w3.org/2000/svg";
  var COLORS = ["#ff6b6b", "#58a6ff", "#3fb950", "#d29922", "#bc8cff", "#39c5cf", "#f778ba", "#e6e6e6"];

  function el(tag, attrs, text) {
    var node = tag.indexOf("svg:") === 0 ? document.createElementNS(SVG, tag.slice(4)) : document.createElement(tag);
    Object.keys(attrs || {}).forEach(function (k) { node.setAttribute(k, attrs[k]); });
    if (text !== undefined) { node.textContent = String(text); }
    return node;
  }

  function drawChart(board) {
    var holder = document.getElementById("chart");
    if (!holder) { return; }
    var W = 640, H = 300, L = 50, R = 110, T = 14, B = 30;
    var svg = el("svg:svg", { viewBox: "0 0 " + W + " " + H, role: "img", "aria-label": "score over time" });
    var teams = board.teams.map(function (t) { return t.name; });
    var hist = board.history.length ? board.history : [[0, {}]];
    var ticks = hist.map(function (h) { return h[0]; });
    var values = [0];
    hist.forEach(function (h) { teams.forEach(function (t) { values.push(h[1][t] || 0); }); });
    var minV = Math.min.apply(null, values), maxV = Math.max.apply(null, values);
    if (maxV === minV) { maxV = minV + 1; }
    var minT = Math.min.apply(null, ticks), maxT = Math.max.apply(null, ticks);
    if (maxT === minT) { maxT = minT + 1; }
    function x(t) { return L + (t - minT) / (maxT - minT) * (W - L - R); }
    function y(v) { return T + (maxV - v) / (maxV - minV) * (H - T - B); }
    [minV, (minV + maxV) / 2, maxV].forEach(function (v) {
      svg.appendChild(el("svg:line", { x1: L, x2: W - R, y1: y(v), y2: y(v), class: "grid-line" }));
      svg.appendChild(el("svg:text", { x: L - 6, y: y(v) + 4, "text-anchor": "end", class: "axis" }, Math.round(v)));
    });
    svg.appendChild(el("svg:text", { x: L, y: H - 8, class: "axis" }, "tick " + minT));
    svg.appendChild(el("svg:text", { x: W - R, y: H - 8, "text-anchor": "end", class: "axis" }, "tick " + maxT));
    teams.forEach(function (team, i) {
      var color = COLORS[i % COLORS.length];
      var points = hist.map(function (h) { return x(h[0]).toFixed(1) + "," + y(h[1][team] || 0).toFixed(1); });
      if (points.length === 1) { points.push((W - R) + "," + points[0].split(",")[1]); }
      svg.appendChild(el("svg:polyline", { points: points.join(" "), fill: "none", stroke: color, "stroke-width": 2 }));
      svg.appendChild(el("svg:text", { x: W - R + 8, y: T + 14 + i * 16, fill: color, class: "legend" }, team));
    });
    holder.replaceChildren(svg);
  }

  function drawRanking(board) {
    var table = document.getElementById("ranking");
    if (!table) { return; }
    var cats = board.teams.length ? Object.keys(board.teams[0].categories) : [];
    var head = el("tr");
    ["#", "Team", "Role"].forEach(function (h) { head.appendChild(el("th", {}, h)); });
    cats.forEach(function (c) { head.appendChild(el("th", { class: "num" }, c)); });
    head.appendChild(el("th", { class: "num" }, "Total"));
    table.tHead.replaceChildren(head);
    var rows = board.teams.map(function (t) {
      var tr = el("tr", { class: "role-" + t.role });
      tr.appendChild(el("td", {}, t.rank));
      tr.appendChild(el("td", {}, t.name));
      tr.appendChild(el("td", {}, t.role));
      cats.forEach(function (c) { tr.appendChild(el("td", { class: "num" }, t.categories[c] || 0)); });
      tr.appendChild(el("td", { class: "num total", "data-team": t.name }, t.total));
      return tr;
    });
    table.tBodies[0].replaceChildren.apply(table.tBodies[0], rows);
  }

  function drawServices(board) {
    var holder = document.getElementById("services");
    if (!holder) { return; }
    var parts = [];
    Object.keys(board.services).forEach(function (team) {
      parts.push(el("h3", {}, team));
      var list = el("ul", { class: "services" });
      Object.keys(board.services[team]).forEach(function (svc) {
        var status = board.services[team][svc];
        var li = el("li", { class: "service status-" + String(status).toLowerCase() }, svc + " ");
        li.appendChild(el("span", {}, status));
        list.appendChild(li);
      });
      parts.push(list);
    });
    if (!parts.length) { parts.push(el("p", { class: "muted" }, "No checker results yet.")); }
    holder.replaceChildren.apply(holder, parts);
  }

  function drawStatus(board) {
    var set = function (id, text) { var n = document.getElementById(id); if (n) { n.textContent = text; } };
    set("board-state", board.state);
    set("board-tick", board.tick);
    set("board-left", Math.floor(board.time_left / 60) + " min left");
    var frozen = document.getElementById("board-frozen");
    if (frozen) { frozen.hidden = !board.frozen; }
  }

  function render(board) {
    drawStatus(board);
    drawRanking(board);
    drawServices(board);
    drawChart(board);
  }

  var POLL_MS = 5000;
  var data = document.getElementById("board-data");
  if (!data) { return; }
  render(JSON.parse(data.textContent));
  var url = document.getElementById("chart").getAttribute("data-events");
  var live = document.getElementById("board-live");
  var polling = null;

  // No live stream to be had (the server's streams are all taken, or no
  // EventSource): fetch the board's JSON every few seconds instead.
  function poll() {
    if (polling || !url) { return; }
    var jsonUrl = url.replace(/\/events$/, "/scoreboard.json");
    polling = window.setInterval(function () {
      window.fetch(jsonUrl, {credentials: "same-origin"})
        .then(function (answer) { return answer.ok ? answer.json() : null; })
        .then(function (board) { if (board) { render(board); } })
        .catch(function () {});
    }, POLL_MS);
  }

  if (window.EventSource && url) {
    var source = new EventSource(url);
    source.addEventListener("open", function () { if (live) { live.hidden = false; } });
    source.addEventListener("error", function () {
      if (live) { live.hidden = true; }
      // CLOSED: the server refused the stream (e.g. 503); the browser will not retry.
      if (source.readyState === EventSource.CLOSED) { poll(); }
    });
    source.addEventListener("board", function (event) { render(JSON.parse(event.data)); });
  } else {
    poll();
  }
})();
