"""``run_population``: many runs' settings in, ``experiment.run``'s results out, trained as
stacked populations.

::

    from adamlab.experiment import Settings
    from adamlab.population import run_population

    grid = [Settings(data="moons", hidden=[16, 16], optimizer=o, lr=lr, seed=s, epochs=50)
            for o in ("adam", "sgd") for lr in (1e-3, 1e-2) for s in range(5)]
    results = run_population(grid)          # results[i] is experiment.run(grid[i])

Each run is prepared as its single run is (``experiment.prepare``: data, split, scaling,
initial weights, optimizer), so that its numbers are the single run's. Runs that can train
together (the same architecture, dtype, data shapes and batch size: ``population_key``) form a
population, split into chunks whose working memory stays under ``memory_mb``
(``member_bytes``). A run the population cannot train (``unsupported``: dropout, gradient
clipping, an L2 penalty, class weights, per-step logs, streamed data, an optimizer without a
stacked update) is run alone by ``experiment.run`` (``fallback=True``), or refused with a
ValueError naming it (``fallback=False``).

``iter_population`` is the same, streaming: runs are prepared one by one, a chunk trains as
soon as it is full, and ``(index, result, how)`` comes out as each chunk finishes, so memory
stays bounded by the budget whatever the number of runs (what ``sweep`` and ``compare`` use:
``sweep.populations``).
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator, Mapping, Sequence
from typing import Any

import numpy as np

from adamlab import _jit
from adamlab.experiment import Prepared, Settings, load, prepare
from adamlab.experiment import run as run_single
from adamlab.population.kinds import unsupported_optimizer
from adamlab.population.loop import Member, train_population
from adamlab.train.inputs import batch_size_for

__all__ = ["run_population", "iter_population", "unsupported", "population_key", "member_bytes"]

#: The default working-memory budget of one population chunk, in MiB.
MEMORY_MB = 256.0


def unsupported(settings: Settings) -> str | None:
    """Why these settings cannot train in a population (None: they can), before preparing."""
    s = settings
    reasons = [what for what, bad in (
        ("dropout", s.dropout > 0), ("gradient clipping (clip_norm)", s.clip_norm is not None),
        ("an L2 penalty (l2)", s.l2 != 0), ("class weights", s.class_weight is not None),
        ("per-step logs (log_steps)", s.log_steps), ("memory-mapped data (mmap)", bool(s.mmap)),
    ) if bad]
    return ", ".join(reasons) + " (not stacked yet)" if reasons else None


def _prepared_unsupported(p: Prepared) -> str | None:
    if not isinstance(p.X_train, np.ndarray):
        return "streamed (memory-mapped) data"
    return unsupported_optimizer(p.trainer.optimizer)


def population_key(p: Prepared) -> tuple:
    """What the members of one population share."""
    m = p.model
    n_val = None if p.X_val is None else len(p.y_val)
    return (m.n_inputs, m.hidden, m.n_outputs, m.activation, m.output, m.dtype.name,
            m.kernels is not None, len(p.y_train), n_val,
            batch_size_for(p.trainer.batch_size, len(p.y_train)))


def member_bytes(p: Prepared) -> int:
    """Working memory of one member: its data (train and validation, features and targets;
    the training rows twice, also in the epoch's order: ``batches``), its weights, gradients
    and copies (the epoch's start, the step's previous), its optimizer's state and scratch
    (≤ 6 arrays like the weights) and its activations (a batch's, and the whole validation
    set's: forward, backward, scratch)."""
    m = p.model
    item = m.dtype.itemsize
    n_tr, n_val = len(p.y_train), 0 if p.X_val is None else len(p.y_val)
    data = (2 * n_tr + n_val) * ((m.n_inputs + m.n_outputs) * item + 8)
    weights = 10 * m.n_params * item
    width = m.n_inputs + sum(m.hidden) + m.n_outputs
    bs = batch_size_for(p.trainer.batch_size, n_tr)
    acts = (6 * bs + 2 * min(n_val, 8192)) * width * item
    return int(data + weights + acts)


def _dataset_key(s: Settings) -> tuple:
    return (s.data, s.target, s.task, s.n_samples, s.noise,
            s.seed if s.data_seed is None else s.data_seed, s.mmap)


def iter_population(
    settings: Iterable[Settings | Mapping[str, Any]],
    *,
    memory_mb: float = MEMORY_MB,
    fallback: bool = True,
    workers: int = 1,
) -> Iterator[tuple[int, dict[str, Any], str]]:
    """Train every run, yielding ``(index, result, how)`` as each chunk (or lone run)
    finishes: ``result`` is what ``experiment.run(settings[index])`` returns, ``how`` says how
    it trained (``"population of K"``, or ``"alone: <why>"``).

    Memory stays bounded: runs are prepared one by one and a chunk trains as soon as it holds
    as many members as fit in ``memory_mb`` (``member_bytes``), so at most one partial chunk
    per kind of population waits (``workers`` > 1: at most two chunks per thread in flight).
    """
    runs = _settings_list(settings)
    if isinstance(workers, bool) or not isinstance(workers, int) or workers < 1:
        raise ValueError(f"workers must be an integer >= 1 (threads), got {workers!r}")
    if not (isinstance(memory_mb, (int, float)) and not isinstance(memory_mb, bool)
            and memory_mb > 0):
        raise ValueError(f"memory_mb must be a number > 0 (MiB), got {memory_mb!r}")
    kernels = _kernels()
    budget = memory_mb * 2**20
    datasets: dict[tuple, Any] = {}
    open_: dict[tuple, list[Member]] = {}
    sizes: dict[tuple, int] = {}
    per_worker = -(-len(runs) // workers)  # at least one chunk per worker

    def train(chunk: list[Member], limit: bool = True) -> list[tuple[int, dict[str, Any], str]]:
        out = train_population(chunk, kernels if chunk[0].p.model.kernels else None, limit)
        how = f"population of {len(chunk)}"
        return [(i, out[i], how) for i in sorted(out)]

    pool = _Pool(workers, train) if workers > 1 else None
    try:
        for i, s in enumerate(runs):
            why = unsupported(s)
            if why is None:
                member, why = _member(i, s, datasets)
                if member is not None:
                    key = population_key(member.p)
                    if key not in sizes:
                        sizes[key] = max(1, min(int(budget // member_bytes(member.p)),
                                                per_worker))
                    chunk = open_.setdefault(key, [])
                    chunk.append(member)
                    if len(chunk) >= sizes[key]:
                        del open_[key]
                        yield from (train(chunk) if pool is None else pool.submit(chunk))
                    continue
            if not fallback:
                raise ValueError(f"settings[{i}] cannot train in a population: {why}; run it "
                                 "alone (experiment.run) or pass fallback=True")
            yield i, run_single(s), f"alone: {why}"
        for chunk in list(open_.values()):
            yield from (train(chunk) if pool is None else pool.submit(chunk))
        if pool is not None:
            yield from pool.drain()
    finally:
        if pool is not None:
            pool.close()


def run_population(
    settings: Iterable[Settings | Mapping[str, Any]],
    *,
    memory_mb: float = MEMORY_MB,
    fallback: bool = True,
    workers: int = 1,
) -> list[dict[str, Any]]:
    """Train every run; ``results[i]`` is what ``experiment.run(settings[i])`` returns
    (history, final metrics, status, error, settings, params_sha256), with ``seconds`` the
    run's share of its population's time. ``workers``: threads training chunks side by side
    (each at least one chunk; NumPy, BLAS and the compiled kernels release the GIL), with the
    BLAS on one thread each, as a single run's small products. ``iter_population`` yields
    the same results as they finish."""
    runs = _settings_list(settings)
    results = {i: r for i, r, _ in iter_population(runs, memory_mb=memory_mb,
                                                   fallback=fallback, workers=workers)}
    return [results[i] for i in range(len(runs))]


def _member(i: int, s: Settings, datasets: dict[tuple, Any]) -> tuple[Member | None, str | None]:
    """Run ``i`` prepared as its single run is (the data loaded once per dataset), or why it
    cannot join a population."""
    t0 = time.perf_counter()
    key = _dataset_key(s)
    try:
        if key not in datasets:
            datasets[key] = load(s)
        p = prepare(s, dataset=datasets[key])
    except ValueError as e:  # (DataError too: a ValueError of one message)
        try:
            named = type(e)(f"settings[{i}]: {e}")
        except TypeError:
            raise e from None
        raise named from None
    why = _prepared_unsupported(p)
    if why is not None:
        return None, why
    return Member(i, p, time.perf_counter() - t0), None


def _settings_list(settings: Any) -> list[Settings]:
    if isinstance(settings, (Settings, Mapping, str)) or not isinstance(settings, Iterable):
        raise ValueError("run_population takes a list of Settings (or of settings dicts), "
                         f"got {type(settings).__name__}")
    out = []
    for i, s in enumerate(settings):
        if isinstance(s, Mapping):
            try:
                s = Settings.from_dict(dict(s))
            except (TypeError, ValueError) as e:
                raise ValueError(f"settings[{i}]: {e}") from None
        if not isinstance(s, Settings):
            raise ValueError(f"settings[{i}] must be a Settings or a dict of settings, "
                             f"got {type(s).__name__}")
        out.append(s)
    if not out:
        raise ValueError("run_population needs at least one run's settings")
    return out


def _kernels() -> Any:
    """The population's compiled loops when numba is available, else None."""
    if not _jit.available():
        return None
    from adamlab.population import _kernels

    return _kernels


class _Pool:
    """Chunks trained on ``workers`` threads, the BLAS on one thread for all of them (set
    once here: each thread setting and restoring it would race); at most two chunks per
    thread wait, so prepared members do not pile up."""

    def __init__(self, workers: int, train: Any) -> None:
        from concurrent.futures import ThreadPoolExecutor

        from adamlab.train import threads

        self.workers, self.train = workers, train
        self._limit = threads.limited(1)
        self._limit.__enter__()
        self._pool = ThreadPoolExecutor(workers)
        self._pending: list[Any] = []

    def submit(self, chunk: list[Member]) -> Iterator[tuple[int, dict[str, Any], str]]:
        self._pending.append(self._pool.submit(self.train, chunk, False))
        while len(self._pending) > 2 * self.workers:
            yield from self._pending.pop(0).result()

    def drain(self) -> Iterator[tuple[int, dict[str, Any], str]]:
        from concurrent.futures import FIRST_COMPLETED, wait

        while self._pending:
            done, _ = wait(self._pending, return_when=FIRST_COMPLETED)
            for f in done:
                self._pending.remove(f)
                yield from f.result()

    def close(self) -> None:
        for f in self._pending:
            f.cancel()
        self._pool.shutdown(wait=True)
        self._limit.__exit__(None, None, None)


def train_with_hook(settings: Sequence[Settings], on_step: Any) -> str | None:
    """Train ``settings`` as one population, ``on_step`` called before every step (see
    ``loop.train_population``); None when done, else why they cannot train together (then
    nothing was trained)."""
    runs = _settings_list(settings)
    datasets: dict[tuple, Any] = {}
    members = []
    for i, s in enumerate(runs):
        why = unsupported(s)
        member, why = (None, why) if why is not None else _member(i, s, datasets)
        if member is None:
            return why
        members.append(member)
    if len({population_key(m.p) for m in members}) != 1:
        return "the runs differ in data or architecture"
    kernels = _kernels()
    train_population(members, kernels if members[0].p.model.kernels else None, True, on_step)
    return None

