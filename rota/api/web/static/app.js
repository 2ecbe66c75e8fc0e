// rota's own small script: live solve progress (EventSource), Print, Copy, jump to a team-file line,
// arrow keys in the month grid.
// Loaded as a file from this site (no inline scripts), so a strict Content-Security-Policy holds.
"use strict";

function followJob(section) {
  const source = new EventSource(section.dataset.jobEvents);
  const show = (name, on) => section.querySelectorAll(`[data-show="${name}"]`).forEach((el) => { el.hidden = !on; });
  source.onmessage = (event) => {
    const state = JSON.parse(event.data);
    section.querySelectorAll("[data-field]").forEach((el) => {
      if (el.dataset.field in state) el.textContent = state[el.dataset.field];
    });
    show("active", state.active);
    if (!state.active) {
      source.close();
      if (state.rota_url) {
        section.querySelectorAll('[data-link="rota_url"]').forEach((a) => { a.href = state.rota_url; });
        show("done", true);
        window.location.assign(state.rota_url);
      }
    }
  };
  source.onerror = () => { if (source.readyState === EventSource.CLOSED) show("active", false); };
}

function selectLine(textarea, line) {
  const lines = textarea.value.split("\n");
  let start = 0;
  for (let i = 0; i < line - 1 && i < lines.length; i += 1) start += lines[i].length + 1;
  const end = start + (lines[line - 1] || "").length;
  textarea.focus();
  textarea.setSelectionRange(start, end);
  const height = textarea.scrollHeight / Math.max(lines.length, 1);
  textarea.scrollTop = Math.max(0, (line - 5) * height);
}

// The month grid is one Tab stop: the arrow keys move between its cells (Home/End: first/last date of
// the row), Tab leaves it. Without this script every cell is a Tab stop, as before.
function gridKeys(table) {
  const focusable = "a.cell, button.gapmark";
  const all = Array.from(table.querySelectorAll(focusable));
  if (!all.length) return;
  all.forEach((el, i) => { el.tabIndex = i === 0 ? 0 : -1; });
  table.addEventListener("focusin", (e) => {
    if (!e.target.matches(focusable)) return;
    all.forEach((el) => { el.tabIndex = el === e.target ? 0 : -1; });
  });
  const rows = Array.from(table.querySelectorAll("tbody tr"));
  table.addEventListener("keydown", (e) => {
    const moves = { ArrowLeft: [0, -1], ArrowRight: [0, 1], ArrowUp: [-1, 0], ArrowDown: [1, 0] };
    if (!e.target.matches(focusable) || e.altKey || e.ctrlKey || e.metaKey) return;
    const td = e.target.closest("td");
    const row = rows.indexOf(td.parentElement);
    const col = Array.prototype.indexOf.call(td.parentElement.cells, td);
    const at = (r, c) => { const cell = rows[r] && rows[r].cells[c]; return cell && cell.querySelector(focusable); };
    let found = null;
    if (e.key === "Home" || e.key === "End") {
      const cells = Array.from(td.parentElement.cells);
      const list = e.key === "Home" ? cells : cells.reverse();
      found = list.map((c) => c.querySelector(focusable)).find(Boolean);
    } else if (e.key in moves) {
      const [dr, dc] = moves[e.key];
      for (let r = row + dr, c = col + dc; r >= 0 && r < rows.length && c >= 0; r += dr, c += dc) {
        if (c >= rows[r].cells.length) break;
        found = at(r, c);
        if (found) break;
      }
    } else {
      return;
    }
    e.preventDefault();
    if (found) found.focus();
  });
}

document.addEventListener("DOMContentLoaded", () => {
  document.querySelectorAll("table[data-grid]").forEach(gridKeys);
  document.querySelectorAll("[data-job-events]").forEach(followJob);
  document.querySelectorAll("[data-print]").forEach((b) => b.addEventListener("click", () => window.print()));
  document.querySelectorAll("[data-copy]").forEach((b) => b.addEventListener("click", async () => {
    const input = document.getElementById(b.dataset.copy);
    input.select();
    try { await navigator.clipboard.writeText(input.value); b.textContent = "Copied"; }
    catch (e) { document.execCommand("copy"); b.textContent = "Copied"; }
  }));
  const textarea = document.getElementById("team-file");
  document.querySelectorAll("[data-line]").forEach((a) => a.addEventListener("click", (e) => {
    e.preventDefault();
    if (textarea) selectLine(textarea, Number(a.dataset.line));
  }));
});
