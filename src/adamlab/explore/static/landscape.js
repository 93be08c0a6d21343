// adamlab explore: plain JavaScript (ES modules), SVG and canvas; no library, no build step.
// Every number drawn comes from the server (adamlab's optimizers); these files only draw.
// landscape.js: optimizer paths on a 2-D function, redrawn as the sliders move, and the
// internals read from each optimizer's state at the inspected step.
import { $, state, fmt, api, el, html, status } from "./common.js";

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

export function buildLandscapeControls() {
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
  $("ls-svg").addEventListener("click", moveStart);
  for (const id of ["ls-start-x", "ls-start-y"]) $(id).addEventListener("change", requestPaths);
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
  $("ls-start-x").value = f.start[0];
  $("ls-start-y").value = f.start[1];
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
  const start = [Number($("ls-start-x").value), Number($("ls-start-y").value)];
  if ($("ls-start-x").value !== "" && $("ls-start-y").value !== "" && start.every(Number.isFinite)) body.start = start;
  const wd = Number($("ls-wd").value);
  if (wd > 0) body.weight_decay = wd;
  return body;
}

// One request in flight at a time; a slider moved meanwhile sends its latest value next.
let lsBusy = false, lsPending = false;
export async function requestPaths() {
  if (lsBusy) { lsPending = true; return; }
  lsBusy = true;
  document.body.dataset.drawing = "true";  // "false" once the latest settings are drawn
  try {
    const body = landscapeRequest();
    if (!body.optimizers.length) { state.ls.paths = []; state.ls.draw = null; drawPaths(); status("ls-status", "choose at least one optimizer"); return; }
    const t0 = performance.now();
    const out = await api("POST", "/api/landscape", body);
    state.ls.paths = out.paths;
    state.ls.draw = out.draw;
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

export async function loadSurface() {
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
  // Every path visible, by adamlab.plot.landscape's rule: the longest on the plot is drawn
  // first and widest, each next one narrower on top of it, each with its own marker every
  // `every` steps and markers at both ends.
  // (The server sends that rule's answer: adamlab.plot.landscape_paths, written once.)
  const paths = state.ls.paths, draw = state.ls.draw || { order: [], widths_pt: [], marker_every: 50 };
  const order = draw.order, widths = draw.widths_pt.map((w) => 1.3 * w), every = draw.marker_every;  // 1 pt ≈ 1.3 px here
  $("ls-every").textContent = every;
  order.forEach((k, rank) => {
    const p = paths[k];
    const g = el("g", { id: `path-${p.optimizer}`, "data-opt": p.optimizer }, svg);
    const pts = p.xy.map(([x, y]) => toScreen(x, y).map((v) => v.toFixed(2)).join(",")).join(" ");
    el("polyline", { class: "trace", points: pts, fill: "none", stroke: p.color, "stroke-width": widths[rank],
                     "stroke-linejoin": "round", "stroke-linecap": "round" }, g);
    for (let i = every; i < p.xy.length; i += every) {
      const [sx, sy] = toScreen(...p.xy[i]);
      el("circle", { cx: sx, cy: sy, r: 3, fill: p.color, stroke: "#fff", "stroke-width": 0.9 }, g);
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

// A click on the plot starts every path there (rounded to 0.01 of the domain's units).
function moveStart(e) {
  const f = fnInfo(), r = $("ls-svg").getBoundingClientRect();
  const u = (e.clientX - r.left) / r.width, v = 1 - (e.clientY - r.top) / r.height;
  $("ls-start-x").value = (f.xlim[0] + u * (f.xlim[1] - f.xlim[0])).toFixed(2);
  $("ls-start-y").value = (f.ylim[0] + v * (f.ylim[1] - f.ylim[0])).toFixed(2);
  requestPaths();
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
