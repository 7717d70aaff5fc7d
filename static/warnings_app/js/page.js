// On every page: a table wider than the screen scrolls inside its .table-wrap. A keyboard user
// must be able to reach and scroll it, so a wrap that overflows becomes a named, focusable
// region (and stops being one when the window grows and it fits again).
(function () {
  "use strict";

  function regionName(wrap) {
    var table = wrap.querySelector("table");
    var caption = table && table.querySelector("caption");
    if (caption) return caption.textContent.trim();
    var section = wrap.closest("section, figure");
    var heading = section && section.querySelector("h1, h2, h3");
    if (heading) return heading.textContent.trim() + " (table)";
    var title = document.querySelector("main h1");
    return (title ? title.textContent.trim() + ": " : "") + "table";
  }

  function markScrollable() {
    document.querySelectorAll(".table-wrap").forEach(function (wrap) {
      if (wrap.scrollWidth > wrap.clientWidth + 1) {
        wrap.setAttribute("tabindex", "0");
        wrap.setAttribute("role", "region");
        if (!wrap.hasAttribute("aria-label")) wrap.setAttribute("aria-label", regionName(wrap));
      } else if (wrap.getAttribute("tabindex") === "0") {
        wrap.removeAttribute("tabindex");
        wrap.removeAttribute("role");
        wrap.removeAttribute("aria-label");
      }
    });
  }

  markScrollable();
  window.addEventListener("resize", markScrollable);
  document.addEventListener("toggle", markScrollable, true); // a <details> opened
})();
