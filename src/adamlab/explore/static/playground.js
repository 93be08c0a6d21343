// adamlab explore: plain JavaScript (ES modules), SVG and canvas; no library, no build step.
// Every number drawn comes from the server (adamlab's optimizers); these files only draw.
// playground.js: an MLP trained epoch by epoch in the server, streamed (server-sent events).
import { $, state, fmt, tick, api, html, status, lineChart } from "./common.js";

export function buildPlaygroundControls() {
  for (const d of state.meta.datasets) $("pg-dataset").appendChild(html("option", { value: d }, d));
  $("pg-dataset").value = "moons";
  for (const a of state.meta.activations) $("pg-activation").appendChild(html("option", { value: a }, a));
  $("pg-activation").value = "tanh";
  for (const row of state.meta.optimizers) $("pg-optimizer").appendChild(html("option", { value: row.name }, row.name));
  $("pg-optimizer").value = "adam";
  const show = () => {
    for (const id of ["pg-noise", "pg-beta1", "pg-beta2"]) $(`${id}-out`).textContent = fmt(Number($(id).value));
    const fixed = $("pg-dataset").value === "article";  // the article's 100 points: no size, no noise
    $("pg-noise").disabled = fixed; $("pg-n").disabled = fixed;
    const row = state.meta.optimizers.find((r) => r.name === $("pg-optimizer").value);
    $("pg-beta1").disabled = $("pg-beta2").disabled = !(row && row.betas);
  };
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
  const Wc = canvas.width, Hc = canvas.height, m = { l: 56, b: 36, t: 10, r: 10 };
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
  ctx.save(); ctx.translate(11, m.t + ph / 2); ctx.rotate(-Math.PI / 2); ctx.fillText(run.feature_names[1], 0, 0); ctx.restore();
  ctx.textAlign = "right";
  for (let k = 0; k <= 4; k++) ctx.fillText(tick(y0 + (y1 - y0) * k / 4), m.l - 4, m.t + ph - ph * k / 4 + 4);
}

export function drawCurves() {
  const rows = state.pg.rows;
  lineChart($("pg-curves"), [
    { values: rows.map((r) => r.loss), color: "#1f4e9c", label: "training loss" },
    { values: rows.map((r) => r.val_loss), color: "#c0392b", label: "validation loss", dash: "5 3" },
  ], { xlabel: "epoch", ylabel: "loss (log)", log: true, empty: "press Start or Step" });
  lineChart($("pg-steps"), [{ values: state.pg.steps, color: "#6b3fa0", label: "median |Δθ|" }],
            { xlabel: "epoch", ylabel: "|Δθ| (log)", log: true, empty: "no step yet" });
}

export function drawPgInternals(inner) {
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
