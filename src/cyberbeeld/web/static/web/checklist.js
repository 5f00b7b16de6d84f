/* Long checkbox lists get a search box that hides the options that do not match (checked ones stay visible).
   Only with this script: without it the full list is shown, and it still works. */
(function () {
  "use strict";
  function normalise(text) {
    return text.toLocaleLowerCase().normalize("NFD").replace(/[\u0300-\u036f]/g, "");
  }
  function setUp(fieldset) {
    if (fieldset.dataset.cbFilterReady) { return; }
    fieldset.dataset.cbFilterReady = "1";
    var list = fieldset.querySelector(".cb-checklist__options");
    if (!list) { return; }
    var id = fieldset.id + "-filter";
    var wrap = document.createElement("div");
    wrap.className = "cb-checklist__filter";
    var label = document.createElement("label");
    label.setAttribute("for", id);
    label.textContent = fieldset.dataset.filterLabel;
    var input = document.createElement("input");
    input.type = "search";
    input.id = id;
    input.className = "utrecht-textbox utrecht-textbox--html-input";
    input.setAttribute("autocomplete", "off");
    var status = document.createElement("span");
    status.className = "cb-muted";
    status.setAttribute("role", "status");
    wrap.appendChild(label);
    wrap.appendChild(input);
    wrap.appendChild(status);
    list.parentNode.insertBefore(wrap, list);
    var items = Array.prototype.slice.call(list.querySelectorAll("li"));
    input.addEventListener("input", function () {
      var q = normalise(input.value.trim());
      var shown = 0;
      items.forEach(function (li) {
        var box = li.querySelector("input");
        var match = !q || normalise(li.textContent).indexOf(q) !== -1 || (box && box.checked);
        li.hidden = !match;
        if (match) { shown += 1; }
      });
      status.textContent = q ? shown + " " + fieldset.dataset.filterCount : "";
    });
  }
  function all() {
    Array.prototype.forEach.call(document.querySelectorAll("fieldset.cb-checklist[data-filter-label]"), setUp);
  }
  if (document.readyState === "loading") { document.addEventListener("DOMContentLoaded", all); } else { all(); }
  document.addEventListener("htmx:afterSettle", all);
}());
