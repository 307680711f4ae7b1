"""Assemble a :class:`~scaleplan.perf.cost.Cost` from a search result, and its JSON and table views.

No maths beyond unit conversions (hours, days, dollars, kWh) lives here; every figure is labelled
(model vs hardware FLOPs, dense peaks, steady-state vs goodput-adjusted hours).
"""

from __future__ import annotations

import math

from ..hardware import PRICE_TIERS, HardwareProfile
from ..units import format_duration_hours, format_money, format_number, format_si
from .layout import SearchResult
from .memory import COMPONENTS
from .settings import EfficiencyCurve, PerfDefaults, Precision
from .step_time import PARTS
from .workload import Workload

GIB = 2.0**30
_PART_LABEL = {
    "compute": "compute (GEMMs, attention, element-wise, recompute)",
    "tp_comm": "exposed TP communication",
    "pp_comm": "exposed pipeline send/receive",
    "bubble": "pipeline bubble (p - 1)/(v m)",
    "dp_comm": "exposed DP/ZeRO communication (after overlap)",
    "optimizer": "optimizer step (AdamW)",
}
_MEMORY_LABEL = {
    "weights": "weights", "gradients": "gradients", "optimizer": "optimizer states (fp32 master + Adam m, v)",
    "activations": "activations (in-flight micro-batches)", "logits": "logits / loss buffers",
    "fsdp_buffers": "ZeRO-3 gather buffers",
}


def build_cost(w: Workload, profile: HardwareProfile, precision: Precision, curve: EfficiencyCurve,
               defaults: PerfDefaults, gpus: int, gpus_reason: str, result: SearchResult, *, goodput: float,
               price_tier: str, price_per_hour: float | None, pue: float, warnings: tuple[str, ...],
               hardware_flops_per_token: float):
    from .cost import Cost, TierCost

    layout = result.layout
    batch_tokens = float(layout.global_batch_sequences * w.seq_len)
    steps = math.ceil(w.tokens / batch_tokens)
    tokens_per_second = batch_tokens / result.step_total
    peak = profile.peak_flops(precision.peak)
    mfu = w.model_flops_per_token * tokens_per_second / (gpus * peak)
    hfu = hardware_flops_per_token * tokens_per_second / (gpus * peak)
    steady_hours = steps * result.step_total * gpus / 3600.0
    gpu_hours = steady_hours / goodput
    days = gpu_hours / gpus / 24.0

    dollars = []
    for tier in PRICE_TIERS:
        price = profile.price(tier)
        rate, as_of, source = price.usd_per_hour, price.as_of, price.source
        if tier == price_tier and price_per_hour is not None:
            rate, as_of, source = price_per_hour, "given", "--price-per-hour"
        dollars.append(TierCost(tier, None if rate is None else gpu_hours * rate, rate, as_of, source))

    power = None if profile.power_watts is None else profile.power_watts * defaults.power_fraction
    energy = None if power is None else gpu_hours * power * pue / 1000.0

    notes = list(warnings)
    if not curve.calibrated:
        notes.append(f"{profile.name} has no calibrated efficiency curve: matmul efficiency derived from its "
                     f"measured matmul ceiling (MAMF) or a default; treat MFU and cost as rough")
    if profile.scale_out_assumed:
        notes.append(f"{profile.name} scale-out bandwidth ({profile.scale_out_gbps:g} Gb/s per accelerator) is assumed, "
                     "not published")
    if next(t for t in dollars if t.tier == price_tier).usd is None:
        notes.append(f"no {price_tier} price is known for {profile.name}; pass --price-per-hour")
    if energy is None:
        notes.append(f"{profile.name} has no published power figure; energy not estimated")
    idle = (result.step["bubble"] + result.step["dp_comm"]) / result.step_total
    if idle > 0.25:
        notes.append(f"{idle:.0%} of each step is pipeline bubble or exposed DP communication: a global batch of "
                     f"{layout.global_batch_sequences} sequences is small for {gpus} GPUs; a larger --batch-tokens "
                     "or fewer GPUs would use them better")
    if batch_tokens > w.batch_tokens * 1.001:
        notes.append(f"global batch rounded up from {format_si(w.batch_tokens)} to {format_si(batch_tokens)} tokens "
                     "(whole micro-batches per replica)")

    assumptions = (
        f"goodput {goodput:.2f}: GPU-hours = steady-state hours / goodput ({defaults.goodput_source})",
        f"prices: {price_tier} tier, as of {next(t for t in dollars if t.tier == price_tier).as_of}",
        f"PUE {pue:.2f}; average power {defaults.power_fraction:.0%} of rated ({defaults.power_source})",
        f"efficiency curve '{curve.name}': GEMM ceiling {curve.matmul_max:.0%} of the dense {precision.peak} peak"
        + ("" if curve.calibrated else " (uncalibrated)"),
        f"{w.attention} attention kernels; sequence parallelism with TP"
        + ("; TP communication pipelined with GEMMs (--tp-comm-overlap)" if w.tp_comm_overlap
           else "; TP communication not overlapped") + "; AdamW with fp32 master weights",
    )
    return Cost(
        hardware=profile.name, hardware_title=profile.title, precision=precision.name, gpus=gpus,
        gpus_reason=gpus_reason, layout=layout, layout_reason=result.reason, shape=w.shape,
        total_params=w.total_params, tokens=w.tokens, seq_len=w.seq_len, batch_tokens=batch_tokens, steps=steps,
        model_flops_per_token=w.model_flops_per_token, hardware_flops_per_token=hardware_flops_per_token,
        peak_flops_per_gpu=peak, step_parts=dict(result.step), step_time=result.step_total,
        dp_comm_total=result.dp_comm_total, tokens_per_second=tokens_per_second, mfu=mfu, hfu=hfu,
        memory=dict(result.memory), memory_total=result.memory_total, memory_usable=result.memory_usable,
        memory_capacity=profile.memory_bytes, goodput=goodput, steady_gpu_hours=steady_hours, gpu_hours=gpu_hours,
        wall_clock_days=days, price_tier=price_tier, dollars=tuple(dollars), energy_kwh=energy, pue=pue,
        average_power_w=power, efficiency_curve=curve.name, efficiency_calibrated=curve.calibrated,
        assumptions=assumptions, warnings=tuple(notes),
    )


