/* Scrolling tables: a table wrapper is a named, keyboard-focusable region only while it actually scrolls.
   Without this script every wrapper stays focusable (the server's markup); with it, a table that fits is just a
   table (no empty tab stop, no duplicate "Tabel" regions), and a table that scrolls is named after its caption. */
(function () {
  "use strict";
  var SELECTOR = ".cb-table-wrap, .cbp-table-wrap";
  var NAMING = ["aria-label", "aria-labelledby"];

  function remember(el) {
    if (el.dataset.cbTableInit) { return; }
    el.dataset.cbTableInit = "1";
    NAMING.forEach(function (attr) {
      if (el.hasAttribute(attr)) { el.dataset["cbOrig" + attr.replace("aria-", "")] = el.getAttribute(attr); }
    });
  }

  /* A wrapper may name a hint ("scroll sideways to see every column") shown only while it scrolls. */
  function hint(el, shown) {
    var id = el.getAttribute("data-scroll-hint");
    var node = id && document.getElementById(id);
    if (node) { node.hidden = !shown; }
  }

  function update(el) {
    remember(el);
    var scrolls = el.scrollWidth > el.clientWidth + 1;
    if (scrolls) {
      el.setAttribute("tabindex", "0");
      el.setAttribute("role", "region");
      var caption = el.querySelector("caption");
      if (caption && caption.id) {
        el.removeAttribute("aria-label");
        el.setAttribute("aria-labelledby", caption.id);
      } else if (caption && caption.textContent.trim()) {
        el.removeAttribute("aria-labelledby");
        el.setAttribute("aria-label", caption.textContent.trim());
      } else {
        if (el.dataset.cbOriglabel) { el.setAttribute("aria-label", el.dataset.cbOriglabel); }
        if (el.dataset.cbOriglabelledby) { el.setAttribute("aria-labelledby", el.dataset.cbOriglabelledby); }
      }
      el.classList.add("cb-table-wrap--scrolls");
      hint(el, true);
    } else {
      el.removeAttribute("tabindex");
      el.removeAttribute("role");
      NAMING.forEach(function (attr) { el.removeAttribute(attr); });
      el.classList.remove("cb-table-wrap--scrolls");
      hint(el, false);
    }
  }

  function all() { Array.prototype.forEach.call(document.querySelectorAll(SELECTOR), update); }

  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", all); } else { all(); }
  var pending = null;
  window.addEventListener("resize", function () {
    if (pending) { window.clearTimeout(pending); }
    pending = window.setTimeout(all, 100);
  });
  document.addEventListener("htmx:afterSettle", all);
  document.addEventListener("toggle", all, true); /* a <details> opened: its table may scroll now */
}());
