"""Data-constrained allocation (Muennighoff et al. 2023): the best (N, D) for a budget C and U unique tokens.

Muennighoff's law discounts repeated tokens and excess parameters (``ParametricLaw.loss`` with
``unique_tokens``; D' = U + U R*_D (1 - exp(-R_D / R*_D)), N' likewise). There is no closed form for the
optimum, so :func:`allocate_data_constrained` minimises the loss along C = 6 N D numerically (a dense
log grid, then a bounded Brent refinement). :func:`readme_grid_allocation` reproduces the authors' own
grid search from the huggingface/datablations README exactly (base point: the law's single-epoch
compute-optimal (N, D) for C; factors ``linspace(1.0001, 3, 500)``; D x f with N / f, then D / f with
N x f; first strict improvement wins).

Policy for U larger than the budget needs: when U >= D_opt (the single-epoch optimum), data does not
constrain the plan. That is answerable, so it is a *warning*, not an error: the plan is the
compute-optimal one with 1 epoch (proved in docs/planner-laws.md: every other point is no better).

Pure maths, no I/O. scipy is imported lazily.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..errors import InputError
from ..units import format_number, format_si

DEFAULT_LAW = "muennighoff-2023"
# Muennighoff et al. 2023 (abstract, Fig. 3): "up to 4 epochs of repeated data yield negligible changes to loss
# compared with unique data"; beyond that the value of repeated tokens decays (R*_D ~ 15). A policy threshold
# for the warning, not a fitted constant.
EPOCH_WARNING = 4.0
GRID_POINTS = 2001      # log-spaced D values scanned before refinement
GRID_SPAN = 1.0e3       # D scanned over [D_opt / SPAN, D_opt * SPAN]


@dataclass(frozen=True)
class DataConstrainedPlan:
    """The data-constrained optimum for one budget and one pool of unique tokens (a plan ``Section``)."""

    law: str
    compute_flops: float
    unique_tokens: float
    params: float
    tokens: float
    loss: float
    effective_params: float
    effective_tokens: float
    unconstrained_params: float
    unconstrained_tokens: float
    unconstrained_loss: float
    method: str  # "minimise" (1-D Brent along C = 6ND) or "readme-grid" (the authors' grid search)
    warnings: tuple[str, ...] = ()
    key: str = field(default="data", init=False)
    title: str = field(default="Data-constrained allocation (Muennighoff et al. 2023)", init=False)

    @property
    def epochs(self) -> float:
        return self.tokens / self.unique_tokens

    @property
    def constrained(self) -> bool:
        """True when the unique tokens are fewer than the single-epoch optimum needs."""
        return self.unique_tokens < self.unconstrained_tokens

    @property
    def repetition_loss_cost(self) -> float:
        """Predicted loss at this optimum minus the loss with unlimited unique data (same C)."""
        return self.loss - self.unconstrained_loss

    @property
    def effective_data_ratio(self) -> float:
        """D'/U: how many unique-token equivalents the repeated data is worth (ceiling 1 + R*_D)."""
        return self.effective_tokens / min(self.unique_tokens, self.tokens)

    @property
    def token_value(self) -> float:
        """D'/D: the average value of a training token relative to a fresh one."""
        return self.effective_tokens / self.tokens

    def to_dict(self) -> dict:
        return {
            "law": self.law,
            "method": self.method,
            "compute_flops": self.compute_flops,
            "unique_tokens": self.unique_tokens,
            "params": self.params,
            "tokens": self.tokens,
            "tokens_per_param": self.tokens / self.params,
            "epochs": self.epochs,
            "constrained": self.constrained,
            "loss": self.loss,
            "effective_params": self.effective_params,
            "effective_tokens": self.effective_tokens,
            "effective_data_ratio": self.effective_data_ratio,
            "token_value": self.token_value,
            "unconstrained": {"params": self.unconstrained_params, "tokens": self.unconstrained_tokens,
                              "loss": self.unconstrained_loss},
            "repetition_loss_cost": self.repetition_loss_cost,
            "warnings": list(self.warnings),
        }

    def rows(self) -> list[tuple[str, str, str]]:
        return [
            ("unique tokens U", format_si(self.unique_tokens), "given"),
            ("parameters N", format_si(self.params), f"total; unlimited data would give {format_si(self.unconstrained_params)}"),
            ("training tokens D", format_si(self.tokens), f"unlimited data would give {format_si(self.unconstrained_tokens)}"),
            ("epochs", f"{self.epochs:.2f}", "D / U" + (f"; warn past {EPOCH_WARNING:g}" if self.epochs > EPOCH_WARNING else "")),
            ("effective data D'/U", f"{self.effective_data_ratio:.3f}", f"ceiling 1 + R*_D; D'/D = {self.token_value:.3f}"),
            ("predicted loss", f"{self.loss:.4f}", f"{self.law} ({self.method})"),
            ("loss cost of repetition", f"{self.repetition_loss_cost:+.4f}",
             f"vs {self.unconstrained_loss:.4f} with unlimited unique data"),
        ]


