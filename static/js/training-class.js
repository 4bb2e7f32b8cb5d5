// The Class page: fill in and refresh each trainee's judged columns from the JSON endpoint every
// few seconds, and sort by a column header without reloading (the links sort server-side without JS).
"use strict";

const table = document.getElementById("class-table");
const EVERY_MS = 5000;

if (table) {
  const url = table.dataset.progressUrl;
  let sort = table.dataset.sort || "name";
  const body = table.tBodies[0];

  const render = (rows) => {
    const byId = new Map(Array.from(body.rows, (tr) => [tr.dataset.sandboxId, tr]));
    for (const row of rows) {
      const tr = byId.get(String(row.sandbox_id));
      if (!tr) continue;
      for (const cell of tr.querySelectorAll("[data-cell]")) {
        const key = cell.dataset.cell;
        if (key === "name") continue;
        const text = row[key] === null || row[key] === undefined ? "-" : String(row[key]);
        if (cell.textContent !== text) cell.textContent = text;
      }
      body.appendChild(tr); // in the server's order for `sort`
    }
  };

  const poll = async () => {
    try {
      const response = await fetch(`${url}?sort=${encodeURIComponent(sort)}`, {
        headers: { Accept: "application/json" },
      });
      if (response.ok && !response.redirected) {
        render((await response.json()).rows);
      }
    } catch {
      // A lost request: ask again at the next tick.
    }
  };

  for (const link of table.querySelectorAll("a[data-sort-key]")) {
    link.addEventListener("click", (event) => {
      event.preventDefault();
      const key = link.dataset.sortKey;
      sort = sort === key ? `-${key}` : key;
      const csv = document.getElementById("class-csv");
      if (csv) csv.search = `?sort=${encodeURIComponent(sort)}`;
      poll();
    });
  }
  poll();
  window.setInterval(poll, EVERY_MS);
}
