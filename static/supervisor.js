// Wallboard supervisor view. No inline scripts: configuration comes from
// data-* attributes of <body> (data-board, data-history-url).
//
// The server renders every queue and agent of the board into #sv-live and
// morphs it on every websocket message. This file owns what is per
// supervisor, all of it kept in the page's URL (history.replaceState) so a
// view can be bookmarked:
//   q      agent name contains (any case)
//   team   agent is in this team
//   state  agent state (available, busy, wrap_up, away, offline, unknown)
//   queue  queue name, or a part of its path, starts with (any case)
//   sort   agent table column, "-" for descending: name team state status time hold
//   qsort  queue table column: name lang channel waiting longest avg sla answered abandoned abandon_rate aht level
//   hours  trend span (1–24, default 4)
// After each morph it re-applies filters and sorting, redraws the
// sparklines (inline SVG from GET /api/v1/boards/{id}/history, fetched on
// load and once a minute) and compares every tile's and queue's
// data-level with the last one seen: a rise to warn or critical is a breach,
// listed newest first (at most MAX_BREACHES). An optional tone (Web Audio,
// off by default, remembered in localStorage) sounds on a new critical one,
// and, opted in, a browser notification shows it.
// Ticking durations and the clock come from wallboard.js ([data-since]).
(function () {
  "use strict";

  var MAX_BREACHES = 100;
  var HISTORY_EVERY = 60000;
  var SOUND_KEY = "wallboard.supervisor.sound";
  var NOTIFY_KEY = "wallboard.supervisor.notify";
  var FILTERS = ["q", "team", "state", "queue", "sort", "qsort", "hours"];
  var DEFAULT_HOURS = 4;
  // Columns whose first click sorts largest first.
  var DESC_FIRST = { waiting: 1, longest: 1, avg: 1, answered: 1, abandoned: 1, level: 1, time: 1, hold: 1 };
  var NUMERIC = { waiting: 1, longest: 1, avg: 1, sla: 1, answered: 1, abandoned: 1, level: 1, state: 1, time: 1, hold: 1 };
  var RANK = { none: 0, ok: 1, warn: 2, critical: 3 };
  var SVG = "http://www.w3.org/2000/svg";

  var body = document.body;
  var st = {};          // the filter and sort state, as in the URL
  var offset = 0;       // server clock minus browser clock, ms
  var levels = null;    // breach key -> last level seen; null before the first look
  var breachCount = 0;
  var hist = null;      // the last history JSON
  var histVersion = 0;  // bumps on each fetch: sparklines redraw
  var histTimer = null;
  var histSeq = 0;
  var audio = null;

  function $(id) { return document.getElementById(id); }
  function each(list, fn) { Array.prototype.forEach.call(list, fn); }

  // --- URL state -----------------------------------------------------------

  function readURL() {
    var p = new URLSearchParams(window.location.search);
    FILTERS.forEach(function (k) { st[k] = (p.get(k) || "").trim(); });
    var h = parseInt(st.hours, 10);
    st.hours = h >= 1 && h <= 24 ? h : DEFAULT_HOURS;
  }

  function writeURL() {
    var p = new URLSearchParams();
    FILTERS.forEach(function (k) {
      var v = st[k];
      if (k === "hours") { if (v !== DEFAULT_HOURS) { p.set(k, String(v)); } return; }
      if (v) { p.set(k, v); }
    });
    var qs = p.toString();
    var url = window.location.pathname + (qs ? "?" + qs : "") + window.location.hash;
    if (url !== window.location.pathname + window.location.search + window.location.hash) {
      window.history.replaceState(null, "", url);
    }
  }

  function syncControls() {
    setValue($("sv-q"), st.q);
    setValue($("sv-queue"), st.queue);
    setValue($("sv-state"), st.state);
    setValue($("sv-hours"), String(st.hours));
    setValue($("sv-sort"), st.sort);
    setValue($("sv-qsort"), st.qsort);
    syncTeams();
  }

  function setValue(el, v) {
    if (el && el.value !== v && document.activeElement !== el) { el.value = v; }
  }

  // The team select lists the board's teams (#sv-team-list, live) and keeps
  // the URL's team even when nobody of it is logged in.
  function syncTeams() {
    var sel = $("sv-team");
    if (!sel) { return; }
    var teams = [];
    each(document.querySelectorAll("#sv-team-list li"), function (li) { teams.push(li.textContent); });
    if (st.team && teams.indexOf(st.team) < 0) { teams.push(st.team); }
    var have = [];
    each(sel.options, function (o, i) { if (i > 0) { have.push(o.value); } });
    if (have.join("\n") !== teams.join("\n")) {
      while (sel.options.length > 1) { sel.remove(1); }
      teams.forEach(function (t) {
        var o = document.createElement("option");
        o.value = t;
        o.textContent = "\u2068" + t + "\u2069"; // isolated, as the server renders it
        sel.appendChild(o);
      });
    }
    if (sel.value !== st.team) { sel.value = st.team; }
  }

  // --- filtering and sorting ------------------------------------------------

  function agentMatches(tr) {
    if (st.q && tr.getAttribute("data-name").toLowerCase().indexOf(st.q.toLowerCase()) < 0) { return false; }
    if (st.team && (tr.getAttribute("data-teams") || "").indexOf("\n" + st.team + "\n") < 0) { return false; }
    if (st.state && tr.getAttribute("data-state") !== st.state) { return false; }
    return true;
  }

  // Prefix of the name or of a part of its path, as the server does.
  function queueMatches(tr) {
    if (!st.queue) { return true; }
    var name = tr.getAttribute("data-name").toLowerCase(), f = st.queue.toLowerCase();
    if (name.indexOf(f) === 0) { return true; }
    for (var i = 0; i < name.length; i++) {
      var c = name.charAt(i);
      if ((c === "/" || c === ">") && name.slice(i + 1).trim().indexOf(f) === 0) { return true; }
    }
    return false;
  }

  function sortKey(tr, col) {
    var v = tr.getAttribute("data-k-" + col);
    if (v === null || v === "") { return null; }
    return NUMERIC[col] ? Number(v) : v.toLowerCase();
  }

  function compare(a, b, desc) {
    if (a.k === null || b.k === null) {
      if (a.k === b.k) { return a.i - b.i; }
      return a.k === null ? 1 : -1; // no value: last either way
    }
    var c = typeof a.k === "number" ? a.k - b.k : (a.k < b.k ? -1 : a.k > b.k ? 1 : 0);
    if (desc) { c = -c; }
    return c || a.i - b.i;
  }

  // Filters and orders the rows of one table; returns how many show.
  function applyTable(table, spec, matches) {
    if (!table) { return 0; }
    var tbody = table.tBodies[0];
    var none = tbody.querySelector(".sv-none");
    var rows = [];
    each(tbody.querySelectorAll("tr.sv-row"), function (tr) { rows.push(tr); });
    var shown = 0;
    rows.forEach(function (tr) {
      var ok = matches(tr);
      if (tr.hidden === ok) { tr.hidden = !ok; }
      if (ok) { shown++; }
    });
    var desc = spec.charAt(0) === "-", col = desc ? spec.slice(1) : spec;
    var items = rows.map(function (tr) {
      return { tr: tr, i: Number(tr.getAttribute("data-i")) || 0, k: col ? sortKey(tr, col) : 0 };
    });
    items.sort(function (a, b) { return col ? compare(a, b, desc) : a.i - b.i; });
    var inOrder = items.every(function (it, i) { return it.tr === rows[i]; });
    if (!inOrder) {
      items.forEach(function (it) { tbody.insertBefore(it.tr, none); });
    }
    if (none) { none.hidden = shown > 0; }
    each(table.querySelectorAll("thead th"), function (th) {
      var b = th.querySelector(".sv-sort");
      var c = b && b.getAttribute("data-col");
      var mark = c === col ? (desc ? "descending" : "ascending") : "none";
      if (th.getAttribute("aria-sort") !== mark) { th.setAttribute("aria-sort", mark); }
    });
    return shown;
  }

  function setText(el, t) { if (el && el.textContent !== t) { el.textContent = t; } }

  function apply() {
    syncControls();
    setText($("sv-agents-shown"), String(applyTable($("sv-agents"), st.sort, agentMatches)));
    setText($("sv-queues-shown"), String(applyTable($("sv-queues"), st.qsort, queueMatches)));
    each(document.querySelectorAll(".sv-state"), function (b) {
      var on = String(b.getAttribute("data-state") === st.state);
      if (b.getAttribute("aria-pressed") !== on) { b.setAttribute("aria-pressed", on); }
    });
    var clear = $("sv-clear");
    if (clear) { clear.disabled = !(st.q || st.team || st.state || st.queue); }
    drawQueueSparks();
  }

  function changed() {
    writeURL();
    apply();
  }

  // --- clock ---------------------------------------------------------------

  function readSync() {
    var el = $("wb-sync");
    var now = el && Number(el.getAttribute("data-now"));
    if (now > 0) { offset = now - Date.now(); }
    return now > 0 ? now : Date.now() + offset;
  }
  function serverNow() { return Date.now() + offset; }

  function pad(v) { return v < 10 ? "0" + v : "" + v; }
  function clockText(ms) {
    var d = new Date(ms);
    return pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
  }
  function duration(sec) {
    sec = Math.max(0, Math.round(sec));
    var h = Math.floor(sec / 3600), m = Math.floor(sec % 3600 / 60), s = sec % 60;
    return h > 0 ? h + ":" + pad(m) + ":" + pad(s) : m + ":" + pad(s);
  }

  // --- breaches ------------------------------------------------------------

  // Compares every tile's and queue's level with the last one seen. The
  // first look lists what is already in breach when the page opens.
  function detectBreaches(at) {
    var first = levels === null;
    var seen = {};
    var critical = false;
    each(document.querySelectorAll("#sv-live [data-breach-key]"), function (el) {
      var key = el.getAttribute("data-breach-key");
      var lvl = el.getAttribute("data-level") || "none";
      var prev = first ? "none" : (levels[key] || "none");
      seen[key] = lvl;
      if (RANK[lvl] >= RANK.warn && RANK[lvl] > RANK[prev]) {
        addBreach(el.getAttribute("data-breach-name") || key, lvl, el.getAttribute("data-reason") || "", at, first, key);
        if (!first && lvl === "critical") {
          critical = true;
          notify(el.getAttribute("data-breach-name") || key, el.getAttribute("data-reason") || "", key);
        }
      }
    });
    levels = seen; // forgets what left the board: memory stays bounded
    if (critical) { beep(); }
  }

  function addBreach(name, lvl, reason, at, initial, key) {
    var list = $("sv-breach-list");
    if (!list) { return; }
    var li = document.createElement("li");
    li.className = "sv-breach lvl-" + lvl + (initial ? " initial" : "");
    li.setAttribute("data-key", key);
    li.setAttribute("data-level", lvl);
    var t = document.createElement("time");
    t.dateTime = new Date(at).toISOString();
    t.textContent = clockText(at);
    var badge = document.createElement("span");
    badge.className = "lvl lvl-" + lvl;
    badge.textContent = lvl === "critical" ? "CRIT" : "WARN";
    var n = document.createElement("b");
    n.className = "sv-breach-name";
    n.textContent = name;
    var r = document.createElement("span");
    r.className = "sv-breach-reason";
    r.textContent = reason + (initial ? " (open when the page loaded)" : "");
    li.appendChild(t);
    li.appendChild(badge);
    li.appendChild(n);
    li.appendChild(r);
    list.insertBefore(li, list.firstChild);
    while (list.children.length > MAX_BREACHES) { list.removeChild(list.lastChild); }
    breachCount++;
    setText($("sv-breach-count"), breachCount > MAX_BREACHES ? "latest " + MAX_BREACHES + " of " + breachCount : String(breachCount));
    var empty = $("sv-breach-empty");
    if (empty) { empty.hidden = true; }
  }

  // --- browser notifications -----------------------------------------------

  // Opt-in (the button asks the browser's permission; the choice is kept in
  // localStorage): a system notification for each new critical breach, so a
  // supervisor in another tab or window sees it. One per breach key at a
  // time (tag), never for what was already in breach when the page opened.
  function notifyOn() {
    try {
      return window.localStorage.getItem(NOTIFY_KEY) === "on" && "Notification" in window && Notification.permission === "granted";
    } catch (e) { return false; }
  }

  function showNotify() {
    var b = $("sv-notify");
    if (!b) { return; }
    if (!("Notification" in window)) { b.hidden = true; return; }
    var on = notifyOn();
    b.setAttribute("aria-pressed", String(on));
    b.textContent = on ? "Notifications on" : (Notification.permission === "denied" ? "Notifications blocked" : "Notifications off");
  }

  function notify(name, reason, key) {
    if (!notifyOn()) { return; }
    var b = $("sv-notify");
    if (b) { b.setAttribute("data-notified", String(Number(b.getAttribute("data-notified") || 0) + 1)); }
    try {
      new Notification("Critical: " + name, { body: reason, tag: "wallboard:" + key });
    } catch (e) { /* some browsers allow notifications only from a service worker */ }
  }

  // --- sound ---------------------------------------------------------------

  function soundOn() {
    try { return window.localStorage.getItem(SOUND_KEY) === "on"; } catch (e) { return false; }
  }

  function showSound() {
    var b = $("sv-sound");
    if (!b) { return; }
    var on = soundOn();
    b.setAttribute("aria-pressed", String(on));
    b.textContent = on ? "Sound on" : "Sound off";
  }

  function audioContext() {
    if (!audio) {
      var AC = window.AudioContext || window.webkitAudioContext;
      if (!AC) { return null; }
      audio = new AC();
    }
    if (audio.state === "suspended") { audio.resume(); }
    return audio;
  }

  // A short two-note tone; nothing when sound is off.
  function beep(force) {
    if (!force && !soundOn()) { return; }
    var b = $("sv-sound");
    if (b) { b.setAttribute("data-beeps", String(Number(b.getAttribute("data-beeps") || 0) + 1)); }
    var ctx = audioContext();
    if (!ctx) { return; }
    [880, 660].forEach(function (f, i) {
      var t0 = ctx.currentTime + i * 0.18;
      var osc = ctx.createOscillator(), gain = ctx.createGain();
      osc.type = "sine";
      osc.frequency.value = f;
      gain.gain.setValueAtTime(0.0001, t0);
      gain.gain.exponentialRampToValueAtTime(0.25, t0 + 0.02);
      gain.gain.exponentialRampToValueAtTime(0.0001, t0 + 0.16);
      osc.connect(gain);
      gain.connect(ctx.destination);
      osc.start(t0);
      osc.stop(t0 + 0.17);
    });
  }

  // --- sparklines ----------------------------------------------------------

  function fetchHistory() {
    clearTimeout(histTimer);
    histTimer = setTimeout(fetchHistory, HISTORY_EVERY);
    var url = body.getAttribute("data-history-url");
    if (!url || !window.fetch) { return; }
    var seq = ++histSeq;
    var status = $("sv-trend-status");
    window.fetch(url + "?minutes=" + st.hours * 60, { credentials: "same-origin", headers: { Accept: "application/json" } })
      .then(function (r) {
        if (!r.ok) { throw new Error(r.status === 404 ? "no history on this server" : "trend unavailable (HTTP " + r.status + ")"); }
        return r.json();
      })
      .then(function (h) {
        if (seq !== histSeq) { return; }
        hist = h;
        histVersion++;
        setText(status, "");
        drawBoardSparks();
        drawQueueSparks();
      })
      .catch(function (e) {
        if (seq !== histSeq) { return; }
        setText(status, e.message || "trend unavailable");
      });
  }

  function slaOf(s) {
    return s.sla_call !== null && s.sla_call !== undefined ? s.sla_call : (s.sla_chat !== undefined ? s.sla_chat : null);
  }

  var SERIES = {
    waiting: function (s) { return s.waiting; },
    longest: function (s) { return s.longest_wait_seconds; },
    sla: slaOf,
    sla_call: function (s) { return s.sla_call === undefined ? null : s.sla_call; },
    sla_chat: function (s) { return s.sla_chat === undefined ? null : s.sla_chat; }
  };

  // points: [{t, v}] with v null for unknown. Unknown values and missing
  // minutes leave gaps: a line never drops to 0 for "unknown".
  function points(samples, get) {
    var out = [];
    (samples || []).forEach(function (s) {
      var v = get(s);
      out.push({ t: Date.parse(s.at), v: typeof v === "number" && isFinite(v) ? v : null });
    });
    return out;
  }

  function pathOf(pts, x, y, step) {
    var d = "", prevT = null;
    pts.forEach(function (p) {
      if (p.v === null) { prevT = null; return; }
      var move = prevT === null || p.t - prevT > step * 1.5;
      d += (move ? "M" : "L") + x(p.t).toFixed(1) + " " + y(p.v).toFixed(1);
      prevT = p.t;
    });
    return d;
  }

  function el(name, attrs) {
    var e = document.createElementNS(SVG, name);
    for (var k in attrs) { if (Object.prototype.hasOwnProperty.call(attrs, k)) { e.setAttribute(k, attrs[k]); } }
    return e;
  }

  // Draws series into svg (its viewBox gives the size). lines: [{pts, cls}].
  function drawSpark(svg, lines, lo, hi, area) {
    while (svg.firstChild) { svg.removeChild(svg.firstChild); }
    var vb = svg.viewBox.baseVal, w = vb.width, h = vb.height, pad = 2;
    var t1 = serverNow(), t0 = t1 - st.hours * 3600000, step = stepOf(lines);
    var x = function (t) { return (t - t0) / (t1 - t0) * w; };
    var y = function (v) { return h - pad - (hi > lo ? (v - lo) / (hi - lo) : 0) * (h - 2 * pad); };
    var n = 0;
    lines.forEach(function (l) {
      var d = pathOf(l.pts.filter(function (p) { return p.t >= t0 - step; }), x, y, step);
      if (!d) { return; }
      n++;
      if (area) {
        // Each run of known values gets its own filled area.
        d.split("M").forEach(function (run) {
          if (!run) { return; }
          var xs = run.split("L").map(function (p) { return p.split(" ")[0]; });
          svg.appendChild(el("path", { d: "M" + run + "L" + xs[xs.length - 1] + " " + h + "L" + xs[0] + " " + h + "Z", "class": "spark-area " + l.cls }));
        });
      }
      svg.appendChild(el("path", { d: d, "class": "spark-line " + l.cls, "vector-effect": "non-scaling-stroke" }));
      var last = null;
      l.pts.forEach(function (p) { if (p.v !== null) { last = p; } });
      if (last && last.t >= t0) {
        svg.appendChild(el("circle", { cx: x(last.t).toFixed(1), cy: y(last.v).toFixed(1), r: area ? 2.5 : 1.6, "class": "spark-dot " + l.cls }));
      }
    });
    svg.setAttribute("data-points", String(n));
    svg.setAttribute("data-drawn", String(histVersion));
  }

  // The series' resolution: the smallest distance between two samples
  // (a minute from the sampler). A longer distance is a gap.
  function stepOf(lines) {
    var step = Infinity;
    lines.forEach(function (l) {
      for (var i = 1; i < l.pts.length; i++) {
        var d = l.pts[i].t - l.pts[i - 1].t;
        if (d > 0 && d < step) { step = d; }
      }
    });
    return step === Infinity ? 60000 : step;
  }

  function range(lines) {
    var lo = Infinity, hi = -Infinity;
    lines.forEach(function (l) { l.pts.forEach(function (p) { if (p.v !== null) { lo = Math.min(lo, p.v); hi = Math.max(hi, p.v); } }); });
    return lo === Infinity ? null : [lo, hi];
  }

  function drawSeries(svg, samples, series, area) {
    var lines;
    if (series === "sla_call" || series === "sla_chat") {
      lines = [{ pts: points(samples, SERIES[series]), cls: "s-sla" }];
      drawSpark(svg, lines, 0, 100, area);
    } else if (series === "sla") {
      lines = area ?
        [{ pts: points(samples, SERIES.sla_call), cls: "s-sla-call" }, { pts: points(samples, SERIES.sla_chat), cls: "s-sla-chat" }] :
        [{ pts: points(samples, SERIES.sla), cls: "s-sla" }];
      drawSpark(svg, lines, 0, 100, area);
    } else {
      lines = [{ pts: points(samples, SERIES[series]), cls: "s-" + series }];
      var r = range(lines);
      drawSpark(svg, lines, 0, r ? Math.max(r[1], series === "waiting" ? 1 : 30) : 1, area);
    }
    return range(lines);
  }

  function drawBoardSparks() {
    if (!hist) { return; }
    setText($("sv-trend-span"), "last " + st.hours + " h");
    each(document.querySelectorAll('svg[data-spark="board"]'), function (svg) {
      var series = svg.getAttribute("data-series");
      var r = drawSeries(svg, hist.samples, series, true);
      var label = svg.parentNode.querySelector(".sv-trend-range");
      var text = "no data";
      if (r) {
        var f = series === "longest" ? duration : series === "sla" ? function (v) { return Math.round(v) + "%"; } : function (v) { return String(Math.round(v)); };
        text = "min " + f(r[0]) + " · max " + f(r[1]);
      }
      setText(label, text);
    });
  }

  // Queue and queue-group rows' sparklines; after a morph emptied them, or
  // after a fetch.
  function drawQueueSparks() {
    if (!hist) { return; }
    drawRowSparks("#sv-queues tr.sv-row", "data-qid", hist.queues);
    drawRowSparks("#sv-groups tr.sv-row", "data-gid", hist.groups);
  }

  function drawRowSparks(rows, idAttr, list) {
    var byKey = {};
    (list || []).forEach(function (q) { byKey[q.source + "\n" + q.id] = q.samples; });
    each(document.querySelectorAll(rows), function (tr) {
      if (tr.hidden) { return; }
      var samples = byKey[tr.getAttribute("data-source") + "\n" + tr.getAttribute(idAttr)];
      each(tr.querySelectorAll("svg.spark"), function (svg) {
        if (svg.getAttribute("data-drawn") === String(histVersion) && svg.firstChild) { return; }
        drawSeries(svg, samples || [], svg.getAttribute("data-series"), false);
      });
    });
  }

  // --- events --------------------------------------------------------------

  function bind() {
    var form = $("sv-filters");
    if (form) {
      form.addEventListener("submit", function (e) { e.preventDefault(); changed(); });
    }
    [["sv-q", "q", "input"], ["sv-queue", "queue", "input"], ["sv-team", "team", "change"], ["sv-state", "state", "change"]].forEach(function (b) {
      var input = $(b[0]);
      if (!input) { return; }
      input.addEventListener(b[2], function () { st[b[1]] = input.value.trim(); changed(); });
    });
    var hours = $("sv-hours");
    if (hours) {
      hours.addEventListener("change", function () {
        st.hours = parseInt(hours.value, 10) || DEFAULT_HOURS;
        writeURL();
        fetchHistory();
      });
    }
    var clear = $("sv-clear");
    if (clear) {
      clear.addEventListener("click", function () {
        st.q = st.team = st.state = st.queue = "";
        ["sv-q", "sv-queue", "sv-team", "sv-state"].forEach(function (id) { if ($(id)) { $(id).value = ""; } });
        changed();
      });
    }
    var nb = $("sv-notify");
    if (nb) {
      nb.addEventListener("click", function () {
        if (!("Notification" in window)) { return; }
        var want = !notifyOn();
        function save() {
          try { window.localStorage.setItem(NOTIFY_KEY, want ? "on" : "off"); } catch (e) { /* private mode */ }
          showNotify();
        }
        if (want && Notification.permission !== "granted") {
          Notification.requestPermission().then(save, save);
        } else {
          save();
        }
      });
    }
    var sound = $("sv-sound");
    if (sound) {
      sound.addEventListener("click", function () {
        try { window.localStorage.setItem(SOUND_KEY, soundOn() ? "off" : "on"); } catch (e) { /* private mode: stays off */ }
        showSound();
        if (soundOn()) { beep(true); }
      });
    }
    // The live part is morphed: delegate its clicks.
    document.addEventListener("click", function (e) {
      var t = e.target.closest ? e.target.closest(".sv-sort, .sv-state") : null;
      if (!t) {
        if (audio && audio.state === "suspended") { audio.resume(); }
        return;
      }
      if (t.classList.contains("sv-state")) {
        var s = t.getAttribute("data-state");
        st.state = st.state === s ? "" : s;
        if ($("sv-state")) { $("sv-state").value = st.state; }
        changed();
        return;
      }
      var key = t.getAttribute("data-table") === "agents" ? "sort" : "qsort";
      var col = t.getAttribute("data-col");
      if (st[key] === col) {
        st[key] = "-" + col;
      } else if (st[key] === "-" + col) {
        st[key] = col;
      } else {
        st[key] = DESC_FIRST[col] ? "-" + col : col;
      }
      changed();
    });
    document.addEventListener("htmx:wsAfterMessage", function () {
      var at = readSync();
      apply();
      detectBreaches(at);
    });
  }

  function start() {
    readURL();
    showSound();
    showNotify();
    bind();
    var at = readSync();
    apply();
    detectBreaches(at);
    fetchHistory();
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
