"""Fit Kaplan et al. 2020's joint form L(N, D) = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D (eq. 1.5).

log L_pred = alpha_D * LSE(k (log N_c - log N), log D_c - log D), k = alpha_N / alpha_D; the same Huber loss
on log loss (delta = 1e-3), multi-start grid and L-BFGS-B as the Chinchilla fit, exponents in (0, 2].
The form has no irreducible term. Under C = 6 N D it is minimised at
N_opt = (k N_c^k C / (6 D_c))^(1 / (1 + k)), so a = alpha_D / (alpha_N + alpha_D), b = alpha_N / (alpha_N + alpha_D).
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .io import Runs, check_identifiable
from .kaplan_law import kaplan_optimum
from .robust import DELTA, at_bound, best_starts, huber, minimise

NAMES = ("N_c", "D_c", "alpha_N", "alpha_D")
EXPONENT_BOUNDS = (1e-4, 2.0)
K_BOUNDS = (1e-3, 100.0)  # alpha_N / alpha_D


@dataclass(frozen=True)
class KaplanFit:
    N_c: float
    D_c: float
    alpha_N: float
    alpha_D: float
    objective: float
    n_runs: int
    converged: bool
    starts: int
    residuals: np.ndarray = field(repr=False)
    delta: float = DELTA
    penalty: float = 0.0

    form = "kaplan"
    kind = "kaplan_joint"
    formula = "L(N, D) = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D"

    @property
    def constants(self) -> dict[str, float]:
        return {k: float(getattr(self, k)) for k in NAMES}

    @property
    def a(self) -> float:
        return self.alpha_D / (self.alpha_N + self.alpha_D)

    @property
    def b(self) -> float:
        return self.alpha_N / (self.alpha_N + self.alpha_D)

    def optimum(self, flops: float) -> tuple[float, float]:
        return kaplan_optimum(self.constants, flops)

    def predict(self, N, D):
        N, D = np.asarray(N, dtype=float), np.asarray(D, dtype=float)
        return ((self.N_c / N) ** (self.alpha_N / self.alpha_D) + self.D_c / D) ** self.alpha_D

    def vector(self, flops: float | None = None) -> np.ndarray:
        extra = list(self.optimum(flops)) if flops else []
        return np.array([*self.constants.values(), self.a, self.b, *extra])

    def log_params(self) -> np.ndarray:
        return np.array([math.log(self.N_c), math.log(self.D_c), self.alpha_N, self.alpha_D])


def _grid(mx: float, my: float) -> np.ndarray:
    """(log N_c, log D_c, alpha_N, alpha_D) starts around the data's mean log N and log D."""
    offsets = (-5.0, 0.0, 5.0, 10.0, 15.0, 20.0)
    exps = (0.05, 0.1, 0.3, 0.6, 1.0, 2.0)
    raw = np.array(list(itertools.product(offsets, offsets, exps, exps)))
    raw[:, 0] += mx
    raw[:, 1] += my
    return raw


def grid_points(runs: Runs, k: int, *, delta: float = DELTA, penalty: float = 0.0) -> np.ndarray:
    """The ``k`` best points of the initialisation grid for ``runs`` (log N_c, log D_c, alpha_N, alpha_D)."""
    x, y, z = np.log(runs.N), np.log(runs.D), np.log(runs.loss)
    grid = _grid(float(x.mean()), float(y.mean()))
    u, v, an, ad = (grid[:, i : i + 1] for i in range(4))
    pred = ad * np.logaddexp((an / ad) * (u - x), v - y)
    return best_starts((huber(pred - z, delta, penalty)[0] * runs.weight).sum(axis=1), grid, k)


def vector_names(flops: float | None) -> tuple[str, ...]:
    return (*NAMES, "a", "b", *(("N_opt", "D_opt") if flops else ()))


