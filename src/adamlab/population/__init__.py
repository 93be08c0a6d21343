"""Population training: many small networks of one architecture trained as one stacked
computation, each member's numbers those of its single run.

``run_population(list_of_settings)`` returns what ``experiment.run`` returns for each, in
order. Inside: ``stack`` (K networks' forward and backward as batched products), ``steps``
(the elementwise optimizers' updates with per-member hyperparameters; ``fused``: Adam/AdamW,
SGD and RMSprop's in one compiled pass), ``kinds`` (members grouped by kind of optimizer),
``batches`` (each member's epoch order), ``loop`` (the epochs: schedules, early stopping,
divergence, per member), ``run`` (grouping into populations, memory-bounded chunks, the
fallback to single runs).
"""

from adamlab.population.run import (
    iter_population,
    member_bytes,
    population_key,
    run_population,
    unsupported,
)

__all__ = ["run_population", "iter_population", "unsupported", "population_key", "member_bytes"]
