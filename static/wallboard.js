// Wallboard TV wall behaviour. No inline scripts: everything comes from
// data-* attributes rendered by the server.
//
// - Clock offset: every websocket message carries #wb-sync[data-now], the
//   server's time when it was sent. offset = serverNow - browserNow.
// - Ticking: every element with data-since (Unix ms) shows the time elapsed
//   since then on the server's clock, updated every second with no server
//   traffic. [data-clock] shows the wall clock.
// - Reconnect: htmx-ext-ws reconnects only after abnormal closes; this file
//   reconnects after any close, forever, with jittered exponential back-off.
//   On connect the server sends a full render, so the wall resyncs.
// - Version: when the server's version or the board's definition (config
//   fingerprint) changes, the page reloads itself.
(function () {
  "use strict";

  var offset = 0; // server clock minus browser clock, ms
  var version = null;
  var config = null; // the board definition's fingerprint
  var retries = 0;
  var downTimer = null;
  var BASE_DELAY = 500, MAX_DELAY = 10000, RETRY_CODES = [1006, 1011, 1012, 1013];

  // Equal-jitter exponential back-off: half fixed, half random.
  function reconnectDelay(n) {
    var d = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, Math.min(n, 10)));
    return d / 2 + Math.random() * d / 2;
  }
  if (window.htmx) {
    window.htmx.config.wsReconnectDelay = reconnectDelay;
  }

  function pad(v) { return v < 10 ? "0" + v : "" + v; }

  function duration(ms) {
    if (!(ms > 0)) { ms = 0; }
    var s = Math.floor(ms / 1000), h = Math.floor(s / 3600), m = Math.floor((s % 3600) / 60);
    s = s % 60;
    return h > 0 ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  function serverNow() { return Date.now() + offset; }

  function readSync() {
    var el = document.getElementById("wb-sync");
    if (!el) { return; }
    var now = Number(el.getAttribute("data-now"));
    if (now > 0) { offset = now - Date.now(); }
    var v = el.getAttribute("data-version");
    var c = el.getAttribute("data-config");
    if (version === null) {
      version = v;
      config = c;
    } else if ((v && v !== version) || (c && c !== config)) {
      window.location.reload();
    }
  }

  function tick() {
    var now = serverNow();
    var els = document.querySelectorAll("[data-since]");
    for (var i = 0; i < els.length; i++) {
      var since = Number(els[i].getAttribute("data-since"));
      if (!(since > 0)) { continue; }
      var text = duration(now - since);
      if (els[i].textContent !== text) { els[i].textContent = text; }
    }
    var clocks = document.querySelectorAll("[data-clock]");
    if (clocks.length) {
      var d = new Date(now);
      var t = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
      for (var j = 0; j < clocks.length; j++) {
        if (clocks[j].textContent !== t) { clocks[j].textContent = t; }
      }
    }
  }

  // Tick just after each second boundary of the server's clock.
  function schedule() {
    tick();
    setTimeout(schedule, 1000 - (serverNow() % 1000) + 15);
  }

  function connState(state) {
    var el = document.getElementById("wb-conn");
    if (!el) { return; }
    if (state === "open") {
      clearTimeout(downTimer);
      downTimer = null;
      el.setAttribute("data-state", "open");
      return;
    }
    // Show the indicator only when the socket stays down for a moment.
    if (el.getAttribute("data-state") !== "down" && downTimer === null) {
      downTimer = setTimeout(function () {
        downTimer = null;
        el.setAttribute("data-state", "down");
      }, 3000);
    }
  }

  document.addEventListener("htmx:wsOpen", function () {
    retries = 0;
    connState("open");
  });
  document.addEventListener("htmx:wsClose", function (e) {
    connState("down");
    var detail = e.detail || {};
    var code = detail.event && detail.event.code;
    if (RETRY_CODES.indexOf(code) >= 0 || !detail.socketWrapper) {
      return; // htmx-ext-ws reconnects by itself, with reconnectDelay
    }
    // Any other close (normal, going away, policy): reconnect anyway.
    var wrapper = detail.socketWrapper;
    setTimeout(function () {
      if (document.body.hasAttribute("ws-connect")) { wrapper.reconnect(); }
    }, reconnectDelay(retries++));
  });
  document.addEventListener("htmx:wsAfterMessage", function () {
    readSync();
    tick();
  });

  function start() {
    readSync();
    schedule();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
