"""``scaleplan fit RUNS``: fit a loss law (or, with --hparams, LR / batch laws) to your own runs."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Optional

import typer

from ..errors import InputError
from .common import FORMAT_HELP, emit, quantity, resolve_format

FORMS = ("chinchilla", "kaplan")


def _progress_bar(enabled: bool, total: int, label: str):
    """A rich progress bar on stderr when it is a terminal; otherwise a no-op callback."""
    if not enabled or total <= 0 or not sys.stderr.isatty():
        return None, (lambda k: None)
    from rich.console import Console
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeRemainingColumn

    bar = Progress(TextColumn(label), BarColumn(), MofNCompleteColumn(), TimeRemainingColumn(),
                   console=Console(stderr=True), transient=True)
    task = bar.add_task(label, total=total)
    return bar, (lambda k: bar.advance(task, k))


def _fmt(value: float | None) -> str:
    from ..units import format_number

    return "-" if value is None else format_number(value, 4)


def fit(
    runs_file: str = typer.Argument(..., metavar="RUNS", help="CSV or JSON Lines: N, D (or C), loss; optional weight, seed."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the fitted law YAML here."),
    form: str = typer.Option("chinchilla", "--form", help="Loss form: chinchilla (E + A/N^a + B/D^b) or kaplan."),
    n_boot: int = typer.Option(200, "--bootstrap", help="Bootstrap refits for the intervals (0: none)."),
    flops: Optional[str] = typer.Option(None, "--flops", help="Budget for the N_opt/D_opt interval (default: largest C in the data)."),
    level: float = typer.Option(0.95, "--level", help="Confidence level of the intervals."),
    seed: int = typer.Option(0, "--seed", help="Random seed of the bootstrap."),
    workers: Optional[int] = typer.Option(None, "--workers", help="Processes for the bootstrap (default: all cores)."),
    starts: int = typer.Option(16, "--starts", help="Best grid points refined by L-BFGS-B in the main fit."),
    penalty: float = typer.Option(0.0, "--overprediction-penalty", help="Extra weight on over-predicted runs (0: plain Huber)."),
    params_kind: Optional[str] = typer.Option(None, "--params-kind", help="What the N column counts: total or non_embedding."),
    name: Optional[str] = typer.Option(None, "--name", help="Law name in the file (default: the output file's stem)."),
    plot: Optional[str] = typer.Option(None, "--plot", help="Draw the runs and the fit to this image (needs matplotlib)."),
    force: bool = typer.Option(False, "--force", help="Write the fit even when the bootstrap says the form is not identified."),
    hparams: bool = typer.Option(False, "--hparams", help="Fit eta = a N^b D^c and B = d D^e from an LR/batch sweep."),
    tolerance: float = typer.Option(0.0025, "--tolerance", help="--hparams: keep runs within this fraction of the best loss per (N, D)."),
    batch_unit: str = typer.Option("tokens", "--batch-unit", help="--hparams: unit of the batch column (tokens or sequences)."),
    json_out: bool = typer.Option(False, "--json", help="Print JSON (same as --format json)."),
    yaml_out: bool = typer.Option(False, "--yaml", help="Print YAML (same as --format yaml)."),
    fmt: str = typer.Option("table", "--format", "-f", help=FORMAT_HELP),
) -> None:
    """Fit a scaling law to your runs, with bootstrap intervals; write a law file for --law-file."""
    out = resolve_format(json_out, yaml_out, fmt)
    if params_kind is not None and params_kind not in ("total", "non_embedding"):
        raise InputError(f"--params-kind: must be total or non_embedding, got '{params_kind}'")
    if n_boot < 0:
        raise InputError(f"--bootstrap: must be 0 or more, got {n_boot}")
    if n_boot > 1_000_000:
        raise InputError(f"--bootstrap: at most 1,000,000 refits, got {n_boot}")
    if seed < 0:
        raise InputError(f"--seed: must be 0 or more, got {seed}")
    if output is not None and not output.strip():
        raise InputError("--output: empty file name")
    if n_boot == 1:
        raise InputError("--bootstrap: one refit gives no interval; use 0 (none) or at least 2")
    if not 0.5 <= level < 1:
        raise InputError(f"--level: must be in [0.5, 1), got {level:g}")
    if workers is not None and workers < 1:
        raise InputError(f"--workers: must be at least 1, got {workers}")
    if starts < 1:
        raise InputError(f"--starts: must be at least 1, got {starts}")
    if not 0 <= penalty <= 100:
        raise InputError(f"--overprediction-penalty: must be in [0, 100], got {penalty:g}")
    law_name = name or (Path(output).stem if output else "fitted")
    show_progress = out == "table"
    if hparams:
        if plot:
            raise InputError("--plot draws a loss law; it does not apply to --hparams")
        if batch_unit not in ("tokens", "sequences"):
            raise InputError(f"--batch-unit: must be tokens or sequences, got '{batch_unit}'")
        _fit_hparams(runs_file, output, law_name, out, n_boot, seed, tolerance, batch_unit, level, params_kind)
        return
    if form not in FORMS:
        raise InputError(f"--form: unknown form '{form}' (choose from {', '.join(FORMS)})")
    if plot:
        from ..fit.plot import require_matplotlib

        require_matplotlib()  # fail before the fit, not after it
    budget = quantity(flops, "--flops")

    from ..fit.bootstrap import bootstrap, identification_problem
    from ..fit.export import check_document, law_document, write_yaml
    from ..fit.io import read_runs

    runs = read_runs(runs_file, params_kind=params_kind)
    if form == "chinchilla":
        from ..fit.chinchilla import fit_chinchilla as fitter
    else:
        from ..fit.kaplan import fit_kaplan as fitter
    point = fitter(runs, penalty=penalty, starts=starts)
    budget = budget or float(runs.C.max())
    boot, problem = None, None
    if n_boot:
        bar, advance = _progress_bar(show_progress, n_boot, "bootstrap")
        if bar is not None:
            with bar:
                boot = bootstrap(form, runs, point, n=n_boot, flops=budget, seed=seed, workers=workers, progress=advance)
        else:
            boot = bootstrap(form, runs, point, n=n_boot, flops=budget, seed=seed, workers=workers)
        exponents = ("alpha", "beta") if form == "chinchilla" else ("alpha_N", "alpha_D")
        problem = identification_problem(boot, exponents, level=level)
        if problem and not force:
            raise InputError(f"{runs.source}: the {form} form is not identified by these runs: {problem}; add runs over "
                             "a wider range of N and D (or pass --force to write the fit anyway)")
    doc = law_document(point, runs, boot, name=law_name, level=level, flops=budget)
    if problem:
        doc["notes"].append(f"Not identified by the data ({problem}); written with --force.")
    check_document(doc, output or "<fit>")
    if output:
        write_yaml(doc, output)
    if plot:
        from ..fit.plot import plot_fit

        plot_fit(runs, point, plot)
    emit(lambda: doc, out, lambda con: _table(con, doc, output, plot), lambda: _markdown(doc))


def _rows(doc: dict):
    fit = doc["fit"]
    boot = fit.get("bootstrap", {})
    intervals, ses = boot.get("intervals", {}), boot.get("se", {})
    values = dict(doc["constants"])
    values.update(fit.get("derived", {}))
    if "budget" in fit:
        values["N_opt"] = fit["budget"]["N_opt"]
        values["D_opt"] = fit["budget"]["D_opt"]
    for key, value in values.items():
        low_high = intervals.get(key)
        interval = f"[{_fmt(low_high[0])}, {_fmt(low_high[1])}]" if low_high else "-"
        yield key, _fmt(value), interval, _fmt(ses.get(key)) if key in ses else "-"


def _headers(doc: dict) -> tuple[str, ...]:
    boot = doc["fit"].get("bootstrap")
    level = f"{boot['level']:.0%} interval" if boot else "interval"
    return ("quantity", "estimate", level, "bootstrap SE")


def _footer(doc: dict) -> list[str]:
    fit = doc["fit"]
    lines = [f"{fit.get('runs')} runs; objective {fit['objective']:.6g} (summed Huber on log loss, "
             f"rms log residual {fit['residuals_log']['rms']:.3g})"] if "objective" in fit else []
    if "budget" in fit:
        lines.append(f"N_opt, D_opt at C = {fit['budget']['flops']:.3g} FLOP")
    if "bootstrap" in fit:
        b = fit["bootstrap"]
        lines.append(f"bootstrap: {b['n']} refits, {b['failed']} failed, seed {b['seed']}")
    return lines


def _table(con, doc: dict, output: str | None, plot: str | None) -> None:
    from rich.table import Table

    t = Table(title=f"{doc['title']} ({doc['kind']})", title_justify="left")
    for h in _headers(doc):
        t.add_column(h, overflow="fold")
    for row in _rows(doc):
        t.add_row(*row)
    con.print(t)
    for line in _footer(doc):
        con.print(line)
    if output:
        con.print(f"wrote {output} (use: scaleplan optimal --flops 1e23 --law-file {output})")
    if plot:
        con.print(f"wrote {plot}")


def _markdown(doc: dict) -> str:
    from ..report import to_markdown_table

    text = f"**{doc['title']}** ({doc['kind']})\n\n" + to_markdown_table(_headers(doc), _rows(doc))
    return text + "".join(f"\n{line}" for line in _footer(doc)) + "\n"


def _fit_hparams(runs_file, output, law_name, out, n_boot, seed, tolerance, batch_unit, level, params_kind) -> None:
    from ..fit.export import write_yaml
    from ..fit.hparam_fit import fit_hparams, hparam_document, read_sweep
    from ..laws.spec import parse_law

    sweep = read_sweep(runs_file, params_kind=params_kind)
    result = fit_hparams(sweep, tolerance=tolerance, n_boot=n_boot, seed=seed)
    doc = hparam_document(result, sweep, name=law_name, batch_unit=batch_unit, level=level)
    parse_law(doc, output or "<fit>")  # what we write must read back as a law file
    if output:
        write_yaml(doc, output)
    emit(lambda: doc, out, lambda con: _table(con, doc, output=None, plot=None), lambda: _markdown(doc))
    if output and out == "table":
        sys.stdout.write(f"wrote {output}\n")


def register(app: typer.Typer) -> None:
    app.command("fit")(fit)
