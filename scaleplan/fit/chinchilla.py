"""Fit L(N, D) = E + A / N^alpha + B / D^beta (Hoffmann et al. 2022 Approach 3; Besiroglu et al. 2024).

log L_pred = LSE(a - alpha log N, b - beta log D, e) with A, B, E = exp(a), exp(b), exp(e); a Huber loss
(delta = 1e-3) on log L summed over runs; L-BFGS-B with an analytic gradient from the best points of the
paper's initialisation grid (alpha, beta in {0, 0.5, ..., 2}, e in {-1, -0.5, ..., 1}, a, b in {0, 5, ..., 25});
physical bounds 0 <= E <= min loss, alpha and beta in (0, 2].

Numerics: the optimiser works in centred coordinates a' = a - alpha mean(log N) (likewise b'), which removes
the strong a-alpha correlation (log N ~ 20) that makes the raw problem ill-conditioned.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, field

import numpy as np

from ..errors import InputError
from .io import Runs, check_identifiable
from .robust import DELTA, at_bound, best_starts, huber, minimise

NAMES = ("E", "A", "B", "alpha", "beta")
EXPONENT_BOUNDS = (1e-4, 2.0)
LOG_E_FLOOR = -30.0  # E = exp(-30) ~ 1e-13: "E = 0" for every practical purpose


def _grid(e_max: float) -> np.ndarray:
    """(a, b, e, alpha, beta) starts: Hoffmann et al.'s grid, exponents 0 -> 0.05, e clipped to its bound."""
    exps = (0.05, 0.5, 1.0, 1.5, 2.0)
    es = sorted({min(e, e_max) for e in (-1.0, -0.5, 0.0, 0.5, 1.0)})
    coefs = (0.0, 5.0, 10.0, 15.0, 20.0, 25.0)
    return np.array([(a, b, e, al, be) for al, be, e, a, b in itertools.product(exps, exps, es, coefs, coefs)])


@dataclass(frozen=True)
class ChinchillaFit:
    E: float
    A: float
    B: float
    alpha: float
    beta: float
    objective: float
    n_runs: int
    converged: bool
    starts: int
    residuals: np.ndarray = field(repr=False)  # log L_pred - log L_obs per run
    delta: float = DELTA
    penalty: float = 0.0

    form = "chinchilla"
    kind = "parametric"
    formula = "L(N, D) = E + A / N^alpha + B / D^beta"

    @property
    def constants(self) -> dict[str, float]:
        return {k: float(getattr(self, k)) for k in NAMES}

    @property
    def a(self) -> float:
        """N_opt ~ C^a, a = beta / (alpha + beta)."""
        return self.beta / (self.alpha + self.beta)

    @property
    def b(self) -> float:
        return self.alpha / (self.alpha + self.beta)

    @property
    def G(self) -> float:
        return ((self.alpha * self.A) / (self.beta * self.B)) ** (1.0 / (self.alpha + self.beta))

    def optimum(self, flops: float) -> tuple[float, float]:
        """(N_opt, D_opt) under C = 6 N D (Hoffmann et al. eq. 4)."""
        base = flops / 6.0
        return self.G * base**self.a, base**self.b / self.G

    def predict(self, N, D):
        N, D = np.asarray(N, dtype=float), np.asarray(D, dtype=float)
        return self.E + self.A / N**self.alpha + self.B / D**self.beta

    def vector(self, flops: float | None = None) -> np.ndarray:
        """Constants, a, b and (with a budget) N_opt, D_opt: one bootstrap sample."""
        extra = list(self.optimum(flops)) if flops else []
        return np.array([*self.constants.values(), self.a, self.b, *extra])

    def log_params(self) -> np.ndarray:
        return np.array([math.log(self.A), math.log(self.B), math.log(max(self.E, 1e-300)), self.alpha, self.beta])


def grid_points(runs: Runs, k: int, *, delta: float = DELTA, penalty: float = 0.0) -> np.ndarray:
    """The ``k`` best points of the initialisation grid for ``runs`` (log-space a, b, e, alpha, beta)."""
    x, y, z = np.log(runs.N), np.log(runs.D), np.log(runs.loss)
    grid = _grid(float(z.min()))
    a, b, e, al, be = (grid[:, i : i + 1] for i in range(5))
    pred = np.logaddexp(np.logaddexp(a - al * x, b - be * y), e)
    return best_starts((huber(pred - z, delta, penalty)[0] * runs.weight).sum(axis=1), grid, k)


def vector_names(flops: float | None) -> tuple[str, ...]:
    return (*NAMES, "a", "b", *(("N_opt", "D_opt") if flops else ()))


