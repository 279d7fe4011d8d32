/* spinepath accounts: the error summary takes the focus so a screen reader reads it first. Everything works
   without this file (CSP: no inline script). */
(function () {
  "use strict";
  document.addEventListener("DOMContentLoaded", function () {
    var target = document.querySelector("[data-focus-on-load]");
    if (target) { target.focus(); }
  });
})();
