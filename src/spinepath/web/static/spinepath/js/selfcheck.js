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

  // After "Add another" (htmx), move the focus to the first box of the new row.
  document.addEventListener("htmx:afterSwap", function () {
    var row = document.querySelector("[data-new-row]");
    var input = row && row.querySelector("input:not([type=hidden]), select, textarea");
    if (input) { input.focus(); }
  });
})();
