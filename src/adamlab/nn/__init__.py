"""Small MLPs in NumPy with manual backpropagation and one flat parameter buffer.

    from adamlab.nn import MLP
    model = MLP(n_inputs=2, hidden=(16, 16), n_outputs=1, activation="relu", output="sigmoid",
                rng=np.random.default_rng(0))
    loss = model.loss_and_grad(X, y)          # fills model.grads
    model.params -= 0.1 * model.grads         # any optimizer can step the one array

Registries shared by the estimator, the CLI and the docs: ``ACTIVATIONS`` (hidden units),
``LOSSES`` (by loss name), ``HEADS`` (``MLP(output=...)`` -> loss), ``TASKS`` (task -> loss),
``INITIALIZERS``.
"""

from adamlab.nn.activations import ACTIVATIONS, Activation, get_activation
from adamlab.nn.init import INITIALIZERS
from adamlab.nn.layers import ActivationLayer, Dense, Dropout, Layer
from adamlab.nn.losses import HEADS, LOSSES, TASKS, Loss, get_loss, sigmoid, softmax
from adamlab.nn.mlp import MLP
from adamlab.nn.workspace import Workspace

__all__ = [
    "MLP",
    "ACTIVATIONS",
    "Activation",
    "get_activation",
    "LOSSES",
    "HEADS",
    "TASKS",
    "Loss",
    "get_loss",
    "sigmoid",
    "softmax",
    "INITIALIZERS",
    "Layer",
    "Dense",
    "ActivationLayer",
    "Dropout",
    "Workspace",
]
