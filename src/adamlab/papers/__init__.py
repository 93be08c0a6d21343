"""The papers' experiments, reproduced with adamlab's own optimizers (``adamlab paper NAME``).

Each row names the paper, states its claim, and runs an experiment that prints what adamlab
measured against it, with a figure. Where the paper's setting is exact (Reddi et al.'s online
problem) the numbers are compared; where it depends on data or scale adamlab cannot reach
(ImageNet, a VAE), the qualitative claim is, and ``scale`` says what differs.

========================== =============================================================
``amsgrad-counterexample`` Reddi, Kale & Kumar 2018: Adam converges to the worst point
``radam-warmup``           Liu et al. 2020: the adaptive lr's variance early on, warmup, RAdam
``bias-correction``        Kingma & Ba 2015 §3, §6.4: the first steps without bias correction
``adamw-decoupling``       Loshchilov & Hutter 2019: lr × weight decay, coupled and decoupled
``schedule-free``          Defazio et al. 2024: Schedule-Free AdamW against a tuned cosine
========================== =============================================================
"""

from __future__ import annotations

from adamlab.papers import adamw, amsgrad, bias, radam, schedulefree
from adamlab.papers.base import Paper, Result

__all__ = ["PAPERS", "Paper", "Result", "run_paper"]

PAPERS: dict[str, Paper] = {
    "amsgrad-counterexample": Paper("Reddi, Kale & Kumar 2018, ICLR, arXiv:1904.09237",
                                    "Adam can converge to the worst point; AMSGrad does not",
                                    amsgrad.run),
    "radam-warmup": Paper("Liu et al. 2020, ICLR, arXiv:1908.03265",
                          "the adaptive learning rate's variance is large in the first steps; "
                          "warmup and rectification tame it", radam.run),
    "bias-correction": Paper("Kingma & Ba 2015, ICLR, arXiv:1412.6980, §3 and §6.4",
                             "without bias correction the first steps are too large as β2 → 1",
                             bias.run),
    "adamw-decoupling": Paper("Loshchilov & Hutter 2019, ICLR, arXiv:1711.05101",
                              "decoupled weight decay lets lr and decay be tuned apart",
                              adamw.run),
    "schedule-free": Paper("Defazio et al. 2024, NeurIPS, arXiv:2405.15682",
                           "Schedule-Free AdamW matches a tuned cosine schedule at any stopping "
                           "time", schedulefree.run),
}


def run_paper(name: str, quick: bool = False) -> Result:
    """Run the named experiment (``quick``: a smaller setting, for tests)."""
    if name not in PAPERS:
        raise ValueError(f"unknown paper {name!r}; choose from {', '.join(PAPERS)}")
    return PAPERS[name].run(quick)
