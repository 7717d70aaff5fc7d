// Live preview for the template editor: posts the fields as you type and shows the letter
// (rendered by the server with sample merge data) in a sandboxed frame. Each problem that names
// a line gets a button that puts the cursor on that line; under the body, the cursor's line.
(function () {
  "use strict";
  var form = document.getElementById("editor-form");
  if (!form) { return; }
  var frame = document.getElementById("preview-frame");
  var problems = document.getElementById("preview-problems");
  var ok = document.getElementById("preview-ok");
  var pdfLink = document.getElementById("pdf-link");
  var pdfBase = pdfLink ? pdfLink.getAttribute("href") : "";
  var subject = document.getElementById("id_subject");
  var body = document.getElementById("id_body");
  var position = document.getElementById("cursor-position");
  var timer = null;
  var sequence = 0;

  function lineStart(text, line) {
    var at = 0;
    for (var n = 1; n < line; n += 1) {
      var next = text.indexOf("\n", at);
      if (next === -1) { return text.length; }
      at = next + 1;
    }
    return at;
  }

  function goToLine(field, line) {
    var text = field.value;
    var start = lineStart(text, line);
    var end = text.indexOf("\n", start);
    field.focus();
    field.setSelectionRange(start, end === -1 ? text.length : end);
    if (field.tagName === "TEXTAREA") {
      var height = field.scrollHeight / Math.max(1, text.split("\n").length);
      field.scrollTop = Math.max(0, (line - 3) * height);
    }
    showPosition();
  }

  // "Body: Line 3: …" (the preview) or "Line 3: …" under a field (a refused save).
  function lineButton(text, fallbackField) {
    var found = /^(?:(Subject|Body): )?Line (\d+):/.exec(text);
    if (!found) { return null; }
    var field = found[1] === "Subject" ? subject : (found[1] === "Body" ? body : fallbackField);
    if (!field) { return null; }
    var button = document.createElement("button");
    button.type = "button";
    button.className = "button go-to-line";
    button.textContent = "Go to line " + found[2];
    button.addEventListener("click", function () { goToLine(field, Number(found[2])); });
    return button;
  }

  function showProblems(list) {
    problems.textContent = "";
    list.forEach(function (text) {
      var item = document.createElement("li");
      item.textContent = text;
      var button = lineButton(text, body);
      if (button) { item.appendChild(button); }
      problems.appendChild(item);
    });
  }

  function showPosition() {
    if (!position || !body) { return; }
    var before = body.value.slice(0, body.selectionStart);
    var line = before.split("\n").length;
    var column = before.length - before.lastIndexOf("\n");
    position.hidden = false;
    position.textContent = "Body: line " + line + ", column " + column;
  }

  function refresh() {
    var mine = ++sequence;
    var data = new FormData(form);
    fetch(form.dataset.previewUrl, { method: "POST", body: data, credentials: "same-origin",
      headers: { "X-Requested-With": "fetch" } })
      .then(function (response) { return response.json(); })
      .then(function (answer) {
        if (mine !== sequence) { return; }  // a newer request is on its way
        var list = answer.problems || [];
        showProblems(list);
        ok.hidden = list.length > 0;
        if (answer.html) { frame.srcdoc = answer.html; }
      })
      .catch(function () {
        ok.hidden = true;
        showProblems(["The preview could not be loaded; your text is unchanged."]);
      });
    if (pdfLink) {
      var company = form.querySelector("[name=company]").value;
      pdfLink.setAttribute("href", pdfBase + (company ? "?company=" + encodeURIComponent(company) : ""));
    }
  }

  // Problems shown under a field after a refused save get the same buttons.
  form.querySelectorAll(".field-error").forEach(function (error) {
    var field = error.closest(".field").querySelector("input, textarea");
    var button = lineButton(error.textContent, field);
    if (button) { error.appendChild(button); }
  });
  if (body && position) {
    body.closest(".field").appendChild(position);  // right under the body's own help
    ["keyup", "click", "focus", "input"].forEach(function (name) {
      body.addEventListener(name, showPosition);
    });
  }
  form.addEventListener("input", function () {
    window.clearTimeout(timer);
    timer = window.setTimeout(refresh, 400);
  });
  refresh();
})();
