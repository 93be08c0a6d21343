"""How far Adam's ε conventions drift apart when gradients are tiny.

Plain NumPy, self-contained: ``python scripts/convention_drift.py``. The output is pasted into
docs/optimizers.md ("Worked example").

A parameter receives the same gradient g at every step, with lr α = 1e-3 and β = (0.9, 0.999).
Each convention is implemented directly from the formula in its library's source (cited on each
function), by running the moment recursions step by step; the closed forms derived in the doc
are asserted against the simulation. Printed values are the step size as a fraction of a full
Adam step, |Δθ_t| / α, so 1.0 means "ε had no effect" and the ratio to PyTorch is the drift.
Two smaller tables follow: the source article's ``√v − ε`` typo, and where AMSGrad takes its max.
"""

from __future__ import annotations

import math

import numpy as np

LR, BETA1, BETA2 = 1e-3, 0.9, 0.999
STEPS = (1, 10, 100, 1000, 10000)
GRADS = (1e-6, 1e-8, 1e-10)


def torch_adam(g: float, steps: int, eps: float = 1e-8) -> np.ndarray:
    """torch/optim/adam.py, _single_tensor_adam (torch 2.13), also optax.adam with eps_root=0:

    denom = √v_t / √(1 − β2^t) + ε;  θ ← θ − α/(1 − β1^t) · m_t / denom
    i.e. Δθ = −α·m̂_t/(√v̂_t + ε): ε is added *after* bias correction.
    """
    m = v = 0.0
    out = np.empty(steps)
    for t in range(1, steps + 1):
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g * g
        denom = math.sqrt(v) / math.sqrt(1 - BETA2**t) + eps
        out[t - 1] = LR / (1 - BETA1**t) * m / denom
    return out


def eps_hat_adam(g: float, steps: int, eps_hat: float) -> np.ndarray:
    """The paper's "efficient" form (Kingma & Ba, end of §2), ε̂ added to √v *before* correction.

    sklearn/neural_network/_stochastic_optimizers.py, AdamOptimizer._get_updates (ε̂ = 1e-8):
        learning_rate = lr·√(1 − β2^t)/(1 − β1^t);  update = −learning_rate · m/(√v + ε)
    keras/src/optimizers/adam.py, Adam.update_step (ε̂ = 1e-7): the same with
        alpha = lr·√(1 − β2^power)/(1 − β1^power);  θ −= m·alpha/(√v + ε)
    """
    m = v = 0.0
    out = np.empty(steps)
    for t in range(1, steps + 1):
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g * g
        alpha_t = LR * math.sqrt(1 - BETA2**t) / (1 - BETA1**t)
        out[t - 1] = alpha_t * m / (math.sqrt(v) + eps_hat)
    return out


def optax_adam(g: float, steps: int, eps: float = 1e-8, eps_root: float = 0.0) -> np.ndarray:
    """optax/_src/transform.py, scale_by_adam:  m̂ / (√(v̂ + eps_root) + eps), then × −lr.

    eps_root (default 0.0) sits *inside* the square root, after bias correction.
    """
    m = v = 0.0
    out = np.empty(steps)
    for t in range(1, steps + 1):
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g * g
        m_hat, v_hat = m / (1 - BETA1**t), v / (1 - BETA2**t)
        out[t - 1] = LR * m_hat / (math.sqrt(v_hat + eps_root) + eps)
    return out


def article_adam(g: float, steps: int, eps: float = 1e-8, corrected_v: bool = True) -> np.ndarray:
    """The source article's last equation, θ ← θ − α·m̂_t/(√v_t − ε) (a sign typo, do not use).

    ``corrected_v=True`` reads its v_t as v̂_t (the sign error alone); ``False`` takes the raw v_t.
    """
    m = v = 0.0
    out = np.empty(steps)
    for t in range(1, steps + 1):
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g * g
        m_hat = m / (1 - BETA1**t)
        root = math.sqrt(v / (1 - BETA2**t)) if corrected_v else math.sqrt(v)
        denom = root - eps
        out[t - 1] = math.copysign(math.inf, m_hat) if denom == 0 else LR * m_hat / denom
    return out


def amsgrad(grads: np.ndarray, where: str, eps: float = 1e-8) -> np.ndarray:
    """AMSGrad's running max, taken where each library takes it.

    "torch": torch/optim/adam.py, max_exp_avg_sqs = max(max_exp_avg_sqs, v_t) on the *raw* v_t,
             then denom = √max / √(1 − β2^t) + ε.
    "keras": keras/src/optimizers/adam.py, v_hat = max(v_hat, v) on the raw v, then the ε-hat
             form alpha·m/(√v_hat + ε) (pass eps=1e-7 for Keras' default).
    "optax": optax/_src/transform.py, scale_by_amsgrad: nu_max = max(nu_max, v̂_t) on the
             *bias-corrected* v̂_t (bias_correction_nu=True), then m̂/(√(nu_max + eps_root) + eps).
    """
    m = v = vmax = 0.0
    out = np.empty(len(grads))
    for t, g in enumerate(grads, start=1):
        m = BETA1 * m + (1 - BETA1) * g
        v = BETA2 * v + (1 - BETA2) * g * g
        bc1, bc2 = 1 - BETA1**t, 1 - BETA2**t
        if where == "torch":
            vmax = max(vmax, v)
            out[t - 1] = LR / bc1 * m / (math.sqrt(vmax) / math.sqrt(bc2) + eps)
        elif where == "keras":
            vmax = max(vmax, v)
            out[t - 1] = LR * math.sqrt(bc2) / bc1 * m / (math.sqrt(vmax) + eps)
        else:
            vmax = max(vmax, v / bc2)
            out[t - 1] = LR * (m / bc1) / (math.sqrt(vmax) + eps)
    return out