def resolve_law(law: Any = None) -> Any:
    """A data-constrained ParametricLaw from a name, an object, or the default (muennighoff-2023)."""
    if law is None or isinstance(law, str):
        from .registry import get_law

        law = get_law(law or DEFAULT_LAW, "allocation")
    if not getattr(law, "data_constrained", False):
        raise InputError(f"{law.name} has no repeated-data terms (R_D_star, R_N_star); "
                         f"use {DEFAULT_LAW} for --unique-tokens")
    return law


def loss_grid(law: Any, params: np.ndarray, tokens: np.ndarray, unique_tokens: float) -> np.ndarray:
    """Vectorised ``law.loss(N, D, U)`` (same maths as ParametricLaw.effective_params_tokens)."""
    c = law.c
    params = np.asarray(params, dtype=float)
    tokens = np.asarray(tokens, dtype=float)
    unique = np.minimum(unique_tokens, tokens)
    repeats = np.maximum(tokens / unique - 1.0, 0.0)
    unique_params = np.minimum(params, (unique * law.G) ** (c["beta"] / c["alpha"]) * law.G)
    excess = np.maximum(params / unique_params - 1.0, 0.0)
    eff_tokens = unique + unique * c["R_D_star"] * -np.expm1(-repeats / c["R_D_star"])
    eff_params = unique_params + unique_params * c["R_N_star"] * -np.expm1(-excess / c["R_N_star"])
    return c["E"] + c["A"] / eff_params ** c["alpha"] + c["B"] / eff_tokens ** c["beta"]


def _check(flops: float, unique_tokens: float) -> None:
    if not (math.isfinite(flops) and flops > 0):
        raise InputError(f"compute budget must be a positive finite number of FLOPs, got {flops}")
    if not (math.isfinite(unique_tokens) and unique_tokens > 0):
        raise InputError(f"--unique-tokens must be a positive finite number of tokens, got {unique_tokens}")


def _plan(law: Any, flops: float, unique: float, params: float, tokens: float, method: str) -> DataConstrainedPlan:
    base = law.allocate(flops)
    eff_params, eff_tokens = law.effective_params_tokens(params, tokens, unique)
    loss = law.loss(params, tokens, unique)
    warnings = list(law.range_warnings(params=params, tokens=tokens, flops=flops))
    epochs = tokens / unique
    if unique >= base.tokens:
        warnings.insert(0, f"--unique-tokens {format_si(unique)} is more than this budget needs "
                           f"(D = {format_si(base.tokens)} at 1 epoch): data does not constrain the plan")
    elif epochs > 1.0 + law.c["R_D_star"]:
        warnings.insert(0, f"{epochs:.1f} epochs: past 1 + R*_D = {1 + law.c['R_D_star']:.1f} epochs further "
                           "repetition adds almost nothing (Muennighoff et al. 2023); find more data")
    elif epochs > EPOCH_WARNING:
        warnings.insert(0, f"{epochs:.1f} epochs over {format_si(unique)} unique tokens: past ~{EPOCH_WARNING:g} "
                           f"epochs repeated tokens lose value (each is worth {eff_tokens / tokens:.0%} of a fresh one)")
    return DataConstrainedPlan(
        law=law.name, compute_flops=flops, unique_tokens=unique, params=params, tokens=tokens, loss=loss,
        effective_params=eff_params, effective_tokens=eff_tokens, unconstrained_params=base.params,
        unconstrained_tokens=base.tokens, unconstrained_loss=law.loss(base.params, base.tokens),
        method=method, warnings=tuple(warnings),
    )


