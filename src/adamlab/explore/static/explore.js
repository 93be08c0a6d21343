// adamlab explore: plain JavaScript, SVG and canvas; no library, no build step.
// Every number drawn here comes from the server (adamlab's optimizers); this file only draws.
"use strict";

const SVGNS = "http://www.w3.org/2000/svg";
const $ = (id) => document.getElementById(id);
const state = { meta: null, session: null, ls: { paths: [], fn: null, surface: null },
                pg: { stream: null, rows: [], steps: [], run: null, dirty: true } };

// ------------------------------------------------------------------ helpers
function fmt(x) {
  if (x === null || x === undefined || Number.isNaN(x)) return "–";
  if (x === 0) return "0";
  const a = Math.abs(x);
  return (a >= 1e-3 && a < 1e5) ? Number(x.toPrecision(6)).toString() : Number(x.toPrecision(6)).toExponential();
}

// An axis tick: three significant digits, no trailing zeros.
function tick(x) {
  if (x === 0) return "0";
  const a = Math.abs(x);
  return (a >= 1e-2 && a < 1e4) ? String(Number(x.toPrecision(3))) : Number(x.toPrecision(2)).toExponential();
}

async function api(method, path, body) {
  const opts = { method, headers: {} };
  if (body !== undefined) { opts.headers["Content-Type"] = "application/json"; opts.body = JSON.stringify(body); }
  const r = await fetch(path, opts);
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || `HTTP ${r.status}`);
  return data;
}

function el(tag, attrs, parent) {
  const node = document.createElementNS(SVGNS, tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (parent) parent.appendChild(node);
  return node;
}

function html(tag, attrs, text) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs || {})) node.setAttribute(k, v);
  if (text !== undefined) node.textContent = text;
  return node;
}

function status(id, text, error) {
  const node = $(id);
  node.textContent = text;
  node.classList.toggle("error", Boolean(error));
}

