"""The ``scaleplan`` command: one small module per command, registered in :data:`COMMANDS`.

Exit codes: 0 success, 1 a budget check failed, 2 bad input (one line on stderr, never a traceback).
"""

from __future__ import annotations

import sys
from importlib import import_module

import typer

try:  # typer >= 0.22 vendors click as typer._click; older typer depends on click itself
    from typer._click import exceptions as click_exceptions
except ImportError:  # pragma: no cover - depends on the installed typer
    from click import exceptions as click_exceptions

from ..errors import ScaleplanError

# Each module defines ``register(app)``; add a line here to add a command.
COMMANDS: list[str] = [
    "scaleplan.cli.optimal_cmd",
    "scaleplan.cli.laws_cmd",
    "scaleplan.cli.validate_cmd",
    "scaleplan.cli.cost_cmd",
    "scaleplan.cli.hparams_cmd",
    "scaleplan.cli.plan_cmd",
    "scaleplan.cli.check_cmd",
    "scaleplan.cli.diff_cmd",
    "scaleplan.cli.fit_cmd",
    "scaleplan.cli.frontier_cmd",
]

app = typer.Typer(
    name="scaleplan",
    help="Turn a training budget into a costed plan under published scaling laws.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _register() -> None:
    for name in COMMANDS:
        import_module(name).register(app)


def _print_version(value: bool) -> None:
    if value:
        from .. import __version__

        typer.echo(f"scaleplan {__version__}")
        raise typer.Exit(0)


@app.callback()
def _root(version: bool = typer.Option(False, "--version", help="Print the version and exit.",
                                       callback=_print_version, is_eager=True)) -> None:
    """Turn a training budget into a costed plan under published scaling laws."""


def _fail(message: str, code: int) -> None:
    text = " ".join(str(message).split())
    sys.stderr.write(f"error: {text}\n")
    sys.exit(code)


def main(argv: list[str] | None = None) -> None:
    _register()
    try:
        result = app(args=argv, prog_name="scaleplan", standalone_mode=False)
    except ScaleplanError as exc:
        _fail(str(exc), exc.exit_code)
    except click_exceptions.NoArgsIsHelpError as exc:  # pragma: no cover - click >= 8.2
        sys.stdout.write(exc.ctx.get_help() + "\n")
        sys.exit(0)
    except click_exceptions.UsageError as exc:
        hint = f" (see 'scaleplan {exc.ctx.info_name} --help')" if exc.ctx is not None and exc.ctx.parent else ""
        _fail(exc.format_message() + hint, 2)
    except click_exceptions.Abort:
        _fail("aborted", 130)
    except click_exceptions.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # output piped into `head`
        sys.exit(0)
    sys.exit(result if isinstance(result, int) else 0)
