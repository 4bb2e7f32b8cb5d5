// Console behaviour that needs no inline script (the Content-Security-Policy forbids it).
"use strict";

document.querySelectorAll("time[datetime]").forEach((el) => {
  // Show times in the browser's zone; the UTC value stays on hover.
  const when = new Date(el.getAttribute("datetime"));
  if (!Number.isNaN(when.getTime())) {
    el.textContent = when.toLocaleString(undefined, { hour12: false });
  }
});

document.querySelectorAll(".js-autosubmit").forEach((el) => {
  el.addEventListener("change", () => el.form.submit());
});

document.querySelectorAll("[data-copy]").forEach((button) => {
  button.addEventListener("click", () => {
    navigator.clipboard.writeText(button.getAttribute("data-copy"));
  });
});
