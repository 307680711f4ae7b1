"""``scaleplan cost``: what training N parameters on D tokens costs on a hardware profile."""

from __future__ import annotations

from typing import Optional

import typer

from ..errors import InputError
from .common import FORMAT_HELP, emit, quantity, resolve_format


def _whole(value: Optional[float], flag: str) -> Optional[int]:
    if value is None:
        return None
    if value != int(value) or value <= 0:
        raise InputError(f"{flag}: must be a positive whole number, got {value:g}")
    return int(value)


def _shape(n_params: float, seq_len: Optional[int], layers, d_model, heads, kv_heads, ffn_hidden, vocab):
    from ..model.shape import explicit_shape, shape_for_params
    from ..perf.settings import load_defaults
    from ..units import format_si

    if layers or d_model or heads:
        if not (layers and d_model and heads):
            raise InputError("--layers, --d-model and --heads go together")
        return explicit_shape(layers, d_model, heads, n_kv_heads=kv_heads, ffn_hidden=ffn_hidden,
                              vocab_size=vocab, seq_len=seq_len)
    limits = load_defaults()
    if not limits.min_params <= n_params <= limits.max_params:
        raise InputError(f"--N: {format_si(n_params)} parameters is outside the supported range "
                         f"[{format_si(limits.min_params)}, {format_si(limits.max_params)}]")
    shape = shape_for_params(n_params, vocab_size=vocab, seq_len=seq_len)
    if abs(shape.total_params / n_params - 1) > 0.25:
        raise InputError(f"--N: no shape under the rules in configs/model/shape.yaml comes near {format_si(n_params)} "
                         f"parameters (closest {format_si(shape.total_params)}); give --layers/--d-model/--heads")
    return shape


