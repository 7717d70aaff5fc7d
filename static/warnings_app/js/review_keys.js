// Keyboard shortcuts on the review page: a approves, b sends back (the comment must be written
// first, so the key moves to the comment box when it is empty), j/k go to the next/previous
// letter. Keys typed into a field are left alone.
(function () {
  "use strict";
  function click(id) {
    var el = document.getElementById(id);
    if (el) { el.click(); }
  }
  document.addEventListener("keydown", function (event) {
    var target = event.target;
    if (event.ctrlKey || event.metaKey || event.altKey) { return; }
    if (target && /^(INPUT|TEXTAREA|SELECT)$/.test(target.tagName)) { return; }
    var approve = document.getElementById("approve-form");
    var sendBack = document.getElementById("send-back-form");
    if (event.key === "a" && approve) {
      event.preventDefault();
      approve.requestSubmit();
    } else if (event.key === "b" && sendBack) {
      event.preventDefault();
      var comment = document.getElementById("send-back-comment");
      if (comment.value.trim()) { sendBack.requestSubmit(); } else { comment.focus(); }
    } else if (event.key === "j") {
      click("review-next");
    } else if (event.key === "k") {
      click("review-previous");
    }
  });
})();
