// Console behaviour that needs no inline script (the Content-Security-Policy forbids it).
"use strict";

document.querySelectorAll(".js-autosubmit").forEach((el) => {
  el.addEventListener("change", () => el.form.submit());
});

// Delegated, so that copy buttons shown later in a side panel or dialog (panels.js) work too.
document.addEventListener("click", (event) => {
  const button = event.target.closest("[data-copy]");
  if (button) navigator.clipboard.writeText(button.getAttribute("data-copy"));
});
