"""Views of a Plan: rows for the human table and Markdown. Rendering only; no maths."""

from __future__ import annotations

from ..laws.allocation import Allocation
from ..plan import Comparison, Plan
from ..units import format_flops, format_number, format_si
from .serialize import to_markdown_table

_KIND_LABEL = {"total": "total", "non_embedding": "non-embedding"}


def allocation_rows(plan: Plan) -> list[tuple[str, str, str]]:
    a = plan.allocation
    kind = _KIND_LABEL.get(a.params_kind, a.params_kind)
    rows = [
        ("compute budget", format_flops(a.compute_flops), f"convention: {a.compute_convention}"),
        ("parameters N", format_si(a.params), f"{kind} parameters"),
        ("training tokens D", format_si(a.tokens), "tokens"),
        ("tokens per parameter", format_number(a.tokens_per_param), "D / N"),
    ]
    if a.flops_per_token is not None:
        rows.append(("FLOPs per token M", format_si(a.flops_per_token), "non-embedding, attention included"))
    if a.loss is not None:
        rows.append(("predicted loss", f"{a.loss:.4f}", plan.law.name + " (its own data and tokenizer)"))
    else:
        rows.append(("predicted loss", "-", "this law predicts N and D only"))
    rows.append(("law", plan.law.name, plan.law.citation))
    rows.append(("verification", plan.law.verification, ""))
    rows.extend(("note", note, "") for note in a.notes)
    return rows


def comparison_rows(comparison: Comparison, chosen: str) -> list[tuple[str, ...]]:
    out = []
    for row in comparison.rows:
        out.append((
            ("* " if row.law == chosen else "") + row.law,
            format_si(row.params),
            _KIND_LABEL.get(row.params_kind, row.params_kind),
            format_si(row.tokens),
            format_number(row.tokens_per_param),
            "-" if row.loss is None else f"{row.loss:.4f}",
            "yes" if row.warnings else "",
        ))
    return out


COMPARISON_HEADERS = ("law", "N", "N kind", "D (tokens)", "D/N", "loss", "extrapolated")


def spread_line(comparison: Comparison) -> str:
    text = (f"spread across laws: N {comparison.params_spread:.2f}x (max/min), "
            f"D {comparison.tokens_spread:.2f}x")
    if comparison.loss_range:
        low, high = comparison.loss_range
        text += f", loss {low:.3f}-{high:.3f} (each on its own data)"
    return text


def to_markdown(plan: Plan) -> str:
    parts = [f"# scaleplan: compute-optimal plan for {format_flops(plan.allocation.compute_flops)}\n"]
    parts.append(to_markdown_table(("quantity", "value", "note"), allocation_rows(plan)))
    for section in plan.sections:
        parts.append(f"\n## {section.title}\n\n" + to_markdown_table(("quantity", "value", "note"), section.rows()))
    if plan.comparison is not None:
        parts.append("\n## All laws\n\n" + to_markdown_table(COMPARISON_HEADERS,
                                                           comparison_rows(plan.comparison, plan.law.name)))
        parts.append("\n" + spread_line(plan.comparison) + "\n")
    if plan.warnings:
        parts.append("\n## Warnings\n\n" + "".join(f"- {w}\n" for w in plan.warnings))
    return "".join(parts)


def print_plan(plan: Plan, console) -> None:
    from rich.table import Table

    title = f"Compute-optimal plan for {format_flops(plan.allocation.compute_flops)}"
    console.print(quantity_table(title, allocation_rows(plan)))
    for section in plan.sections:
        console.print(quantity_table(section.title, section.rows()))
    if plan.comparison is not None:
        table = Table(title="All shipped laws, same budget", title_justify="left")
        for header in COMPARISON_HEADERS:
            table.add_column(header, justify="left" if header in ("law", "N kind", "extrapolated") else "right")
        for row in comparison_rows(plan.comparison, plan.law.name):
            table.add_row(*row)
        console.print(table)
        console.print(spread_line(plan.comparison))
    for warning in plan.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


def quantity_table(title: str, rows: list[tuple[str, str, str]]):
    """A rich table of (quantity, value, note) rows: every plan section and `scaleplan cost` print these."""
    from rich.table import Table

    table = Table(title=title, title_justify="left")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("note", overflow="fold")
    for row in rows:
        table.add_row(*row)
    return table


def allocation_summary(allocation: Allocation) -> str:
    return f"N = {format_si(allocation.params)}, D = {format_si(allocation.tokens)}"
