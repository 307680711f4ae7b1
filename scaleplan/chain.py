"""One pass of the chain for a compute budget: (N, D) under a law -> model shape -> hyperparameters -> cost.

The law's optimum N is snapped to a real transformer shape; the shape's exact N is what is trained, and D is
re-derived so that the compute stays C in the law's own convention (6ND, M*D; Kaplan's frontier keeps its D).
Variants replace the first step: data-constrained (Muennighoff), inference-aware (Sardana), mixture of experts.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace
from typing import Any

from .errors import InputError
from .laws.allocation import Allocation
from .model.shape import ModelShape, shape_for_params
from .plan_sections import ModelSection


@dataclass(frozen=True)
class PlanOptions:
    """Everything besides the budget that shapes a plan (the keywords of :func:`scaleplan.planner.optimal`)."""

    law: str | None = None
    law_file: str | None = None
    compare: bool = False
    hardware: str | None = None
    gpus: int | None = None
    target_days: float | None = None
    price: str = "on-demand"
    price_per_hour: float | None = None
    precision: str = "bf16"
    seq_len: int | None = None
    unique_tokens: float | None = None
    inference_tokens: float | None = None
    moe_experts: int | None = None
    moe_active: int | None = None
    hparam_law: str | None = None
    goodput: float | None = None
    cost: bool = True

    @property
    def expert_parallel(self) -> int:
        """Expert-parallel degree: the largest power of two dividing the expert count, at most 8 (one node)."""
        if not self.moe_experts:
            return 1
        degree = 1
        while degree < 8 and self.moe_experts % (degree * 2) == 0:
            degree *= 2
        return degree


@dataclass(frozen=True)
class Evaluation:
    allocation: Allocation
    model: ModelSection
    hyperparameters: Any
    cost: Any | None
    variant: Any | None          # the data / inference / moe section, when one applies
    warnings: tuple[str, ...]


def _law_params(shape: ModelShape, kind: str) -> float:
    return float(shape.non_embedding_params if kind == "non_embedding" else shape.total_params)


def _allocate(law: Any, flops: float, opts: PlanOptions) -> tuple[Allocation, Any | None, list[str]]:
    """The first link: the law's (or variant's) optimum for ``flops``."""
    warnings: list[str] = []
    if opts.moe_experts is not None or opts.moe_active is not None:
        from .laws.moe import allocate_moe

        if opts.moe_experts is None or opts.moe_active is None:
            raise InputError("--moe needs both --experts and --active")
        moe = allocate_moe(flops, opts.moe_experts, opts.moe_active)
        alloc = Allocation(law=moe.law, compute_flops=flops, params=moe.active_params, params_kind="active",
                           tokens=moe.tokens, loss=moe.loss, compute_convention="6 N_active D",
                           notes=(f"mixture of experts: {moe.experts} experts, {moe.active} active; "
                                  f"total parameters {moe.total_params:.3g}",), warnings=moe.warnings)
        return alloc, moe, warnings
    if opts.unique_tokens is not None:
        from .laws.data_constrained import allocate_data_constrained, resolve_law

        dc_law = resolve_law(None)
        if law.name != dc_law.name:
            warnings.append(f"--unique-tokens plans with {dc_law.name}, the law with repeated-data terms "
                            f"(not {law.name})")
        dc = allocate_data_constrained(flops, opts.unique_tokens, dc_law)
        alloc = Allocation(law=dc.law, compute_flops=flops, params=dc.params, params_kind="total", tokens=dc.tokens,
                           loss=dc.loss, compute_convention="6ND",
                           notes=(f"data-constrained: {dc.epochs:.2f} epochs of {dc.unique_tokens:.3g} unique tokens",),
                           warnings=dc.warnings)
        return alloc, dc, warnings
    if opts.inference_tokens:  # zero demand is the compute-optimal plan itself
        from .laws.inference import inference_optimal

        if not getattr(law, "has_loss", False):
            raise InputError(f"--inference-tokens needs a law that predicts loss; {law.name} does not "
                             "(use epoch-2024, hoffmann-2022 or muennighoff-2023)")
        inf = inference_optimal(law, opts.inference_tokens, flops=flops)
        alloc = Allocation(law=law.name, compute_flops=6.0 * inf.params * inf.tokens, params=inf.params,
                           params_kind=law.params_kind, tokens=inf.tokens, loss=inf.target_loss,
                           compute_convention=law.compute_convention,
                           notes=("inference-aware: the quality of the compute-optimal plan for "
                                  f"{flops:.3g} FLOP at the lowest training + inference cost",),
                           warnings=tuple(law.range_warnings(params=inf.params, tokens=inf.tokens)))
        return alloc, inf, warnings
    effective = with_precision(law, opts.precision)
    alloc = effective.allocate(flops)
    if effective is not law:
        alloc = replace(alloc, notes=alloc.notes + (effective.spec.notes[-1],))
    return alloc, None, warnings


def with_precision(law: Any, precision: str) -> Any:
    """The law as it applies to training at ``precision``: for a parametric law, Kumar et al.'s effective
    parameters N_eff = r N relative to bf16, i.e. A' = A r^-alpha (the optimum and the loss both move)."""
    if precision in ("bf16", "auto") or getattr(law.spec, "kind", "") != "parametric":
        return law
    from .laws.allocation import ParametricLaw
    from .laws.precision import relative_retention

    retention = relative_retention(precision)
    constants = dict(law.spec.constants, A=law.c["A"] * retention ** -law.c["alpha"])
    note = (f"training in {precision}: N_eff = {retention:.4f} N (Kumar et al. 2024, constants secondary), "
            f"so A' = A r^-alpha")
    spec = replace(law.spec, constants=constants, notes=tuple(law.spec.notes) + (note,))
    return ParametricLaw(spec)


