// Wallboard embeddable tile: tells the framing window how tall the tile is,
// so that an iframe can size itself. wallboard.js does the rest (server
// clock, ticking timers, websocket reconnect).
//
// Message, posted to the parent on load, after every live update and
// whenever the content's size changes:
//
//   {type: "wallboard:height", board: "<board id>", tile: "<tile>", height: <CSS px>}
//
// It is posted with target "*": it says nothing but a height, and the
// wallboard cannot know the parent's origin (CSP frame-ancestors decides
// who may frame it). Parents should check event.origin against the
// wallboard's origin before trusting it.
(function () {
  "use strict";

  if (window.parent === window) { return; } // not framed: nobody to tell

  var body = document.body;
  var board = body.getAttribute("data-board") || "";
  var tile = body.getAttribute("data-tile") || "";
  var last = -1;

  // The content's height: html is never stretched to the viewport (see
  // embed.css), so its box is the content, and an iframe may shrink too.
  function height() {
    return Math.ceil(document.documentElement.getBoundingClientRect().height);
  }

  function post(always) {
    var h = height();
    if (!always && h === last) { return; }
    last = h;
    window.parent.postMessage({ type: "wallboard:height", board: board, tile: tile, height: h }, "*");
  }

  post(true);
  window.addEventListener("load", function () { post(true); });
  document.addEventListener("htmx:wsAfterMessage", function () { post(true); });
  if (window.ResizeObserver) {
    new window.ResizeObserver(function () { post(false); }).observe(document.documentElement);
  } else {
    window.addEventListener("resize", function () { post(false); });
  }
})();