def amsgrad_table() -> list[str]:
    n = max(STEPS)
    grads = np.full(n, 0.01)
    grads[0] = 1.0  # one large gradient first, then small ones
    torch_, keras_, optax_ = (
        amsgrad(grads, w, e) for w, e in (("torch", 1e-8), ("keras", 1e-7), ("optax", 1e-8))
    )
    lines = [
        "| t | PyTorch (max raw v) | Keras (max raw v, ε̂) | optax (max v̂) |",
        "|---|---|---|---|",
    ]
    for t in STEPS:
        cells = (f"{col[t - 1] / LR:.3g}" for col in (torch_, keras_, optax_))
        lines.append(f"| {t} | " + " | ".join(cells) + " |")
    return lines


def check_closed_forms() -> None:
    """With a constant g, m̂_t = g and v̂_t = g² exactly, so each form has a closed form:

    PyTorch:  Δ/α = g/(|g| + ε)
    ε-hat:    Δ/α = g/(|g| + ε̂/√(1 − β2^t))       (ε_eff = ε̂/√(1 − β2^t) in the v̂ frame)
    optax:    Δ/α = g/(√(g² + eps_root) + eps)
    """
    t = np.arange(1, max(STEPS) + 1)
    for g in GRADS:
        np.testing.assert_allclose(torch_adam(g, t[-1]) / LR, g / (g + 1e-8), rtol=1e-9)
        np.testing.assert_allclose(
            eps_hat_adam(g, t[-1], 1e-8) / LR, g / (g + 1e-8 / np.sqrt(1 - BETA2**t)), rtol=1e-9
        )
        np.testing.assert_allclose(
            optax_adam(g, t[-1], 1e-8, 1e-8) / LR, g / (np.sqrt(g * g + 1e-8) + 1e-8), rtol=1e-9
        )


def fmt(x: float, ref: float) -> str:
    return f"{x:.3g} (×{x / ref:.3g})"


def drift_table() -> list[str]:
    head = (
        "| g | t | √(1−β2^t) | PyTorch = optax default | sklearn ε̂=1e-8 | Keras ε̂=1e-7 "
        "| optax eps_root=1e-8 |"
    )
    lines = [head, "|" + "---|" * 7]
    n = max(STEPS)
    for g in GRADS:
        cols = (
            torch_adam(g, n),
            eps_hat_adam(g, n, 1e-8),
            eps_hat_adam(g, n, 1e-7),
            optax_adam(g, n, eps=1e-8, eps_root=1e-8),
        )
        for t in STEPS:
            ref = cols[0][t - 1] / LR
            cells = [f"{ref:.3g}"] + [fmt(c[t - 1] / LR, ref) for c in cols[1:]]
            lines.append(
                f"| {g:g} | {t} | {math.sqrt(1 - BETA2**t):.3f} | " + " | ".join(cells) + " |"
            )
    return lines


def article_table() -> list[str]:
    lines = [
        "| g | Adam: √v̂+ε | article, √v̂−ε | article, raw √v_t−ε (t=1) |",
        "|---|---|---|---|",
    ]
    for g in (1e-4, 1e-6, 2e-8, 1e-8, 5e-9, 1e-10):
        ok = torch_adam(g, 1)[0] / LR
        typo = article_adam(g, 1)[0] / LR
        raw = article_adam(g, 1, corrected_v=False)[0] / LR
        lines.append(f"| {g:g} | {ok:.4g} | {typo:.4g} | {raw:.4g} |")
    return lines


def main() -> None:
    check_closed_forms()
    print(f"Per-step update |Δθ_t|/α, constant gradient g, α={LR:g}, β1={BETA1}, β2={BETA2};")
    print("(×r) = ratio to PyTorch's step. Closed forms asserted against the simulation.\n")
    print("\n".join(drift_table()))
    print("\nThe article's typo: step/α at t=1 (negative = uphill, inf = division by zero)\n")
    print("\n".join(article_table()))
    print("\nAMSGrad, g_1 = 1 then g_t = 0.01: step/α (where the running max is taken matters)\n")
    print("\n".join(amsgrad_table()))


if __name__ == "__main__":
    main()
