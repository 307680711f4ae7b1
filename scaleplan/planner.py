"""Orchestrates the chain: budget -> compute C -> (N, D) -> shape -> hyperparameters -> precision -> cost -> Plan.

A budget in dollars, GPU-hours or GPUs x days becomes compute through the cost model: the cost of the plan for
C grows with C, so :func:`scaleplan.budget.solve_compute` finds the largest C the budget buys. Everything the
CLI prints is a view of the :class:`~scaleplan.plan.Plan` returned here.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from .budget import Budget, BudgetSection, resolve_budget
from .budget_solve import solve_budget
from .chain import Evaluation, PlanOptions, evaluate, finish, fixed_model
from .config import configs_dir
from .errors import InputError
from .laws import registry
from .laws.allocation import Allocation
from .plan import Comparison, LawSummary, Plan
from .plan_sections import Provenance, Uncertainty
from .precision_choice import choose_precision
from .settings import planner_settings


def allocate_all(flops: float) -> list[Allocation]:
    """Every shipped allocation law's answer for ``flops``, in registry order."""
    return [registry.build(spec).allocate(flops) for spec in registry.all_specs("allocation")]


def optimal(flops: float | None = None, law: str | None = None, *, law_file: str | Path | None = None,
            compare: bool = False, budget_usd: float | None = None, gpu_hours: float | None = None,
            gpus: int | None = None, days: float | None = None, hardware: str | None = None,
            price: str = "on-demand", price_per_hour: float | None = None, precision: str = "bf16",
            seq_len: int | None = None, unique_tokens: float | None = None, inference_tokens: float | None = None,
            moe_experts: int | None = None, moe_active: int | None = None, hparam_law: str | None = None,
            goodput: float | None = None, cost: bool = True) -> Plan:
    """The plan for a budget: FLOPs, dollars, GPU-hours, or GPUs x days (see :func:`resolve_budget`)."""
    if law is not None and law_file is not None:
        raise InputError("give either a law name or a law file, not both")
    budget = resolve_budget(flops=flops, budget_usd=budget_usd, gpu_hours=gpu_hours, gpus=gpus, days=days)
    if budget.kind != "flops" and not cost:
        raise InputError(f"a {budget.kind.replace('_', '-')} budget is turned into compute by the cost model; "
                         "it cannot be planned without it")
    chosen = registry.get_law(law, "allocation", law_file=law_file)
    opts = PlanOptions(law=law, law_file=str(law_file) if law_file else None, compare=compare,
                       hardware=hardware or planner_settings()["default_hardware"], gpus=budget.gpus,
                       target_days=budget.days if budget.kind == "flops" else None, price=price,
                       price_per_hour=price_per_hour, precision=precision, seq_len=seq_len,
                       unique_tokens=unique_tokens, inference_tokens=inference_tokens, moe_experts=moe_experts,
                       moe_active=moe_active, hparam_law=hparam_law, goodput=goodput, cost=cost)
    _check_options(opts)
    precision_section = None
    if precision == "auto":
        if not cost:
            raise InputError("--precision auto weighs throughput, so it needs the cost model")
        opts, precision_section = choose_precision(chosen, budget, opts)
    elif precision not in planner_settings()["precisions"]:
        raise InputError(f"--precision: unknown '{precision}' (choose from auto, "
                         f"{', '.join(planner_settings()['precisions'])})")
    if cost:
        _check_hardware_options(opts)
    inputs = {k: v for k, v in dict(flops=flops, budget_usd=budget_usd, gpu_hours=gpu_hours, gpus=gpus, days=days,
                                     law=chosen.name, law_file=str(law_file) if law_file else None,
                                     hardware=opts.hardware if cost else None, price=price if cost else None,
                                     price_per_hour=price_per_hour, precision=precision, seq_len=seq_len,
                                     unique_tokens=unique_tokens, inference_tokens=inference_tokens,
                                     moe_experts=moe_experts, moe_active=moe_active, hparam_law=hparam_law,
                                     goodput=goodput).items() if v is not None}
    if budget.kind == "flops":
        compute = budget.flops * (_multiplier(precision_section) if precision_section else 1.0)
        beyond = None if precision_section is not None or _variant_requested(opts) else _beyond_models(chosen, compute)
        if beyond is not None:
            return _laws_only(chosen, compute, opts, inputs, budget, beyond)
        evaluation = evaluate(chosen, compute, opts)
        notes = _precision_note(precision_section)
        trained = 6.0 * evaluation.model.params * evaluation.model.tokens
        if evaluation.variant is not None and evaluation.variant.key == "inference":
            notes += (f"inference-aware: the plan matches the quality of the compute-optimal plan for this budget, "
                      f"so training takes {trained:.3g} FLOP (6ND), more than the budget, to save inference",)
        budget_section = BudgetSection(budget, compute, _flops_binding(budget, evaluation), 1, notes)
    else:
        evaluation, budget_section = solve_budget(chosen, budget, opts)
    return _assemble(chosen, evaluation, opts, inputs, budget_section, precision_section)


