"""adamlab's MLPClassifier against scikit-learn's, same settings, 5-fold accuracy over seeds.

``python scripts/sklearn_accuracy.py [--seeds 5] [--max-iter 200] [--hidden 100]
[--solvers adam,sgd,lbfgs]``. Prints the markdown table pasted into docs/sklearn.md. Each seed
fixes the folds (StratifiedKFold with shuffling) and both estimators' random_state; X is
standardised inside each fold (a Pipeline). Same settings on both sides: scikit-learn's defaults
(lr 1e-3, alpha 1e-4, batch min(200, n), tol 1e-4, n_iter_no_change 10; "sgd": momentum 0.9,
Nesterov; "lbfgs": max_fun 15000) for each solver; adamlab keeps its own default ε convention
(PyTorch's, eps_hat=False). The last column is the mean final training loss (``loss_``) of
adamlab over scikit-learn's, over every fold and seed. The tests run a smaller version
(tests/estimators).
"""

from __future__ import annotations

import argparse
import time
import warnings

import numpy as np
from sklearn.datasets import load_breast_cancer, load_digits, load_wine, make_moons
from sklearn.exceptions import ConvergenceWarning
from sklearn.model_selection import StratifiedKFold, cross_validate
from sklearn.neural_network import MLPClassifier as SkClassifier
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import StandardScaler

from adamlab.estimators import MLPClassifier

DATA = {
    "breast cancer": lambda: load_breast_cancer(return_X_y=True),
    "wine": lambda: load_wine(return_X_y=True),
    "digits": lambda: load_digits(return_X_y=True),
    "moons (300, noise 0.25)": lambda: make_moons(300, noise=0.25, random_state=0),
}


def cv_accuracy(cls, X, y, seeds, **settings) -> tuple[np.ndarray, float]:
    """Mean 5-fold accuracy for each seed, and the mean final training loss of every fit."""
    out, losses = [], []
    for seed in seeds:
        folds = StratifiedKFold(5, shuffle=True, random_state=seed)
        model = make_pipeline(StandardScaler(), cls(random_state=seed, **settings))
        res = cross_validate(model, X, y, cv=folds, return_estimator=True)
        out.append(res["test_score"].mean())
        losses += [fitted[-1].loss_ for fitted in res["estimator"]]
    return np.array(out), float(np.mean(losses))


def main() -> None:
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--seeds", type=int, default=5)
    p.add_argument("--max-iter", type=int, default=200)
    p.add_argument("--hidden", type=int, default=100)
    p.add_argument("--solvers", default="adam,sgd,lbfgs")
    args = p.parse_args()
    warnings.simplefilter("ignore", ConvergenceWarning)
    print(f"{args.seeds} seeds x 5 folds, hidden_layer_sizes=({args.hidden},), "
          f"max_iter={args.max_iter}\n")
    print("| data set | n × d, classes | solver | adamlab | scikit-learn | adamlab − sklearn "
          "| loss_ ratio |")
    print("|---|---|---|---|---|---|---|")
    for name, load in DATA.items():
        X, y = load()
        for solver in args.solvers.split(","):
            settings = dict(max_iter=args.max_iter, hidden_layer_sizes=(args.hidden,),
                            solver=solver)
            t = time.perf_counter()
            ours, our_loss = cv_accuracy(MLPClassifier, X, y, range(args.seeds), **settings)
            t_ours, t = time.perf_counter() - t, time.perf_counter()
            theirs, their_loss = cv_accuracy(SkClassifier, X, y, range(args.seeds), **settings)
            t_theirs = time.perf_counter() - t
            print(f"| {name} | {X.shape[0]} × {X.shape[1]}, {len(np.unique(y))} | {solver} | "
                  f"{ours.mean():.4f} ± {ours.std():.4f} | "
                  f"{theirs.mean():.4f} ± {theirs.std():.4f} | "
                  f"{ours.mean() - theirs.mean():+.4f} | {our_loss / their_loss:.3f} |",
                  flush=True)
            print(f"<!-- {name}, {solver}: {t_ours:.1f} s adamlab, {t_theirs:.1f} s "
                  "scikit-learn -->", flush=True)


if __name__ == "__main__":
    main()
