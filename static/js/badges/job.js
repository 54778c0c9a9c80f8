// Live progress of a badge batch: polls the job's JSON status until it is done or failed.
(() => {
  const box = document.getElementById("job");
  if (!box) return;
  const url = box.dataset.statusUrl;
  const bar = box.querySelector("[data-progress]");
  const count = box.querySelector("[data-count]");
  const label = box.querySelector("[data-status-label]");
  const download = box.querySelector("[data-download]");
  const error = box.querySelector("[data-error]");
  const template = box.querySelector("[data-count-template]");
  const kinds = { done: "ok", failed: "bad", running: "warn" };

  function show(state) {
    bar.max = state.total || 1;
    bar.value = state.done;
    bar.textContent = `${state.percent}%`;
    if (template) {
      count.textContent = template.content.textContent.replace("{done}", state.done).replace("{total}", state.total);
    }
    label.textContent = box.dataset[`label${state.status[0].toUpperCase()}${state.status.slice(1)}`] || state.status;
    label.className = `badge ${kinds[state.status] || ""}`;
    if (state.download_url) {
      download.querySelector("a").href = state.download_url;
      download.classList.remove("hidden");
    }
    if (state.status === "done" || state.status === "failed") {
      box.querySelector("[data-while-running]").classList.add("hidden");
    }
    if (state.error) {
      error.querySelector("span").textContent = state.error;
      error.classList.remove("hidden");
    }
  }

  async function poll() {
    try {
      const response = await fetch(url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const state = await response.json();
        show(state);
        if (state.status === "done" || state.status === "failed") return;
      }
    } catch (e) {
      // The network came back? Try again below.
    }
    window.setTimeout(poll, 1000);
  }

  if (box.dataset.status !== "done" && box.dataset.status !== "failed") poll();
})();
