// Calendar: a refused status change (422 or 409) still swaps the card, so its message shows in place.
document.addEventListener("htmx:beforeSwap", function (event) {
  var status = event.detail.xhr.status;
  if ((status === 422 || status === 409) && event.detail.target.closest(".cal, #slot-results, #patient-results, .appt")) {
    event.detail.shouldSwap = true;
    event.detail.isError = false;
  }
});
