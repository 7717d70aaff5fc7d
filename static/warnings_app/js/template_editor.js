// Live preview for the template editor: posts the fields as you type and shows the letter
// (rendered by the server with sample merge data) in a sandboxed frame.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form) { return; }
  var frame = document.getElementById("preview-frame");
  var problems = document.getElementById("preview-problems");
  var pdfLink = document.getElementById("pdf-link");
  var pdfBase = pdfLink ? pdfLink.getAttribute("href") : "";
  var timer = null;
  var sequence = 0;

  function showProblems(list) {
    problems.textContent = "";
    list.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      problems.appendChild(item);
    });
  }

  function refresh() {
    var mine = ++sequence;
    var body = new FormData(form);
    fetch(form.dataset.previewUrl, { method: "POST", body: body, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (mine !== sequence) { return; }  // a newer request is on its way
        showProblems(data.problems || []);
        if (data.html) { frame.srcdoc = data.html; }
      })
      .catch(function () { showProblems(["The preview could not be loaded; your text is unchanged."]); });
    if (pdfLink) {
      var company = form.querySelector("[name=company]").value;
      pdfLink.setAttribute("href", pdfBase + (company ? "?company=" + encodeURIComponent(company) : ""));
    }
  }

  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
  refresh();
})();