// A line chart in an SVG: series [{values, color, label, dash, xs}], options {xlabel, ylabel, log}.
function lineChart(svg, series, opt) {
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const [W, H] = svg.getAttribute("viewBox").split(" ").slice(2).map(Number);
  const m = { l: 58, r: 10, t: 10, b: 32 };
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

// ------------------------------------------------------------------ tabs
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

// ------------------------------------------------------------------ landscape
const LS_DEFAULT = ["adam", "sgd", "rmsprop", "momentum"];
// Learning rates on a 1-2-5 ladder from 1e-5 to 10: a slider position is an index into it, so
// the arrow keys step through round numbers and every default of adamlab.landscape is on it.
const LR_LADDER = [];
for (let e = -5; e <= 1; e++) for (const m of [1, 2, 5]) if (m * 10 ** e <= 10) LR_LADDER.push(Number((m * 10 ** e).toPrecision(3)));
const ladderIndex = (lr) => LR_LADDER.reduce((best, v, i) => (Math.abs(Math.log(v / lr)) < Math.abs(Math.log(LR_LADDER[best] / lr)) ? i : best), 0);
const lrOf = (name) => LR_LADDER[Number($(`ls-lr-${name}`).value)];
const W = 560, H = 460;

function fnInfo() { return state.meta.functions[$("ls-function").value]; }
function lrDefault(row) { return fnInfo().lr[row.family] ?? row.default_lr; }

function buildLandscapeControls() {
  const sel = $("ls-function");
  for (const name of Object.keys(state.meta.functions)) sel.appendChild(html("option", { value: name }, name));
  const box = $("ls-optimizers");
  for (const row of state.meta.optimizers) {
    const div = html("div", { class: "opt-row" });
    const cb = html("input", { type: "checkbox", id: `ls-use-${row.name}`, "data-opt": row.name });
    cb.checked = LS_DEFAULT.includes(row.name);
    const label = html("label", { for: `ls-use-${row.name}`, title: row.summary });
    const sw = html("span", { class: "swatch" }); sw.style.background = row.color;
    label.append(sw, document.createTextNode(row.name));
    const lr = html("input", { type: "range", id: `ls-lr-${row.name}`, min: "0", max: String(LR_LADDER.length - 1), step: "1",
                               "aria-label": `${row.name} learning rate` });
    const out = html("output", { id: `ls-lr-${row.name}-out`, for: lr.id });
    div.append(cb, label, lr, out);
    box.appendChild(div);
    cb.addEventListener("change", () => { enforceOptimizerLimit(); requestPaths(); });
    lr.addEventListener("input", () => { out.textContent = fmt(lrOf(row.name)); lr.setAttribute("aria-valuetext", out.textContent); requestPaths(); });
  }
  sel.addEventListener("change", () => { resetLandscapeDefaults(); loadSurface().then(requestPaths); });
  for (const id of ["ls-beta1", "ls-beta2", "ls-eps", "ls-wd", "ls-steps"]) {
    $(id).addEventListener("input", () => { showSliderValues(); requestPaths(); });
  }
  $("ls-inspect").addEventListener("input", () => { showSliderValues(); drawInspect(); });
  $("ls-svg").addEventListener("mousemove", hoverPath);
  resetLandscapeDefaults();
  enforceOptimizerLimit();
}

function enforceOptimizerLimit() {
  const boxes = [...document.querySelectorAll("#ls-optimizers input[type=checkbox]")];
  const n = boxes.filter((b) => b.checked).length;
  for (const b of boxes) b.disabled = !b.checked && n >= state.meta.limits.optimizers;
}

function resetLandscapeDefaults() {
  const f = fnInfo();
  $("ls-summary").textContent = f.summary;
  for (const row of state.meta.optimizers) {
    const lr = $(`ls-lr-${row.name}`);
    lr.value = ladderIndex(lrDefault(row));
    $(`ls-lr-${row.name}-out`).textContent = fmt(lrOf(row.name));
    lr.setAttribute("aria-valuetext", fmt(lrOf(row.name)));
  }
  $("ls-steps").value = f.steps;
  showSliderValues();
}

function showSliderValues() {
  $("ls-beta1-out").textContent = fmt(Number($("ls-beta1").value));
  $("ls-beta2-out").textContent = fmt(Number($("ls-beta2").value));
  $("ls-eps-out").textContent = fmt(10 ** Number($("ls-eps").value));
  $("ls-wd-out").textContent = fmt(Number($("ls-wd").value));
  $("ls-steps-out").textContent = $("ls-steps").value;
  const inspect = $("ls-inspect");
  inspect.max = $("ls-steps").value;
  $("ls-inspect-out").textContent = inspect.value;
}

function landscapeRequest() {
  const optimizers = [];
  for (const row of state.meta.optimizers) {
    if ($(`ls-use-${row.name}`).checked) {
      optimizers.push({ name: row.name, lr: lrOf(row.name) });
    }
  }
  const body = { function: $("ls-function").value, optimizers, steps: Number($("ls-steps").value),
                 beta1: Number($("ls-beta1").value), beta2: Number($("ls-beta2").value),
                 eps: Number((10 ** Number($("ls-eps").value)).toPrecision(12)) };
  const wd = Number($("ls-wd").value);
  if (wd > 0) body.weight_decay = wd;
  return body;
}

// One request in flight at a time; a slider moved meanwhile sends its latest value next.
let lsBusy = false, lsPending = false;
async function requestPaths() {
  if (lsBusy) { lsPending = true; return; }
  lsBusy = true;
  document.body.dataset.drawing = "true";  // "false" once the latest settings are drawn
  try {
    const body = landscapeRequest();
    if (!body.optimizers.length) { state.ls.paths = []; drawPaths(); status("ls-status", "choose at least one optimizer"); return; }
    const t0 = performance.now();
    const out = await api("POST", "/api/landscape", body);
    state.ls.paths = out.paths;
    drawPaths();
    const diverged = out.paths.filter((p) => p.diverged).map((p) => p.optimizer);
    status("ls-status", `${out.paths.length} paths × ${out.steps} steps in ${Math.round(performance.now() - t0)} ms` +
           (diverged.length ? `; diverged: ${diverged.join(", ")}` : ""));
  } catch (e) {
    status("ls-status", e.message, true);
  } finally {
    lsBusy = false;
    if (lsPending) { lsPending = false; requestPaths(); } else document.body.dataset.drawing = "false";
  }
}

async function loadSurface() {
  const name = $("ls-function").value;
  state.ls.surface = await api("GET", `/api/surface?function=${encodeURIComponent(name)}&n=120`);
  drawSurface();
}

// A perceptual ramp (dark = low f), interpolated between a few stops.
const RAMP = [[33, 49, 92], [44, 110, 145], [72, 160, 140], [170, 205, 120], [246, 236, 190]];
function ramp(t) {
  const x = Math.min(Math.max(t, 0), 1) * (RAMP.length - 1), i = Math.min(Math.floor(x), RAMP.length - 2), f = x - i;
  return RAMP[i].map((c, k) => Math.round(c + f * (RAMP[i + 1][k] - c)));
}

function drawSurface() {
  const s = state.ls.surface, canvas = $("ls-canvas");
  canvas.width = s.n; canvas.height = s.n;
  const ctx = canvas.getContext("2d"), img = ctx.createImageData(s.n, s.n);
  const vals = s.z.map((z) => Math.log10(Math.max(z - s.f_min, 0) + 1e-3));
  const lo = Math.min(...vals), hi = Math.max(...vals);
  for (let r = 0; r < s.n; r++) for (let c = 0; c < s.n; c++) {
    const v = vals[(s.n - 1 - r) * s.n + c];  // row 0 of the canvas is the top: the largest y
    const band = Math.floor((v - lo) / (hi - lo + 1e-12) * 16) / 16;  // 16 bands read as contours
    const [R, G, B] = ramp(band), k = 4 * (r * s.n + c);
    img.data[k] = R; img.data[k + 1] = G; img.data[k + 2] = B; img.data[k + 3] = 255;
  }
  ctx.putImageData(img, 0, 0);
}

function toScreen(x, y) {
  const f = fnInfo();
  return [(x - f.xlim[0]) / (f.xlim[1] - f.xlim[0]) * W, H - (y - f.ylim[0]) / (f.ylim[1] - f.ylim[0]) * H];
}

function drawPaths() {
  const svg = $("ls-svg");
  while (svg.firstChild) svg.removeChild(svg.firstChild);
  const f = fnInfo();
  for (const [mx, my] of f.minima) {
    const [sx, sy] = toScreen(mx, my);
    el("path", { d: `M${sx - 6},${sy} h12 M${sx},${sy - 6} v12`, stroke: "#fff", "stroke-width": 2 }, svg);
  }
  const n = state.ls.paths.length;
  // Every path visible: the first drawn is the widest, each next one narrower on top of it,
  // each with a dot every 50 steps and its own markers at both ends.
  state.ls.paths.forEach((p, k) => {
    const g = el("g", { id: `path-${p.optimizer}`, "data-opt": p.optimizer }, svg);
    const pts = p.xy.map(([x, y]) => toScreen(x, y).map((v) => v.toFixed(2)).join(",")).join(" ");
    el("polyline", { points: pts, fill: "none", stroke: "#fff", "stroke-width": 2 + 1.2 * (n - k) + 2, "stroke-opacity": 0.5, "stroke-linejoin": "round" }, g);
    el("polyline", { class: "trace", points: pts, fill: "none", stroke: p.color, "stroke-width": 1.2 + 1.2 * (n - k), "stroke-linejoin": "round" }, g);
    for (let i = 50; i < p.xy.length; i += 50) {
      const [sx, sy] = toScreen(...p.xy[i]);
      el("circle", { cx: sx, cy: sy, r: 2.5, fill: p.color, stroke: "#fff", "stroke-width": 0.8 }, g);
    }
    const [ax, ay] = toScreen(...p.xy[0]);
    el("rect", { x: ax - 4, y: ay - 4, width: 8, height: 8, fill: "#fff", stroke: "#000" }, g);
    const [ex, ey] = toScreen(...p.xy[p.xy.length - 1]);
    el("circle", { cx: ex, cy: ey, r: 5, fill: p.color, stroke: "#fff", "stroke-width": 1.5 }, g);
  });
  el("g", { id: "ls-inspect-marks" }, svg);
  drawLegend(svg);
  drawInspect();
}

function drawLegend(svg) {
  let y = 16;
  for (const p of state.ls.paths) {
    el("rect", { x: 8, y: y - 10, width: 150, height: 14, fill: "#fff", "fill-opacity": 0.8 }, svg);
    el("line", { x1: 12, x2: 30, y1: y - 3, y2: y - 3, stroke: p.color, "stroke-width": 3 }, svg);
    el("text", { x: 34, y: y + 1 }, svg).textContent = `${p.optimizer} lr ${fmt(p.settings.lr)}${p.diverged ? " (diverged)" : ""}`;
    y += 16;
  }
}

function hoverPath(e) {
  const svg = $("ls-svg"), r = svg.getBoundingClientRect();
  const px = (e.clientX - r.left) / r.width * W, py = (e.clientY - r.top) / r.height * H;
  let best = null;
  for (const p of state.ls.paths) p.xy.forEach(([x, y], i) => {
    const [sx, sy] = toScreen(x, y), d = (sx - px) ** 2 + (sy - py) ** 2;
    if (d < 100 && (!best || d < best.d)) best = { d, i };
  });
  if (best) { $("ls-inspect").value = best.i; showSliderValues(); drawInspect(); }
}

const FIELDS = [["x", "x"], ["y", "y"], ["f", "f"], ["grad-0", "g₀"], ["grad-1", "g₁"],
                ["m_hat-0", "m̂₀"], ["m_hat-1", "m̂₁"], ["v_hat-0", "v̂₀"], ["v_hat-1", "v̂₁"],
                ["bc1", "1−β1ᵗ"], ["bc2", "1−β2ᵗ"], ["step-0", "Δθ₀"], ["step-1", "Δθ₁"]];

function drawInspect() {
  const k = Number($("ls-inspect").value);
  $("ls-t").textContent = k;
  const marks = $("ls-inspect-marks");
  if (marks) while (marks.firstChild) marks.removeChild(marks.firstChild);
  const table = $("ls-internals");
  table.textContent = "";
  const head = html("tr");
  head.appendChild(html("th", { scope: "col" }, ""));
  for (const p of state.ls.paths) head.appendChild(html("th", { scope: "col" }, p.optimizer));
  table.appendChild(head);
  const values = state.ls.paths.map((p) => {
    const j = Math.min(k, p.xy.length - 1), inner = p.internals, s = j - 1;  // internals[s]: after step j
    const v = { x: p.xy[j][0], y: p.xy[j][1], f: p.f[j] };
    if (s >= 0) {
      for (const key of ["grad", "m_hat", "v_hat", "step"]) if (inner[key]) { v[`${key}-0`] = inner[key][s][0]; v[`${key}-1`] = inner[key][s][1]; }
      if (inner.bc1) { v.bc1 = inner.bc1[s]; v.bc2 = inner.bc2[s]; }
    }
    if (marks) {
      const [sx, sy] = toScreen(v.x, v.y);
      el("circle", { cx: sx, cy: sy, r: 7, fill: "none", stroke: p.color, "stroke-width": 2.5, class: "inspect" }, marks);
    }
    return v;
  });
  // the state arrays of optimizers without Adam's moments, by their names in opt.state
  const buffers = [...new Set(state.ls.paths.flatMap((p) => Object.keys(p.internals.buffers || {})))];
  state.ls.paths.forEach((p, i) => {
    const j = Math.min(k, p.xy.length - 1) - 1;
    for (const b of buffers) {
      const a = (p.internals.buffers || {})[b];
      if (a && j >= 0) { values[i][`buf:${b}-0`] = a[j][0]; values[i][`buf:${b}-1`] = a[j][1]; }
    }
  });
  const rows = FIELDS.concat(buffers.flatMap((b) => [[`buf:${b}-0`, `${b}₀`], [`buf:${b}-1`, `${b}₁`]]));
  for (const [key, label] of rows) {
    const tr = html("tr");
    tr.appendChild(html("th", { scope: "row" }, label));
    state.ls.paths.forEach((p, i) => tr.appendChild(html("td", { id: `cell-${p.optimizer}-${key}` }, fmt(values[i][key]))));
    table.appendChild(tr);
  }
}

// ------------------------------------------------------------------ playground
function buildPlaygroundControls() {
  for (const d of state.meta.datasets) $("pg-dataset").appendChild(html("option", { value: d }, d));
  $("pg-dataset").value = "moons";
  for (const a of state.meta.activations) $("pg-activation").appendChild(html("option", { value: a }, a));
  $("pg-activation").value = "tanh";
  for (const row of state.meta.optimizers) $("pg-optimizer").appendChild(html("option", { value: row.name }, row.name));
  $("pg-optimizer").value = "adam";
  const show = () => { for (const id of ["pg-noise", "pg-beta1", "pg-beta2"]) $(`${id}-out`).textContent = fmt(Number($(id).value)); };
  for (const node of document.querySelectorAll("#pg-form input, #pg-form select")) {
    node.addEventListener("input", () => { state.pg.dirty = true; show(); });
  }
  show();
  $("pg-start").addEventListener("click", startTraining);
  $("pg-pause").addEventListener("click", pauseTraining);
  $("pg-step").addEventListener("click", stepTraining);
  $("pg-reset").addEventListener("click", () => setupRun().catch((e) => status("pg-status", e.message, true)));
}

function playgroundRequest() {
  const hidden = $("pg-hidden").value.split(",").map((s) => s.trim()).filter((s) => s !== "").map(Number);
  const body = { session: state.session, dataset: $("pg-dataset").value, hidden,
                 activation: $("pg-activation").value, optimizer: $("pg-optimizer").value,
                 lr: Number($("pg-lr").value), batch_size: Number($("pg-batch").value) };
  if (body.dataset !== "article") { body.noise = Number($("pg-noise").value); body.n_samples = Number($("pg-n").value); }
  const row = state.meta.optimizers.find((r) => r.name === body.optimizer);
  if (row && row.betas) { body.beta1 = Number($("pg-beta1").value); body.beta2 = Number($("pg-beta2").value); }
  return body;
}

async function setupRun() {
  const run = await api("POST", "/api/train/setup", playgroundRequest());
  state.pg.run = run; state.pg.rows = []; state.pg.steps = []; state.pg.dirty = false;
  state.pg.boundary = run.boundary;
  $("pg-nparams").textContent = run.n_params;
  $("pg-epoch").textContent = "0";
  drawBoundary(); drawCurves(); drawPgInternals(null);
  status("pg-status", `set up: ${run.settings.dataset}, hidden ${JSON.stringify(run.settings.hidden)}, ${run.settings.optimizer}; ${run.n_params} parameters`);
}

function onEpoch(ep) {
  if (ep.diverged) { status("pg-status", `diverged: ${ep.diverged}`, true); return; }
  state.pg.rows.push(ep.row);
  state.pg.boundary = ep.boundary;
  state.pg.steps.push(ep.internals.step[2]);
  $("pg-epoch").textContent = ep.epoch;
  drawBoundary(); drawCurves(); drawPgInternals(ep.internals);
  const r = ep.row;
  status("pg-status", `epoch ${ep.epoch}: loss ${fmt(r.loss)}, validation loss ${fmt(r.val_loss)}, ` +
         `accuracy ${fmt(r.accuracy)}, validation accuracy ${fmt(r.val_accuracy)}`);
}

async function startTraining() {
  try {
    if (state.pg.dirty || !state.pg.run) await setupRun();
  } catch (e) { status("pg-status", e.message, true); return; }
  if (state.pg.stream) return;
  const es = new EventSource(`/api/train/stream?session=${state.session}&epochs=200&delay_ms=40`);
  state.pg.stream = es;
  $("pg-start").disabled = true; $("pg-pause").disabled = false; $("pg-step").disabled = true;
  es.addEventListener("epoch", (e) => onEpoch(JSON.parse(e.data)));
  const finish = () => {
    es.close(); state.pg.stream = null;
    $("pg-start").disabled = false; $("pg-pause").disabled = true; $("pg-step").disabled = false;
  };
  es.addEventListener("done", (e) => { finish(); const d = JSON.parse(e.data); if (d.paused) status("pg-status", `paused after epoch ${d.epoch}`); });
  es.onerror = () => { if (state.pg.stream === es) { finish(); status("pg-status", "the training stream stopped", true); } };
}

async function pauseTraining() {
  try { await api("POST", "/api/train/pause", { session: state.session }); }
  catch (e) { status("pg-status", e.message, true); }
}

async function stepTraining() {
  try {
    if (state.pg.dirty || !state.pg.run) await setupRun();
    onEpoch(await api("POST", "/api/train/step", { session: state.session }));
  } catch (e) { status("pg-status", e.message, true); }
}

const CLASS = ["#2b6cb0", "#dd6b20"];
function drawBoundary() {
  const run = state.pg.run, canvas = $("pg-boundary"), ctx = canvas.getContext("2d");
  if (!run) return;
  const Wc = canvas.width, Hc = canvas.height, m = { l: 44, b: 36, t: 8, r: 8 };
  const pw = Wc - m.l - m.r, ph = Hc - m.t - m.b, [x0, x1, y0, y1] = run.extent, n = run.grid;
  ctx.fillStyle = "#fff"; ctx.fillRect(0, 0, Wc, Hc);
  const cw = pw / (n - 1), chh = ph / (n - 1);
  for (let r = 0; r < n; r++) for (let c = 0; c < n; c++) {
    const p = state.pg.boundary[r * n + c];
    const a = Math.abs(p - 0.5) * 2;  // 0 on the boundary, 1 where the model is sure
    const base = p > 0.5 ? [221, 107, 32] : [43, 108, 176];
    const mix = base.map((v) => Math.round(255 - (255 - v) * (0.15 + 0.45 * a)));
    ctx.fillStyle = `rgb(${mix[0]},${mix[1]},${mix[2]})`;
    ctx.fillRect(m.l + (c - 0.5) * cw, m.t + ph - (r + 0.5) * chh, cw + 1, chh + 1);
  }
  const sx = (x) => m.l + (x - x0) / (x1 - x0) * pw, sy = (y) => m.t + ph - (y - y0) / (y1 - y0) * ph;
  // The 0.5 contour by marching squares: on each grid cell's edges, where P − 0.5 changes sign,
  // the crossing point by linear interpolation; a cell with two crossings gets a segment.
  const P = state.pg.boundary, gx = (c) => m.l + c * cw, gy = (r) => m.t + ph - r * chh;
  ctx.strokeStyle = "#000"; ctx.lineWidth = 2; ctx.beginPath();
  for (let r = 0; r < n - 1; r++) for (let c = 0; c < n - 1; c++) {
    const corners = [[r, c], [r, c + 1], [r + 1, c + 1], [r + 1, c]];
    const cross = [];
    for (let k = 0; k < 4; k++) {
      const [ra, ca] = corners[k], [rb, cb] = corners[(k + 1) % 4];
      const va = P[ra * n + ca] - 0.5, vb = P[rb * n + cb] - 0.5;
      if ((va > 0) !== (vb > 0)) {
        const t = va / (va - vb);
        cross.push([gx(ca + t * (cb - ca)), gy(ra + t * (rb - ra))]);
      }
    }
    for (let k = 0; k + 1 < cross.length; k += 2) { ctx.moveTo(...cross[k]); ctx.lineTo(...cross[k + 1]); }
  }
  ctx.stroke();
  const dot = (pts, labels, filled) => pts.forEach(([x, y], i) => {
    ctx.beginPath(); ctx.arc(sx(x), sy(y), filled ? 3.2 : 4, 0, 2 * Math.PI);
    if (filled) { ctx.fillStyle = CLASS[labels[i]]; ctx.fill(); ctx.strokeStyle = "#fff"; ctx.lineWidth = 0.8; ctx.stroke(); }
    else { ctx.strokeStyle = "#000"; ctx.lineWidth = 2.6; ctx.stroke(); ctx.strokeStyle = CLASS[labels[i]]; ctx.lineWidth = 1.6; ctx.stroke(); }
  });
  dot(run.train.x, run.train.y, true);
  dot(run.val.x, run.val.y, false);
  ctx.strokeStyle = "#999"; ctx.lineWidth = 1; ctx.strokeRect(m.l, m.t, pw, ph);
  ctx.fillStyle = "#1d2330"; ctx.font = "12px system-ui, sans-serif"; ctx.textAlign = "center";
  for (let k = 0; k <= 4; k++) {
    ctx.textAlign = k === 0 ? "left" : k === 4 ? "right" : "center";
    ctx.fillText(tick(x0 + (x1 - x0) * k / 4), m.l + pw * k / 4, Hc - m.b + 14);
  }
  ctx.textAlign = "center";
  ctx.fillText(run.feature_names[0], m.l + pw / 2, Hc - 6);
  ctx.save(); ctx.translate(12, m.t + ph / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(run.feature_names[1], 0, 0); ctx.restore();
  ctx.textAlign = "right";
  for (let k = 0; k <= 4; k++) ctx.fillText(tick(y0 + (y1 - y0) * k / 4), m.l - 4, m.t + ph - ph * k / 4 + 4);
}

function drawCurves() {
  const rows = state.pg.rows;
  lineChart($("pg-curves"), [
    { values: rows.map((r) => r.loss), color: "#1f4e9c", label: "training loss" },
    { values: rows.map((r) => r.val_loss), color: "#c0392b", label: "validation loss", dash: "5 3" },
  ], { xlabel: "epoch", ylabel: "loss (log)", log: true, empty: "press Start or Step" });
  lineChart($("pg-steps"), [{ values: state.pg.steps, color: "#6b3fa0", label: "median |Δθ|" }],
            { xlabel: "epoch", ylabel: "|Δθ| (log)", log: true, empty: "no step yet" });
}

function drawPgInternals(inner) {
  const table = $("pg-internals");
  table.textContent = "";
  const q = (a) => (a ? `${fmt(a[2])} [${fmt(a[0])}, ${fmt(a[4])}]` : "–");
  const rows = [["t (steps)", inner ? String(inner.t) : "–"], ["lr", inner ? fmt(inner.lr) : "–"],
                ["1−β1ᵗ", inner ? fmt(inner.bc1) : "–"], ["1−β2ᵗ", inner ? fmt(inner.bc2) : "–"],
                ["|g|", q(inner && inner.grad)], ["|m̂|", q(inner && inner.m_hat)],
                ["v̂", q(inner && inner.v_hat)], ["|Δθ|", q(inner && inner.step)]];
  for (const [k, v] of rows) {
    const tr = html("tr"); tr.append(html("th", { scope: "row" }, k), html("td", { "data-field": k }, v)); table.appendChild(tr);
  }
}

// ------------------------------------------------------------------ article
let articleLoaded = false;
async function loadArticle() {
  if (articleLoaded) return;
  articleLoaded = true;
  try {
    const a = await api("GET", "/api/article");
    const f = a.faithful, c = a.corrected;
    lineChart($("ar-faithful"), [
      { values: f.curve.loss, color: "#1f4e9c", label: "training loss", xs: f.curve.epoch },
      { values: f.curve.accuracy, color: "#2f855a", label: "accuracy", dash: "2 2", xs: f.curve.epoch },
    ], { xlabel: "epoch", ylabel: "loss, accuracy" });
    $("ar-faithful-note").textContent = `σ(x·θ), no bias, ${f.steps} one-sample Adam steps (lr 0.1): θ = (${f.theta.map(fmt).join(", ")}). ` +
      `Without a bias the boundary must pass through the origin: training accuracy stalls at ${(100 * f.train_accuracy).toFixed(0)}%.`;
    lineChart($("ar-persample"), [{ values: f.per_sample_loss, color: "#7f7f7f", label: "loss per sample", dots: true }],
              { xlabel: "sample index (not time)", ylabel: "loss" });
    const h = c.history;
    lineChart($("ar-corrected"), [
      { values: h.loss, color: "#1f4e9c", label: "training loss", xs: h.epoch },
      { values: h.val_loss, color: "#c0392b", label: "validation loss", dash: "5 3", xs: h.epoch },
    ], { xlabel: "epoch", ylabel: "loss" });
    $("ar-corrected-note").textContent = `With biases and a hidden layer of ${c.hidden.join(", ")}, Adam lr 0.01, mini-batches of 10: ` +
      `training accuracy ${(100 * c.train_accuracy).toFixed(0)}%, and a real curve over epochs.`;
  } catch (e) {
    articleLoaded = false;
    $("ar-faithful-note").textContent = e.message;
  }
}

// ------------------------------------------------------------------ start
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
