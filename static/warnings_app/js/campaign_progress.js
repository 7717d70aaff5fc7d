// Keeps the campaign's progress bar current while letters are generated or sent. The figures
// come from the database, so a reload shows the same state.
(function () {
  "use strict";
  var panel = document.getElementById("progress");
  if (!panel) { return; }
  var settled = ["draft", "completed", "cancelled", "paused", "sent", "partly_sent"];
  // The server's first figures come as data-width: the page's CSP allows no style attributes.
  panel.querySelectorAll("[data-width]").forEach(function (el) {
    el.style.width = el.dataset.width + "%";
  });
  function pct(part, total) { return total ? Math.round(100 * part / total) + "%" : "0%"; }
  function update(data) {
    ["done", "failed", "sent_back", "remaining", "total"].forEach(function (key) {
      var field = panel.querySelector("[data-field=" + key + "]");
      if (field) { field.textContent = data[key]; }
    });
    var parts = Object.keys(data.by_status).map(function (k) { return k + " " + data.by_status[k]; });
    panel.querySelector("[data-field=by_status]").textContent = parts.join(", ");
    panel.querySelector(".progress-done").style.width = pct(data.done, data.total);
    panel.querySelector(".progress-failed").style.width = pct(data.failed, data.total);
    var bar = panel.querySelector("[role=progressbar]");
    bar.setAttribute("aria-valuenow", data.done);
    bar.setAttribute("aria-valuemax", data.total);
    var sending = data.sending;
    var sendingBar = document.getElementById("sending-bar");
    if (sending && sendingBar) {
      Object.keys(sending).forEach(function (key) {
        var field = panel.querySelector("[data-sending=" + key + "]");
        if (field) { field.textContent = sending[key]; }
      });
      sendingBar.querySelector(".progress-sent").style.width = pct(sending.sent, sending.total);
      sendingBar.querySelector(".progress-failed").style.width = pct(sending.failed, sending.total);
      sendingBar.setAttribute("aria-valuenow", sending.sent);
      sendingBar.setAttribute("aria-valuemax", sending.total);
    }
    var status = document.querySelector("[data-testid=campaign-status]");
    if (status && status.textContent !== data.status_label) {
      window.location.reload();  // the available actions changed
    }
    if (data.status === "sending") { return true; }  // until the last letter's outcome is in
    return settled.indexOf(data.status) === -1 && data.remaining > 0;
  }
  function poll() {
    fetch(panel.dataset.progressUrl, { credentials: "same-origin" })
      .then(function (r) { return r.json(); })
      .then(function (data) { if (update(data)) { window.setTimeout(poll, 1500); } })
      .catch(function () { window.setTimeout(poll, 5000); });
  }
  poll();
})();
