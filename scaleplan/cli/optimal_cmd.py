"""``scaleplan optimal``: the compute-optimal plan for a budget."""

from __future__ import annotations

from typing import Optional

import typer

from .common import FORMAT_HELP, emit, quantity, resolve_format


def optimal(
    flops: Optional[str] = typer.Option(None, "--flops", help="Training compute budget in FLOP (1e23, 3.8e25)."),
    law: Optional[str] = typer.Option(None, "--law", help="Allocation law (default epoch-2024); see 'scaleplan laws list'."),
    law_file: Optional[str] = typer.Option(None, "--law-file", help="A law YAML file (e.g. from 'scaleplan fit')."),
    compare: bool = typer.Option(False, "--compare", help="Also show every shipped law for the same budget, with the spread."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (same as --format json)."),
    yaml_out: bool = typer.Option(False, "--yaml", help="Print YAML (same as --format yaml)."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Compute-optimal model size N and tokens D for a budget, under a published law."""
    from ..planner import optimal as plan_optimal
    from ..report.plan_view import print_plan, to_markdown

    out = resolve_format(json_out, yaml_out, fmt)
    budget = quantity(flops, "--flops", required=True)
    plan = plan_optimal(budget, law, law_file=law_file, compare=compare)
    emit(plan.to_dict, out, lambda con: print_plan(plan, con), lambda: to_markdown(plan))


def register(app: typer.Typer) -> None:
    app.command("optimal")(optimal)
