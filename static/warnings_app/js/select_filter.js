// Searchable multi-selects: every <select multiple data-filterable="a thing"> gets a text box above it
// that hides the options not matching what is typed (chosen options always stay visible), a
// plain click toggles an option (no Ctrl-click), and a line below names what is chosen. The
// select itself is unchanged, so the form posts the same values with or without this script.
(function () {
  "use strict";
  function chosenText(select) {
    var names = Array.prototype.filter.call(select.options, function (o) { return o.selected; })
      .map(function (o) { return o.text; });
    return names.length ? names.length + " chosen: " + names.join(", ") : "None chosen";
  }
  document.querySelectorAll("select[multiple][data-filterable]").forEach(function (select) {
    var box = document.createElement("input");
    box.type = "search";
    box.className = "select-filter";
    box.id = select.id + "_filter";
    // "Find a country": a name that does not repeat the select's own label, so each keeps
    // a name of its own.
    box.setAttribute("aria-label", "Find " + (select.dataset.filterable || "in the list"));
    box.setAttribute("aria-controls", select.id);
    box.placeholder = "Type to filter";
    var chosen = document.createElement("p");
    chosen.className = "select-chosen";
    chosen.id = select.id + "_chosen";
    chosen.setAttribute("aria-live", "polite");
    chosen.textContent = chosenText(select);
    select.parentNode.insertBefore(box, select);
    select.parentNode.insertBefore(chosen, select.nextSibling);
    box.addEventListener("input", function () {
      var words = box.value.trim().toLowerCase();
      Array.prototype.forEach.call(select.options, function (option) {
        var text = (option.text + " " + option.value).toLowerCase();
        option.hidden = !!words && !option.selected && text.indexOf(words) === -1;
      });
    });
    box.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { event.preventDefault(); }  // not a submit of the whole form
    });
    select.addEventListener("mousedown", function (event) {
      var option = event.target;
      if (option.tagName !== "OPTION") { return; }
      event.preventDefault();
      option.selected = !option.selected;
      select.focus();
      select.dispatchEvent(new Event("change", { bubbles: true }));
    });
    select.addEventListener("change", function () { chosen.textContent = chosenText(select); });
  });
})();
