/* jishi — the little JavaScript every page shares: the phone menu and friendly htmx errors.
 * Pages work without it (the menu is simply always open); htmx is loaded before this file.
 */
(function () {
  "use strict";
  document.documentElement.classList.replace("no-js", "js");

  var PENDING_KEY = "jishi.toast";
  var hideTimer = null;

  function toastEl() { return document.getElementById("toast"); }

  function showToast(message, kind) {
    var el = toastEl();
    if (!el) { return; }
    el.textContent = "";
    var text = document.createElement("span");
    text.textContent = message;
    var close = document.createElement("button");
    close.type = "button";
    close.textContent = el.dataset.msgClose || "×";
    close.addEventListener("click", function () { el.hidden = true; });
    el.append(text, close);
    el.classList.toggle("toast-error", kind === "error");
    el.hidden = false;
    clearTimeout(hideTimer);
    hideTimer = setTimeout(function () { el.hidden = true; }, 6000);
  }

  // The message for a failed htmx request; the texts are translated in base.html.
  function messageFor(status) {
    var d = (toastEl() || { dataset: {} }).dataset;
    if (status === 403) { return d.msgForbidden; }
    if (status === 404) { return d.msgNotFound; }
    if (status === 400 || status === 422) { return d.msgInvalid; }
    return d.msgServer;
  }

  document.addEventListener("DOMContentLoaded", function () {
    // A toast queued before a reload (409: someone else acted first) is shown on the new page.
    var pending = sessionStorage.getItem(PENDING_KEY);
    if (pending) {
      sessionStorage.removeItem(PENDING_KEY);
      showToast(pending, "info");
    }

    var header = document.querySelector(".console-header");
    var toggle = header && header.querySelector(".menu-toggle");
    if (toggle) {
      toggle.addEventListener("click", function () {
        var open = header.classList.toggle("is-open");
        toggle.setAttribute("aria-expanded", open ? "true" : "false");
      });
    }
  });

  document.addEventListener("htmx:responseError", function (event) {
    var xhr = event.detail.xhr;
    if (xhr.status === 409) {
      // The page is stale: reload it so the user sees the current state, then explain why.
      var d = (toastEl() || { dataset: {} }).dataset;
      sessionStorage.setItem(PENDING_KEY, d.msgConflict || "");
      window.location.reload();
      return;
    }
    showToast(messageFor(xhr.status), "error");
  });

  document.addEventListener("htmx:sendError", function () {
    var d = (toastEl() || { dataset: {} }).dataset;
    showToast(d.msgNetwork, "error");
  });

  // A form marked data-submit-once sends once: a second tap while the first is on its way
  // is ignored (the server also answers a repeated submission with the first case).
  document.addEventListener("submit", function (event) {
    var form = event.target;
    if (!(form instanceof HTMLFormElement) || !form.hasAttribute("data-submit-once")) { return; }
    if (form.dataset.submitting) { event.preventDefault(); return; }
    form.dataset.submitting = "1";
    form.setAttribute("aria-busy", "true");
  });
  // Coming back with the browser's Back button shows the page as it was left: sendable again.
  window.addEventListener("pageshow", function () {
    document.querySelectorAll("form[data-submit-once]").forEach(function (form) {
      delete form.dataset.submitting;
      form.removeAttribute("aria-busy");
    });
  });

  // Small behaviours that templates ask for with data attributes (the Content-Security-Policy
  // allows no inline script or on…= handlers):
  //   data-set-field="NAME" data-value="V"  a button that sets its form's field NAME to V;
  //   data-remove-closest="SELECTOR"         a button that removes its enclosing SELECTOR;
  //   data-history-back                      a link that goes back (its href when there is no history);
  //   <form data-no-submit>                  a form that only shows itself (the component page).
  document.addEventListener("click", function (event) {
    var target = event.target instanceof Element ? event.target : null;
    if (!target) { return; }
    var setter = target.closest("[data-set-field]");
    if (setter && setter.form) {
      var field = setter.form.elements.namedItem(setter.dataset.setField);
      if (field) {
        field.value = setter.dataset.value;
        field.dispatchEvent(new Event("change", { bubbles: true }));
      }
      return;
    }
    var remover = target.closest("[data-remove-closest]");
    if (remover) {
      var gone = remover.closest(remover.dataset.removeClosest);
      if (gone) { gone.remove(); }
      return;
    }
    var back = target.closest("a[data-history-back]");
    if (back && window.history.length > 1) {
      event.preventDefault();
      window.history.back();
    }
  });
  document.addEventListener("submit", function (event) {
    if (event.target instanceof HTMLFormElement && event.target.hasAttribute("data-no-submit")) {
      event.preventDefault();
    }
  });

  // Lets a server response ask for a toast: HX-Trigger: {"jishi:toast": "已保存"}.
  document.addEventListener("jishi:toast", function (event) {
    var detail = event.detail;
    showToast(typeof detail === "string" ? detail : (detail && detail.value) || "", "info");
  });
})();
