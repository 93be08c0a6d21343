"""Hyperparameters that are tuples (Rprop's etas, Adafactor's eps, Muon's ns_coefficients).

A list given for one (read from a JSON file, or a checkpoint) is stored as a tuple, when a
group is added and when a state_dict is loaded, so that a saved and reloaded optimizer equals
the original (the base does so for ``betas``).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any


class TupleHyperparameters:
    """Mixin before ``Optimizer``: the groups' ``tuple_hyperparameters`` are kept as tuples."""

    tuple_hyperparameters: tuple[str, ...] = ()
    param_groups: list[dict[str, Any]]

    def add_param_group(self, group: Mapping[str, Any]) -> None:
        super().add_param_group(group)  # type: ignore[misc]
        self._as_tuples(self.param_groups[-1])

    def load_state_dict(self, state_dict: Mapping[str, Any]) -> None:
        super().load_state_dict(state_dict)  # type: ignore[misc]
        for group in self.param_groups:
            self._as_tuples(group)

    def _as_tuples(self, group: dict[str, Any]) -> None:
        for key in self.tuple_hyperparameters:
            if isinstance(group.get(key), list):
                group[key] = tuple(group[key])
