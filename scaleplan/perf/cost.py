"""Training cost: (shape, tokens, hardware) -> layout, step time, MFU/HFU, GPU-hours, days, dollars, energy.

:func:`estimate_cost` is the pure entry point the planner and the CLI call; :func:`best_throughput` is the
cheap one to call many times (budget in dollars -> largest compute). The result, :class:`Cost`, is a
frozen dataclass implementing the plan's ``Section`` protocol (key ``"cost"``).

GPU count when none is given (documented in docs/cost-model.md): the cheapest node-size x 2^k count whose
best layout finishes within ``gpu_count.target_days`` (configs/perf/defaults.yaml); when no count up to
``max_gpus`` does, the fastest feasible count is used and a warning says so.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import ClassVar

from ..errors import InputError
from ..hardware import HardwareProfile, load_profile
from ..model.shape import ModelShape
from .layout import Layout, LayoutSpec, SearchResult, explain_infeasible, search
from .settings import EfficiencyCurve, PerfDefaults, Precision, efficiency_for, load_defaults, load_precision
from .workload import Workload, make_workload


@dataclass(frozen=True)
class TierCost:
    tier: str
    usd: float | None
    usd_per_hour: float | None
    as_of: str
    source: str

    def to_dict(self) -> dict:
        return {"tier": self.tier, "usd": self.usd, "usd_per_accelerator_hour": self.usd_per_hour,
                "as_of": self.as_of, "source": self.source}


@dataclass(frozen=True)
class Cost:
    """The cost section of a plan. FLOP figures are labelled: model FLOPs (6N + attention, no recompute)
    versus hardware FLOPs (with recompute); peaks are dense."""

    key: ClassVar[str] = "cost"
    title: ClassVar[str] = "Training cost"

    hardware: str
    hardware_title: str
    precision: str
    gpus: int
    gpus_reason: str
    layout: Layout
    layout_reason: str
    shape: ModelShape
    total_params: float
    tokens: float
    seq_len: int
    batch_tokens: float               # actual global batch (whole micro-batches)
    steps: int
    model_flops_per_token: float
    hardware_flops_per_token: float
    peak_flops_per_gpu: float         # dense peak at the training precision
    step_parts: dict                  # seconds per step, exposed time only
    step_time: float
    dp_comm_total: float
    tokens_per_second: float
    mfu: float
    hfu: float
    memory: dict                      # bytes per GPU by component (summed)
    memory_total: float
    memory_usable: float
    memory_capacity: float
    goodput: float
    steady_gpu_hours: float
    gpu_hours: float
    wall_clock_days: float
    price_tier: str
    dollars: tuple[TierCost, ...]
    energy_kwh: float | None
    pue: float
    average_power_w: float | None
    efficiency_curve: str
    efficiency_calibrated: bool
    assumptions: tuple[str, ...]
    warnings: tuple[str, ...]

    @property
    def model_flops(self) -> float:
        return self.model_flops_per_token * self.tokens

    @property
    def chosen_dollars(self) -> TierCost:
        return next(t for t in self.dollars if t.tier == self.price_tier)

    def to_dict(self) -> dict:
        from .report import cost_to_dict

        return cost_to_dict(self)

    def rows(self) -> list[tuple[str, str, str]]:
        from .report import cost_rows

        return cost_rows(self)


# -- the pure maths ---------------------------------------------------------------------------------
def hardware_flops_per_token(w: Workload, recompute: str) -> float:
    """Model FLOPs plus what recompute adds: a full extra forward of the blocks (not the logits), or the
    attention core's forward (selective)."""
    model = w.model_flops_per_token
    if recompute == "full":
        logits = 6.0 * w.shape.vocab_size * w.hidden
        return model + (model - logits) / 3.0
    if recompute == "selective":
        return model + 4.0 * w.layers * w.shape.d_attn * w.seq_len
    return model


