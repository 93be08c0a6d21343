// adamlab explore: plain JavaScript (ES modules), SVG and canvas; no library, no build step.
// Every number drawn comes from the server (adamlab's optimizers); these files only draw.
// explore.js: the entry point: the view tabs, then the three views.
import { $, state, api, status } from "./common.js";
import { buildLandscapeControls, loadSurface, requestPaths } from "./landscape.js";
import { buildPlaygroundControls, drawCurves, drawPgInternals } from "./playground.js";
import { loadArticle } from "./article.js";

function setupTabs() {
  const tabs = [...document.querySelectorAll('[role="tab"]')];
  const select = (tab) => {
    for (const t of tabs) {
      const on = t === tab;
      t.setAttribute("aria-selected", String(on));
      t.tabIndex = on ? 0 : -1;
      $(t.getAttribute("aria-controls")).hidden = !on;
    }
    if (tab.id === "tab-article") loadArticle();
  };
  tabs.forEach((t, i) => {
    t.addEventListener("click", () => select(t));
    t.addEventListener("keydown", (e) => {  // arrow keys move between tabs (WAI-ARIA tabs)
      const d = e.key === "ArrowRight" ? 1 : e.key === "ArrowLeft" ? -1 : 0;
      if (!d) return;
      const next = tabs[(i + d + tabs.length) % tabs.length];
      next.focus(); select(next); e.preventDefault();
    });
  });
}

async function main() {
  setupTabs();
  try {
    state.meta = await api("GET", "/api/meta");
    $("version").textContent = state.meta.version;
    state.session = (await api("POST", "/api/session", {})).session;
    buildLandscapeControls();
    buildPlaygroundControls();
    await loadSurface();
    await requestPaths();
    drawCurves(); drawPgInternals(null);
    document.body.dataset.ready = "true";
  } catch (e) {
    status("ls-status", `could not start: ${e.message}`, true);
  }
}
document.addEventListener("DOMContentLoaded", main);
