"""``scaleplan optimal``: the full plan for a budget (FLOPs, dollars, GPU-hours or GPUs x days)."""

from __future__ import annotations

from typing import Optional

import typer

from ..errors import InputError
from ..units import parse_duration_hours, parse_money, parse_quantity, positive
from .common import FORMAT_HELP, emit, quantity, resolve_format


def _whole(value: float | None, flag: str) -> int | None:
    if value is None:
        return None
    if value != int(value):
        raise InputError(f"{flag}: must be a whole number, got {value:g}")
    return int(value)


def _non_negative(text: str | None, flag: str) -> float | None:
    if text is None:
        return None
    value = parse_quantity(text, flag)
    if value < 0:
        raise InputError(f"{flag}: must be zero or positive, got {text}")
    return value


def optimal(
    flops: Optional[str] = typer.Option(None, "--flops", help="Training compute budget in FLOP (1e23, 3.8e25)."),
    budget_usd: Optional[str] = typer.Option(None, "--budget-usd", help="Dollar budget ($2e6, 2M)."),
    gpu_hours: Optional[str] = typer.Option(None, "--gpu-hours", help="Accelerator-hour budget (5e5)."),
    gpus: Optional[str] = typer.Option(None, "--gpus", help="Cluster size; with --days, a fixed cluster and deadline."),
    days: Optional[str] = typer.Option(None, "--days", help="Deadline (30, 30d, 720h): with --gpus a budget, with --flops a cap."),
    law: Optional[str] = typer.Option(None, "--law", help="Allocation law (default epoch-2024); see 'scaleplan laws list'."),
    law_file: Optional[str] = typer.Option(None, "--law-file", help="A law YAML file (e.g. from 'scaleplan fit')."),
    compare: bool = typer.Option(False, "--compare", help="Also show every shipped law for the same budget, with the spread."),
    hardware: Optional[str] = typer.Option(None, "--hardware", help="Hardware profile name or YAML path (default h100-sxm)."),
    price: str = typer.Option("on-demand", "--price", help="Price tier: on-demand, reserved or spot."),
    price_per_hour: Optional[str] = typer.Option(None, "--price-per-hour", help="Override: USD per GPU-hour."),
    precision: str = typer.Option("bf16", "--precision", help="auto, bf16, fp8 or fp4."),
    seq_len: Optional[str] = typer.Option(None, "--seq-len", help="Training sequence length (default 4096)."),
    unique_tokens: Optional[str] = typer.Option(None, "--unique-tokens", help="Unique tokens available (data-constrained plan)."),
    inference_tokens: Optional[str] = typer.Option(None, "--inference-tokens", help="Lifetime inference tokens (inference-aware plan)."),
    moe: bool = typer.Option(False, "--moe", help="Plan a mixture of experts (with --experts and --active)."),
    experts: Optional[str] = typer.Option(None, "--experts", help="MoE: experts per layer."),
    active: Optional[str] = typer.Option(None, "--active", help="MoE: experts active per token."),
    hparam_law: Optional[str] = typer.Option(None, "--hparam-law", help="LR/batch law (default step-law-2025)."),
    goodput: Optional[float] = typer.Option(None, "--goodput", help="Fraction of GPU time that trains (default in configs/perf)."),
    no_cost: bool = typer.Option(False, "--no-cost", help="Laws only: skip hardware, layout and cost."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (same as --format json)."),
    yaml_out: bool = typer.Option(False, "--yaml", help="Print YAML (same as --format yaml)."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """The compute-optimal plan: N, D, shape, hyperparameters, precision, layout, cost, and the spread across laws."""
    from ..planner import optimal as plan_optimal
    from ..report.plan_view import print_plan, to_markdown

    out = resolve_format(json_out, yaml_out, fmt)
    if (experts is not None or active is not None) and not moe:
        raise InputError("--experts and --active need --moe")
    if moe and (experts is None or active is None):
        raise InputError("--moe needs --experts and --active")
    plan = plan_optimal(
        quantity(flops, "--flops"), law, law_file=law_file, compare=compare,
        budget_usd=positive(parse_money(budget_usd, "--budget-usd"), "--budget-usd") if budget_usd is not None else None,
        gpu_hours=quantity(gpu_hours, "--gpu-hours"), gpus=_whole(quantity(gpus, "--gpus"), "--gpus"),
        days=positive(parse_duration_hours(days, "--days"), "--days") / 24.0 if days is not None else None,
        hardware=None if no_cost else hardware, price=price,
        price_per_hour=quantity(price_per_hour, "--price-per-hour"), precision=precision,
        seq_len=_whole(quantity(seq_len, "--seq-len"), "--seq-len"),
        unique_tokens=quantity(unique_tokens, "--unique-tokens"),
        inference_tokens=_non_negative(inference_tokens, "--inference-tokens"),
        moe_experts=_whole(quantity(experts, "--experts"), "--experts"),
        moe_active=_whole(quantity(active, "--active"), "--active"),
        hparam_law=hparam_law, goodput=goodput, cost=not no_cost,
    )
    emit(plan.to_dict, out, lambda con: print_plan(plan, con), lambda: to_markdown(plan))


def register(app: typer.Typer) -> None:
    app.command("optimal")(optimal)
