/* spinepath self-check: small progressive enhancements. Everything works without this file (CSP: no inline JS). */
(function () {
  "use strict";

  // The error summary (or the emergency banner) takes the focus, so a screen reader reads it first.
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector("[data-focus-on-load]");
    if (target) { target.focus(); }
  });

  if (window.htmx) {
    // htmx would otherwise add an inline <style>, which the Content Security Policy refuses.
    window.htmx.config.includeIndicatorStyles = false;
  }

  // A finding row shows only the detail boxes that belong to the chosen kind (slip grade for a slip, thickness
  // for a thickened ligament...). Without this script every box is shown and the server ignores the others.
  function showFindingDetails(row) {
    var spec = JSON.parse(row.getAttribute("data-kind-details"));
    var kindSelect = row.querySelector("select[name$='-kind']");
    if (!kindSelect) { return; }
    var wanted = spec.byKind[kindSelect.value] || [];
    spec.details.forEach(function (name) {
      var box = row.querySelector("[id$='-" + name + "'].field");
      if (box) { box.hidden = wanted.indexOf(name) === -1; }
    });
  }
  function enhanceFindingRows(root) {
    root.querySelectorAll("[data-kind-details]").forEach(function (row) {
      if (row.dataset.enhanced) { return; }
      row.dataset.enhanced = "1";
      row.addEventListener("change", function (event) {
        if (event.target.name && /-kind$/.test(event.target.name)) { showFindingDetails(row); }
      });
      showFindingDetails(row);
    });
  }
  document.addEventListener("DOMContentLoaded", function () { enhanceFindingRows(document); });
  document.addEventListener("htmx:afterSwap", function () { enhanceFindingRows(document); });

  // The request form's hospital list is rebuilt (htmx) when the treatments or places change. A hospital ticked
  // (or unticked) while that reload was on its way would be lost with the old list: the person's boxes win.
  var hospitalTicks = null;
  document.addEventListener("htmx:beforeSwap", function (event) {
    var target = event.detail && event.detail.target;
    if (!target || target.id !== "hospital-choices") { return; }
    hospitalTicks = {};
    target.querySelectorAll("input[name=hospitals]").forEach(function (box) { hospitalTicks[box.value] = box.checked; });
  });
  document.addEventListener("htmx:afterSettle", function () {
    if (hospitalTicks === null) { return; }
    var list = document.getElementById("hospital-choices");
    if (list) {
      list.querySelectorAll("input[name=hospitals]").forEach(function (box) {
        if (Object.prototype.hasOwnProperty.call(hospitalTicks, box.value)) { box.checked = hospitalTicks[box.value]; }
      });
    }
    hospitalTicks = null;
  });

  // After "Add another" (htmx), move the focus to the first box of the new row.
  document.addEventListener("htmx:afterSwap", function () {
    var row = document.querySelector("[data-new-row]");
    var input = row && row.querySelector("input:not([type=hidden]), select, textarea");
    if (input) { input.focus(); }
  });
})();
