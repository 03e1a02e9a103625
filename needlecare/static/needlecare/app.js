// Small progressive enhancements; every page works without them. No inline script: the CSP forbids it.
document.documentElement.classList.add("js");

document.addEventListener("change", function (event) {
  var target = event.target;
  if (target.matches && target.matches("select[data-autosubmit]")) {
    target.form.requestSubmit();
  }
  if (target.matches && target.matches("[data-date-answer] select")) {
    showDateFor(target.closest("[data-date-answer]"));
  }
});

document.addEventListener("click", function (event) {
  var target = event.target.closest && event.target.closest("[data-confirm]");
  if (target && !window.confirm(target.getAttribute("data-confirm"))) {
    event.preventDefault();
  }
});

// Intake: a date question shows its date box only when "On the date below" is chosen. A hidden box is
// disabled too, so a date typed earlier is not sent with "never" or "unknown".
function showDateFor(answer) {
  var select = answer.querySelector("select");
  var box = answer.querySelector(".date-box");
  if (!select || !box) return;
  var wanted = select.value === "date";
  box.hidden = !wanted;
  box.querySelectorAll("input").forEach(function (input) {
    input.disabled = !wanted;
  });
}

document.querySelectorAll("[data-date-answer]").forEach(showDateFor);
