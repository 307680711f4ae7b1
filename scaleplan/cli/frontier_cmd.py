"""``scaleplan frontier``: the compute-optimal (N, D, loss) across log-spaced budgets; optional PNG plot."""

from __future__ import annotations

from typing import Optional

import typer

from ..errors import InputError
from .common import FORMAT_HELP, emit, resolve_format

MAX_POINTS = 100_000  # the CLI prints every point; the library call has no limit
MAX_COSTED_POINTS = 200  # with --hardware each point runs the cost model


def parse_range(text: str) -> tuple[float, float]:
    """``1e20:1e26`` -> (1e20, 1e26); a single quantity is a one-point range."""
    from ..units import parse_quantity, positive

    parts = text.split(":")
    if len(parts) > 2 or any(not p.strip() for p in parts):
        raise InputError(f"--flops: expected LOW:HIGH (e.g. 1e20:1e26) or one budget, got '{text}'")
    low = positive(parse_quantity(parts[0], "--flops"), "--flops")
    high = positive(parse_quantity(parts[-1], "--flops"), "--flops")
    return low, high


def frontier_cmd(
    flops: str = typer.Option(..., "--flops", help="Budget range LOW:HIGH in FLOP (1e20:1e26), or one budget."),
    points: int = typer.Option(13, "--points", help="Number of log-spaced budgets (ends included)."),
    law: Optional[str] = typer.Option(None, "--law", help="Allocation law (default epoch-2024); see 'scaleplan laws list'."),
    law_file: Optional[str] = typer.Option(None, "--law-file", help="A law YAML file."),
    hardware: Optional[str] = typer.Option(None, "--hardware", help="Also cost each point on this profile (GPUs, GPU-hours, days, $)."),
    price: str = typer.Option("on-demand", "--price", help="Price tier for the $ column: on-demand, reserved or spot."),
    plot_path: Optional[str] = typer.Option(None, "--plot", help="Also write a PNG plot here (needs the 'plot' extra)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (same as --format json)."),
    yaml_out: bool = typer.Option(False, "--yaml", help="Print YAML (same as --format yaml)."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Compute-optimal N, D, D/N and loss across a range of budgets."""
    from .. import frontier as fr
    from ..report import to_markdown_table
    from ..units import format_flops, format_money, format_number, format_si

    out = resolve_format(json_out, yaml_out, fmt)
    if law is not None and law_file is not None:
        raise InputError("give either --law or --law-file, not both")
    low, high = parse_range(flops)
    if points > MAX_POINTS:
        raise InputError(f"--points: at most {MAX_POINTS:,} on the command line (use the library for more), got {points}")
    if ":" not in flops and points != 1:
        points = 1
    extra = None
    if hardware is not None:
        from ..planner import frontier_cost_columns

        if points > MAX_COSTED_POINTS:
            raise InputError(f"--points: at most {MAX_COSTED_POINTS} with --hardware (each point runs the cost model), got {points}")
        extra = frontier_cost_columns(law, hardware, price, law_file=law_file)
    result = fr.frontier(fr.budgets(low, high, points), law, law_file=law_file, extra_columns=extra)
    if plot_path:
        fr.plot(result, plot_path)
    cols = result.columns()
    names = [k for k in cols if k != "flops_per_token"]
    headers = tuple({"flops": "C (FLOP)", "params": f"N ({result.params_kind})", "tokens": "D (tokens)",
                     "tokens_per_param": "D/N", "loss": "loss", "gpus": "GPUs", "gpu_hours": "GPU-hours",
                     "days": "days", "usd": f"$ ({price})"}.get(k, k) for k in names)

    def cell(key: str, value: float) -> str:
        if key == "flops":
            return format_flops(value).replace(" FLOP", "")
        if key == "loss":
            return f"{value:.4f}"
        if key in ("tokens_per_param", "days"):
            return format_number(value)
        if key == "gpus":
            return str(int(value))
        if key == "usd":
            return format_money(value)
        return format_si(value) if key in ("params", "tokens", "gpu_hours") else format_number(value)

    def rows():
        for i in range(len(result)):
            yield tuple(cell(k, float(cols[k][i])) for k in names)

    def table(con):
        from rich.table import Table

        t = Table(title=f"Compute-optimal frontier: {result.law} ({result.compute_convention})", title_justify="left")
        for h in headers:
            t.add_column(h, justify="right")
        for r in rows():
            t.add_row(*r)
        con.print(t)
        for w in result.warnings:
            con.print(f"warning: {w}")
        if plot_path:
            con.print(f"plot written to {plot_path}")

    def markdown() -> str:
        text = f"# Compute-optimal frontier: {result.law}\n\n" + to_markdown_table(headers, rows())
        return text + "".join(f"\n- warning: {w}" for w in result.warnings) + ("\n" if result.warnings else "")

    emit(result.to_dict, out, table, markdown)


def register(app: typer.Typer) -> None:
    app.command("frontier")(frontier_cmd)
