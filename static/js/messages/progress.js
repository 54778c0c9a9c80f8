// Live progress of a message being sent: polls its JSON counts every two seconds until it is done.
(() => {
  const box = document.getElementById("message-progress");
  if (!box) return;
  const bar = box.querySelector("[data-bar]");
  const set = (name, value) => { box.querySelector(`[data-${name}]`).textContent = value; };

  async function poll() {
    try {
      const response = await fetch(box.dataset.url, { headers: { Accept: "application/json" }, credentials: "same-origin" });
      if (response.ok) {
        const state = await response.json();
        bar.max = state.total || 1;
        bar.value = state.sent + state.failed;
        for (const name of ["sent", "failed", "queued", "total"]) set(name, state[name]);
        if (state.state !== box.dataset.state) { window.location.reload(); return; }
        if (state.state !== "sending") return;
      }
    } catch (e) {
      // Try again below.
    }
    window.setTimeout(poll, 2000);
  }

  if (box.dataset.state === "sending") poll();
})();
