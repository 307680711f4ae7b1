"""``scaleplan hardware list|show NAME``: the shipped accelerator profiles (dense peaks, memory, prices)."""

from __future__ import annotations

import typer

from .common import FORMAT_HELP, emit, print_field_table, resolve_format

hardware_app = typer.Typer(help="List and inspect accelerator profiles (configs/hardware/*.yaml).",
                           no_args_is_help=True)


def _tflops(profile, dtype: str) -> str:
    value = profile.peak_dense_tflops.get(dtype)
    return "-" if value is None else f"{value:g}"


def _price(profile, tier: str) -> str:
    price = profile.prices[tier]
    return "-" if price.usd_per_hour is None else f"${price.usd_per_hour:.2f} ({price.as_of})"


@hardware_app.command("list")
def list_hardware(
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    yaml_out: bool = typer.Option(False, "--yaml", help="Print YAML."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Every shipped profile: dense peaks (TFLOP/s), memory, node size, on-demand price."""
    from ..hardware import DEFAULT_PROFILE, list_profiles
    from ..report import to_markdown_table

    out = resolve_format(json_out, yaml_out, fmt)
    profiles = list_profiles()
    headers = ("name", "accelerator", "bf16 dense", "fp8 dense", "fp4 dense", "memory", "HBM TB/s", "per node",
               "on-demand $/h", "curve")

    def rows():
        for p in profiles:
            name = p.name + (" (default)" if p.name == DEFAULT_PROFILE else "")
            yield (name, p.title, _tflops(p, "bf16"), _tflops(p, "fp8"), _tflops(p, "fp4"), f"{p.memory_gib:g} GiB",
                   f"{p.memory_bandwidth_tbps:g}", str(p.accelerators_per_node), _price(p, "on-demand"),
                   p.efficiency or "uncalibrated")

    def table(con):
        from rich.table import Table

        t = Table(title="Hardware profiles (peaks are DENSE TFLOP/s per accelerator, no sparsity)", title_justify="left")
        for h in headers:
            t.add_column(h, overflow="fold")
        for r in rows():
            t.add_row(*r)
        con.print(t)

    emit(lambda: {"profiles": [p.to_dict() for p in profiles]}, out, table, lambda: to_markdown_table(headers, rows()))


@hardware_app.command("show")
def show_hardware(
    name: str = typer.Argument(..., help="Profile name or alias (h100-sxm, a100-80gb, ...) or a profile YAML file."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON."),
    yaml_out: bool = typer.Option(False, "--yaml", help="Print YAML."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """One profile: dense and sparse peaks, measured matmul ceiling, memory, links, power, prices, sources."""
    from ..hardware import DTYPES, PRICE_TIERS, load_profile
    from ..report import to_markdown_table

    out = resolve_format(json_out, yaml_out, fmt)
    p = load_profile(name)

    def rows():
        yield ("title", p.title)
        yield ("aliases", ", ".join(p.aliases) or "-")
        for dtype in DTYPES:
            if dtype in p.peak_dense_tflops:
                sparse = p.peak_sparse_tflops.get(dtype)
                extra = f" (vendor sparse figure {sparse:g}, never used)" if sparse else ""
                yield (f"{dtype} dense peak", f"{p.peak_dense_tflops[dtype]:g} TFLOP/s{extra}")
        for dtype, value in p.mamf.items():
            yield (f"{dtype} measured matmul ceiling (MAMF)", f"{value:.1%} of dense peak")
        yield ("memory", f"{p.memory_gib:g} GiB, {p.memory_bandwidth_tbps:g} TB/s")
        yield ("intra-node link", f"{p.intra_node_gbytes_per_direction:g} GB/s per direction ({p.intra_node_fabric})")
        yield ("accelerators per node", str(p.accelerators_per_node))
        if p.scale_up_domain != p.accelerators_per_node:
            yield ("scale-up domain", f"{p.scale_up_domain} accelerators")
        yield ("scale-out", f"{p.scale_out_gbps:g} Gb/s per accelerator" + (" (assumed)" if p.scale_out_assumed else ""))
        yield ("power", "not published" if p.power_watts is None else f"{p.power_watts:g} W ({p.power_term})")
        for tier in PRICE_TIERS:
            price = p.prices[tier]
            value = "-" if price.usd_per_hour is None else f"${price.usd_per_hour:.4g}/h as of {price.as_of}"
            yield (f"price {tier}", f"{value}; {price.source}" + (f" [{price.note}]" if price.note else ""))
        yield ("efficiency curve", p.efficiency or "uncalibrated (derived from MAMF)")
        for key, source in p.sources.items():
            yield (f"source: {key}", source)
        for note in p.notes:
            yield ("note", note)
        yield ("file", p.path)

    def table(con):
        print_field_table(con, f"Hardware {p.name}", rows())

    emit(p.to_dict, out, table, lambda: to_markdown_table(("field", "value"), rows()))


def register(app: typer.Typer) -> None:
    app.add_typer(hardware_app, name="hardware")