def plan_fixed(params: float, tokens: float, law: str | None = None, *, law_file: str | Path | None = None,
               compare: bool = False, hardware: str | None = None, gpus: int | None = None,
               days: float | None = None, price: str = "on-demand", price_per_hour: float | None = None,
               precision: str = "bf16", seq_len: int | None = None, hparam_law: str | None = None,
               goodput: float | None = None, cost: bool = True, **unsupported: Any) -> Plan:
    """The plan for a model whose total N and D are fixed (a spec's ``model:`` section)."""
    if unsupported:
        raise InputError(f"{', '.join(sorted(unsupported))}: not available when N and D are fixed")
    if precision not in planner_settings()["precisions"]:
        raise InputError(f"--precision: with a fixed N and D choose one of {', '.join(planner_settings()['precisions'])}")
    chosen = registry.get_law(law, "allocation", law_file=law_file)
    opts = PlanOptions(law=law, compare=compare, hardware=hardware or planner_settings()["default_hardware"],
                       gpus=gpus, target_days=days, price=price, price_per_hour=price_per_hour, precision=precision,
                       seq_len=seq_len, hparam_law=hparam_law, goodput=goodput, cost=cost)
    alloc, model = fixed_model(params, tokens, opts, chosen)
    evaluation = finish(model, opts, alloc=alloc, variant=None, warnings=[])
    budget = Budget("flops", flops=alloc.compute_flops, gpus=gpus, days=days)
    section = BudgetSection(budget, alloc.compute_flops, "N and D fixed by the user", 1, ())
    inputs = {k: v for k, v in dict(params=params, tokens=tokens, law=chosen.name, hardware=opts.hardware if cost else None,
                                     gpus=gpus, days=days, price=price if cost else None, precision=precision,
                                     seq_len=seq_len, hparam_law=hparam_law, goodput=goodput).items() if v is not None}
    return _assemble(chosen, evaluation, opts, inputs, section, None)


# -- pieces ------------------------------------------------------------------------------------------------------
def _check_hardware_options(opts: PlanOptions) -> None:
    """Typos in hardware, price tier or precision are errors, never a silently different plan."""
    from .hardware import load_profile

    profile = load_profile(opts.hardware)
    profile.price(opts.price)
    if opts.precision != "auto":
        profile.peak_flops(opts.precision)


def _variant_requested(opts: PlanOptions) -> bool:
    return any(v is not None for v in (opts.unique_tokens, opts.inference_tokens, opts.moe_experts, opts.moe_active))


def _beyond_models(law: Any, flops: float) -> str | None:
    """Why no real model can be built for the law's optimum at ``flops`` (None when one can)."""
    from .perf.settings import load_defaults

    limits = load_defaults()
    allocation = law.allocate(flops)
    for name, value, low, high, unit in (("N", allocation.params, limits.min_params, limits.max_params, "parameters"),
                                          ("D", allocation.tokens, limits.min_tokens, limits.max_tokens, "tokens")):
        if not low <= value <= high:
            return (f"{name} = {value:.3g} {unit} is outside the range the model shape and cost model support "
                    f"[{low:.3g}, {high:.3g}]")
    return None


