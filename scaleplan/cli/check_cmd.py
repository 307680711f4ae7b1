"""``scaleplan check SPEC_OR_PLAN [--max-usd ...] --format human|json|markdown|github``.

Exit 0 when every limit passes, 1 when any is violated, 2 on bad input.
"""

from __future__ import annotations

from typing import Optional

import typer

from ..errors import CheckFailed
from .common import console, price_tier, report_format, write

FORMAT_HELP = "Output format: human, json, markdown or github (workflow annotations)."


def _opt(name: str, help: str):
    return typer.Option(None, "--" + name.replace("_", "-"), help=help)


def check(
    path: str = typer.Argument(..., help="A spec file (planned now) or a plan file written by 'scaleplan plan'."),
    max_usd: Optional[str] = _opt("max_usd", "Most dollars at the price tier ($2e6, 2M)."),
    max_gpu_hours: Optional[str] = _opt("max_gpu_hours", "Most GPU-hours (6e5)."),
    max_days: Optional[str] = _opt("max_days", "Longest wall-clock time (45, 45d, 1080h)."),
    max_energy_kwh: Optional[str] = _opt("max_energy_kwh", "Most energy in kWh."),
    max_loss: Optional[str] = _opt("max_loss", "Highest predicted loss."),
    min_tokens_per_param: Optional[str] = _opt("min_tokens_per_param", "Fewest tokens per parameter."),
    max_tokens_per_param: Optional[str] = _opt("max_tokens_per_param", "Most tokens per parameter."),
    max_memory_fraction: Optional[str] = _opt("max_memory_fraction", "Largest fraction of accelerator memory (0-1]."),
    max_params: Optional[str] = _opt("max_params", "Largest model size N (70B)."),
    min_tokens: Optional[str] = _opt("min_tokens", "Fewest training tokens D (2T)."),
    price: Optional[str] = typer.Option(None, "--price", help="Price tier for --max-usd: on-demand, reserved or spot (default: the plan's)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (same as --format json)."),
    fmt: str = typer.Option("human", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Check a spec or plan against budget limits from its budget: section and from flags (flags win)."""
    from ..checks import evaluate
    from ..planfile import load_source
    from ..report.check_view import CHECK_FORMATS, check_github, check_json, check_markdown, print_check
    from ..spec.limits import LIMITS_BY_NAME, parse_limit

    chosen = report_format(json_out, fmt, CHECK_FORMATS)
    tier = price_tier(price)
    given = {"max_usd": max_usd, "max_gpu_hours": max_gpu_hours, "max_days": max_days,
             "max_energy_kwh": max_energy_kwh, "max_loss": max_loss, "min_tokens_per_param": min_tokens_per_param,
             "max_tokens_per_param": max_tokens_per_param, "max_memory_fraction": max_memory_fraction,
             "max_params": max_params, "min_tokens": min_tokens}
    flags = {name: parse_limit(LIMITS_BY_NAME[name], text, LIMITS_BY_NAME[name].flag)
             for name, text in given.items() if text is not None}

    source = load_source(path)
    report = evaluate(source.document, source.budget, flags, source=source.path, source_kind=source.kind,
                      name=source.name, tier=tier)
    if chosen == "json":
        write(check_json(report))
    elif chosen == "markdown":
        write(check_markdown(report))
    elif chosen == "github":
        write(check_github(report))
    else:
        print_check(report, console())
    if not report.passed:
        names = ", ".join(r.limit.name for r in report.failed)
        raise CheckFailed(f"{path}: {len(report.failed)} of {len(report.results)} budget limits violated: {names}")


def register(app: typer.Typer) -> None:
    app.command("check")(check)
