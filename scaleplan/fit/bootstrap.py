"""Bootstrap confidence intervals for a loss-law fit: resample runs with replacement, refit, take percentiles.

Runs that share an (N, D) and carry a ``seed`` column are one group and are resampled together. Each
refit starts from the full-data optimum plus the best few grid points (``starts``). Replicate i uses its
own child of ``SeedSequence(seed)``, so the result does not depend on the number of worker processes.
Refits that fail (no finite optimum) are counted, not hidden.
"""

from __future__ import annotations

import os
from concurrent.futures import ProcessPoolExecutor, as_completed
from dataclasses import dataclass
from typing import Callable

import numpy as np

from .io import Runs

FORMS = ("chinchilla", "kaplan")


def _fitter(form: str):
    """The form's module: ``fit_<form>``, ``vector_names``, ``grid_points``."""
    if form == "chinchilla":
        from . import chinchilla as module
    elif form == "kaplan":
        from . import kaplan as module
    else:
        raise ValueError(f"unknown form {form!r}")
    return getattr(module, f"fit_{form}"), module.vector_names, module.grid_points


@dataclass(frozen=True)
class Job:
    form: str
    runs: Runs
    init: np.ndarray
    flops: float | None
    delta: float
    penalty: float
    starts: int


def _one(job: Job, seed: np.random.SeedSequence) -> np.ndarray:
    fit, names, _ = _fitter(job.form)
    rng = np.random.default_rng(seed)
    groups = job.runs.groups
    labels = np.unique(groups)
    if len(labels) == len(groups):  # every run its own group: the plain bootstrap
        index = rng.integers(0, len(groups), size=len(groups))
    else:
        members = [np.flatnonzero(groups == g) for g in labels]
        index = np.concatenate([members[i] for i in rng.integers(0, len(labels), size=len(labels))])
    try:
        result = fit(job.runs.take(index), delta=job.delta, penalty=job.penalty, starts=0, init=job.init,
                     check=False)
        vector = result.vector(job.flops)
    except (ValueError, FloatingPointError, OverflowError, ZeroDivisionError):
        vector = np.full(len(names(job.flops)), np.nan)
    return vector


def _chunk(job: Job, seeds: list[np.random.SeedSequence]) -> np.ndarray:
    import warnings

    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        return np.array([_one(job, s) for s in seeds])


@dataclass(frozen=True)
class BootstrapResult:
    names: tuple[str, ...]
    samples: np.ndarray  # (n, len(names)); failed refits are NaN rows
    seed: int
    flops: float | None

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def failed(self) -> int:
        return int(np.sum(~np.all(np.isfinite(self.samples), axis=1)))

    @property
    def good(self) -> np.ndarray:
        return self.samples[np.all(np.isfinite(self.samples), axis=1)]

    def interval(self, name: str, level: float = 0.95) -> tuple[float, float]:
        """Percentile interval of ``name`` at ``level`` (central)."""
        column = self.good[:, self.names.index(name)]
        tail = 50.0 * (1.0 - level)
        low, high = np.percentile(column, [tail, 100.0 - tail])
        return float(low), float(high)

    def se(self, name: str) -> float:
        column = self.good[:, self.names.index(name)]
        return float(np.std(column, ddof=1)) if len(column) > 1 else float("nan")

    def summary(self, level: float = 0.95) -> dict[str, dict[str, float | list[float]]]:
        if len(self.good) < 2:
            return {}
        return {name: {"interval": list(self.interval(name, level)), "se": self.se(name)} for name in self.names}


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not on Linux
        return max(1, os.cpu_count() or 1)


def bootstrap(form: str, runs: Runs, point, *, n: int = 200, flops: float | None = None, seed: int = 0,
              workers: int | None = None, delta: float | None = None, penalty: float | None = None,
              starts: int = 2, progress: Callable[[int], None] | None = None) -> BootstrapResult:
    """``n`` refits of ``form`` on resampled ``runs``, started at ``point`` (the full-data fit) and at the
    ``starts`` best grid points for the full data (ranked once, not per refit).

    ``progress(k)`` is called with the number of refits just finished (for a progress bar).
    """
    _, names, grid_points = _fitter(form)
    delta = point.delta if delta is None else delta
    penalty = point.penalty if penalty is None else penalty
    init = np.vstack([point.log_params(), grid_points(runs, starts, delta=delta, penalty=penalty)]) if starts else point.log_params()
    job = Job(form, runs, init, flops, delta, penalty, starts)
    seeds = np.random.SeedSequence(seed).spawn(n)
    workers = default_workers() if workers is None else max(1, workers)
    size = max(1, min(25, -(-n // (4 * workers))))
    chunks = [(i, seeds[i : i + size]) for i in range(0, n, size)]
    out = np.full((n, len(names(flops))), np.nan)
    if workers == 1 or n <= size:
        for start, part in chunks:
            out[start : start + len(part)] = _chunk(job, part)
            if progress:
                progress(len(part))
    else:
        with ProcessPoolExecutor(max_workers=min(workers, len(chunks))) as pool:
            futures = {pool.submit(_chunk, job, part): (start, len(part)) for start, part in chunks}
            for future in as_completed(futures):
                start, count = futures[future]
                out[start : start + count] = future.result()
                if progress:
                    progress(count)
    return BootstrapResult(tuple(names(flops)), out, seed, flops)


def identification_problem(result: BootstrapResult, exponents: tuple[str, ...], *, level: float = 0.95,
                           low: float = 0.01, high: float = 1.99, max_failed: float = 0.25) -> str | None:
    """Why the bootstrap says the form is not identified (an exponent's interval reaches the bounds
    (0, 2], or many refits failed), or None."""
    if result.failed > max_failed * result.n:
        return f"{result.failed} of {result.n} bootstrap refits failed"
    if len(result.good) < 2:
        return "no bootstrap refit succeeded"
    for name in exponents:
        lo, hi = result.interval(name, level)
        if lo <= low or hi >= high:
            return (f"the {level:.0%} bootstrap interval of {name} is [{lo:.3g}, {hi:.3g}], reaching the bounds "
                    "(0, 2] of the fit")
    return None