def _laws_only(law: Any, flops: float, opts: PlanOptions, inputs: dict, budget: Budget, reason: str) -> Plan:
    """A FLOP budget that no real model can be shaped or costed for (far outside every range) still answers
    with the law's allocation, and says why the rest of the plan is missing."""
    allocation = law.allocate(flops)
    comparison = Comparison.of(allocate_all(flops)) if opts.compare else None
    plan = Plan(inputs=inputs, law=LawSummary.of(law), allocation=allocation, warnings=allocation.warnings,
                comparison=comparison)
    plan = plan.with_section(BudgetSection(budget, flops, "FLOPs (given)", 1, ()))
    return plan.with_warnings(f"laws only: no model shape, hyperparameters or cost for this budget ({reason})")


def _check_options(opts: PlanOptions) -> None:
    modes = [name for name, on in (("--unique-tokens", opts.unique_tokens is not None),
                                   ("--inference-tokens", opts.inference_tokens is not None),
                                   ("--moe", opts.moe_experts is not None or opts.moe_active is not None)) if on]
    if len(modes) > 1:
        raise InputError(f"{' and '.join(modes)} cannot be combined in one plan (each changes the allocation law)")
    for name, value in (("--unique-tokens", opts.unique_tokens), ("--inference-tokens", opts.inference_tokens)):
        if value is not None and not (value >= 0 and value < float("inf")):
            raise InputError(f"{name}: must be a non-negative finite number, got {value}")
    if opts.unique_tokens == 0:
        raise InputError("--unique-tokens: must be positive (no data, no training)")


def _flops_binding(budget: Budget, ev: Evaluation) -> str:
    if budget.days is not None and ev.cost is not None:
        return f"FLOPs, finished within {budget.days:g} days ({ev.cost.gpus} GPUs, {ev.cost.wall_clock_days:.1f} days)"
    return "FLOPs (given)"


def _precision_note(section: Any) -> tuple[str, ...]:
    if section is None:
        return ()
    return (f"--precision auto reads the FLOP budget as the GPU time it takes in bf16; {section.chosen} does "
            f"x{_multiplier(section):.2f} of that compute in the same time",)


def _multiplier(section: Any) -> float:
    return section.option(section.chosen).throughput_multiplier


def _uncertainty(ev: Evaluation, opts: PlanOptions) -> tuple[Uncertainty, Comparison]:
    from .laws.hparams import compare as compare_hparams

    comparison = Comparison.of(allocate_all(ev.allocation.compute_flops))
    params = [r.params for r in comparison.rows]
    tokens = [r.tokens for r in comparison.rows]
    shape = ev.model.shape
    hp = compare_hparams(float(shape.total_params), ev.model.tokens, shape=shape, seq_len=shape.seq_len)
    lrs = [r.lr.value for r in hp.laws if r.lr]
    batches = [r.batch.value for r in hp.laws if r.batch]
    band = planner_settings()["band"]
    gpu_hours = usd_tier = usd_all = None
    if ev.cost is not None:
        low, high = 1.0 / (1.0 + band), 1.0 / (1.0 - band)
        gpu_hours = (ev.cost.gpu_hours * low, ev.cost.gpu_hours * high)
        chosen = ev.cost.chosen_dollars.usd
        usd_tier = (chosen * low, chosen * high) if chosen is not None else None
        priced = [t.usd for t in ev.cost.dollars if t.usd is not None]
        usd_all = (min(priced) * low, max(priced) * high) if priced else None
    section = Uncertainty(
        params_range=(min(params), max(params)), tokens_range=(min(tokens), max(tokens)),
        loss_range=comparison.loss_range, laws=len(comparison.rows),
        lr_range=(min(lrs), max(lrs)) if lrs else None,
        batch_tokens_range=(min(batches), max(batches)) if batches else None, hparam_laws=len(lrs),
        mfu_band=band if ev.cost is not None else None, gpu_hours_range=gpu_hours, usd_range_chosen_tier=usd_tier,
        usd_range_all_tiers=usd_all, price_tier=ev.cost.price_tier if ev.cost is not None else None)
    return section, comparison