def cost_to_dict(c) -> dict:
    # Headline numbers first, at the paths budget checks read (docs/spec.md): cost.gpu_hours, cost.days,
    # cost.usd.<tier>, cost.energy_kwh, cost.memory_fraction. Details follow.
    return {
        "gpu_hours": c.gpu_hours,
        "days": c.wall_clock_days,
        "usd": {t.tier.replace("-", "_"): t.usd for t in c.dollars},
        "usd_tier": c.price_tier,
        "energy_kwh": c.energy_kwh,
        "memory_fraction": c.memory_total / c.memory_capacity,
        "mfu": c.mfu,
        "hardware": {"name": c.hardware, "title": c.hardware_title, "precision": c.precision,
                     "peak_dense_flops_per_gpu": c.peak_flops_per_gpu, "efficiency_curve": c.efficiency_curve,
                     "efficiency_calibrated": c.efficiency_calibrated},
        "gpus": c.gpus, "gpus_reason": c.gpus_reason,
        "model": {"total_params": c.total_params, "active_params": float(c.shape.total_params),
                  "n_layers": c.shape.n_layers, "d_model": c.shape.d_model, "n_heads": c.shape.n_heads,
                  "n_kv_heads": c.shape.n_kv_heads, "ffn_hidden": c.shape.ffn_hidden, "vocab_size": c.shape.vocab_size,
                  "seq_len": c.seq_len},
        "layout": {**c.layout.to_dict(), "reason": c.layout_reason},
        "memory_per_gpu_bytes": {**{k: c.memory[k] for k in COMPONENTS}, "total": c.memory_total,
                                 "usable": c.memory_usable, "capacity": c.memory_capacity,
                                 "note": "components are summed"},
        "step_time_s": {**{k: c.step_parts[k] for k in PARTS}, "total": c.step_time,
                        "dp_comm_before_overlap": c.dp_comm_total},
        "throughput": {"tokens_per_second": c.tokens_per_second, "global_batch_tokens": c.batch_tokens,
                       "steps": c.steps},
        "flops": {"model_flops_per_token": c.model_flops_per_token,
                  "hardware_flops_per_token": c.hardware_flops_per_token, "model_flops_total": c.model_flops,
                  "mfu": c.mfu, "hfu": c.hfu,
                  "note": "MFU: model FLOPs (6N + 12 L d_attn T, no recompute) / dense peak; HFU adds recompute FLOPs"},
        "time": {"steady_state_gpu_hours": c.steady_gpu_hours, "gpu_hours": c.gpu_hours, "goodput": c.goodput,
                 "wall_clock_days": c.wall_clock_days},
        "dollars": {"tier": c.price_tier, "usd": c.chosen_dollars.usd, "by_tier": [t.to_dict() for t in c.dollars]},
        "energy": {"kwh": c.energy_kwh, "pue": c.pue, "average_power_w_per_gpu": c.average_power_w},
        "assumptions": list(c.assumptions), "warnings": list(c.warnings),
    }


