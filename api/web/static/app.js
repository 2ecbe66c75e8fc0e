// rota's own small script: live solve progress (EventSource), Print, Copy, jump to a team-file line.
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

document.addEventListener("DOMContentLoaded", () => {
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
