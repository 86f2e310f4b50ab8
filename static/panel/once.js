// Money forms (marked data-once) are sent once per page: a second click while the first
// submission is on its way does nothing. The server does not rely on this: each such form
// carries a one-time token (billing.submissions), so a reload or a replay still writes once.
(function () {
  "use strict";
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-once")) return;
    if (form.getAttribute("data-sent") === "1") {
      event.preventDefault();
      return;
    }
    form.setAttribute("data-sent", "1");
  });
  // A page restored from the back/forward cache may be sent again (the server answers
  // with the first result).
  window.addEventListener("pageshow", function (event) {
    if (!event.persisted) return;
    document.querySelectorAll("form[data-sent]").forEach(function (form) {
      form.removeAttribute("data-sent");
    });
  });
})();