def fit_kaplan(runs: Runs, *, delta: float = DELTA, penalty: float = 0.0, starts: int = 16,
               init: np.ndarray | None = None, check: bool = True) -> KaplanFit:
    """Fit the Kaplan joint form; arguments as for :func:`~scaleplan.fit.chinchilla.fit_chinchilla`
    (rows of ``init`` are log N_c, log D_c, alpha_N, alpha_D)."""
    if check:
        check_identifiable(runs, 4, "Kaplan")
    x, y, z, w = np.log(runs.N), np.log(runs.D), np.log(runs.loss), runs.weight
    mx, my = float(x.mean()), float(y.mean())
    xc, yc = x - mx, y - my

    # Optimiser coordinates (p, v, k, alpha_D): s1 = k (log N_c - log N) = p - k x', s2 = v - y', with x', y'
    # centred logs, p = k (log N_c - mean log N), v = log D_c - mean log D, k = alpha_N / alpha_D. Linear in
    # p, v and k inside the LSE, this is far better conditioned than (log N_c, alpha_N).
    def fun_grad(t: np.ndarray) -> tuple[float, np.ndarray]:
        p, v, k, ad = t
        s1, s2 = p - k * xc, v - yc
        top = np.maximum(s1, s2)
        q1, q2 = np.exp(s1 - top), np.exp(s2 - top)
        S = top + np.log(q1 + q2)
        p1, p2 = q1 / (q1 + q2), q2 / (q1 + q2)
        value, slope = huber(ad * S - z, delta, penalty)
        g = w * slope
        grad = np.array([np.sum(g * ad * p1), np.sum(g * ad * p2), -np.sum(g * ad * p1 * xc), np.sum(g * S)])
        return float(np.sum(w * value)), grad

    def batch(theta: np.ndarray) -> np.ndarray:
        p, v, k, ad = (theta[:, i : i + 1] for i in range(4))
        return (huber(ad * np.logaddexp(p - k * xc, v - yc) - z, delta, penalty)[0] * w).sum(axis=1)

    def to_opt(u: np.ndarray, v: np.ndarray, an: np.ndarray, ad: np.ndarray) -> np.ndarray:
        an, ad = np.clip(an, *EXPONENT_BOUNDS), np.clip(ad, *EXPONENT_BOUNDS)
        k = np.clip(an / ad, *K_BOUNDS)
        return np.column_stack([k * u, v, k, ad])

    candidates = np.empty((0, 4))
    if starts > 0:
        raw = _grid(mx, my)
        grid = to_opt(raw[:, 0] - mx, raw[:, 1] - my, raw[:, 2], raw[:, 3])
        candidates = best_starts(batch(grid), grid, starts)
    if init is not None:
        warm = np.atleast_2d(np.asarray(init, dtype=float))
        warm = warm[np.all(np.isfinite(warm), axis=1)]
        candidates = np.vstack([to_opt(warm[:, 0] - mx, warm[:, 1] - my, warm[:, 2], warm[:, 3]), candidates])
    if not len(candidates):
        raise ValueError("no starting point: give starts > 0 or a finite init")
    bounds = [(None, None), (None, None), K_BOUNDS, EXPONENT_BOUNDS]
    best = minimise(fun_grad, candidates, bounds, delta)
    if not np.all(np.isfinite(best.x)):
        if check:
            raise InputError(f"{runs.source}: the Kaplan fit did not converge from any start")
        nan = float("nan")
        return KaplanFit(nan, nan, nan, nan, nan, len(runs), False, best.starts, np.full(len(runs), nan), delta, penalty)
    p, v, k, ad = best.x
    an = k * ad
    log_nc, log_dc = p / k + mx, v + my
    residuals = ad * np.logaddexp((an / ad) * (log_nc - x), log_dc - y) - z
    result = KaplanFit(N_c=math.exp(min(log_nc, 700.0)), D_c=math.exp(min(log_dc, 700.0)), alpha_N=float(an),
                       alpha_D=float(ad), objective=best.objective, n_runs=len(runs), converged=best.converged,
                       starts=best.starts, residuals=residuals, delta=delta, penalty=penalty)
    if check:
        for name in ("alpha_N", "alpha_D"):
            value = getattr(result, name)
            if at_bound(value, *EXPONENT_BOUNDS):
                raise InputError(
                    f"{runs.source}: the Kaplan form is not identified by these runs: {name} ran into its bound "
                    f"({value:.3g}, allowed (0, 2]); add runs over a wider range of N and D or try --form chinchilla")
        if at_bound(k, *K_BOUNDS) or log_nc > 690 or log_dc > 690:
            raise InputError(f"{runs.source}: the Kaplan form is not identified by these runs (alpha_N / alpha_D, N_c or D_c diverged)")
    return result
