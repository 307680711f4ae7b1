"""Helpers shared by the command modules: output-format flags, quantity options, printing."""

from __future__ import annotations

import sys
from typing import Any, Callable

import typer

from ..errors import InputError
from ..units import parse_quantity, positive

FORMAT_HELP = "Output format: table, json, yaml or markdown."


def format_options() -> dict[str, Any]:
    """The three flags every result-printing command takes (use with ``resolve_format``)."""
    return {
        "json_out": typer.Option(False, "--json", help="Print JSON (same as --format json)."),
        "yaml_out": typer.Option(False, "--yaml", help="Print YAML (same as --format yaml)."),
        "fmt": typer.Option("table", "--format", "-f", help=FORMAT_HELP),
    }


def resolve_format(json_out: bool, yaml_out: bool, fmt: str, allowed: tuple[str, ...] = ("table", "json", "yaml", "markdown")) -> str:
    if json_out and yaml_out:
        raise InputError("--json and --yaml are exclusive")
    flag = "json" if json_out else "yaml" if yaml_out else None
    if flag and fmt.lower() not in ("table", flag):
        raise InputError(f"--{flag} and --format {fmt} contradict each other; give one")
    chosen = flag or fmt.lower()
    if chosen not in allowed:
        raise InputError(f"--format: unknown format '{fmt}' (choose from {', '.join(allowed)})")
    return chosen


def quantity(text: str | None, flag: str, *, required: bool = False) -> float | None:
    """Parse a positive quantity flag (``7B``, ``1e23``); ``None`` stays ``None`` unless required."""
    if text is None:
        if required:
            raise InputError(f"{flag} is required")
        return None
    return positive(parse_quantity(text, flag), flag)


def console():
    from rich.console import Console

    class _Console(Console):
        def on_broken_pipe(self) -> None:  # the reader went away (`| head`): not an error
            raise BrokenPipeError

    # A pipe or a file gets a wide, colourless table instead of rich's 80-column default.
    return _Console(highlight=False, soft_wrap=False, width=None if sys.stdout.isatty() else 140)


def write(text: str) -> None:
    sys.stdout.write(text)
    sys.stdout.flush()


def emit(data_fn: Callable[[], dict], fmt: str, table_fn: Callable[[Any], None], markdown_fn: Callable[[], str]) -> None:
    """Write one result in ``fmt``; the table printer receives a rich console."""
    from ..report import to_json, to_yaml

    if fmt == "json":
        write(to_json(data_fn()))
    elif fmt == "yaml":
        write(to_yaml(data_fn()))
    elif fmt == "markdown":
        write(markdown_fn())
    else:
        table_fn(console())


def print_field_table(con, title: str, rows) -> None:
    """A two-column (field, value) table, as `laws show` and `hardware show` print."""
    from rich.table import Table

    table = Table(title=title, title_justify="left", show_header=False)
    table.add_column("field", style="bold")
    table.add_column("value", overflow="fold")
    for row in rows:
        table.add_row(*row)
    con.print(table)


def report_format(json_out: bool, fmt: str, allowed: tuple[str, ...]) -> str:
    """`check` / `diff` formats: --json or --format, with "table" as a synonym of "human"."""
    if json_out and fmt.lower() not in ("table", "human", "json"):
        raise InputError(f"--json and --format {fmt} contradict each other; give one")
    chosen = "json" if json_out else fmt.lower()
    if chosen == "table":
        chosen = "human"
    if chosen not in allowed:
        raise InputError(f"--format: unknown format '{fmt}' (choose from {', '.join(allowed)})")
    return chosen


def price_tier(price: str | None) -> str | None:
    """A --price flag as a tier name (on-demand, reserved, spot); None stays None."""
    from ..spec.schema import PRICE_TIERS

    if price is None:
        return None
    tier = price.strip().lower().replace("_", "-")
    if tier not in PRICE_TIERS:
        raise InputError(f"--price: unknown price tier '{price}' (choose from {', '.join(PRICE_TIERS)})")
    return tier
