// The merge-field palette: a search over the fields, and Insert buttons that put a field where
// the cursor is in the subject or the body (whichever was used last; the body at first).
// Without JavaScript the palette stays a plain list whose field names can be copied.
(function () {
  "use strict";
  var palette = document.getElementById("merge-palette");
  if (!palette) { return; }
  var subject = document.getElementById("id_subject");
  var body = document.getElementById("id_body");
  var target = body;
  var search = document.getElementById("palette-search");
  var count = document.getElementById("palette-count");
  var entries = Array.prototype.slice.call(palette.querySelectorAll("[data-palette-entry]"));
  var editable = body && palette.getAttribute("data-insert") === "yes";

  palette.querySelector(".palette-search").hidden = false;
  if (editable) {
    palette.querySelectorAll(".palette-insert, .palette-js-only").forEach(function (el) {
      el.hidden = false;
    });
  }
  [subject, body].forEach(function (field) {
    if (field) { field.addEventListener("focus", function () { target = field; }); }
  });

  function filter() {
    var words = search.value.toLowerCase().split(/\s+/).filter(Boolean);
    var shown = 0;
    entries.forEach(function (entry) {
      var text = entry.getAttribute("data-search");
      var match = words.every(function (word) { return text.indexOf(word) !== -1; });
      entry.hidden = !match;
      if (match) { shown += 1; }
    });
    palette.querySelectorAll(".palette-section").forEach(function (section) {
      section.hidden = !section.querySelector("[data-palette-entry]:not([hidden])");
    });
    count.textContent = words.length ? shown + (shown === 1 ? " field matches" : " fields match")
      : entries.length + " fields";
  }
  search.addEventListener("input", filter);
  filter();

  function insert(snippet) {
    var field = target || body;
    var text = field.tagName === "INPUT" ? snippet.replace(/\s*\n\s*/g, " ") : snippet;
    var start = field.selectionStart, end = field.selectionEnd;
    field.focus();
    field.setRangeText(text, start, end, "end");
    // The editor's live preview listens for input events.
    field.dispatchEvent(new Event("input", { bubbles: true }));
  }
  palette.addEventListener("click", function (event) {
    var button = event.target.closest(".palette-insert");
    if (button) { insert(button.getAttribute("data-snippet")); }
  });
})();
