// Report pages: filters apply as soon as they change, and the live dashboard refreshes itself.
document.documentElement.classList.add("js");

document.querySelectorAll("form[data-autosubmit]").forEach((form) => {
  form.addEventListener("change", () => form.requestSubmit());
});

const live = document.querySelector("[data-refresh]");
if (live) {
  const seconds = Number(live.dataset.refresh) || 60;
  // Only while somebody looks at it: a tab in the background stops asking the server.
  window.setInterval(() => {
    if (document.visibilityState === "visible") window.location.reload();
  }, seconds * 1000);
}
