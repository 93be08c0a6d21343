"""Optimizers that follow ``torch.optim`` step for step, in NumPy, plus clipping and schedules.

Every optimizer takes a list of float arrays (or PyTorch-style parameter groups) and updates
them in place from a list of gradients::

    opt = Adam([w, b], lr=1e-3)
    opt.step([grad_w, grad_b])
"""

from adamlab.optim.adabelief import AdaBelief
from adamlab.optim.adadelta import Adadelta
from adamlab.optim.adafactor import Adafactor
from adamlab.optim.adagrad import Adagrad
from adamlab.optim.adam import Adam, AdamW
from adamlab.optim.adamax import Adamax
from adamlab.optim.ademamix import AdEMAMix
from adamlab.optim.adopt import ADOPT
from adamlab.optim.asgd import ASGD
from adamlab.optim.base import Optimizer
from adamlab.optim.clip import clip_grad_norm_, clip_grad_value_, global_norm
from adamlab.optim.groups import build_optimizer, parameter_groups
from adamlab.optim.lamb import LAMB
from adamlab.optim.lars import LARS
from adamlab.optim.lion import Lion
from adamlab.optim.multi import MultiOptimizer
from adamlab.optim.muon import Muon
from adamlab.optim.nadam import NAdam
from adamlab.optim.prodigy import Prodigy
from adamlab.optim.radam import RAdam
from adamlab.optim.registry import (
    DECAYS,
    FAMILIES,
    OPTIMIZERS,
    OptimizerSpec,
    get_optimizer_spec,
    make_optimizer,
    register,
)
from adamlab.optim.rmsprop import RMSprop
from adamlab.optim.rprop import Rprop
from adamlab.optim.schedulefree import ScheduleFreeAdamW
from adamlab.optim.schedules import (
    SCHEDULES,
    Constant,
    CosineAnnealingLR,
    ExponentialLR,
    LRScheduler,
    ReduceLROnPlateau,
    Scheduler,
    ScheduleSpec,
    StepLR,
    get_schedule_spec,
    make_schedule,
    make_scheduler,
)
from adamlab.optim.sgd import SGD

__all__ = [
    "Optimizer", "MultiOptimizer", "build_optimizer", "parameter_groups",
    "SGD", "RMSprop", "Adagrad", "Adam", "AdamW", "NAdam", "RAdam", "Adamax",
    "Adadelta", "Rprop", "ASGD", "Adafactor", "Muon",
    "Lion", "AdaBelief", "LAMB", "LARS", "ADOPT", "AdEMAMix", "ScheduleFreeAdamW", "Prodigy",
    "OPTIMIZERS", "OptimizerSpec", "get_optimizer_spec", "make_optimizer", "register", "FAMILIES",
    "DECAYS",
    "clip_grad_norm_", "clip_grad_value_", "global_norm",
    "SCHEDULES", "Constant", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LRScheduler",
    "ReduceLROnPlateau", "make_schedule", "make_scheduler", "get_schedule_spec", "ScheduleSpec",
    "Scheduler",
]
