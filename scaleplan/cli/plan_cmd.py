"""``scaleplan plan SPEC [-o plan.yaml] [--force]``: plan a spec file and write the whole plan."""

from __future__ import annotations

from typing import Optional

import typer

from ..errors import InputError
from .common import write


def plan(
    spec: str = typer.Argument(..., help="A spec file (see docs/spec.md)."),
    output: Optional[str] = typer.Option(None, "--output", "-o", help="Write the plan here (.yaml, or .json) instead of stdout."),
    force: bool = typer.Option(False, "--force", help="Overwrite the output file if it exists."),
    fmt: Optional[str] = typer.Option(None, "--format", "-f", help="yaml or json (default: from the output suffix, else yaml)."),
) -> None:
    """Plan a spec file: inputs, allocation, sections, laws and versions, and the spec's budget limits."""
    from pathlib import Path

    from ..planfile import plan_document, write_atomic
    from ..report import to_json, to_yaml
    from ..spec import load_spec, run_planner
    from ..units import format_si

    chosen = (fmt or ("json" if output and output.lower().endswith(".json") else "yaml")).lower()
    if chosen not in ("yaml", "json"):
        raise InputError(f"--format: unknown format '{fmt}' (choose from yaml, json)")
    if output is not None:  # fail before the (possibly long) planning
        if Path(output).is_dir():
            raise InputError(f"{output}: is a directory, expected a file name")
        if Path(output).exists() and not force:
            raise InputError(f"{output}: already exists (use --force to overwrite)")
    loaded = load_spec(spec)
    document = plan_document(run_planner(loaded), loaded)
    try:
        text = to_json(document) if chosen == "json" else to_yaml(document)
    except ValueError as exc:  # a non-finite number: refuse to write an invalid document
        raise InputError(f"{spec}: the plan cannot be written: {exc}") from None
    if output is None:
        write(text)
        return
    write_atomic(output, text, force=force)
    allocation = document["allocation"]
    write(f"wrote {output}: N = {format_si(allocation['params'])}, D = {format_si(allocation['tokens'])}, "
          f"law {document['law']['name']}\n")


def register(app: typer.Typer) -> None:
    app.command("plan")(plan)
