"""``scaleplan validate``: run every built-in reference check; exit 1 if any fails."""

from __future__ import annotations

import typer

from ..errors import CheckFailed
from .common import FORMAT_HELP, emit, resolve_format

HEADERS = ("group", "case", "quantity", "expected", "got", "error", "tolerance", "result")
NOTE = "note"  # extra column, shown only when a failing case is a documented known miss


def validate(
    only: str = typer.Option("", "--only", help="Run only cases whose group or case contains this text."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    yaml_out: bool = typer.Option(False, "--yaml", help="Print YAML."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Check scaleplan against published tables (laws, hyperparameters, cost model)."""
    from ..report import to_markdown_table
    from ..units import format_number
    from ..validation import run_all

    out = resolve_format(json_out, yaml_out, fmt)
    results = [r for r in run_all() if only in r.group or only in r.case]
    failed = [r for r in results if not r.passed]
    known = sum(bool(r.note) for r in failed)
    headers = HEADERS + (NOTE,) if known else HEADERS

    def rows():
        for r in results:
            verdict = "pass" if r.passed else "FAIL"
            if r.must_differ:
                verdict += " (must differ)"
            is_known = not r.passed and bool(r.note)
            if is_known:
                verdict += " (known miss)"
            row = (r.group, r.case, r.quantity, format_number(r.expected, 4), format_number(r.got, 4),
                   f"{r.error:+.2%}", f"{r.tolerance:.2%}" if r.tolerance >= 1e-4 else f"{r.tolerance:.0e}", verdict)
            yield row + ((r.note if is_known else "",) if known else ())

    def table(con):
        from rich.table import Table

        t = Table(title="Reference checks", title_justify="left")
        for h in headers:
            t.add_column(h, justify="right" if h in ("expected", "got", "error", "tolerance") else "left")
        for r in rows():
            t.add_row(*r)
        con.print(t)
        con.print(f"{len(results) - len(failed)} passed, {len(failed)} failed"
                  + (f" ({known} documented known misses)" if known else ""))

    emit(lambda: {"passed": len(results) - len(failed), "failed": len(failed),
                  "known_misses": known,
                  "cases": [r.to_dict() for r in results]},
         out, table, lambda: to_markdown_table(headers, rows()))
    if failed:
        raise CheckFailed(f"{len(failed)} of {len(results)} reference checks failed")


def register(app: typer.Typer) -> None:
    app.command("validate")(validate)
