// Wallboard TV wall behaviour. No inline scripts: everything comes from
// data-* attributes rendered by the server.
//
// - Clock offset: every websocket message carries #wb-sync[data-now], the
//   server's time when it was sent. offset = serverNow - browserNow.
// - Ticking: every element with data-since (Unix ms) shows the time elapsed
//   since then on the server's clock, updated every second with no server
//   traffic. [data-clock] shows the wall clock. A tile's data-age marker
//   turns amber (data-old) when its data is older than OLD_DATA.
// - Pages: when the queue table or the agent grid does not fit its area,
//   their items are split into pages measured from the real screen, shown
//   one at a time with an "n/m" indicator, rotating every
//   #wb-wall[data-rotate] ms (0: the first page stays). Items off the
//   current page carry data-off (morphing keeps it, see below). Paging is
//   recomputed after each message from cached sizes, so a live update never
//   forces the browser to lay out the page: the areas' sizes come from a
//   ResizeObserver, a queue row's height is measured once per kind of row
//   (with or without a reason line) and screen size, agent cards are sized
//   by the grid. Only items whose page changed are touched.
// - Burn-in: every data-burn-in ms of #wb-wall (the board's burn_in; default
//   SHIFT_EVERY; 0: never) the content moves by a few pixels inside the
//   wall's padding (CSS variables --sx/--sy), never causing overflow.
// - Reconnect: htmx-ext-ws reconnects only after abnormal closes; this file
//   reconnects after any close, forever, with jittered exponential back-off.
//   On connect the server sends a full render, so the wall resyncs. A
//   server going away says data-reconnect-within (ms) in its last clock
//   tag: the page then reconnects at a random moment within it.
// - Patches: a message is either a full render (htmx swaps it) or a patch,
//   <template data-wb-patch> holding only the elements that changed, each
//   in a <template> of its own (data-wb-attrs: only its attributes), each
//   morphed into the element with the same id by morph() below: elements
//   are kept (their animations, focus and the attributes this file sets
//   go on), children with an id are matched by id, others by position. An
//   unchanged element inside a part comes as a placeholder (data-wb-keep):
//   the page's element is moved there as it is. Every message's clock tag
//   carries its sequence number (data-seq); a patch applies only on top of
//   the message numbered just before it. After a gap (or before the first
//   full render) the page drops patches and sends "full" once; the server
//   answers with the full render.
// - Version: when the server's version or the board's definition (config
//   fingerprint) changes, the page reloads itself.
//
// Runs for days: every listener and timer is created once; nothing is kept
// per message.
(function () {
  "use strict";

  var offset = 0; // server clock minus browser clock, ms
  var version = null;
  var config = null; // the board definition's fingerprint
  var retries = 0;
  var seq = 0; // the sequence number of the last message applied; 0: none yet
  var awaitingFull = false;
  var reconnectWithin = 0; // ms; set by a server going away
  var downTimer = null;
  var page = 0; // the rotation counter; each paged area shows page % its count
  var shiftStep = 0;
  var fails = 0; // websocket closes since the last open
  var checking = false;
  var BASE_DELAY = 500, MAX_DELAY = 10000, RETRY_CODES = [1006, 1011, 1012, 1013];
  var OLD_DATA = 90 * 1000, SHIFT_EVERY = 3 * 60 * 1000;
  // Burn-in offsets in rem (a tenth of a design pixel): a slow loop of ±0.4rem.
  var SHIFTS = [[0, 0], [0.2, 0.1], [0.4, 0.2], [0.2, 0.3], [0, 0.4], [-0.2, 0.3], [-0.4, 0.2], [-0.2, 0.1]];

  // Equal-jitter exponential back-off: half fixed, half random.
  function reconnectDelay(n) {
    var d = Math.min(MAX_DELAY, BASE_DELAY * Math.pow(2, Math.min(n, 10)));
    return d / 2 + Math.random() * d / 2;
  }
  if (window.htmx) {
    window.htmx.config.wsReconnectDelay = function (n) {
      if (reconnectWithin > 0) {
        var d = Math.random() * reconnectWithin;
        reconnectWithin = 0;
        return d;
      }
      return reconnectDelay(n);
    };
  }
  // Attributes this file sets on server-rendered elements (paging, grid
  // size, data age): they are not in the server's HTML, so morphing (a
  // patch's, or idiomorph's for a full render) keeps them.
  var OWN_ATTRS = { "data-off": 1, "style": 1, "data-old": 1, "hx-swap-oob": 1 };
  if (window.Idiomorph && window.Idiomorph.defaults && window.Idiomorph.defaults.callbacks) {
    var prev = window.Idiomorph.defaults.callbacks.beforeAttributeUpdated;
    window.Idiomorph.defaults.callbacks.beforeAttributeUpdated = function (name, node, mutation) {
      if (mutation === "remove" && OWN_ATTRS[name]) {
        return false;
      }
      return prev ? prev(name, node, mutation) : true;
    };
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
    var within = Number(el.getAttribute("data-reconnect-within"));
    if (within > 0) { reconnectWithin = within; }
    var v = el.getAttribute("data-version");
    var c = el.getAttribute("data-config");
    if (version === null) {
      version = v;
      config = c;
    } else if ((v && v !== version) || (c && c !== config)) {
      window.location.reload();
    }
  }

  // showSince makes el show the time since since (Unix ms, server clock).
  function showSince(el, since, now) {
    if (!(since > 0)) { return; }
    var text = duration(now - since);
    if (el.textContent !== text) { el.textContent = text; }
    var marker = el.parentNode;
    if (marker && marker.classList && marker.classList.contains("age") && marker.parentNode && !marker.parentNode.classList.contains("badge-bad")) {
      var old = now - since > OLD_DATA;
      if (old !== marker.hasAttribute("data-old")) {
        if (old) { marker.setAttribute("data-old", ""); } else { marker.removeAttribute("data-old"); }
      }
    }
  }

  // tick shows every elapsed time and clock; after a patch, roots are the
  // patched elements: only their times can be off (every other one showed
  // the right time already), unless the feed times themselves changed.
  function tick(roots) {
    var now = serverNow();
    var feeds = document.getElementById("wb-feeds");
    if (roots && roots.indexOf(feeds) < 0) {
      for (var r = 0; r < roots.length; r++) { tickIn(roots[r], now, feeds); }
      return;
    }
    tickIn(document, now, feeds);
    var clocks = document.querySelectorAll("[data-clock]");
    if (clocks.length) {
      var d = new Date(now);
      var t = pad(d.getHours()) + ":" + pad(d.getMinutes()) + ":" + pad(d.getSeconds());
      for (var j = 0; j < clocks.length; j++) {
        if (clocks[j].textContent !== t) { clocks[j].textContent = t; }
      }
    }
  }

  // tickIn shows the elapsed times in root and its descendants: timers
  // (data-since) and data ages, which tick from the feed times of #wb-feeds.
  function tickIn(root, now, feeds) {
    var els = root.querySelectorAll("[data-since]");
    for (var i = 0; i < els.length; i++) {
      showSince(els[i], Number(els[i].getAttribute("data-since")), now);
    }
    if (root !== document && root.hasAttribute("data-since")) {
      showSince(root, Number(root.getAttribute("data-since")), now);
    }
    var ages = feeds ? root.querySelectorAll("[data-feed]") : [];
    for (var k = 0; k < ages.length; k++) {
      showSince(ages[k], Number(feeds.getAttribute("data-" + ages[k].getAttribute("data-feed"))), now);
    }
  }

  // Tick just after each second boundary of the server's clock.
  function schedule() {
    tick();
    setTimeout(schedule, 1000 - (serverNow() % 1000) + 15);
  }

  // ---- Pages ----

  // Sizes the paging needs, cached so that a live update reads none from
  // the page: measure() fills them (at start, after a full render, and from
  // the ResizeObserver, when the layout is clean anyway); a queue row's
  // height is measured the first time its kind is seen.
  var geo = null; // {rem, areas: {id: {w, h}}}
  var rowHeights = {}; // kind → px
  var observer = null;
  var observed = [];

  function rem() { return parseFloat(window.getComputedStyle(document.documentElement).fontSize) || 10; }

  // pagedAreas are the paged panels' bodies: each panel's .panel-body.
  function pagedAreas() {
    var out = [], ids = ["wb-queues", "wb-groups", "wb-agents"];
    for (var i = 0; i < ids.length; i++) {
      var panel = document.getElementById(ids[i]);
      var body = panel && panel.querySelector(".panel-body");
      if (body) { out.push({ panel: panel, body: body }); }
    }
    return out;
  }

  // measure reads the sizes of the paged areas (a forced layout when the
  // page changed since the last frame) and reports whether they changed;
  // it forgets the row heights when they did, or with forget.
  function measure(forget) {
    var areas = {}, list = pagedAreas();
    for (var i = 0; i < list.length; i++) {
      var head = list[i].body.querySelector("thead");
      areas[list[i].panel.id] = {
        w: list[i].body.clientWidth,
        h: list[i].body.clientHeight - (head ? head.offsetHeight : 0)
      };
    }
    var g = { rem: rem(), areas: areas };
    var changed = JSON.stringify(g) !== JSON.stringify(geo);
    geo = g;
    if (changed || forget) { rowHeights = {}; }
    observe(list);
    return changed;
  }

  // observe watches the paged areas' sizes: a resize, or a tile growing a
  // line, re-measures and pages again.
  function observe(list) {
    if (!window.ResizeObserver) { return; }
    var same = list.length === observed.length;
    for (var i = 0; same && i < list.length; i++) { same = list[i].body === observed[i]; }
    if (same) { return; }
    if (!observer) {
      observer = new window.ResizeObserver(function () {
        // It also fires once when it starts watching: page only on a change.
        if (measure(false)) { layout(); }
      });
    }
    observer.disconnect();
    observed = [];
    for (var j = 0; j < list.length; j++) {
      observer.observe(list[j].body);
      observed.push(list[j].body);
    }
  }

  // rowHeight is the height of rows of r's kind in the table of panel key.
  function rowHeight(key, r) {
    var kind = key + (r.querySelector(".q-reason") ? "+reason" : "");
    var h = rowHeights[kind];
    if (h === undefined) {
      var off = r.hasAttribute("data-off");
      if (off) { r.removeAttribute("data-off"); }
      h = r.offsetHeight;
      if (off) { r.setAttribute("data-off", ""); }
      if (h > 0) { rowHeights[kind] = h; }
    }
    return h;
  }

  // queuePages splits the queue rows into pages that fit the table's area.
  function queuePages(panel) {
    var tbody = panel.querySelector("tbody");
    var area = geo.areas[panel.id];
    if (!tbody || !area) { return []; }
    var rows = [], heights = [];
    for (var i = 0; i < tbody.children.length; i++) {
      var r = tbody.children[i];
      if (r.classList.contains("empty")) { continue; }
      rows.push(r);
      heights.push(rowHeight(panel.id, r));
    }
    var avail = area.h;
    var pages = [], cur = [], h = 0;
    for (var j = 0; j < rows.length; j++) {
      if (cur.length && h + heights[j] > avail) { pages.push(cur); cur = []; h = 0; }
      cur.push(j);
      h += heights[j];
    }
    if (cur.length) { pages.push(cur); }
    pages = balance(pages, heights, avail);
    return pages.map(function (p) { return p.map(function (k) { return rows[k]; }); });
  }

  // balance spreads rows (their indexes) evenly over the same number of
  // pages when every page still fits, so the last page is not a lonely row
  // or two.
  function balance(pages, heights, avail) {
    if (pages.length < 2) { return pages; }
    var per = Math.ceil(heights.length / pages.length), out = [];
    for (var i = 0; i < heights.length; i += per) {
      var page = [], h = 0;
      for (var j = i; j < Math.min(i + per, heights.length); j++) {
        page.push(j);
        h += heights[j];
      }
      if (h > avail) { return pages; }
      out.push(page);
    }
    return out.length === pages.length ? out : pages;
  }

  // agentPages sizes the agent grid for the screen: every card when they fit
  // at a readable size, otherwise pages of as many as fit.
  function agentPages(panel) {
    var grid = panel.querySelector(".agents");
    var area = geo.areas[panel.id];
    if (!grid || !area) { return []; }
    var cards = grid.querySelectorAll(".agent");
    var n = cards.length;
    if (n === 0) { return []; }
    var r = geo.rem, gap = 0.8 * r;
    var W = area.w, H = area.h;
    var natW = 30 * r, natH = 7.2 * r, minW = 20 * r, minH = 5.6 * r, maxH = 12 * r;
    var best = 0, bestScale = 0;
    for (var c = 1; c <= 16; c++) {
      var rows = Math.ceil(n / c);
      var cw = (W - gap * (c - 1)) / c, ch = (H - gap * (rows - 1)) / rows;
      if (cw < minW || ch < minH) { continue; }
      var scale = Math.min(cw / natW, ch / natH);
      if (scale > bestScale) { best = c; bestScale = scale; }
    }
    var cols, perPage, gridRows;
    if (best > 0) {
      cols = best;
      perPage = n;
      gridRows = Math.ceil(n / cols);
    } else {
      cols = Math.max(1, Math.floor((W + gap) / (minW + gap)));
      gridRows = Math.max(1, Math.floor((H + gap) / (minH + gap)));
      perPage = cols * gridRows;
    }
    // Few agents: cards keep a sensible height instead of filling the area.
    gridRows = Math.max(gridRows, Math.floor((H + gap) / (maxH + gap)));
    var tc = "repeat(" + cols + ", minmax(0, 1fr))", tr = "repeat(" + gridRows + ", minmax(0, 1fr))";
    if (grid.style.gridTemplateColumns !== tc) { grid.style.gridTemplateColumns = tc; }
    if (grid.style.gridTemplateRows !== tr) { grid.style.gridTemplateRows = tr; }
    var pages = [];
    for (var k = 0; k < n; k += perPage) {
      pages.push(Array.prototype.slice.call(cards, k, k + perPage));
    }
    return pages;
  }

  // showPage shows the current page of a panel's items: data-off on the
  // others, touching only the items whose state changes.
  function showPage(panel, pages) {
    var pager = panel.querySelector("[data-pager]");
    var count = pages.length;
    var idx = count > 0 ? page % count : 0;
    for (var p = 0; p < count; p++) {
      var off = p !== idx;
      for (var i = 0; i < pages[p].length; i++) {
        var el = pages[p][i];
        if (el.hasAttribute("data-off") !== off) {
          if (off) { el.setAttribute("data-off", ""); } else { el.removeAttribute("data-off"); }
        }
      }
    }
    if (pager) {
      var text = count > 1 ? (idx + 1) + "/" + count : "";
      if (pager.textContent !== text) { pager.textContent = text; }
    }
  }

  function layout() {
    if (!geo) { measure(true); }
    var q = document.getElementById("wb-queues");
    if (q) { showPage(q, queuePages(q)); }
    var g = document.getElementById("wb-groups");
    if (g) { showPage(g, queuePages(g)); }
    var a = document.getElementById("wb-agents");
    if (a) { showPage(a, agentPages(a)); }
  }

  function rotate() {
    page++;
    layout();
  }

  // ---- Burn-in protection ----

  function shift() {
    shiftStep = (shiftStep + 1) % SHIFTS.length;
    var s = document.documentElement.style;
    s.setProperty("--sx", SHIFTS[shiftStep][0] + "rem");
    s.setProperty("--sy", SHIFTS[shiftStep][1] + "rem");
  }

  // ---- Connection ----

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

  // After a few failed reconnects, ask for the page itself: a board that a
  // config reload removed (404) or a revoked display link (403) shows its
  // page instead of retrying forever; a server that is down just keeps
  // being retried.
  function checkPage() {
    if (checking || !window.fetch) { return; }
    checking = true;
    window.fetch(window.location.href, { cache: "no-store", credentials: "same-origin", redirect: "manual" }).then(function (r) {
      checking = false;
      if (r.status === 404 || r.status === 403) { window.location.reload(); }
    }, function () { checking = false; });
  }

  document.addEventListener("htmx:wsOpen", function () {
    retries = 0;
    fails = 0;
    connState("open");
  });
  document.addEventListener("htmx:wsClose", function (e) {
    connState("down");
    if (++fails >= 3) { checkPage(); }
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
  var fullRender = false; // the message being handled is a full render
  var patched = null; // the elements the patch being handled changed

  document.addEventListener("htmx:wsAfterMessage", function () {
    readSync();
    if (fullRender) {
      fullRender = false;
      measure(true);
    }
    layout();
    tick(patched);
    patched = null;
  });

  // ---- Patches ----

  function requestFull(socket) {
    if (awaitingFull || !socket) { return; }
    awaitingFull = true;
    socket.send("full");
  }


  // setAttrs makes el's attributes those of from, keeping OWN_ATTRS.
  function setAttrs(el, from) {
    var i, a;
    for (i = el.attributes.length - 1; i >= 0; i--) {
      a = el.attributes[i].name;
      if (!OWN_ATTRS[a] && !from.hasAttribute(a)) { el.removeAttribute(a); }
    }
    for (i = 0; i < from.attributes.length; i++) {
      a = from.attributes[i];
      if (!OWN_ATTRS[a.name] && el.getAttribute(a.name) !== a.value) { el.setAttribute(a.name, a.value); }
    }
  }

  // TICKING marks elements whose text tick() rewrites every second: a patch
  // leaves their text alone (tick runs right after it).
  var TICKING = ["data-since", "data-feed", "data-clock"];

  function ticking(el) {
    for (var i = 0; i < TICKING.length; i++) {
      if (el.hasAttribute(TICKING[i])) { return true; }
    }
    return false;
  }

  // place puts node (in the page, or taken out of it) before ref in el,
  // moving it with its state (animations, focus) where the browser can.
  function place(el, node, ref) {
    if (el.moveBefore && node.isConnected) {
      try {
        el.moveBefore(node, ref);
        return;
      } catch (e) { /* not movable with its state: insert */ }
    }
    el.insertBefore(node, ref);
  }

  // morph makes el (in the page) look like from (the patch's element of the
  // same tag and id) while keeping el and every descendant it can: those of
  // the same tag and id, or without an id at the same place. Kept elements
  // keep their running animations, focus, typed input and OWN_ATTRS. A
  // placeholder marked data-wb-keep stands for the page's element kept[id],
  // unchanged: it is moved there as it is.
  function morph(el, from, kept) {
    setAttrs(el, from);
    if (ticking(el) && el.childElementCount === 0 && from.childElementCount === 0) { return; }
    var cur = el.firstChild;
    for (var n = from.firstChild; n;) {
      var next = n.nextSibling;
      var match = null, keep = false;
      if (n.nodeType === 1 && n.id) {
        keep = n.hasAttribute("data-wb-keep");
        var found = keep ? kept[n.id] : cur && cur.id === n.id ? cur : document.getElementById(n.id);
        if (found && (keep || found.parentNode === el) && found.nodeName === n.nodeName) { match = found; }
      } else if (cur && cur.nodeType === n.nodeType && cur.nodeName === n.nodeName && !(cur.nodeType === 1 && cur.id)) {
        match = cur;
      }
      if (!match) {
        el.insertBefore(n, cur);
      } else {
        if (match === cur) {
          cur = cur.nextSibling;
        } else {
          place(el, match, cur);
        }
        if (keep) {
          // as it is
        } else if (n.nodeType === 1) {
          morph(match, n, kept);
        } else if (match.nodeValue !== n.nodeValue) {
          match.nodeValue = n.nodeValue;
        }
      }
      n = next;
    }
    while (cur) {
      var after = cur.nextSibling;
      el.removeChild(cur);
      cur = after;
    }
  }

  // applyPatch morphs each element of the patch (each in a template of its
  // own) into the element with its id (or, in a data-wb-attrs template,
  // sets only its attributes) and returns the page's elements it changed;
  // false (and nothing changed) when one has no such element.
  function applyPatch(patch, sync) {
    var parts = [], attrsOnly = [], targets = [], kept = {};
    var children = patch.content.children;
    for (var i = 0; i < children.length; i++) {
      if (children[i].tagName !== "TEMPLATE") { return false; }
      var only = children[i].hasAttribute("data-wb-attrs");
      var c = children[i].content.firstElementChild;
      var t = c && c.id && document.getElementById(c.id);
      if (!t || t.nodeName !== c.nodeName) { return false; }
      // The page's elements that placeholders stand for, found before
      // anything moves.
      var keeps = only ? [] : c.querySelectorAll("[data-wb-keep]");
      for (var k = 0; k < keeps.length; k++) {
        var e = document.getElementById(keeps[k].id);
        if (!e || e.nodeName !== keeps[k].nodeName) { return false; }
        kept[keeps[k].id] = e;
      }
      parts.push(c);
      attrsOnly.push(only);
      targets.push(t);
    }
    for (var j = 0; j < parts.length; j++) {
      if (attrsOnly[j]) {
        setAttrs(targets[j], parts[j]);
      } else {
        morph(targets[j], parts[j], kept);
      }
    }
    var old = document.getElementById("wb-sync");
    if (old && sync) { setAttrs(old, sync); }
    return targets;
  }

  document.addEventListener("htmx:wsBeforeMessage", function (e) {
    var detail = e.detail || {};
    if (typeof detail.message !== "string") { return; }
    var tpl = document.createElement("template");
    tpl.innerHTML = detail.message;
    var sync = tpl.content.querySelector("#wb-sync");
    var n = sync ? Number(sync.getAttribute("data-seq")) : 0;
    var patch = tpl.content.firstElementChild;
    if (!patch || patch.tagName !== "TEMPLATE" || !patch.hasAttribute("data-wb-patch")) {
      // A full render: htmx swaps it.
      if (n > 0) { seq = n; }
      fullRender = true;
      awaitingFull = false;
      return;
    }
    e.preventDefault();
    var changed = n > 0 && seq !== 0 && n === seq + 1 && applyPatch(patch, sync);
    if (!changed) {
      requestFull(detail.socketWrapper);
      return;
    }
    patched = changed;
    seq = n;
    var after = { message: detail.message, socketWrapper: detail.socketWrapper };
    if (window.htmx) {
      window.htmx.trigger(document.body, "htmx:wsAfterMessage", after);
    } else {
      document.body.dispatchEvent(new CustomEvent("htmx:wsAfterMessage", { bubbles: true, detail: after }));
    }
  });

  function start() {
    readSync();
    layout();
    schedule();
    window.addEventListener("resize", function () {
      if (!observer) { // the ResizeObserver sees resizes by itself
        measure(true);
        layout();
      }
    });
    if (document.fonts && document.fonts.addEventListener) {
      document.fonts.addEventListener("loadingdone", function () {
        measure(true);
        layout();
      });
    }
    var wall = document.getElementById("wb-wall");
    var every = wall ? Number(wall.getAttribute("data-rotate")) : 0;
    if (every > 0) { setInterval(rotate, Math.max(every, 1000)); }
    var burnIn = wall ? Number(wall.getAttribute("data-burn-in") || SHIFT_EVERY) : 0;
    if (burnIn > 0) { setInterval(shift, Math.max(burnIn, 200)); }
  }
  if (document.readyState === "loading") {
    document.addEventListener("DOMContentLoaded", start);
  } else {
    start();
  }
})();
