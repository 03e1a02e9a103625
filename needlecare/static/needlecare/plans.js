// Plan pages: show (and require) the reason for a zone only while its depth leaves the protocol's band.
(function () {
  "use strict";
  function check(zone) {
    var low = document.querySelector('input[name="min_' + zone + '"]');
    var high = document.querySelector('input[name="max_' + zone + '"]');
    var row = document.querySelector('[data-reason-for="' + zone + '"]');
    if (!low || !high || !row) return;
    var bandLow = parseFloat(low.dataset.bandMin), bandHigh = parseFloat(low.dataset.bandMax);
    var outside = parseFloat(low.value) < bandLow - 1e-9 || parseFloat(high.value) > bandHigh + 1e-9;
    var reason = row.querySelector("textarea");
    row.classList.toggle("is-hidden", !outside && !row.querySelector(".errorlist"));
    if (reason) reason.required = outside;
    var zoneRow = document.querySelector('tr.zone-row[data-zone="' + zone + '"]');
    if (zoneRow) zoneRow.classList.toggle("outside-band", outside);
  }
  document.querySelectorAll("tr.zone-row[data-zone]").forEach(function (row) {
    var zone = row.dataset.zone;
    row.querySelectorAll("input").forEach(function (input) {
      input.addEventListener("input", function () { check(zone); });
    });
    check(zone);
  });
})();