def _vocabulary(ev: Evaluation) -> tuple[Any | None, str | None]:
    from .laws.vocabulary import optimal_vocabulary

    try:
        return optimal_vocabulary(float(ev.model.shape.non_embedding_params), ev.allocation.compute_flops), None
    except InputError as exc:
        return None, f"vocabulary: {exc}"


def _allocation_law(law: Any, ev: Evaluation) -> Any:
    """The law that made the allocation: the chosen one, or the variant's (MoE, data-constrained)."""
    key = getattr(ev.variant, "key", None)
    if key == "moe":
        return registry.get_law(ev.allocation.law, "moe")
    if key == "data":
        from .laws.data_constrained import resolve_law

        return resolve_law(None)
    return law


def _provenance(law: Any, ev: Evaluation, opts: PlanOptions) -> Provenance:
    roles = {"allocation law": law.spec.source}
    if opts.hparam_law and opts.hparam_law.endswith((".yaml", ".yml")):
        roles["hyperparameter law"] = opts.hparam_law
    elif ev.hyperparameters is not None:
        roles["hyperparameter law"] = registry.get_spec(ev.hyperparameters.law).source
    if ev.cost is not None:
        from .hardware import load_profile

        roles["hardware profile"] = load_profile(opts.hardware).path
        for name in ("defaults", "efficiency", "precision"):
            roles[f"cost model {name}"] = str(configs_dir() / "perf" / f"{name}.yaml")
    roles["planner defaults"] = str(configs_dir() / "planner.yaml")
    return Provenance.of(roles)


def _assemble(law: Any, ev: Evaluation, opts: PlanOptions, inputs: dict, budget_section: BudgetSection,
              precision_section: Any) -> Plan:
    uncertainty, comparison = _uncertainty(ev, opts)
    law = _allocation_law(law, ev)
    plan = Plan(inputs=inputs, law=LawSummary.of(law), allocation=ev.allocation, warnings=ev.allocation.warnings,
                comparison=comparison if opts.compare else None)
    plan = plan.with_section(budget_section).with_section(ev.model)
    if ev.variant is not None:
        plan = plan.with_section(ev.variant)
    plan = plan.with_section(ev.hyperparameters)
    if precision_section is not None:
        plan = plan.with_section(precision_section)
    if ev.cost is not None:
        plan = plan.with_section(ev.cost)
    vocabulary, vocab_warning = _vocabulary(ev)
    if vocabulary is not None:
        plan = plan.with_section(vocabulary)
    plan = plan.with_section(uncertainty).with_section(_provenance(law, ev, opts))
    extra = list(ev.warnings) + list(getattr(ev.variant, "warnings", ()) or ()) + list(ev.hyperparameters.warnings)
    if precision_section is not None:
        extra += list(precision_section.warnings)
    if ev.cost is not None:
        extra += list(ev.cost.warnings)
    if vocab_warning:
        extra.append(vocab_warning)
    return plan.with_warnings(*extra)


def frontier_cost_columns(law: str | None, hardware: str | None, price: str = "on-demand",
                          law_file: str | Path | None = None) -> dict[str, Any]:
    """Extra columns for :func:`scaleplan.frontier.frontier`: GPUs, GPU-hours, days and dollars of the full plan
    at each budget (one chain evaluation per point, so meant for tens of points, not millions)."""
    import numpy as np

    chosen = registry.get_law(law, "allocation", law_file=law_file)
    opts = PlanOptions(hardware=hardware or planner_settings()["default_hardware"], price=price)
    cache: dict[float, Evaluation] = {}

    def cost_at(c: float) -> Any:
        if c not in cache:
            cache[c] = evaluate(chosen, float(c), opts)
        return cache[c].cost

    def column(pick: Any) -> Any:
        def fn(c: Any, _n: Any, _d: Any) -> Any:
            return np.array([pick(cost_at(value)) for value in c], dtype=float)
        return fn

    def usd(cost: Any) -> float:
        value = cost.chosen_dollars.usd
        if value is None:
            raise InputError(f"{cost.hardware} has no public {cost.price_tier} price; choose another --price")
        return value

    return {"gpus": column(lambda cost: cost.gpus), "gpu_hours": column(lambda cost: cost.gpu_hours),
            "days": column(lambda cost: cost.wall_clock_days), "usd": column(usd)}
