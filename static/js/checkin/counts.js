// The organisers' live counts: refresh the table from the JSON endpoint every 15 seconds.
const table = document.getElementById("live-counts");

async function refresh() {
  try {
    const response = await fetch(table.dataset.url, { credentials: "same-origin", cache: "no-store" });
    if (!response.ok) return;
    const data = await response.json();
    for (const point of data.points) {
      const row = table.querySelector(`tr[data-point="${point.id}"]`);
      if (!row) continue;
      row.querySelector('[data-field="admitted_today"]').textContent = point.admitted_today;
      row.querySelector('[data-field="inside_now"]').textContent = point.inside_now;
      const cell = row.querySelector('[data-field="last_scans"]');
      cell.replaceChildren(
        ...point.last_scans.map((scan) => {
          const line = document.createElement("div");
          line.className = `last-scan o-${scan.outcome}`;
          const name = document.createElement("bdi");
          name.textContent = scan.name || "—";
          const outcome = document.createElement("span");
          outcome.className = "muted";
          outcome.textContent = ` ${scan.outcome}`;
          line.append(name, outcome);
          return line;
        }),
      );
    }
  } catch (error) {
    // the next round tries again
  }
}

setInterval(refresh, 15000);
