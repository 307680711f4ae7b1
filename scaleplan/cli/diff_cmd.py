"""``scaleplan diff A B``: two plans or specs -> the changed inputs and the deltas in N, D, cost, days, loss."""

from __future__ import annotations

from typing import Optional

import typer

from .common import console, price_tier, report_format, write


def diff(
    a: str = typer.Argument(..., help="The old plan or spec."),
    b: str = typer.Argument(..., help="The new plan or spec."),
    price: Optional[str] = typer.Option(None, "--price", help="Price tier for dollars (default: the plans')."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (same as --format json)."),
    fmt: str = typer.Option("human", "--format", "-f", help="Output format: human, json or markdown."),
) -> None:
    """What changed between two plans (or specs), in parameters, tokens, dollars, days and loss. Exit 0."""
    from ..planfile import load_source
    from ..report.check_view import DIFF_FORMATS, diff_json, diff_markdown, print_diff
    from ..spec.diff import diff_documents

    chosen = report_format(json_out, fmt, DIFF_FORMATS)
    tier = price_tier(price)
    old, new = load_source(a), load_source(b)
    result = diff_documents(old.document, new.document, a_name=a, b_name=b, tier=tier)
    if chosen == "json":
        write(diff_json(result))
    elif chosen == "markdown":
        write(diff_markdown(result))
    else:
        print_diff(result, console())


def register(app: typer.Typer) -> None:
    app.command("diff")(diff)
