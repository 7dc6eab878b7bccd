/* Business portal behaviour. No inline scripts anywhere (Content-Security-Policy). */
(function () {
  "use strict";

  /* New request form: the service to change matters only for a change request. */
  function wireRequirementKind() {
    var select = document.getElementById("id_service");
    var change = document.querySelector('input[name="kind"][value="change"]');
    if (!select || !change) return;
    var group = select.closest(".mb-3");
    function sync() { group.hidden = !change.checked && !select.classList.contains("is-invalid"); }
    document.querySelectorAll('input[name="kind"]').forEach(function (radio) { radio.addEventListener("change", sync); });
    sync();
  }

  document.addEventListener("DOMContentLoaded", wireRequirementKind);
})();
