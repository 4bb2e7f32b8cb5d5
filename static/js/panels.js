// Create/edit forms and confirmations open over their page, as in the real console (PRODUCT.md §2).
// A link marked data-panel="offcanvas" (side panel) or "modal" (dialog) keeps its href to the form
// page: without JavaScript that page is the form. With it, the page is fetched, its <main> shown in
// the panel and its forms sent with fetch; a redirect (ramconsole.web.middleware.PanelRedirectMiddleware
// answers it as X-Console-Location) opens the page it leads to, any other answer is shown in the panel
// (a form with its errors, a confirmation, a created AccessKey). Same views, same forms, same CSRF.
"use strict";

(() => {
  const panels = {
    offcanvas: { element: document.getElementById("console-offcanvas"), control: "Offcanvas" },
    modal: { element: document.getElementById("console-modal"), control: "Modal" },
  };
  const cancelTemplate = document.getElementById("console-panel-cancel");
  if (!panels.offcanvas.element || !panels.modal.element || !window.bootstrap) {
    return; // a page without the shell (logon): links stay plain links
  }
  const FIELDS = "input:not([type=hidden]):not([disabled]), select:not([disabled]), textarea:not([disabled])";
  let opener = null; // what opened the panel: focus goes back there when it closes

  const bodyOf = (panel) => panel.element.querySelector("[data-panel-body]");
  const controlOf = (panel) => window.bootstrap[panel.control].getOrCreateInstance(panel.element);

  function fill(panel, html, pageUrl) {
    const page = new DOMParser().parseFromString(html, "text/html");
    const main = page.querySelector("main");
    if (!main) {
      window.location.assign(pageUrl); // not a console page (the logon page after a session ended)
      return false;
    }
    const heading = main.querySelector("h1");
    const title = panel.element.querySelector(".offcanvas-title, .modal-title");
    title.textContent = heading ? heading.textContent.trim() : page.title;
    if (heading) heading.remove();
    main.querySelectorAll(".breadcrumb").forEach((crumbs) => (crumbs.closest("nav") || crumbs).remove());
    const body = bodyOf(panel);
    body.replaceChildren(...Array.from(main.childNodes, (node) => document.importNode(node, true)));
    body.querySelectorAll("form").forEach((form) => {
      // An empty action means "this page": the fetched page, not the one under the panel.
      form.action = new URL(form.getAttribute("action") || "", pageUrl).href;
    });
    // Cancel sits next to the form's buttons: the page's own Cancel link, or one made here.
    const submits = body.querySelectorAll("form[method=post] [type=submit]");
    const last = submits[submits.length - 1];
    const cancel = body.querySelector("[data-panel-cancel]");
    if (last && !cancel) {
      last.after(cancelTemplate.content.cloneNode(true));
    } else if (last && !last.form.contains(cancel)) {
      cancel.classList.add("ms-2");
      last.after(cancel);
    }
    return true;
  }

  function focusInto(panel) {
    const body = bodyOf(panel);
    const target = body.querySelector(".is-invalid") || body.querySelector(FIELDS) || body.querySelector("button, a[href]");
    (target || panel.element).focus();
  }

  async function load(panel, url, init = {}) {
    let response;
    try {
      response = await fetch(url, { ...init, credentials: "same-origin", headers: { "X-Console-Panel": "1" } });
    } catch {
      window.location.assign(url); // offline or refused: the plain page says what happened
      return;
    }
    const next = response.headers.get("X-Console-Location");
    if (next) {
      window.location.assign(next);
      return;
    }
    if (response.redirected) {
      window.location.assign(response.url);
      return;
    }
    if (!fill(panel, await response.text(), response.url)) return;
    if (panel.element.classList.contains("show")) focusInto(panel);
    else controlOf(panel).show();
  }

  Object.values(panels).forEach((panel) => {
    panel.element.addEventListener(`shown.bs.${panel.control.toLowerCase()}`, () => focusInto(panel));
    panel.element.addEventListener(`hidden.bs.${panel.control.toLowerCase()}`, () => {
      const reload = bodyOf(panel).querySelector("[data-panel-reload]");
      bodyOf(panel).replaceChildren();
      if (reload) {
        window.location.assign(reload.href); // something was created: the page under the panel changed
      } else if (opener && opener.isConnected) {
        opener.focus();
      }
      opener = null;
    });
    panel.element.addEventListener("click", (event) => {
      if (event.target.closest("[data-panel-cancel]")) {
        event.preventDefault();
        controlOf(panel).hide();
      }
    });
    panel.element.addEventListener("submit", (event) => {
      event.preventDefault();
      send(panel, event.target, event.submitter);
    });
  });

  function send(panel, form, submitter) {
    const data = new FormData(form, submitter);
    if (submitter) submitter.disabled = true;
    if (form.method.toLowerCase() === "get") {
      const target = new URL(form.action);
      target.search = new URLSearchParams(data).toString();
      load(panel, target.href);
    } else {
      load(panel, form.action, { method: "POST", body: data });
    }
  }

  document.addEventListener("click", (event) => {
    const link = event.target.closest("a[data-panel]");
    if (!link || event.button !== 0 || event.ctrlKey || event.metaKey || event.shiftKey || event.altKey) return;
    const panel = panels[link.dataset.panel];
    if (!panel) return;
    event.preventDefault();
    opener = link;
    load(panel, link.href);
  });

  // A one-button destructive form marked data-confirm="question" asks in the dialog first; OK sends
  // it as it is (without JavaScript it acts at once).
  const confirmTemplate = document.getElementById("console-confirm");
  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-confirm]");
    if (!form || form.dataset.confirmed) return;
    event.preventDefault();
    const submitter = event.submitter;
    opener = submitter || form;
    const panel = panels.modal;
    const content = confirmTemplate.content.cloneNode(true);
    content.querySelector("[data-confirm-message]").textContent = form.dataset.confirm;
    const ok = content.querySelector("[data-confirm-ok]");
    ok.after(cancelTemplate.content.cloneNode(true));
    ok.addEventListener("click", () => {
      form.dataset.confirmed = "1";
      form.requestSubmit(submitter);
    });
    panel.element.querySelector(".modal-title").textContent = (submitter || form).textContent.trim();
    bodyOf(panel).replaceChildren(content);
    controlOf(panel).show();
  });

  document.addEventListener("submit", (event) => {
    const form = event.target.closest("form[data-panel]");
    const panel = form && panels[form.dataset.panel];
    if (!panel || form.closest("[data-panel-body]")) return;
    event.preventDefault();
    opener = event.submitter || form;
    send(panel, form, event.submitter);
  });
})();
