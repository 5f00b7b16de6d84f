/* The facilitator's ticking clock. The server holds the real state (start, pauses, skips) and the
   live region is refreshed by htmx; this only advances the displayed time between page loads. */
(function () {
  "use strict";
  var el = document.getElementById("elapsed");
  if (!el || el.getAttribute("data-running") !== "1") { return; }
  var started = Date.now() - parseFloat(el.getAttribute("data-elapsed") || "0") * 1000;
  var nextIn = document.getElementById("next-in");
  function two(n) { return (n < 10 ? "0" : "") + n; }
  function fmt(s) {
    s = Math.floor(s);
    return Math.floor(s / 3600) + ":" + two(Math.floor((s % 3600) / 60)) + ":" + two(s % 60);
  }
  window.setInterval(function () {
    var t = (Date.now() - started) / 1000;
    el.textContent = fmt(t);
    if (nextIn) {
      var marker = document.querySelector("[data-next-offset]");
      if (marker) {
        var left = Math.max(0, Math.round(parseFloat(marker.getAttribute("data-next-offset")) - t));
        nextIn.textContent = Math.floor(left / 60) + ":" + two(left % 60);  /* minutes:seconds, like the server */
      } else {
        nextIn.textContent = "—";
      }
    }
  }, 1000);
}());