def _shape_for(alloc: Allocation, opts: PlanOptions) -> ModelShape:
    kind = "total" if alloc.params_kind in ("total", "active") else "non_embedding"
    return shape_for_params(alloc.params, kind, seq_len=opts.seq_len)


def _rederive_tokens(law: Any, alloc: Allocation, shape: ModelShape, variant: Any) -> float:
    """D for the snapped shape at the same compute (or, inference-aware, the same quality)."""
    if alloc.params_kind == "active":
        return alloc.compute_flops / (6.0 * shape.total_params)
    if variant is not None and getattr(variant, "key", "") == "inference":
        from .laws.inference import tokens_for_loss

        return tokens_for_loss(law, _law_params(shape, alloc.params_kind), alloc.loss)
    if alloc.compute_convention == "M*D":
        return alloc.compute_flops / shape.deepseek_m(int(law.c["seq_len"]))
    if alloc.compute_convention.startswith("6ND"):
        return alloc.compute_flops / (6.0 * _law_params(shape, alloc.params_kind))
    return alloc.tokens  # Kaplan's frontier: not trained to C = 6ND


def _loss_at(law: Any, alloc: Allocation, shape: ModelShape, tokens: float, variant: Any, opts: PlanOptions) -> float | None:
    if alloc.params_kind == "active":
        return None
    if variant is not None and getattr(variant, "key", "") == "data":
        from .laws.data_constrained import resolve_law

        return resolve_law(None).loss(shape.total_params, tokens, opts.unique_tokens)
    if alloc.loss is None or not getattr(law, "has_loss", False):
        return None
    return with_precision(law, opts.precision).loss(_law_params(shape, alloc.params_kind), tokens)