def _gib(value: float) -> str:
    return f"{value / GIB:.1f} GiB"


def shape_rows(c) -> list[tuple[str, str, str]]:
    s = c.shape
    moe = c.total_params > s.total_params
    rows = [("parameters N (all experts)" if moe else "parameters N (total)", format_si(c.total_params),
             "memory and optimizer state" if moe else "exact count of this shape"),
            ("shape", f"{s.n_layers} layers x d_model {s.d_model}",
             f"{s.n_heads} heads ({s.n_kv_heads} KV), head dim {s.head_dim}, {s.ffn_kind} FFN {s.ffn_hidden}, vocab {s.vocab_size}"),
            ("sequence length", str(c.seq_len), "tokens")]
    if c.total_params > s.total_params:
        rows.insert(1, ("active parameters", format_si(s.total_params), "per token (FLOPs use these)"))
    return rows


def layout_rows(c) -> list[tuple[str, str, str]]:
    lay = c.layout
    return [("GPUs", f"{c.gpus} x {c.hardware}", c.gpus_reason),
            ("layout", f"TP {lay.tp} x PP {lay.pp} x DP {lay.dp}", c.layout_reason),
            ("ZeRO / FSDP stage", str(lay.zero), {0: "plain data parallel", 1: "optimizer sharded",
                                                  2: "optimizer + gradients sharded", 3: "FSDP: everything sharded"}[lay.zero]),
            ("micro-batch x accumulation", f"{lay.micro_batch} x {lay.grad_accum}",
             f"global batch {lay.global_batch_sequences} sequences = {format_si(c.batch_tokens)} tokens"),
            ("interleaved virtual stages", str(lay.virtual_stages), "1 = plain 1F1B"),
            ("recompute", lay.recompute, "activation recomputation")]


def memory_rows(c) -> list[tuple[str, str, str]]:
    rows = [(f"memory: {_MEMORY_LABEL[k]}", _gib(c.memory[k]), "per GPU") for k in COMPONENTS]
    rows.append(("memory: total (sum)", _gib(c.memory_total),
                 f"of {_gib(c.memory_usable)} usable ({_gib(c.memory_capacity)} capacity)"))
    return rows


def step_rows(c) -> list[tuple[str, str, str]]:
    rows = [(f"step: {_PART_LABEL[k]}", f"{c.step_parts[k]:.3f} s", f"{c.step_parts[k] / c.step_time:.1%}")
            for k in PARTS]
    rows.append(("step time", f"{c.step_time:.3f} s", f"{c.steps} steps"))
    return rows


def cost_rows(c) -> list[tuple[str, str, str]]:
    rows = shape_rows(c) + layout_rows(c) + memory_rows(c) + step_rows(c)
    rows += [
        ("throughput", f"{format_si(c.tokens_per_second)} tokens/s", f"{format_si(c.tokens_per_second / c.gpus)} per GPU"),
        ("MFU (model FLOPs)", f"{c.mfu:.1%}", f"6N + attention per token = {format_number(c.model_flops_per_token)} FLOP, "
                                              f"dense {c.precision} peak {format_number(c.peak_flops_per_gpu / 1e12)} TFLOP/s"),
        ("HFU (hardware FLOPs)", f"{c.hfu:.1%}", f"model FLOPs + recompute ({c.layout.recompute}) = "
                                                 f"{format_number(c.hardware_flops_per_token)} FLOP per token"),
        ("training compute (model FLOPs)", f"{format_number(c.model_flops)} FLOP", "model FLOPs per token x D"),
        ("GPU-hours", format_si(c.gpu_hours), f"steady state {format_si(c.steady_gpu_hours)} / goodput {c.goodput:.2f}"),
        ("wall-clock", format_duration_hours(c.wall_clock_days * 24.0), f"on {c.gpus} GPUs, incl. goodput"),
    ]
    for t in c.dollars:
        mark = " (chosen)" if t.tier == c.price_tier else ""
        value = "-" if t.usd is None else format_money(t.usd)
        rate = "no price" if t.usd_per_hour is None else f"${t.usd_per_hour:.2f}/GPU-h as of {t.as_of}"
        rows.append((f"cost {t.tier}{mark}", value, rate))
    energy = "-" if c.energy_kwh is None else f"{format_si(c.energy_kwh)} kWh"
    power = "power not published" if c.average_power_w is None else f"{c.average_power_w:.0f} W avg per GPU, PUE {c.pue:.2f}"
    rows.append(("energy", energy, power))
    rows += [("assumption", "", a) for a in c.assumptions]
    return rows
