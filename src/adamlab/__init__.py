"""adamlab: train and understand small neural networks with Adam and its family, in NumPy.

Public at the top level: ``MLPClassifier`` and ``MLPRegressor`` (scikit-learn estimators, from
``adamlab.estimators``) and ``lr_find`` (the learning-rate range test, its seeds trained as
one population: ``adamlab.population.lrfind``);
imported on first use, so ``import adamlab`` stays light.
"""

__version__ = "0.1.0"

__all__ = ["MLPClassifier", "MLPRegressor", "lr_find", "__version__"]

_LAZY = {"MLPClassifier": "adamlab.estimators", "MLPRegressor": "adamlab.estimators",
         "lr_find": "adamlab.population.lrfind"}


def __getattr__(name: str):
    if name in _LAZY:
        import importlib

        return getattr(importlib.import_module(_LAZY[name]), name)
    raise AttributeError(f"module 'adamlab' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
