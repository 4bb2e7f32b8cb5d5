// Times in the browser's time zone: the server writes every time as
// <time datetime="ISO 8601 UTC" title="YYYY-MM-DD HH:mm:ss UTC">YYYY-MM-DD HH:mm:ss UTC</time>
// (the `utc_time` filter); this shows it as `YYYY-MM-DD HH:mm:ss` and the zone, keeping UTC on hover.
// Without JavaScript the UTC text stays. Times that arrive later (side panels, dialogs) are converted too.
"use strict";

(() => {
  const format = new Intl.DateTimeFormat("en-US", {
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    second: "2-digit",
    hourCycle: "h23",
    timeZoneName: "short",
  });

  function localText(when) {
    const part = Object.fromEntries(format.formatToParts(when).map((p) => [p.type, p.value]));
    return `${part.year}-${part.month}-${part.day} ${part.hour}:${part.minute}:${part.second} ${part.timeZoneName}`;
  }

  function localize(root) {
    root.querySelectorAll("time[datetime]:not([data-local])").forEach((el) => {
      const when = new Date(el.getAttribute("datetime"));
      if (Number.isNaN(when.getTime())) return;
      if (!el.title) el.title = el.textContent;
      el.textContent = localText(when);
      el.dataset.local = "";
    });
  }

  // The zone that date filters are read in (security/forms.py): the browser's, unless one was chosen.
  function defaultZone(root) {
    const zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
    root.querySelectorAll("select[data-browser-zone]").forEach((select) => {
      if (select.dataset.browserZone === "default" && [...select.options].some((o) => o.value === zone)) {
        select.value = zone;
      }
    });
  }

  // A date-and-time picker displays the browser's locale (12/01/2026 may be either day): beside it,
  // the value it holds in the console's format and the zone it is read in.
  function echoPickers(root) {
    root.querySelectorAll("input[type=datetime-local]:not([data-echo])").forEach((input) => {
      const echo = document.createElement("div");
      echo.className = "form-text";
      echo.setAttribute("aria-live", "polite");
      input.dataset.echo = "";
      input.after(echo);
      const zone = input.form && input.form.elements.zone;
      const show = () => {
        echo.textContent = input.value ? `${input.value.replace("T", " ")} ${zone ? zone.value || "UTC" : "UTC"}` : "";
      };
      input.addEventListener("input", show);
      if (zone) zone.addEventListener("change", show);
      show();
    });
  }

  localize(document);
  defaultZone(document);
  echoPickers(document);
  new MutationObserver((changes) => {
    changes.forEach((change) =>
      change.addedNodes.forEach((node) => {
        // From the parent, so that an added <time> or <select> itself is found too.
        if (node.nodeType === Node.ELEMENT_NODE && node.parentElement) {
          localize(node.parentElement);
          defaultZone(node.parentElement);
          echoPickers(node.parentElement);
        }
      }),
    );
  }).observe(document.body, { childList: true, subtree: true });
})();
