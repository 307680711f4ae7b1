"""The shared numerics of the loss-law fits: a Huber loss on log residuals and a multi-start L-BFGS-B.

Huber(r) = r^2 / 2 for |r| <= delta, else delta (|r| - delta / 2), on r = log L_pred - log L_obs, summed
over runs (weighted), as in Besiroglu et al. 2024 (Hoffmann et al. averaged, which stops L-BFGS early).
The optional over-prediction penalty multiplies the terms of runs whose loss is over-predicted
(r > 0) by 1 + penalty, so the fit leans towards the lower envelope of noisy runs (cf. OLMo's ladder).

The sum is divided by delta before optimisation (the minimiser is unchanged; L-BFGS-B's tolerances are
absolute below 1, and a raw sum of ~1e-3 would stop it early).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Callable

import numpy as np

DELTA = 1e-3


def huber(r: np.ndarray, delta: float, penalty: float = 0.0) -> tuple[np.ndarray, np.ndarray]:
    """Per-point Huber values and derivatives d/dr, with the over-prediction factor applied."""
    small = np.abs(r) <= delta
    value = np.where(small, 0.5 * r * r, delta * (np.abs(r) - 0.5 * delta))
    slope = np.clip(r, -delta, delta)
    if penalty:
        factor = np.where(r > 0, 1.0 + penalty, 1.0)
        value, slope = value * factor, slope * factor
    return value, slope


@dataclass(frozen=True)
class Optimum:
    x: np.ndarray
    objective: float  # the summed (weighted) Huber loss, not divided by delta
    converged: bool
    starts: int
    message: str


def minimise(fun_grad: Callable[[np.ndarray], tuple[float, np.ndarray]], starts: np.ndarray,
             bounds: list[tuple[float | None, float | None]], delta: float) -> Optimum:
    """L-BFGS-B from every row of ``starts``; the best finite result wins."""
    from scipy.optimize import minimize  # lazy: scipy is only needed when fitting

    def scaled(x: np.ndarray) -> tuple[float, np.ndarray]:
        value, grad = fun_grad(x)
        if not np.isfinite(value):
            return 1e300, np.zeros_like(x)
        return value / delta, grad / delta

    from .threads import single_threaded_blas

    best = None
    with single_threaded_blas():
        for x0 in starts:
            res = minimize(scaled, x0, jac=True, method="L-BFGS-B", bounds=bounds,
                           options={"maxiter": 5000, "maxfun": 20000, "ftol": 1e-13, "gtol": 1e-10})
            if np.isfinite(res.fun) and res.fun < 1e299 and (best is None or res.fun < best.fun):
                best = res
    if best is None:
        return Optimum(np.full(starts.shape[1], np.nan), float("nan"), False, len(starts), "no start converged")
    # "ABNORMAL_TERMINATION_IN_LNSRCH" is L-BFGS-B's usual exit on the Huber kink at a minimum; accept it.
    ok = bool(best.success) or "ABNORMAL" in str(best.message).upper()
    return Optimum(np.asarray(best.x, dtype=float), float(best.fun) * delta, ok, len(starts), str(best.message))


def best_starts(values: np.ndarray, grid: np.ndarray, k: int) -> np.ndarray:
    """The ``k`` grid points with the lowest objective (finite ones only), best first."""
    order = np.argsort(np.where(np.isfinite(values), values, np.inf), kind="stable")
    return grid[order[: max(1, min(k, len(grid)))]]


def at_bound(value: float, low: float, high: float, rel: float = 1e-3) -> bool:
    return value <= low + rel * (high - low) or value >= high - rel * (high - low)
