"""Budgets: which one the user gave, and the 1-D solve that turns dollars, GPU-hours or a deadline into compute.

The cost model's throughput depends on the model chosen, so "largest C this budget buys" is a root find of
``metric(C) = target`` with ``metric`` increasing in C (dollars, GPU-hours or wall-clock days of the plan for
C). :func:`solve_compute` does it in log space: secant steps (the metric is close to a power law in C),
safeguarded by bisection once the root is bracketed.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Callable, ClassVar

from .errors import InputError
from .units import format_duration_hours, format_flops, format_money, format_si

KINDS = ("flops", "usd", "gpu_hours", "deadline")
MAX_GPUS = 10_000_000  # a sanity bound on --gpus; the cost model's own limit (configs/perf) is checked later


@dataclass(frozen=True)
class Budget:
    """What the user asked for. ``kind`` says which number is binding; ``days`` may also cap a FLOP budget."""

    kind: str
    flops: float | None = None
    usd: float | None = None
    gpu_hours: float | None = None
    gpus: int | None = None
    days: float | None = None

    def describe(self) -> str:
        if self.kind == "flops":
            text = format_flops(self.flops)
            return text + (f" within {self.days:g} days" if self.days else "")
        if self.kind == "usd":
            return f"{format_money(self.usd)}"
        if self.kind == "gpu_hours":
            return f"{format_si(self.gpu_hours)} GPU-hours"
        return f"{self.gpus} GPUs for {self.days:g} days"

    def to_dict(self) -> dict:
        return {"kind": self.kind, "flops": self.flops, "usd": self.usd, "gpu_hours": self.gpu_hours,
                "gpus": self.gpus, "days": self.days}


def resolve_budget(*, flops: float | None, budget_usd: float | None, gpu_hours: float | None,
                   gpus: int | None, days: float | None) -> Budget:
    """Exactly one budget: FLOPs, dollars, GPU-hours, or GPUs x days (a fixed cluster and a deadline)."""
    for name, value in (("--flops", flops), ("--budget-usd", budget_usd), ("--gpu-hours", gpu_hours),
                        ("--days", days), ("--gpus", gpus)):
        if value is not None and not (math.isfinite(value) and value > 0):
            raise InputError(f"{name}: must be a positive finite number, got {value}")
    given = [name for name, value in (("--flops", flops), ("--budget-usd", budget_usd),
                                      ("--gpu-hours", gpu_hours)) if value is not None]
    if len(given) > 1:
        raise InputError(f"contradictory budgets: {' and '.join(given)}; give one budget")
    if gpus is not None and int(gpus) != gpus:
        raise InputError(f"--gpus: must be a whole number, got {gpus}")
    if gpus is not None and gpus > MAX_GPUS:
        raise InputError(f"--gpus: {gpus:.0f} accelerators is beyond any cluster this planner models (max {MAX_GPUS})")
    gpus = int(gpus) if gpus is not None else None
    if given == ["--flops"]:
        if days is not None and gpus is not None:
            raise InputError("--flops with both --gpus and --days over-determines the run; drop one of the three")
        return Budget("flops", flops=flops, gpus=gpus, days=days)
    if given:
        if days is not None:
            raise InputError(f"{given[0]} and --days are both budgets; give one (a deadline needs --gpus)")
        if given == ["--budget-usd"]:
            return Budget("usd", usd=budget_usd, gpus=gpus)
        return Budget("gpu_hours", gpu_hours=gpu_hours, gpus=gpus)
    if days is not None:
        if gpus is None:
            raise InputError("--days needs --gpus (the cluster size) or --flops (the work to finish)")
        return Budget("deadline", gpus=gpus, days=days)
    raise InputError("give a budget: --flops, --budget-usd, --gpu-hours, or --gpus with --days")


@dataclass(frozen=True)
class Solution:
    flops: float
    evaluations: int
    relative_error: float
    capped_by_feasibility: bool = False  # the next larger C has no plan at all (e.g. nothing fits memory)


def solve_compute(metric: Callable[[float], float], target: float, guess: float, *, rel_tol: float = 1e-4,
                  max_evaluations: int = 60, min_flops: float = 1e12, max_flops: float = 1e45,
                  x_tol: float = 1e-6, infeasible_is: str = "small") -> Solution:
    """The largest C with ``metric(C) <= target`` for increasing ``metric``, in log space.

    Secant steps until the root is bracketed, then alternating regula falsi and bisection. The metric may be
    discontinuous (a plan switches to another GPU count or model shape): when the bracket shrinks below
    ``x_tol`` without meeting ``rel_tol``, the lower end (the largest C known to fit the budget) is returned.
    ``metric`` may raise :class:`InputError` where no plan exists: with ``infeasible_is="small"`` such a C
    counts as too small (too little work for the cluster, a model too small to shape), with ``"large"`` as too
    large (nothing fits memory on a fixed cluster). When no feasible C fits the budget, the smallest feasible C
    is returned with its (positive) ``relative_error``; the caller decides.
    """
    if infeasible_is not in ("small", "large"):
        raise ValueError("infeasible_is must be 'small' or 'large'")
    x = math.log(guess)
    low: tuple[float, float | None] | None = None  # (log C, residual or None if infeasible), residual < 0
    high: tuple[float, float | None] | None = None  # residual > 0, or None if infeasible
    last: tuple[float, float] | None = None
    bisect_next = False
    for evaluations in range(1, max_evaluations + 1):
        if not math.log(min_flops) <= x <= math.log(max_flops):
            raise InputError(f"no plan meets this budget between {min_flops:.0e} and {max_flops:.0e} FLOP")
        try:
            residual = math.log(metric(math.exp(x))) - math.log(target)
        except InputError:
            if infeasible_is == "small" and (low is None or x > low[0]):
                low = (x, None)
            if infeasible_is == "large" and (high is None or x < high[0]):
                high = (x, None)
            last = None
            residual = None
        if residual is not None:
            if abs(residual) <= rel_tol:
                return Solution(math.exp(x), evaluations, math.expm1(residual))
            if residual < 0 and (low is None or x > low[0]):
                low = (x, residual)
            if residual > 0 and (high is None or x < high[0]):
                high = (x, residual)
        if low is not None and high is not None:
            if high[0] - low[0] < x_tol:
                if low[1] is not None:
                    return Solution(math.exp(low[0]), evaluations, math.expm1(low[1]), high[1] is None)
                if high[1] is None:
                    raise InputError("no plan exists near this budget")
                return Solution(math.exp(high[0]), evaluations, math.expm1(high[1]))
            if bisect_next or low[1] is None or high[1] is None:
                x = 0.5 * (low[0] + high[0])
            else:  # regula falsi on the bracket
                x = low[0] - low[1] * (high[0] - low[0]) / (high[1] - low[1])
                x = min(max(x, low[0] + 0.01 * (high[0] - low[0])), high[0] - 0.01 * (high[0] - low[0]))
            bisect_next = not bisect_next
            continue
        if residual is None:  # infeasible and not yet bracketed: move away from the infeasible side
            x += 1.0 if infeasible_is == "small" else -1.0
            continue
        slope = 1.0
        if last is not None and x != last[0]:
            measured = (residual - last[1]) / (x - last[0])
            slope = measured if math.isfinite(measured) and measured > 0.05 else 1.0
        last = (x, residual)
        x = min(max(x - residual / slope, x - 5.0), x + 5.0)
    raise InputError(f"the budget solve did not converge in {max_evaluations} evaluations "
                     f"(last C = {math.exp(x):.3g} FLOP)")


@dataclass(frozen=True)
class BudgetSection:
    """How the budget became compute: the binding constraint and the solve."""

    key: ClassVar[str] = "budget"
    title: ClassVar[str] = "Budget"

    budget: Budget
    compute_flops: float
    binding: str
    evaluations: int
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {**self.budget.to_dict(), "compute_flops": self.compute_flops, "binding_constraint": self.binding,
                "solver_evaluations": self.evaluations, "notes": list(self.notes)}

    def _compute_note(self) -> str:
        if self.budget.kind != "flops":
            return f"solved through the cost model ({self.evaluations} evaluations)"
        if self.budget.flops is not None and abs(self.compute_flops / self.budget.flops - 1.0) > 1e-12:
            return "the GPU time of the FLOP budget in bf16, at the chosen precision's throughput"
        return "given"

    def rows(self) -> list[tuple[str, str, str]]:
        rows = [("budget", self.budget.describe(), f"kind: {self.budget.kind}"),
                ("compute it buys", format_flops(self.compute_flops), self._compute_note()),
                ("binding constraint", self.binding, "")]
        rows.extend(("note", note, "") for note in self.notes)
        return rows


def hours_text(hours: float) -> str:
    return format_duration_hours(hours)
