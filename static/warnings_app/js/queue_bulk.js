// The work queue's bulk bar: show only the field the chosen action reads, and a checkbox that
// chooses every reply on the page. Without this script every field shows and the server checks
// what each action needs.
(function () {
  "use strict";
  var bar = document.querySelector("[data-bulk]");
  var action = document.getElementById("action");
  if (bar && action) {
    var fields = bar.querySelectorAll("[data-for]");
    var show = function () {
      fields.forEach(function (field) {
        field.hidden = field.getAttribute("data-for") !== action.value;
      });
    };
    action.addEventListener("change", show);
    show();
  }
  var all = document.querySelector("[data-choose-all]");
  if (all) {
    var boxes = document.querySelectorAll('input[type="checkbox"][name="ids"]');
    all.addEventListener("change", function () {
      boxes.forEach(function (box) { box.checked = all.checked; });
    });
    boxes.forEach(function (box) {
      box.addEventListener("change", function () {
        var chosen = Array.prototype.filter.call(boxes, function (b) { return b.checked; });
        all.checked = chosen.length === boxes.length;
        all.indeterminate = chosen.length > 0 && chosen.length < boxes.length;
      });
    });
  }
})();