def cost(
    n_params: Optional[str] = typer.Option(None, "--N", help="Parameters (total): 7e9, 70B. Or give --layers/--d-model/--heads."),
    tokens: Optional[str] = typer.Option(None, "--D", help="Training tokens: 2e12, 15.6T."),
    hardware: str = typer.Option("h100-sxm", "--hardware", help="Profile name (see 'scaleplan hardware list') or a profile YAML file."),
    gpus: Optional[str] = typer.Option(None, "--gpus", help="Accelerator count (a multiple of the node size); default: chosen (see docs/cost-model.md)."),
    seq_len: Optional[str] = typer.Option(None, "--seq-len", help="Sequence length in tokens (default from configs/model/shape.yaml)."),
    batch_tokens: Optional[str] = typer.Option(None, "--batch-tokens", help="Global batch in tokens (default: the hyperparameter law's batch for N and D)."),
    hparam_law: Optional[str] = typer.Option(None, "--hparam-law", help="Law for the default batch (default step-law-2025)."),
    precision: str = typer.Option("bf16", "--precision", help="bf16, fp8 or fp4 (changes the dense peak and bytes)."),
    price: str = typer.Option("on-demand", "--price", help="Price tier: on-demand, reserved or spot."),
    price_per_hour: Optional[str] = typer.Option(None, "--price-per-hour", help="Override the tier's $ per accelerator-hour."),
    goodput: Optional[float] = typer.Option(None, "--goodput", help="Productive fraction of wall-clock (default 0.90)."),
    pue: Optional[float] = typer.Option(None, "--pue", help="Data-centre PUE for energy (default 1.10)."),
    tp: Optional[int] = typer.Option(None, "--tp", help="Fix tensor parallelism."),
    pp: Optional[int] = typer.Option(None, "--pp", help="Fix pipeline stages."),
    micro_batch: Optional[int] = typer.Option(None, "--micro-batch", help="Fix the micro-batch (sequences)."),
    recompute: Optional[str] = typer.Option(None, "--recompute", help="Fix recompute: none, selective, full."),
    zero: Optional[int] = typer.Option(None, "--zero", help="Fix the ZeRO stage 0-3 (3 = FSDP)."),
    virtual_stages: Optional[int] = typer.Option(None, "--virtual-stages", help="Fix interleaved virtual stages."),
    layers: Optional[int] = typer.Option(None, "--layers", help="Explicit shape: layers."),
    d_model: Optional[int] = typer.Option(None, "--d-model", help="Explicit shape: d_model."),
    heads: Optional[int] = typer.Option(None, "--heads", help="Explicit shape: attention heads."),
    kv_heads: Optional[int] = typer.Option(None, "--kv-heads", help="Explicit shape: KV heads (GQA)."),
    ffn_hidden: Optional[int] = typer.Option(None, "--ffn-hidden", help="Explicit shape: FFN width."),
    vocab: Optional[int] = typer.Option(None, "--vocab", help="Vocabulary size."),
    total_params: Optional[str] = typer.Option(None, "--total-params", help="MoE: all parameters (memory); --N/the shape is the active network (FLOPs)."),
    expert_parallel: int = typer.Option(1, "--expert-parallel", help="MoE: expert-parallel degree."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (same as --format json)."),
    yaml_out: bool = typer.Option(False, "--yaml", help="Print YAML (same as --format yaml)."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Layout, memory, step time, MFU/HFU, GPU-hours, days, dollars and energy for training N on D tokens."""
    from ..perf import LayoutSpec, estimate_cost
    from ..units import parse_money

    out = resolve_format(json_out, yaml_out, fmt)
    d = quantity(tokens, "--D", required=True)
    has_arch = any(v is not None for v in (layers, d_model, heads))
    n = quantity(n_params, "--N", required=not has_arch)
    seq = _whole(quantity(seq_len, "--seq-len"), "--seq-len")
    for flag, value in (("--tp", tp), ("--pp", pp), ("--micro-batch", micro_batch), ("--virtual-stages", virtual_stages),
                        ("--layers", layers), ("--d-model", d_model), ("--heads", heads), ("--kv-heads", kv_heads),
                        ("--ffn-hidden", ffn_hidden), ("--vocab", vocab)):
        if value is not None and value <= 0:
            raise InputError(f"{flag}: must be a positive whole number, got {value}")
    if gpus is not None:
        from ..units import parse_quantity

        count = parse_quantity(gpus, "--gpus")
        if count <= 0:
            raise InputError(f"--gpus: must be positive, got {gpus}")
        gpu_count = _whole(count, "--gpus")
    else:
        gpu_count = None
    shape = _shape(n or 0.0, seq, layers, d_model, heads, kv_heads, ffn_hidden, vocab)
    spec = LayoutSpec(tp=tp, pp=pp, micro_batch=micro_batch, recompute=recompute, zero=zero,
                      virtual_stages=virtual_stages)
    batch = quantity(batch_tokens, "--batch-tokens")
    batch_note = "given (--batch-tokens)"
    if batch is None:
        # The global batch the run would use: the hyperparameter law's, like `scaleplan optimal` (issue 4 §5).
        from ..laws.hparams import recommend

        advice = recommend(float(shape.total_params), d, shape=shape, seq_len=shape.seq_len, law=hparam_law)
        batch = advice.batch_tokens
        batch_note = f"from {advice.law} for N = {shape.total_params:.3g}, D = {d:.3g} (override with --batch-tokens)"
    result = estimate_cost(
        shape, d, hardware, gpus=gpu_count, global_batch_tokens=batch,
        seq_len=seq, precision=precision, price_tier=price, layout=spec, goodput=goodput,
        total_params=quantity(total_params, "--total-params"), expert_parallel=expert_parallel,
        price_per_hour=None if price_per_hour is None else parse_money(price_per_hour, "--price-per-hour"), pue=pue,
    )
    import dataclasses

    result = dataclasses.replace(result, assumptions=result.assumptions + (f"global batch {batch:.4g} tokens: {batch_note}",))
    inputs = {"N": n, "D": d, "hardware": hardware, "gpus": gpu_count, "precision": precision, "price_tier": price,
              "batch_tokens": batch, "batch_source": batch_note}

    def data() -> dict:
        from ..plan import SCHEMA_VERSION

        return {"schema_version": SCHEMA_VERSION, "inputs": inputs, "cost": result.to_dict()}

    def markdown() -> str:
        from ..report import to_markdown_table

        return f"# scaleplan cost: {result.hardware}\n\n" + to_markdown_table(("quantity", "value", "note"), result.rows())

    def table(con) -> None:
        from ..perf.report import cost_rows, layout_rows, memory_rows, shape_rows, step_rows
        from ..report.plan_view import quantity_table

        groups = [("Model", shape_rows(result)), ("Parallel layout", layout_rows(result)),
                  ("Memory per GPU (components summed)", memory_rows(result)),
                  ("Step time (exposed parts)", step_rows(result))]
        done = sum(len(g[1]) for g in groups)
        groups.append((f"Cost on {result.hardware_title}", cost_rows(result)[done:]))
        for title, rows in groups:
            con.print(quantity_table(title, rows))
        for warning in result.warnings:
            con.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)

    emit(data, out, table, markdown)


def register(app: typer.Typer) -> None:
    app.command("cost")(cost)
