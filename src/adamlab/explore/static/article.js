// adamlab explore: plain JavaScript (ES modules), SVG and canvas; no library, no build step.
// Every number drawn comes from the server (adamlab's optimizers); these files only draw.
// article.js: the seed experiment and its correction, each with its real learning curve.
import { $, fmt, api, lineChart } from "./common.js";

let articleLoaded = false;
export async function loadArticle() {
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
