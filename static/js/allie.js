// Small progressive enhancements; every page works without them.
document.addEventListener("DOMContentLoaded", () => {
  // Forms that ask for confirmation carry data-confirm with the question.
  document.body.addEventListener("submit", (event) => {
    const form = event.target;
    if (form instanceof HTMLFormElement && form.dataset.confirm && !window.confirm(form.dataset.confirm)) {
      event.preventDefault();
    }
  });
  // Auto-submitting filter selects (no inline handlers under our CSP).
  document.querySelectorAll("[data-autosubmit]").forEach((element) => {
    element.addEventListener("change", () => element.form && element.form.requestSubmit());
  });
});
