"""``scaleplan laws list|show NAME``: the law registry."""

from __future__ import annotations

import typer

from .common import FORMAT_HELP, emit, print_field_table, resolve_format

laws_app = typer.Typer(help="List and inspect the shipped scaling laws.", no_args_is_help=True)


@laws_app.command("list")
def list_laws(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    yaml_out: bool = typer.Option(False, "--yaml", help="Print YAML."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Every shipped law: name, category, units of N, verification status, title."""
    from ..laws.registry import DEFAULT_ALLOCATION_LAW, all_specs
    from ..report import to_markdown_table

    out = resolve_format(json_out, yaml_out, fmt)
    specs = all_specs()
    headers = ("name", "category", "kind", "N units", "C", "status", "title")

    def rows():
        for s in specs:
            name = s.name + (" (default)" if s.name == DEFAULT_ALLOCATION_LAW else "")
            yield (name, s.category, s.kind, s.units.get("N", "-"), s.units.get("C", "-"),
                   s.verification.label(), s.title)

    def table(con):
        from rich.table import Table

        t = Table(title="Shipped laws", title_justify="left")
        for h in headers:
            t.add_column(h, overflow="fold", no_wrap=h == "name")
        for r in rows():
            t.add_row(*r)
        con.print(t)

    emit(lambda: {"laws": [{"name": s.name, "category": s.category, "kind": s.kind, "title": s.title,
                            "units": dict(s.units), "verification": s.verification.label()} for s in specs]},
         out, table, lambda: to_markdown_table(headers, rows()))


@laws_app.command("show")
def show_law(
    name: str = typer.Argument(..., help="Law name, e.g. epoch-2024."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    yaml_out: bool = typer.Option(False, "--yaml", help="Print YAML."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """One law: citation, form, constants, units, fitted range, verification, checks."""
    from ..laws.registry import get_spec
    from ..report import to_markdown_table

    out = resolve_format(json_out, yaml_out, fmt)
    spec = get_spec(name)

    def rows():
        yield ("title", spec.title)
        yield ("citation", spec.citation)
        if spec.url:
            yield ("url", spec.url)
        yield ("category / kind", f"{spec.category} / {spec.kind}")
        yield ("form", spec.form)
        for key, value in spec.units.items():
            yield (f"units.{key}", value)
        for key, value in spec.constants.items():
            yield (f"constant {key}", repr(value))
        if spec.constants_source:
            yield ("constants source", spec.constants_source)
        for key, (low, high) in spec.fitted_range.items():
            yield (f"fitted range {key}", f"[{low:.3g}, {high:.3g}]")
        yield ("verification", spec.verification.label())
        if spec.verification.note:
            yield ("verification note", spec.verification.note)
        for note in spec.notes:
            yield ("note", note)
        yield ("check values", f"{len(spec.checks)} (run 'scaleplan validate')")
        yield ("file", spec.source)

    def table(con):
        print_field_table(con, f"Law {spec.name}", rows())

    emit(spec.to_dict, out, table, lambda: to_markdown_table(("field", "value"), rows()))


def register(app: typer.Typer) -> None:
    app.add_typer(laws_app, name="laws")
