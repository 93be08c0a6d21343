"""Adam, AMSGrad and AdamW: one update, three conventions, and the ε-hat form."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

from adamlab import _jit
from adamlab.optim._terms import direction_fma, ema_fma, ema_sq_fma
from adamlab.optim.base import Optimizer
from adamlab.optim.cautious import cautious_


def step_scalars(group: Mapping[str, Any], t: int) -> tuple[float, float]:
    """The step size and √(1 − β2^t) of step t, in Python floats as ``torch.optim.Adam``
    computes them (``**`` is libm's ``pow``: ``x**0.5`` is not always ``math.sqrt(x)``, e.g.
    1.0 against 1 − 2⁻⁵³ for x = 1 − 2⁻⁵³, so the compiled kernel is given these numbers)::

        step_size = α/(1 − β1^t)                      (eps_hat: α·√(1 − β2^t)/(1 − β1^t))
    """
    lr, (beta1, beta2) = group["lr"], group["betas"]
    bias_correction1 = 1 - beta1**t
    bias_correction2_sqrt = (1 - beta2**t) ** 0.5
    if group["eps_hat"]:
        return lr * bias_correction2_sqrt / bias_correction1, bias_correction2_sqrt
    return lr / bias_correction1, bias_correction2_sqrt


class Adam(Optimizer):
    r"""Adam (Kingma & Ba, 2015), with AMSGrad (Reddi et al., 2018) and decoupled decay as flags.

    Follows ``torch.optim.Adam`` step for step (``eps_hat=False``, the default)::

        g_t  = ∇f(θ_{t-1})                          (−∇f with maximize)
        g_t ← g_t + λ·θ_{t-1}                        (L2: weight_decay λ, the default)
        θ   ← θ·(1 − α·λ)                            (instead, with decoupled_weight_decay=True)
        m_t  = β1·m_{t-1} + (1 − β1)·g_t
        v_t  = β2·v_{t-1} + (1 − β2)·g_t²
        v_t^max = max(v_{t-1}^max, v_t)              (amsgrad: the max of the *raw* v, then
                                                      bias-corrected like v; PyTorch's choice)
        θ_t  = θ_{t-1} − α/(1 − β1^t) · m_t / (√v_t / √(1 − β2^t) + ε)

    i.e. θ_t = θ_{t-1} − α·m̂_t/(√v̂_t + ε) with m̂_t = m_t/(1 − β1^t), v̂_t = v_t/(1 − β2^t):
    ε is *added* to √v̂ (the source article's ``√v − ε`` is a typo that can divide by zero).
    Rounded as torch rounds (``_single_tensor_adam``): m by ``lerp_``, v by ``mul_`` then
    ``addcmul_``, L2 decay by ``add(alpha=λ)``, each multiply-add rounded once (FMA,
    ``_terms``); θ by ``addcdiv_``. Bit for bit equal to torch in float64 and float32 on a
    300-step feedback trajectory (tests/optim/test_torch_feedback.py).

    ``eps_hat=True`` gives the paper's "efficient" form (Algorithm 1's last paragraph), used by
    scikit-learn's ``MLPClassifier(solver="adam")`` and Keras: ε is added to √v *before* bias
    correction. In PyTorch's terms its ε is ε/√(1 − β2^t): 31.6× larger at t = 1 with β2 = 0.999,
    which matters when gradients are tiny (see docs/optimizers.md)::

        α_t = α·√(1 − β2^t)/(1 − β1^t);   θ_t = θ_{t-1} − α_t · m_t / (√v_t + ε̂)

    Defaults (PyTorch's): lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0,
    amsgrad=False, decoupled_weight_decay=False. (Keras' default ε is 1e-7; scikit-learn's 1e-8.)

    ``cautious=True`` (Liang et al. 2024, arXiv:2411.16085; "C-AdamW" with decoupled decay)
    steps only the coordinates where the momentum agrees with the gradient, rescaled to keep
    the mean step, as the authors' code does (``optim/cautious.py``)::

        φ = 1[m_t ⊙ g_t > 0];   θ_t = θ_{t-1} − α/(1 − β1^t) · (m_t ⊙ φ·n/(Σφ + 1)) / denom

    The count Σφ runs over each parameter tensor, so a cautious group is stepped tensor by
    tensor (NumPy path; not fused).

    ``fused`` chooses how the step is computed, never what it computes: ``None`` (default) uses
    the compiled one-pass kernel of ``_adam_kernel`` when numba is installed (``pip install
    adamlab[fast]``) and the NumPy code below otherwise; ``True`` requires numba; ``False``
    always uses NumPy. Both give the same numbers (the kernel repeats NumPy's operations in
    order). A parameter that is not C-contiguous, or whose gradient has another dtype, always
    takes the NumPy path.
    """

    buffers = ("exp_avg", "exp_avg_sq")
    added_later = {"cautious": False}

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 0.0,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        decoupled_weight_decay: bool = False,
        eps_hat: bool = False,
        cautious: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params,
            dict(lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
                 maximize=maximize, decoupled_weight_decay=decoupled_weight_decay,
                 eps_hat=eps_hat, cautious=cautious),
        )
        self.fused = fused
        kernels = _jit.load(fused, self._name, "adamlab.optim._adam_kernel")
        self._kernel = None if kernels is None else kernels.adam_step

    def _init_state(self, p: np.ndarray, group: Mapping[str, Any]) -> dict[str, Any]:
        state = super()._init_state(p, group)
        if group["amsgrad"]:
            state["max_exp_avg_sq"] = np.zeros_like(p)
        return state

    def _elementwise(self, group: Mapping[str, Any]) -> bool:
        return not group["cautious"]

    def _fusable(self, p: np.ndarray, g: np.ndarray, group: Mapping[str, Any]) -> bool:
        return (self._kernel is not None and g.dtype == p.dtype and p.flags.c_contiguous
                and g.flags.c_contiguous and not group["cautious"])

    def _update_keeping(self, p, g, state, group, previous) -> None:
        if (self._fusable(p, g, group) and previous.dtype == p.dtype
                and previous.shape == p.shape and previous.flags.c_contiguous):
            self._fused_update(p, g, state, group, previous)  # θ copied in the same pass
        else:
            super()._update_keeping(p, g, state, group, previous)

    def _update(self, p, g, state, group) -> None:
        if self._fusable(p, g, group):
            self._fused_update(p, g, state, group)
            return
        beta1, beta2 = group["betas"]
        g = direction_fma(p, g, group, self._scratch)  # torch's grad.add(param, alpha=λ)
        state["step"] += 1
        t = state["step"]
        m, v = state["exp_avg"], state["exp_avg_sq"]
        tmp = self._scratch(p, 1)
        ema_fma(m, g, beta1, tmp)  # m_t = β1·m_{t-1} + (1 − β1)·g_t   (m.lerp_(g, 1 − β1))
        ema_sq_fma(v, g, beta2, tmp)  # v_t = β2·v_{t-1} + (1 − β2)·g_t²  (mul_, addcmul_)
        if group["amsgrad"]:
            v = np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
        step_size, bias_correction2_sqrt = step_scalars(group, t)
        denom = np.sqrt(v, out=tmp)
        if not group["eps_hat"]:
            denom /= bias_correction2_sqrt  # √v̂_t = √v_t / √(1 − β2^t)
        denom += group["eps"]
        if group["cautious"]:  # m ← m ⊙ φ·n/(Σφ + 1), φ = 1[m ⊙ g > 0]  (a copy: m is state)
            masked = self._scratch(p, 3)
            np.copyto(masked, m)
            cautious_(masked, g, self._scratch(p, 4))
            m = masked
        update = np.multiply(m, -step_size, out=self._scratch(p, 2))
        update /= denom
        p += update  # θ_t = θ_{t-1} − step_size·m_t/denom   (addcdiv_: three roundings)

    def _fused_update(self, p, g, state, group, previous=None) -> None:
        """The update above in one compiled pass (``_adam_kernel``), the same numbers."""
        state["step"] += 1
        vmax = state["max_exp_avg_sq"] if group["amsgrad"] else None
        beta1, beta2 = group["betas"]
        step_size, bias_correction2_sqrt = step_scalars(group, state["step"])
        self._kernel(
            p, g, state["exp_avg"], state["exp_avg_sq"], vmax, previous, float(group["lr"]),
            float(beta1), float(beta2), float(group["eps"]), float(group["weight_decay"]),
            float(step_size), 1.0 if group["eps_hat"] else float(bias_correction2_sqrt),
            bool(group["decoupled_weight_decay"]), bool(group["maximize"]),
        )


class AdamW(Adam):
    r"""AdamW (Loshchilov & Hutter, 2019): Adam with decoupled weight decay.

    Identical to ``Adam(..., decoupled_weight_decay=True)`` and to ``torch.optim.AdamW``::

        θ ← θ·(1 − α·λ)     before the Adam step (decay scaled by the learning rate, as in PyTorch)

    Defaults (PyTorch's): lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=1e-2, amsgrad=False.
    """

    def __init__(
        self,
        params: Iterable[Any],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
        weight_decay: float = 1e-2,
        amsgrad: bool = False,
        *,
        maximize: bool = False,
        eps_hat: bool = False,
        cautious: bool = False,
        fused: bool | None = None,
    ) -> None:
        super().__init__(
            params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay, amsgrad=amsgrad,
            maximize=maximize, decoupled_weight_decay=True, eps_hat=eps_hat, cautious=cautious,
            fused=fused,
        )
