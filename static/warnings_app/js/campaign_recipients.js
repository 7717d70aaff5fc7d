// The campaign form's live count: as the recipient fields change, asks the server which
// companies they select (and who is left out, and why) and shows its answer beside them.
(function () {
  "use strict";
  var form = document.querySelector("form[data-preview-url]");
  var panel = document.getElementById("recipient-preview");
  if (!form || !panel) { return; }
  var names = ["segments", "countries", "tags", "domains", "companies"];
  var timer = null;
  var asked = 0;
  function query() {
    var params = new URLSearchParams();
    names.forEach(function (name) {
      form.querySelectorAll("[name='" + name + "']").forEach(function (el) {
        if (el.tagName === "SELECT") {
          Array.prototype.forEach.call(el.selectedOptions, function (o) { params.append(name, o.value); });
        } else if (el.value) {
          params.append(name, el.value);
        }
      });
    });
    return params.toString();
  }
  function refresh() {
    var mine = ++asked;
    panel.setAttribute("aria-busy", "true");
    fetch(form.dataset.previewUrl + "?" + query(), { credentials: "same-origin", headers: { "Accept": "text/html" } })
      .then(function (response) { return response.text(); })
      .then(function (html) {
        if (mine !== asked) { return; }  // a later answer is on its way
        panel.innerHTML = html;
        panel.removeAttribute("aria-busy");
      })
      .catch(function () {
        panel.textContent = "The count could not be fetched; the campaign's page lists the recipients once it is created.";
        panel.removeAttribute("aria-busy");
      });
  }
  function later() {
    clearTimeout(timer);
    timer = setTimeout(refresh, 300);
  }
  names.forEach(function (name) {
    form.querySelectorAll("[name='" + name + "']").forEach(function (el) {
      el.addEventListener("input", later);
      el.addEventListener("change", later);
    });
  });
  refresh();
})();
