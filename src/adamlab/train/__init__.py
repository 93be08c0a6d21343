"""Training: the loop, its history, callbacks and checkpoints."""

from adamlab.train.callbacks import Callback, EarlyStopping
from adamlab.train.checkpoint import CheckpointError, fingerprint
from adamlab.train.guard import DivergenceError
from adamlab.train.history import History
from adamlab.train.state import EpochPosition
from adamlab.train.trainer import Trainer
from adamlab.train.weights import class_weights

__all__ = ["Trainer", "History", "Callback", "EarlyStopping", "DivergenceError", "CheckpointError",
           "fingerprint", "class_weights", "EpochPosition"]
