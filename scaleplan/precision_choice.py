"""``--precision auto``: bf16 vs fp8 vs fp4 at equal GPU time, throughput from the cost model, loss penalty
from Kumar et al. (constants secondary)."""

from __future__ import annotations

import dataclasses
from typing import Any

from .budget import Budget
from .budget_solve import solve_budget
from .chain import PlanOptions, evaluate
from .errors import InputError
from .laws import registry
from .settings import planner_settings


def _available_precisions(opts: PlanOptions) -> list[str]:
    from .hardware import load_profile

    profile = load_profile(opts.hardware)
    out = []
    for name in planner_settings()["precisions"]:
        try:
            profile.peak_flops(name)
        except InputError:
            continue
        out.append(name)
    return out


def choose_precision(law: Any, budget: Budget, opts: PlanOptions) -> tuple[PlanOptions, Any]:
    """bf16 vs fp8 vs fp4 at equal GPU time: throughput from the cost model, loss penalty from Kumar et al."""
    from .laws.precision import compare_precisions
    from .perf import best_throughput

    reference_opts = dataclasses.replace(opts, precision="bf16")
    if budget.kind == "flops":
        reference = evaluate(law, budget.flops, reference_opts)
    else:
        reference, _ = solve_budget(law, budget, reference_opts)
    shape, gpus = reference.model.shape, reference.cost.gpus
    throughput = {}
    for name in _available_precisions(opts):
        tps = best_throughput(shape, opts.hardware, gpus, precision=name, seq_len=shape.seq_len,
                              global_batch_tokens=reference.hyperparameters.batch_tokens,
                              total_params=reference.model.total_params)
        if tps > 0:
            throughput[name] = tps
    multipliers = {name: tps / throughput["bf16"] for name, tps in throughput.items()}
    loss_law = law if getattr(law, "has_loss", False) and law.spec.kind == "parametric" else \
        registry.get_law(planner_settings()["precision_loss_law"])
    section = compare_precisions(loss_law, reference.allocation.compute_flops, multipliers)
    return dataclasses.replace(opts, precision=section.chosen), section