def optimal_tokens(law: Any, flops: float, unique_tokens: float) -> float:
    """argmin over D of L(C / 6D, D, U): dense log grid, then bounded Brent in the best cell."""
    from scipy.optimize import minimize_scalar

    base_tokens = law.allocate(flops).tokens
    if unique_tokens >= base_tokens:
        return base_tokens  # unconstrained: the single-epoch optimum is exact (see module docstring)
    x0 = math.log(base_tokens)
    xs = np.linspace(x0 - math.log(GRID_SPAN), x0 + math.log(GRID_SPAN), GRID_POINTS)
    tokens = np.exp(xs)
    losses = loss_grid(law, flops / (6.0 * tokens), tokens, unique_tokens)
    i = int(np.argmin(losses))
    if i in (0, len(xs) - 1):  # pragma: no cover - the optimum lies well inside [D/1000, D*1000]
        return float(tokens[i])
    lo, hi = xs[i - 1], xs[i + 1]

    def f(x: float) -> float:
        d = math.exp(x)
        return law.loss(flops / (6.0 * d), d, unique_tokens)

    res = minimize_scalar(f, bounds=(lo, hi), method="bounded", options={"xatol": 1e-12})
    return math.exp(res.x) if res.fun <= losses[i] else float(tokens[i])


def allocate_data_constrained(flops: float, unique_tokens: float, law: Any = None) -> DataConstrainedPlan:
    """The loss-minimising (N, D) with C = 6 N D and only ``unique_tokens`` distinct tokens."""
    _check(flops, unique_tokens)
    law = resolve_law(law)
    tokens = optimal_tokens(law, flops, unique_tokens)
    return _plan(law, flops, unique_tokens, flops / (6.0 * tokens), tokens, "minimise")


def readme_grid_allocation(flops: float, unique_tokens: float, law: Any = None, *, points: int = 500,
                           max_factor: float = 3.0) -> DataConstrainedPlan:
    """The datablations README grid search around the single-epoch optimum (reproduces its numbers exactly).

    Base point (N0, D0) = the law's compute-optimal allocation for ``flops`` (N0 D0 = C / 6), so every
    candidate stays on the budget. The README's own call uses a different base (8.67e9, 178e9); any base on
    the line C = 6ND gives the same candidates up to the grid.
    """
    _check(flops, unique_tokens)
    law = resolve_law(law)
    base = law.allocate(flops)
    best = (math.inf, base.tokens, base.params)
    for factor in np.linspace(1.0001, max_factor, points):
        for params, tokens in ((base.params / factor, base.tokens * factor), (base.params * factor, base.tokens / factor)):
            loss = law.loss(params, tokens, min(unique_tokens, tokens))
            if loss < best[0]:
                best = (loss, float(tokens), float(params))
    _, tokens, params = best
    return _plan(law, flops, unique_tokens, params, tokens, "readme-grid")


def describe(plan: DataConstrainedPlan) -> str:
    """One line for logs and notes."""
    return (f"{format_si(plan.params)} params on {format_si(plan.tokens)} tokens = {plan.epochs:.2f} epochs of "
            f"{format_si(plan.unique_tokens)}; loss {plan.loss:.4f} ({plan.repetition_loss_cost:+.4f} vs unlimited data; "
            f"D'/U = {format_number(plan.effective_data_ratio)})")
