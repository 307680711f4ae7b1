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

# command name -> module defining ``register(app)``; add a line here to add a command. Only the module of the
# command being run is imported (start-up time), every one of them for help and unknown names.
COMMANDS: dict[str, str] = {
    "optimal": "scaleplan.cli.optimal_cmd",
    "laws": "scaleplan.cli.laws_cmd",
    "validate": "scaleplan.cli.validate_cmd",
    "cost": "scaleplan.cli.cost_cmd",
    "hardware": "scaleplan.cli.hardware_cmd",
    "hparams": "scaleplan.cli.hparams_cmd",
    "plan": "scaleplan.cli.plan_cmd",
    "check": "scaleplan.cli.check_cmd",
    "diff": "scaleplan.cli.diff_cmd",
    "fit": "scaleplan.cli.fit_cmd",
    "frontier": "scaleplan.cli.frontier_cmd",
}

app = typer.Typer(
    name="scaleplan",
    help="Turn a training budget into a costed plan under published scaling laws.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)


def _register(argv: list[str]) -> None:
    first = next((a for a in argv if not a.startswith("-")), None)
    modules = [COMMANDS[first]] if first in COMMANDS else list(dict.fromkeys(COMMANDS.values()))
    for name in modules:
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


def _quiet_broken_pipe() -> None:
    """The reader went away (`| head`): exit 0 without Python's 'Exception ignored' noise at shutdown."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass
    sys.exit(0)


def main(argv: list[str] | None = None) -> None:
    _register(sys.argv[1:] if argv is None else argv)
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
    except (typer.Abort, KeyboardInterrupt):
        _fail("aborted", 130)
    except typer.Exit as exc:
        sys.exit(exc.exit_code)
    except BrokenPipeError:  # output piped into `head`
        _quiet_broken_pipe()
    except OverflowError as exc:  # a number too large for the machine (a 400-digit integer in a file, ...)
        _fail(f"a number is too large to use ({exc})", 2)

    sys.exit(result if isinstance(result, int) else 0)