def fit_chinchilla(runs: Runs, *, delta: float = DELTA, penalty: float = 0.0, starts: int = 16,
                   init: np.ndarray | None = None, check: bool = True) -> ChinchillaFit:
    """Fit the Chinchilla form to ``runs``.

    ``starts`` best points of the initialisation grid (ranked by the objective) are refined with L-BFGS-B,
    plus every row of ``init`` (log-space a, b, e, alpha, beta; one row or several), e.g. warm starts.
    With ``check`` the data are checked for identifiability first and a fit that runs into a bound is an
    error (the bootstrap turns the check off and counts such refits instead).
    """
    if check:
        check_identifiable(runs, 5, "Chinchilla")
    x = np.log(runs.N)
    y = np.log(runs.D)
    z = np.log(runs.loss)
    w = runs.weight
    mx, my = float(x.mean()), float(y.mean())
    xc, yc = x - mx, y - my
    e_max = float(z.min())

    def fun_grad(t: np.ndarray) -> tuple[float, np.ndarray]:
        ap, bp, e, al, be = t
        t1, t2 = ap - al * xc, bp - be * yc
        top = np.maximum(np.maximum(t1, t2), e)
        p1, p2, p3 = np.exp(t1 - top), np.exp(t2 - top), np.exp(e - top)
        total = p1 + p2 + p3
        r = top + np.log(total) - z
        value, slope = huber(r, delta, penalty)
        g = w * slope / total
        grad = np.array([np.sum(g * p1), np.sum(g * p2), np.sum(g * p3),
                         -np.sum(g * p1 * xc), -np.sum(g * p2 * yc)])
        return float(np.sum(w * value)), grad

    def batch(theta: np.ndarray) -> np.ndarray:  # objective at many centred points at once
        ap, bp, e, al, be = (theta[:, i : i + 1] for i in range(5))
        t1, t2 = ap - al * xc, bp - be * yc
        top = np.maximum(np.maximum(t1, t2), e)
        pred = top + np.log(np.exp(t1 - top) + np.exp(t2 - top) + np.exp(e - top))
        return (huber(pred - z, delta, penalty)[0] * w).sum(axis=1)

    def centre(raw: np.ndarray) -> np.ndarray:
        raw = np.atleast_2d(raw).astype(float).copy()
        raw[:, 0] -= raw[:, 3] * mx
        raw[:, 1] -= raw[:, 4] * my
        raw[:, 2] = np.clip(raw[:, 2], LOG_E_FLOOR, e_max)
        raw[:, 3:] = np.clip(raw[:, 3:], *EXPONENT_BOUNDS)
        return raw

    candidates = np.empty((0, 5))
    if starts > 0:
        grid = centre(_grid(e_max))
        candidates = best_starts(batch(grid), grid, starts)
    if init is not None:
        warm = np.atleast_2d(np.asarray(init, dtype=float))
        candidates = np.vstack([centre(warm[np.all(np.isfinite(warm), axis=1)]), candidates])
    if not len(candidates):
        raise ValueError("no starting point: give starts > 0 or a finite init")
    bounds = [(None, None), (None, None), (LOG_E_FLOOR, e_max), EXPONENT_BOUNDS, EXPONENT_BOUNDS]
    best = minimise(fun_grad, candidates, bounds, delta)
    if not np.all(np.isfinite(best.x)):
        if check:
            raise InputError(f"{runs.source}: the Chinchilla fit did not converge from any start")
        return _nan_fit(runs, best.starts, delta, penalty)
    ap, bp, e, al, be = best.x
    a, b = ap + al * mx, bp + be * my
    residuals = np.logaddexp(np.logaddexp(a - al * x, b - be * y), e) - z
    result = ChinchillaFit(E=math.exp(e) if e > LOG_E_FLOOR + 1e-9 else 0.0, A=math.exp(a), B=math.exp(b),
                           alpha=float(al), beta=float(be), objective=best.objective, n_runs=len(runs),
                           converged=best.converged, starts=best.starts, residuals=residuals, delta=delta,
                           penalty=penalty)
    if check:
        _check_bounds(result, runs)
    return result


def _nan_fit(runs: Runs, starts: int, delta: float, penalty: float) -> ChinchillaFit:
    nan = float("nan")
    return ChinchillaFit(nan, nan, nan, nan, nan, nan, len(runs), False, starts, np.full(len(runs), nan), delta, penalty)


def _check_bounds(fit: ChinchillaFit, runs: Runs) -> None:
    for name in ("alpha", "beta"):
        value = getattr(fit, name)
        if at_bound(value, *EXPONENT_BOUNDS):
            term = "N" if name == "alpha" else "D"
            raise InputError(
                f"{runs.source}: the Chinchilla form is not identified by these runs: {name} ran into its bound "
                f"({value:.3g}, allowed (0, 2]), so the {term} term is not constrained; add runs over a wider "
                f"range of {term} or try --form kaplan")
    if not math.isfinite(fit.A) or not math.isfinite(fit.B) or fit.A > 1e30 or fit.B > 1e30:
        raise InputError(f"{runs.source}: the Chinchilla form is not identified by these runs (A or B diverged)")