def evaluate(law: Any, flops: float, opts: PlanOptions, *, gpus: int | None = None, with_cost: bool | None = None) -> Evaluation:
    """The whole chain for one compute budget (pure; raises InputError where no plan exists)."""
    alloc, variant, warnings = _allocate(law, flops, opts)
    shape = _shape_for(alloc, opts)
    tokens = _rederive_tokens(law, alloc, shape, variant)
    total_params = None
    if alloc.params_kind == "active":
        # All experts: the active shape's FFN blocks are the K active experts; E experts hold E/K times them.
        # Counted on the snapped shape (embeddings are not replicated).
        ffn = shape.n_layers * shape.mlp_params_per_layer
        total_params = float(shape.total_params + (variant.experts / variant.active - 1.0) * ffn)
    model = ModelSection(shape=shape, law_params=alloc.params, params_kind=alloc.params_kind, tokens=tokens,
                         compute_flops=alloc.compute_flops, loss=_loss_at(law, alloc, shape, tokens, variant, opts),
                         total_params=total_params)
    return finish(model, opts, alloc=alloc, variant=variant, warnings=warnings, gpus=gpus, with_cost=with_cost)


def finish(model: ModelSection, opts: PlanOptions, *, alloc: Allocation, variant: Any, warnings: list[str],
           gpus: int | None = None, with_cost: bool | None = None) -> Evaluation:
    """Hyperparameters and cost for a model already chosen."""
    from .laws.hparams import recommend

    shape = model.shape
    hp = recommend(float(shape.total_params), model.tokens, params_kind="total", shape=shape,
                   seq_len=shape.seq_len, law=opts.hparam_law)
    cost = None
    if opts.cost if with_cost is None else with_cost:
        from .perf import estimate_cost

        kwargs: dict[str, Any] = {}
        if opts.target_days is not None:
            kwargs["target_days"] = opts.target_days
        cost = estimate_cost(shape, model.tokens, opts.hardware, gpus=gpus if gpus is not None else opts.gpus,
                             global_batch_tokens=hp.batch_tokens, seq_len=shape.seq_len, precision=opts.precision,
                             price_tier=opts.price, goodput=opts.goodput, total_params=model.total_params,
                             expert_parallel=opts.expert_parallel, price_per_hour=opts.price_per_hour, **kwargs)
        law_batch = hp.batch_tokens
        if abs(cost.batch_tokens / law_batch - 1.0) > 1e-3:
            # The layout trains whole micro-batches: report the hyperparameters for the batch actually used
            # (peak LR rescaled from the law's batch by the square-root rule, schedule in its steps).
            hp = recommend(float(shape.total_params), model.tokens, params_kind="total", shape=shape,
                           seq_len=shape.seq_len, law=opts.hparam_law, batch_tokens=cost.batch_tokens,
                           batch_fixed_by="the parallel layout (whole micro-batches per replica)")
            warnings.append(f"global batch {cost.batch_tokens:.4g} tokens (whole micro-batches per replica) instead "
                            f"of the law's {law_batch:.4g}; peak LR rescaled by the square-root rule")
    return Evaluation(alloc, model, hp, cost, variant, tuple(warnings))


def fixed_model(params: float, tokens: float, opts: PlanOptions, law: Any) -> tuple[Allocation, ModelSection]:
    """A plan whose N (total) and D are given: the shape nearest N, D as given, the law's loss there."""
    for name, value in (("N", params), ("D", tokens)):
        if not (math.isfinite(value) and value > 0):
            raise InputError(f"{name}: must be a positive finite number, got {value}")
    shape = shape_for_params(params, "total", seq_len=opts.seq_len)
    law_n = _law_params(shape, law.params_kind)
    loss = law.loss(law_n, tokens) if getattr(law, "has_loss", False) else None
    flops = 6.0 * shape.total_params * tokens
    alloc = Allocation(law=law.name, compute_flops=flops, params=params, params_kind="total", tokens=tokens,
                       loss=loss, compute_convention="6ND", notes=("N and D fixed by the user",),
                       warnings=tuple(law.range_warnings(params=law_n, tokens=tokens, flops=flops)))
    model = ModelSection(shape=shape, law_params=params, params_kind="total", tokens=tokens, compute_flops=flops,
                         loss=loss, total_params=None)
    return alloc, replace(model)