def check_gpu_count(gpus: int, profile: HardwareProfile) -> int:
    if isinstance(gpus, bool) or not isinstance(gpus, (int, float)) or gpus != int(gpus):
        raise InputError(f"--gpus: must be a whole number, got {gpus!r}")
    gpus = int(gpus)
    if gpus <= 0:
        raise InputError(f"--gpus: must be positive, got {gpus}")
    node = profile.accelerators_per_node
    if gpus % node and node % gpus:
        lower, upper = gpus // node * node, (gpus // node + 1) * node
        suggestion = f"try {lower} or {upper}" if lower > 0 else f"try {upper}"
        raise InputError(f"--gpus: {gpus} is not a multiple of the node size of {profile.name} ({node} per node); "
                         f"{suggestion}")
    limit = load_defaults().max_gpus
    if gpus > limit:
        raise InputError(f"--gpus: {gpus} is more than the cost model plans for ({limit}, configs/perf/defaults.yaml)")
    return gpus


@dataclass(frozen=True)
class _Context:
    workload: Workload
    profile: HardwareProfile
    precision: Precision
    curve: EfficiencyCurve
    defaults: PerfDefaults
    spec: LayoutSpec


def _days(ctx: _Context, result: SearchResult, goodput: float) -> float:
    batch = result.layout.global_batch_sequences * ctx.workload.seq_len
    steps = math.ceil(ctx.workload.tokens / batch)
    return steps * result.step_total / goodput / 86400.0


def choose_gpus(ctx: _Context, goodput: float, target_days: float | None = None
                ) -> tuple[int, SearchResult, str, tuple[str, ...]]:
    """The GPU-count rule (module docstring); ``target_days`` overrides the configured deadline.

    Among node-size x 2^k counts whose best layout finishes within the deadline, the one with the fewest
    GPU-hours wins (ties: fewer GPUs). Usually that is the smallest such count, but not always: more GPUs
    shard ZeRO state further and can free memory for a faster layout. Taking the cheapest of every count that
    meets the deadline makes a looser deadline never cost more. Returns (gpus, result, why, warnings).
    """
    d = ctx.defaults
    target = d.target_days if target_days is None else float(target_days)
    node = ctx.profile.accelerators_per_node
    previous: tuple[float, int, SearchResult] | None = None
    best: tuple[float, int, SearchResult, float] | None = None  # (gpu-hours, gpus, result, days)
    gpus = node
    while gpus <= d.max_gpus:
        result = search(ctx.workload, gpus, ctx.profile, ctx.precision, ctx.curve, d, ctx.spec)
        if result is not None:
            days = _days(ctx, result, goodput)
            if days <= target:
                hours = days * 24.0 * gpus
                if best is None or hours < best[0] * (1.0 - 1e-9):
                    best = (hours, gpus, result, days)
                if days < target / d.deadline_scan_slack:
                    break  # far faster than needed: more GPUs only add communication
            elif best is None and previous is not None and previous[0] / days < d.min_doubling_speedup:
                break
            if best is None:
                previous = (days, gpus, result)
        gpus *= 2
    if best is not None:
        _, gpus, result, days = best
        why = (f"cheapest node-size x 2^k count ({node} per node) that finishes within {target:g} days "
               f"({days:.1f} days); fewer GPUs would miss the deadline")
        return gpus, result, why, ()
    if previous is None:
        raise InputError("no GPU count up to {} fits: {}".format(
            d.max_gpus, explain_infeasible(ctx.workload, node, ctx.profile, ctx.precision, ctx.curve, d, ctx.spec)))
    days, gpus, result = previous
    why = (f"knee of the scaling curve: doubling beyond {gpus} GPUs speeds the run up by less than "
           f"{d.min_doubling_speedup:g}x, and no count finishes within {target:g} days")
    return gpus, result, why, (f"the run takes {days:.0f} days on {gpus} GPUs (target {target:g} days); "
                               "give --gpus, a larger --batch-tokens or a faster accelerator",)


def _context(shape: ModelShape, tokens: float, profile, *, global_batch_tokens, seq_len, precision, layout,
             total_params, expert_parallel, attention, sequence_parallel=True, tp_comm_overlap=False) -> _Context:
    defaults = load_defaults()
    prof = load_profile(profile)
    prec = load_precision(precision)
    prof.peak_flops(prec.peak)  # clear error when the profile lacks this precision (e.g. fp8 on A100)
    w = make_workload(shape, tokens, defaults, seq_len=seq_len, global_batch_tokens=global_batch_tokens,
                      total_params=total_params, expert_parallel=expert_parallel, attention=attention,
                      sequence_parallel=sequence_parallel, tp_comm_overlap=tp_comm_overlap)
    return _Context(w, prof, prec, efficiency_for(prof, prec.peak), defaults, layout or LayoutSpec())


