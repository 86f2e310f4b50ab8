/* S6: choosing another plan puts its minimum in the seats field and its bounds on it.
   A file, not an inline script: the Content-Security-Policy allows only the app's own. */
(function () {
  var form = document.getElementById("order-form");
  if (!form) return;
  var plan = form.querySelector("[name=reseller_plan]");
  var seats = form.querySelector("[name=seats]");
  /* The chosen plan's row (its price) stands out in the table. */
  function mark() {
    var row = form.querySelector('tr[data-plan="' + plan.value + '"]');
    form.querySelectorAll("tr.chosen").forEach(function (other) { other.classList.remove("chosen"); });
    if (row) row.classList.add("chosen");
    return row;
  }
  mark();
  plan.addEventListener("change", function () {
    var row = mark();
    if (!row) return;
    seats.min = row.dataset.min; seats.max = row.dataset.max; seats.value = row.dataset.min;
  });
})();
