// Calendar and appointment page: a refused change (422 or 409) still swaps its card (or the appointment
// page's body), so the reason shows in place, next to the form that caused it. The status stays honest
// for everything that is not htmx.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  var target = event.detail.target;
  if ((status === 422 || status === 409) && target && target.closest(".cal, #slot-results, #patient-results, .appt, #appointment-page")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
