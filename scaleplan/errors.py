"""Exceptions that the CLI turns into one-line messages and exit codes.

0 success, 1 a budget check failed, 2 bad input (see the CLI contract in docs/cli.md).
"""


class ScaleplanError(Exception):
    """Base class: anything scaleplan reports to a user as a one-line message."""

    exit_code = 2


class InputError(ScaleplanError):
    """A flag, a quantity or a request that cannot be answered as given."""


class ConfigError(ScaleplanError):
    """A YAML file (law, hardware profile, spec, plan) that is malformed; the message names file and key."""


class CheckFailed(ScaleplanError):
    """A budget check was violated (exit code 1)."""

    exit_code = 1
