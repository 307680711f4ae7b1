"""Dollars, GPU-hours or GPUs x days -> the largest compute they buy, by solving through the whole chain."""

from __future__ import annotations

from typing import Any

from .budget import Budget, BudgetSection, solve_compute
from .chain import Evaluation, PlanOptions, evaluate
from .errors import InputError
from .settings import planner_settings
from .units import format_money, format_si


def solve_budget(law: Any, budget: Budget, opts: PlanOptions) -> tuple[Evaluation, BudgetSection]:
    cache: dict[float, Evaluation] = {}
    target = {"usd": budget.usd, "gpu_hours": budget.gpu_hours, "deadline": budget.days}[budget.kind]

    def metric(flops: float) -> float:
        if budget.kind == "deadline":
            ev = _evaluate_on_cluster(law, flops, opts, budget.gpus)
        else:
            ev = evaluate(law, flops, opts)
        cache[flops] = ev
        return _metric(budget, ev)

    if budget.kind == "usd" and opts.price_per_hour is None:
        from .hardware import load_profile

        profile = load_profile(opts.hardware)
        if profile.price(opts.price).usd_per_hour is None:
            raise InputError(f"{profile.name} has no public {opts.price} price; pass --price-per-hour "
                             "or another --price tier")
    settings = planner_settings()
    # On a fixed cluster, a C with no plan is too large (nothing fits memory); elsewhere, too small.
    infeasible = "large" if budget.kind == "deadline" else "small"
    solution = solve_compute(metric, target, settings["first_guess"], rel_tol=settings["rel_tol"],
                             infeasible_is=infeasible)
    # The cost of the plan for C is not monotone (the GPU-count rule switches counts, and MFU with them), so
    # a root is not necessarily the largest C within budget: probe above it and re-solve from any larger fit.
    for _ in range(4):
        larger = _larger_fit(metric, target, solution.flops, settings["probe_factors"])
        if larger is None:
            break
        again = solve_compute(metric, target, larger, rel_tol=settings["rel_tol"], infeasible_is=infeasible)
        if again.flops <= solution.flops or again.relative_error > settings["rel_tol"] * 10:
            break
        solution = again
    ev = cache.get(solution.flops) or evaluate(law, solution.flops, opts)
    notes: list[str] = []
    if solution.relative_error > 10 * settings["rel_tol"]:
        if budget.kind == "deadline":
            raise InputError(f"{budget.days:g} days is shorter than the smallest run this plan can do on "
                             f"{budget.gpus} GPUs ({ev.cost.wall_clock_days:.3g} days); give more days")
        raise InputError(f"the budget {budget.describe()} is below the cheapest plan the cost model can make "
                         f"({_metric(budget, ev):.3g})")
    if solution.capped_by_feasibility and solution.relative_error < -10 * settings["rel_tol"]:
        notes.append(f"the plan uses {1 + solution.relative_error:.1%} of the budget: a larger model does not "
                     f"fit in memory on {ev.cost.gpus} {ev.cost.hardware} GPUs")
    elif solution.relative_error < -10 * settings["rel_tol"]:
        notes.append(f"the plan uses {1 + solution.relative_error:.1%} of the budget: the next larger plan "
                     "switches GPU count or model shape and would exceed it")
    if budget.kind == "usd":
        binding = f"dollars at the {ev.cost.price_tier} price ({format_money(ev.cost.chosen_dollars.usd_per_hour)}/GPU-hour)"
    elif budget.kind == "gpu_hours":
        binding = "GPU-hours"
    else:
        binding = f"wall clock: {budget.days:g} days on {ev.cost.gpus} GPUs"
        if solution.capped_by_feasibility:
            binding = (f"memory: the largest model that fits on {ev.cost.gpus} {ev.cost.hardware} GPUs "
                       f"({ev.cost.wall_clock_days:.3g} of {budget.days:g} days)")
        elif ev.cost.gpus < budget.gpus:
            binding = (f"batch size: only {ev.cost.gpus} of {budget.gpus} GPUs have work at the laws' global batch "
                       f"of {format_si(ev.hyperparameters.batch_tokens)} tokens (critical batch "
                       f"{format_si(ev.hyperparameters.critical.tokens)}); the deadline is met with fewer GPUs")
            notes.append("more GPUs would not finish sooner: the batch that trains well is too small to keep them busy")
    return ev, BudgetSection(budget, solution.flops, binding, len(cache), tuple(notes))


def _metric(budget: Budget, ev: Evaluation) -> float:
    cost = ev.cost
    if budget.kind == "usd":
        usd = cost.chosen_dollars.usd
        if usd is None:
            raise InputError(f"{cost.hardware} has no public {cost.price_tier} price; pass --price-per-hour "
                             "or another --price tier")
        return usd
    if budget.kind == "gpu_hours":
        return cost.gpu_hours
    return cost.wall_clock_days


def _node_size(opts: PlanOptions) -> int:
    from .hardware import load_profile

    return load_profile(opts.hardware).accelerators_per_node


def _evaluate_on_cluster(law: Any, flops: float, opts: PlanOptions, gpus: int) -> Evaluation:
    """The plan on ``gpus`` GPUs, or on the largest halving of it that has a layout (a small batch can leave
    GPUs idle: the global batch from the hyperparameter laws caps data parallelism)."""
    node, count = _node_size(opts), gpus
    while True:
        try:
            return evaluate(law, flops, opts, gpus=count)
        except InputError:
            if count // 2 < node or (count // 2) % node:
                raise
            count //= 2


def _larger_fit(metric: Any, target: float, flops: float, factors: tuple[float, ...]) -> float | None:
    """The largest of ``flops`` x factors whose plan still fits the budget, or None."""
    best = None
    for factor in factors:
        try:
            if metric(flops * factor) <= target:
                best = flops * factor
        except InputError:
            continue
    return best
