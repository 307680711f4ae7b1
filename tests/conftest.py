"""Shared test helpers.

``cli(*args)`` runs the real ``main()`` in-process (fast) and returns (exit_code, stdout, stderr);
``run_cli(*args)`` runs ``python -m scaleplan`` in a subprocess, as a user would.
"""

from __future__ import annotations

import io
import os
import subprocess
import sys
from contextlib import redirect_stderr, redirect_stdout
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
SHARED = REPO.parent / "shared"


def cli(*args: str) -> tuple[int, str, str]:
    from scaleplan.cli import main

    out, err = io.StringIO(), io.StringIO()
    code = 0
    with redirect_stdout(out), redirect_stderr(err):
        try:
            main(list(args))
        except SystemExit as exc:
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
    return code, out.getvalue(), err.getvalue()


def run_cli(*args: str, cwd: str | os.PathLike | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    env = dict(os.environ, COLUMNS="140")
    return subprocess.run([sys.executable, "-m", "scaleplan", *args], capture_output=True, text=True,
                          cwd=cwd, env=env, timeout=timeout)


def assert_one_line_error(code: int, stderr: str, expected_code: int = 2) -> None:
    assert code == expected_code, stderr
    lines = [line for line in stderr.splitlines() if line.strip()]
    assert len(lines) == 1, f"expected a one-line error, got: {stderr!r}"
    assert lines[0].startswith("error: ")
    assert "Traceback" not in stderr


@pytest.fixture
def shared_dir() -> Path:
    if not SHARED.is_dir():
        pytest.skip("../shared is not present")
    return SHARED
