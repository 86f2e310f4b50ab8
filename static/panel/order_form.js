/* S6: choosing another plan puts its minimum in the seats field and its bounds on it.
   A file, not an inline script: the Content-Security-Policy allows only the app's own. */
(function () {
  var form = document.getElementById("order-form");
  if (!form) return;
  var plan = form.querySelector("[name=reseller_plan]");
  var seats = form.querySelector("[name=seats]");
  plan.addEventListener("change", function () {
    var row = form.querySelector('tr[data-plan="' + plan.value + '"]');
    if (!row) return;
    seats.min = row.dataset.min; seats.max = row.dataset.max; seats.value = row.dataset.min;
  });
})();
