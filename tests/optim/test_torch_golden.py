"""Every optimizer against trajectories recorded from torch.optim (scripts/make_torch_golden.py).

The recorded gradients are fed to adamlab's optimizer; the parameters after each of the 200
steps must agree with PyTorch's to a relative 1e-10. No PyTorch needed here. Adam and AdamW
are run through both their NumPy step and their compiled one (``fused=True``, when numba is
installed).
"""

import json
from pathlib import Path

import numpy as np
import pytest

from adamlab import _jit, optim

DATA = Path(__file__).resolve().parent.parent / "fixtures"
META = json.loads((DATA / "torch_optim_golden.json").read_text())
ARRAYS = np.load(DATA / "torch_optim_golden.npz", allow_pickle=False)


def split(flat: np.ndarray) -> list[np.ndarray]:
    out, i = [], 0
    for shape in META["shapes"]:
        n = int(np.prod(shape))
        out.append(flat[i : i + n].reshape(shape).copy())
        i += n
    return out


FUSABLE = {"Adam", "AdamW"}
SKIP_NO_NUMBA = pytest.mark.skipif(not _jit.available(), reason="numba not installed")
RUNS = [pytest.param(c, None, id=c["name"]) for c in META["cases"]] + [
    pytest.param(c, fused, id=f"{c['name']}-{'fused' if fused else 'numpy'}",
                 marks=[SKIP_NO_NUMBA] if fused else [])
    for c in META["cases"] if c["torch_class"] in FUSABLE for fused in (False, True)
]


@pytest.mark.parametrize(("case", "fused"), RUNS)
def test_matches_torch_step_for_step(case, fused):
    kwargs = dict(case["kwargs"])
    if "betas" in kwargs:
        kwargs["betas"] = tuple(kwargs["betas"])
    if fused is not None:
        kwargs["fused"] = fused
    params = split(ARRAYS["init"])
    opt = getattr(optim, case["torch_class"])(params, **kwargs)
    grads, expected = ARRAYS[f"{case['name']}.grads"], ARRAYS[f"{case['name']}.params"]
    assert len(grads) >= 200
    for t in range(len(grads)):
        opt.step(split(grads[t]))
        got = np.concatenate([p.ravel() for p in params])
        np.testing.assert_allclose(got, expected[t], rtol=1e-10, atol=1e-13,
                                   err_msg=f"{case['name']}: step {t + 1}")


def test_golden_data_covers_every_optimizer_and_flag():
    cases = META["cases"]
    classes = {c["torch_class"] for c in cases}
    assert classes == {"SGD", "RMSprop", "Adagrad", "Adam", "AdamW", "NAdam", "RAdam", "Adamax"}
    flags = {k for c in cases for k, v in c["kwargs"].items() if v not in (0, False)}
    assert {"amsgrad", "maximize", "weight_decay", "decoupled_weight_decay", "nesterov",
            "centered", "momentum", "dampening", "lr_decay", "momentum_decay"} <= flags
