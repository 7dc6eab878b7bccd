/* Printable pages: a button with data-print opens the browser's print dialog, where
   "Save as PDF" is one of the printers. No inline script: the page only marks the button. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-print]");
    if (!button) return;
    event.preventDefault();
    window.print();
  });
})();
