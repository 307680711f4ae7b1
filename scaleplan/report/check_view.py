"""Views of a :class:`~scaleplan.checks.CheckReport` and a :class:`~scaleplan.spec.diff.PlanDiff`:
human (rich), JSON, Markdown and GitHub workflow annotations. Rendering only."""

from __future__ import annotations

from typing import Any

from ..checks import CheckReport
from ..units import format_flops, format_money, format_number, format_si
from .serialize import to_json, to_markdown_table

CHECK_FORMATS = ("human", "json", "markdown", "github")
DIFF_FORMATS = ("human", "json", "markdown")
CHECK_HEADERS = ("limit", "value", "threshold", "margin", "result")
DIFF_HEADERS = ("quantity", "a", "b", "delta", "ratio")


def fmt_value(value: float | None, unit: str) -> str:
    if value is None:
        return "-"
    if unit == "USD":
        return format_money(value)
    if unit in ("GPU-h", "kWh"):
        return f"{format_si(value)} {unit}"
    if unit == "days":
        return f"{format_number(value)} days"
    if unit == "FLOP":
        return format_flops(value)
    if unit in ("params", "tokens"):
        return format_si(value)
    if unit == "loss":
        return f"{value:.4f}"
    if unit == "fraction":
        return f"{value:.3f}"
    return format_number(value)


def _signed(value: float, unit: str) -> str:
    text = fmt_value(abs(value), unit)
    return ("-" if value < 0 else "+") + text


def check_rows(report: CheckReport) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for r in report.results:
        op = "<=" if r.limit.kind == "max" else ">="
        rows.append((
            f"{r.limit.name} ({r.path})",
            fmt_value(r.value, r.limit.unit),
            f"{op} {fmt_value(r.threshold, r.limit.unit)}" + (" [flag]" if r.origin == "flag" else ""),
            f"{_signed(r.margin, r.limit.unit)} ({r.margin_fraction:+.1%})",
            "pass" if r.passed else "FAIL",
        ))
    return rows


def summary_line(report: CheckReport) -> str:
    total, failed = len(report.results), len(report.failed)
    if not failed:
        return f"{report.source}: " + ("the limit passes" if total == 1 else f"all {total} limits pass")
    names = ", ".join(r.limit.name for r in report.failed)
    return f"{report.source}: {failed} of {total} limits violated ({names})"


def check_json(report: CheckReport) -> str:
    return to_json(report.to_dict())


def check_markdown(report: CheckReport) -> str:
    mark = "✅ pass" if report.passed else "❌ FAIL"
    title = f"### scaleplan check: `{report.source}`" + (f" ({report.name})" if report.name else "")
    plan = report.to_dict()["plan"]
    facts = (f"N = {format_si(plan['params'])}, D = {format_si(plan['tokens'])}, law {plan['law']}, "
             f"price tier {report.tier}")
    return (f"{title} — {mark}\n\n{facts}\n\n" + to_markdown_table(CHECK_HEADERS, check_rows(report))
            + f"\n{summary_line(report)}\n")


def _escape_data(text: str) -> str:
    return text.replace("%", "%25").replace("\r", "%0D").replace("\n", "%0A")


def _escape_property(text: str) -> str:
    return _escape_data(text).replace(":", "%3A").replace(",", "%2C")


def check_github(report: CheckReport) -> str:
    """One log line per limit, an ``::error`` annotation per violated limit, a ``::notice`` when all pass."""
    lines = []
    file_prop = _escape_property(report.source)
    for r, row in zip(report.results, check_rows(report)):
        text = f"{row[0]}: {row[1]} {row[2]}, margin {row[3]}"
        if r.passed:
            lines.append(f"pass {text}")
        else:
            title = _escape_property(f"scaleplan: {r.limit.name} violated")
            lines.append(f"::error file={file_prop},title={title}::{_escape_data(text)}")
    if report.passed:
        lines.append(f"::notice file={file_prop},title=scaleplan check::{_escape_data(summary_line(report))}")
    else:
        lines.append(summary_line(report))
    return "\n".join(lines) + "\n"


def print_check(report: CheckReport, console: Any) -> None:
    from rich.table import Table

    title = f"Budget check: {report.source}" + (f" ({report.name})" if report.name else "")
    table = Table(title=title, title_justify="left")
    for header in CHECK_HEADERS:
        table.add_column(header, justify="left" if header in ("limit", "result") else "right")
    for row in check_rows(report):
        style = "green" if row[-1] == "pass" else "bold red"
        table.add_row(*row[:-1], f"[{style}]{row[-1]}[/{style}]")
    console.print(table)
    console.print(summary_line(report), highlight=False)


# --- diff ---------------------------------------------------------------------------------------------

def _value_text(value: Any) -> str:
    if value is None:
        return "(unset)"
    if isinstance(value, float):
        return format_number(value, 4)
    return str(value)


def diff_rows(diff) -> list[tuple[str, str, str, str, str]]:
    rows = []
    for d in diff.deltas:
        delta = "-" if d["delta"] is None else _signed(d["delta"], d["unit"])
        ratio = "-" if d["ratio"] is None else f"{d['ratio']:.3f}x"
        rows.append((d["label"], fmt_value(d["a"], d["unit"]), fmt_value(d["b"], d["unit"]), delta, ratio))
    return rows


def changed_rows(diff) -> list[tuple[str, str, str]]:
    return [(key, _value_text(a), _value_text(b)) for key, a, b in diff.changed]


def diff_json(diff) -> str:
    return to_json(diff.to_dict())


def diff_markdown(diff) -> str:
    parts = [f"### scaleplan diff: `{diff.a}` → `{diff.b}`\n\n"]
    if diff.changed:
        parts.append("Changed inputs:\n\n" + to_markdown_table(("key", "a", "b"), changed_rows(diff)) + "\n")
    else:
        parts.append("No inputs changed.\n\n")
    parts.append(to_markdown_table(DIFF_HEADERS, diff_rows(diff)))
    return "".join(parts)


def print_diff(diff, console: Any) -> None:
    from rich.table import Table

    if diff.changed:
        table = Table(title="Changed inputs", title_justify="left")
        for header in ("key", "a", "b"):
            table.add_column(header)
        for row in changed_rows(diff):
            table.add_row(*row)
        console.print(table)
    else:
        console.print("No inputs changed.")
    table = Table(title=f"{diff.a} -> {diff.b}", title_justify="left")
    for header in DIFF_HEADERS:
        table.add_column(header, justify="left" if header == "quantity" else "right")
    for row in diff_rows(diff):
        table.add_row(*row)
    console.print(table)