def best_throughput(shape: ModelShape, profile: str | HardwareProfile | None, gpus: int, *,
                    precision: str = "bf16", seq_len: int | None = None, global_batch_tokens: float | None = None,
                    total_params: float | None = None) -> float:
    """Steady-state tokens/s of the best layout for ``shape`` on ``gpus`` accelerators (0.0 when nothing fits).

    Cheap (one vectorised search); the planner calls it many times to turn dollars into compute.
    """
    tokens = load_defaults().max_tokens  # only the batch matters for throughput
    ctx = _context(shape, tokens, profile, global_batch_tokens=global_batch_tokens, seq_len=seq_len,
                   precision=precision, layout=None, total_params=total_params, expert_parallel=1, attention="flash")
    result = search(ctx.workload, check_gpu_count(gpus, ctx.profile), ctx.profile, ctx.precision, ctx.curve,
                    ctx.defaults)
    if result is None:
        return 0.0
    return result.layout.global_batch_sequences * ctx.workload.seq_len / result.step_total


def estimate_cost(shape: ModelShape, tokens: float, profile: str | HardwareProfile | None = None, *,
                  gpus: int | None = None, global_batch_tokens: float | None = None, seq_len: int | None = None,
                  precision: str = "bf16", price_tier: str = "on-demand", layout: LayoutSpec | None = None,
                  goodput: float | None = None, total_params: float | None = None, expert_parallel: int = 1,
                  attention: str = "flash", sequence_parallel: bool = True, price_per_hour: float | None = None,
                  pue: float | None = None, target_days: float | None = None, tp_comm_overlap: bool = False) -> Cost:
    """Cost of training ``shape`` on ``tokens`` tokens on ``profile`` (default H100 SXM).

    ``total_params`` > shape.total_params models a mixture of experts: FLOPs from the (active) shape,
    memory and gradient traffic from the total, expert weights sharded over ``expert_parallel``.
    ``tp_comm_overlap`` models TP collectives pipelined with their GEMMs (Megatron-Core ``--tp-comm-overlap``,
    Transformer Engine userbuffers; needs sequence parallelism); off by default.
    """
    ctx = _context(shape, tokens, profile, global_batch_tokens=global_batch_tokens, seq_len=seq_len,
                   precision=precision, layout=layout, total_params=total_params, expert_parallel=expert_parallel,
                   attention=attention, sequence_parallel=sequence_parallel, tp_comm_overlap=tp_comm_overlap)
    d = ctx.defaults
    good = d.goodput if goodput is None else float(goodput)
    if not (0 < good <= 1):
        raise InputError(f"--goodput: must be in (0, 1], got {good}")
    ctx.profile.price(price_tier)
    if pue is not None and not (math.isfinite(pue) and 1.0 <= pue <= 3.0):
        raise InputError(f"--pue: a data-centre PUE is between 1.0 and 3.0, got {pue}")
    if price_per_hour is not None and not (math.isfinite(price_per_hour) and price_per_hour > 0):
        raise InputError(f"--price-per-hour: must be positive, got {price_per_hour}")
    warnings: list[str] = []
    if gpus is None:
        if target_days is not None and not (math.isfinite(target_days) and target_days > 0):
            raise InputError(f"--days: must be positive, got {target_days}")
        gpus, result, gpus_reason, extra = choose_gpus(ctx, good, target_days)
        warnings.extend(extra)
    else:
        gpus = check_gpu_count(gpus, ctx.profile)
        gpus_reason = "given (--gpus)"
        result = search(ctx.workload, gpus, ctx.profile, ctx.precision, ctx.curve, d, ctx.spec)
        if result is None:
            raise InputError(explain_infeasible(ctx.workload, gpus, ctx.profile, ctx.precision, ctx.curve, d, ctx.spec))
    from .report import build_cost

    return build_cost(ctx.workload, ctx.profile, ctx.precision, ctx.curve, d, gpus, gpus_reason, result,
                      goodput=good, price_tier=price_tier, price_per_hour=price_per_hour,
                      pue=d.pue if pue is None else float(pue), warnings=tuple(warnings),
                      hardware_flops_per_token=hardware_flops_per_token(ctx.workload, result.layout.recompute))
