"""``scaleplan hparams``: peak LR, batch, weight decay, schedule and Adam betas for N parameters on D tokens."""

from __future__ import annotations

from typing import Optional

import typer

from ..errors import InputError
from .common import FORMAT_HELP, emit, quantity, resolve_format


def hparams(
    n: Optional[str] = typer.Option(None, "--N", help="Total parameters N (7e9, 7B); converted to non-embedding "
                                                       "through the model shape where a law needs it."),
    d: Optional[str] = typer.Option(None, "--D", help="Training tokens D (2e12, 2T)."),
    non_embedding_n: Optional[str] = typer.Option(None, "--non-embedding-N",
                                                  help="Non-embedding parameters (Kaplan / Step Law N); alone, or "
                                                       "with --N to give both counts exactly."),
    seq_len: str = typer.Option("4096", "--seq-len", help="Sequence length in tokens (batch in sequences; DeepSeek's M)."),
    law: Optional[str] = typer.Option(None, "--law", help="LR/batch law (default step-law-2025): step-law-2025, "
                                                          "deepseek-2024, porian-2024, kaplan-2020, minicpm-2024."),
    batch_tokens: Optional[str] = typer.Option(None, "--batch-tokens", help="Fix the global batch in tokens (4M); "
                                                                            "the LR is rescaled (sqrt rule for Adam)."),
    optimizer: str = typer.Option("adam", "--optimizer", help="adam (LR ~ sqrt(B)) or sgd (LR ~ B) for --batch-tokens."),
    loss_law: Optional[str] = typer.Option(None, "--loss-law", help="Allocation law giving L(N, D) for the loss-based "
                                                                    "batch laws (default epoch-2024)."),
    compare: bool = typer.Option(False, "--compare", help="Also show every LR/batch law side by side, with the spread."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (same as --format json)."),
    yaml_out: bool = typer.Option(False, "--yaml", help="Print YAML (same as --format yaml)."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Hyperparameters from the fitted laws: each row with its law, units and citation."""
    from ..laws import hparams as hp
    from ..units import parse_quantity

    out = resolve_format(json_out, yaml_out, fmt)
    total = quantity(n, "--N")
    tokens = quantity(d, "--D", required=True)
    ne = quantity(non_embedding_n, "--non-embedding-N")
    if total is None and ne is None:
        raise InputError("--N (total parameters) or --non-embedding-N is required")
    seq = parse_quantity(seq_len, "--seq-len")
    batch = None if batch_tokens is None else parse_quantity(batch_tokens, "--batch-tokens")
    optimizer = optimizer.lower()
    if total is None:
        params, kind, extra = ne, "non_embedding", None
    else:
        params, kind, extra = total, "total", ne
    rec = hp.recommend(params, tokens, params_kind=kind, seq_len=seq, law=law, batch_tokens=batch,
                       loss_law=loss_law, non_embedding_params=extra, optimizer=optimizer)
    cmp = hp.compare(params, tokens, params_kind=kind, seq_len=seq, loss_law=loss_law,
                     non_embedding_params=extra) if compare else None

    def data() -> dict:
        doc = {"schema_version": 1, "hyperparameters": rec.to_dict()}
        if cmp is not None:
            doc["comparison"] = cmp.to_dict()
        doc["warnings"] = list(rec.warnings)
        return doc

    emit(data, out, lambda con: _print(rec, cmp, con), lambda: _markdown(rec, cmp))


def _title(rec) -> str:
    from ..units import format_si

    x = rec.inputs
    return f"Hyperparameters for N = {format_si(x.params_total)} (total) on D = {format_si(x.tokens)} tokens"


def _print(rec, cmp, console) -> None:
    from rich.table import Table

    table = Table(title=_title(rec), title_justify="left")
    table.add_column("quantity")
    table.add_column("value", justify="right")
    table.add_column("note / law / source", overflow="fold")
    for row in rec.rows():
        table.add_row(*row)
    console.print(table)
    if cmp is not None:
        t = Table(title=cmp.title, title_justify="left")
        for header in cmp.HEADERS:
            t.add_column(header, justify="right" if header in ("peak LR", "batch (tokens)", "batch (sequences)") else "left",
                         overflow="fold")
        for row in cmp.table_rows():
            t.add_row(*row)
        console.print(t)
        console.print(cmp.spread_line())
    for note in rec.notes:
        console.print(f"note: {note}", highlight=False)
    for warning in rec.warnings:
        console.print(f"[yellow]warning:[/yellow] {warning}", highlight=False)


def _markdown(rec, cmp) -> str:
    from ..report import to_markdown_table

    parts = [f"# {_title(rec)}\n\n", to_markdown_table(("quantity", "value", "note / law / source"), rec.rows())]
    if cmp is not None:
        parts.append(f"\n## {cmp.title}\n\n" + to_markdown_table(cmp.HEADERS, cmp.table_rows()))
        parts.append("\n" + cmp.spread_line() + "\n")
    if rec.notes:
        parts.append("\n## Notes\n\n" + "".join(f"- {n}\n" for n in rec.notes))
    if rec.warnings:
        parts.append("\n## Warnings\n\n" + "".join(f"- {w}\n" for w in rec.warnings))
    return "".join(parts)


def register(app: typer.Typer) -> None:
    app.command("hparams")(hparams)
