// The credential report page while the worker builds the report: follow its progress, and reload
// the page once it is done (it then offers Download) or given up. Without JavaScript, Refresh.
"use strict";

const box = document.getElementById("credential-report-progress");
const PENDING = ["STARTED", "INPROGRESS"];
const EVERY_MS = 1000;

if (box) {
  const bar = document.getElementById("report-progress-bar");
  const text = document.getElementById("report-progress-text");
  const state = document.getElementById("report-state");
  const poll = async () => {
    try {
      const response = await fetch(box.dataset.progressUrl, { headers: { Accept: "application/json" } });
      if (response.redirected || response.status === 403) {
        window.location.reload(); // the session ended: the page itself says so
        return;
      }
      if (response.ok) {
        const progress = await response.json();
        if (!PENDING.includes(progress.state)) {
          window.location.reload();
          return;
        }
        state.textContent = progress.label;
        bar.max = Math.max(progress.total, 1);
        bar.value = progress.done;
        if (text.textContent !== progress.text) {
          text.textContent = progress.text;
        }
      }
    } catch {
      // A lost request (the server restarting): ask again at the next tick.
    }
    window.setTimeout(poll, EVERY_MS);
  };
  window.setTimeout(poll, EVERY_MS);
}
