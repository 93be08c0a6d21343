// adamlab explore: plain JavaScript (ES modules), SVG and canvas; no library, no build step.
// Every number drawn comes from the server (adamlab's optimizers); these files only draw.
// common.js: the page's shared state and small helpers (formatting, requests, SVG, charts).

export const SVGNS = "http://www.w3.org/2000/svg";
export const $ = (id) => document.getElementById(id);
export const state = { meta: null, session: null, ls: { paths: [], fn: null, surface: null },
                pg: { stream: null, rows: [], steps: [], run: null, dirty: true } };

// ------------------------------------------------------------------ helpers
export function fmt(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return (a >= 1e-3 && a < 1e5) ? Number(x.toPrecision(6)).toString() : Number(x.toPrecision(6)).toExponential();
}

// An axis tick: three significant digits, no trailing zeros.
export function tick(x) {
  if (x === 0) return "0";
  const a = Math.abs(x);
  return (a >= 1e-2 && a < 1e4) ? String(Number(x.toPrecision(3))) : Number(x.toPrecision(2)).toExponential();
}

export async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  const r = await fetch(path, opts);
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
  return data;
}

export function el(tag, attrs, parent) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

export function html(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

export function status(id, text, error) {
  const node = $(id);
  node.textContent = text;
  node.classList.toggle("error", Boolean(error));
}

// A line chart in an SVG: series [{values, color, label, dash, xs}], options {xlabel, ylabel, log}.
export function lineChart(svg, series, opt) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const [W, H] = svg.getAttribute("viewBox").split(" ").slice(2).map(Number);
  const m = { l: 64, r: 10, t: 10, b: 32 };
  const tr = (v) => (opt.log ? Math.log10(v) : v);
  let xs = [], ys = [];
  for (const s of series) s.values.forEach((v, i) => {
    if (v !== null && Number.isFinite(v) && (!opt.log || v > 0)) {
      xs.push(s.xs ? s.xs[i] : i + 1); ys.push(tr(v));
    }
  });
  if (!xs.length) { el("text", { x: W / 2, y: H / 2, "text-anchor": "middle" }, svg).textContent = opt.empty || "no data yet"; return; }
  let [x0, x1] = [Math.min(...xs), Math.max(...xs)], [y0, y1] = [Math.min(...ys), Math.max(...ys)];
  if (x1 === x0) x1 = x0 + 1;
  if (y1 - y0 < 1e-12) { y0 -= 0.5; y1 += 0.5; }
  const pad = (y1 - y0) * 0.05; y0 -= pad; y1 += pad;
  const sx = (x) => m.l + (x - x0) / (x1 - x0) * (W - m.l - m.r);
  const sy = (y) => H - m.b - (y - y0) / (y1 - y0) * (H - m.t - m.b);
  el("rect", { x: m.l, y: m.t, width: W - m.l - m.r, height: H - m.t - m.b, fill: "none", stroke: "#d5d9e2" }, svg);
  for (let k = 0; k <= 4; k++) {
    const y = y0 + (y1 - y0) * k / 4;
    el("text", { x: m.l - 4, y: sy(y) + 4, "text-anchor": "end" }, svg).textContent = tick(opt.log ? 10 ** y : y);
    const x = x0 + (x1 - x0) * k / 4;
    el("text", { x: sx(x), y: H - m.b + 14, "text-anchor": "middle" }, svg).textContent = tick(x1 - x0 >= 8 ? Math.round(x) : x);
  }
  el("text", { x: (W + m.l) / 2, y: H - 4, "text-anchor": "middle" }, svg).textContent = opt.xlabel || "";
  el("text", { x: 11, y: (H - m.b + m.t) / 2, transform: `rotate(-90 11 ${(H - m.b + m.t) / 2})`, "text-anchor": "middle" }, svg).textContent = opt.ylabel || "";
  let ly = m.t + 14;
  for (const s of series) {
    const pts = [];
    s.values.forEach((v, i) => {
      if (v !== null && Number.isFinite(v) && (!opt.log || v > 0)) pts.push(`${sx(s.xs ? s.xs[i] : i + 1).toFixed(1)},${sy(tr(v)).toFixed(1)}`);
    });
    const attrs = { points: pts.join(" "), fill: "none", stroke: s.color, "stroke-width": s.width || 2 };
    if (s.dash) attrs["stroke-dasharray"] = s.dash;
    if (s.dots) { pts.forEach((p) => { const [cx, cy] = p.split(","); el("circle", { cx, cy, r: 2, fill: s.color }, svg); }); }
    else el("polyline", { ...attrs, class: "series", "data-label": s.label }, svg);
    el("line", { x1: W - 120, x2: W - 100, y1: ly - 4, y2: ly - 4, stroke: s.color, "stroke-width": 2, "stroke-dasharray": s.dash || "" }, svg);
    el("text", { x: W - 96, y: ly }, svg).textContent = s.label;
    ly += 14;
  }
}
