// Browser terminals: xterm.js (from the webssh distribution) over a WebSocket.
// data-mode="shell": a live shell; "watch": a live session, read only;
// "replay": an asciicast v2 recording played with its timing.
// The holder's data-state says where it is (open, closed, done): tests wait on it.
"use strict";
(function () {
  var holder = document.getElementById("terminal");
  if (!holder || typeof Terminal === "undefined") { return; }
  var status = document.getElementById("term-status");
  var mode = holder.getAttribute("data-mode");
  var MAX_GAP = 2.0;  // seconds: long pauses in a recording are shortened on replay
  var term = new Terminal({ cursorBlink: mode === "shell", disableStdin: mode !== "shell",
                            fontFamily: "DejaVu Sans Mono, monospace", fontSize: 14 });
  var fit = new FitAddon.FitAddon();
  term.loadAddon(fit);
  term.open(holder);
  fit.fit();

  function say(state, text) {
    holder.setAttribute("data-state", state);
    if (status) { status.textContent = text; }
  }

  // The screen as text, for people who copy it and for the browser tests.
  function screenText() {
    var buffer = term.buffer.active || term.buffer;
    var lines = [];
    for (var i = 0; i < buffer.length; i++) {
      var line = buffer.getLine(i);
      if (line) { lines.push(line.translateToString(true)); }
    }
    return lines.join("\n");
  }
  window.cyberrangeTerminal = { term: term, text: screenText };

  function socketUrl(path) {
    var scheme = location.protocol === "https:" ? "wss:" : "ws:";
    return scheme + "//" + location.host + path;
  }

  function shell() {
    var path = holder.getAttribute("data-socket") + "?cols=" + term.cols + "&rows=" + term.rows;
    var ws = new WebSocket(socketUrl(path));
    function send(message) { if (ws.readyState === 1) { ws.send(JSON.stringify(message)); } }
    ws.onopen = function () { say("open", "connected"); term.focus(); };
    ws.onmessage = function (event) { term.write(event.data); };
    ws.onclose = function (event) {
      say("closed", "closed" + (event.reason ? ": " + event.reason : " (refused, idle or ended)"));
    };
    term.onData(function (data) { send({ t: "i", d: data }); });
    term.onResize(function (size) { send({ t: "r", c: size.cols, r: size.rows }); });
    window.addEventListener("resize", function () { fit.fit(); });
    // Leaving the page ends the session now, not when the browser drops the connection.
    window.addEventListener("pagehide", function () { ws.close(1000, "page closed"); });
  }

  function watch() {
    var ws = new WebSocket(socketUrl(holder.getAttribute("data-socket")));
    var first = true;
    ws.onopen = function () { say("open", "watching (read only)"); };
    ws.onmessage = function (event) {
      if (first) {  // the recording's size, so the picture matches the participant's
        first = false;
        var size = JSON.parse(event.data);
        if (size.width && size.height) { term.resize(size.width, size.height); }
        return;
      }
      term.write(event.data);
    };
    ws.onclose = function () { say("done", "session ended"); };
  }

  function replay() {
    say("loading", "loading the recording…");
    fetch(holder.getAttribute("data-cast"), { credentials: "same-origin" })
      .then(function (response) {
        if (!response.ok) { throw new Error("HTTP " + response.status); }
        return response.text();
      })
      .then(function (text) {
        var lines = text.split("\n").filter(function (l) { return l.length > 0; });
        var header = JSON.parse(lines[0]);
        term.resize(header.width, header.height);
        play(lines.slice(1).map(function (l) { return JSON.parse(l); }));
      })
      .catch(function (error) { say("error", "cannot replay: " + error.message); });
  }

  function play(events) {
    say("playing", "playing…");
    var index = 0, clock = 0, last = 0;
    function next() {
      while (index < events.length) {
        var event = events[index];
        var due = clock + Math.min(event[0] - last, MAX_GAP);
        if (due > clock + 0.001) {
          var wait = due - clock;
          clock = due; last = event[0];
          setTimeout(next, wait * 1000);
          return;
        }
        last = event[0];
        index++;
        if (event[1] === "o") { term.write(event[2]); }
        if (event[1] === "r") {
          var size = event[2].split("x");
          term.resize(parseInt(size[0], 10), parseInt(size[1], 10));
        }
      }
      say("done", "end of the recording");
    }
    next();
  }

  if (mode === "shell") { shell(); } else if (mode === "watch") { watch(); } else { replay(); }
})();
