/* The portal's small comforts; every page works without them. */
(function () {
  "use strict";
  document.addEventListener("click", function (event) {
    var button = event.target.closest("[data-copy]");
    if (!button || !navigator.clipboard) return;
    navigator.clipboard.writeText(button.dataset.copy).then(function () {
      button.textContent = button.dataset.done;
    });
  });
  document.addEventListener("change", function (event) {
    var input = event.target;
    if (!input.matches || !input.matches("input[type=file][data-names]")) return;
    var out = document.getElementById(input.dataset.names);
    if (!out) return;
    var names = Array.prototype.map.call(input.files, function (f) { return f.name; });
    out.textContent = names.length ? out.dataset.chosen.replace("%s", names.length) + "：" + names.join("、") : "";
  });
})();
