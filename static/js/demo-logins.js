// The logon page's demo panel (demo mode only): a demo login fills in the logon form, and the MFA
// code of the user seeded with a device stays current (fetched again when it expires).
"use strict";

(() => {
  const form = document.getElementById("logon-form");
  document.querySelectorAll(".js-demo-login").forEach((button) => {
    button.addEventListener("click", () => {
      form.elements.logon_name.value = button.dataset.logonName;
      form.elements.password.value = button.dataset.password;
      form.querySelector("[type=submit]").focus();
    });
  });

  const panels = [...document.querySelectorAll("[data-demo-mfa]")];
  if (!panels.length) return;
  const url = panels[0].dataset.codesUrl;
  let deadline = Date.now() + Number(panels[0].querySelector("[data-demo-mfa-expires]").textContent) * 1000;
  let fetching = false;

  async function refresh() {
    fetching = true;
    try {
      const answer = await fetch(url, { headers: { Accept: "application/json" } });
      if (!answer.ok) return;
      const { codes } = await answer.json();
      codes.forEach((entry) => {
        const panel = panels.find((p) => p.dataset.demoMfa === entry.logon_name);
        if (panel) panel.querySelector("[data-demo-mfa-code]").textContent = entry.code;
      });
      if (codes.length) deadline = Date.now() + codes[0].expires_in * 1000;
    } finally {
      fetching = false;
    }
  }

  setInterval(() => {
    const left = Math.max(0, Math.ceil((deadline - Date.now()) / 1000));
    panels.forEach((panel) => {
      panel.querySelector("[data-demo-mfa-expires]").textContent = String(left);
    });
    if (left === 0 && !fetching) refresh();
  }, 1000);
})();
