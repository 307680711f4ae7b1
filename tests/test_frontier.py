"""scaleplan frontier: vectorised laws equal the scalar laws; CLI formats and failure paths."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from scaleplan.errors import InputError
from scaleplan.frontier import budgets, deepseek_params, frontier, plot
from scaleplan.laws import get_law
from scaleplan.laws.registry import law_names

from conftest import assert_one_line_error, cli, run_cli


@pytest.mark.parametrize("name", law_names("allocation"))
def test_vectorised_equals_scalar_for_every_law(name):
    law = get_law(name)
    c = budgets(1e17, 1e27, 37)
    result = frontier(c, law)
    for i in range(c.size):
        alloc = law.allocate(float(c[i]))
        assert result.params[i] == pytest.approx(alloc.params, rel=1e-12)
        assert result.tokens[i] == pytest.approx(alloc.tokens, rel=1e-12)
        if alloc.loss is None:
            assert result.loss is None
        else:
            assert result.loss[i] == pytest.approx(alloc.loss, rel=1e-12)


def test_deepseek_vectorised_shape_choice_is_exact():
    law = get_law("deepseek-2024")
    per_token = law.c["k_M"] * np.logspace(15, 27, 600) ** law.c["a_M"]
    exact = np.array([law.params_for_m(float(m)) for m in per_token])
    assert np.max(np.abs(deepseek_params(law, per_token) / exact - 1)) < 1e-12


def test_budgets():
    c = budgets(1e20, 1e26, 13)
    assert c[0] == pytest.approx(1e20) and c[-1] == pytest.approx(1e26) and c.size == 13
    assert np.allclose(np.diff(np.log10(c)), 0.5)
    assert budgets(1e22, 1e22, 1).tolist() == [1e22]
    for args in [(1e20, 1e26, 0), (1e20, 1e26, -3), (1e26, 1e20, 5), (0, 1e20, 5), (1e20, 1e26, 1), (1e20, 1e26, 2.5)]:
        with pytest.raises(InputError):
            budgets(*args)


def test_extra_columns_hook():
    result = frontier(budgets(1e20, 1e24, 5), "epoch-2024",
                      extra_columns={"gpu_hours": lambda c, n, d: c / (1e15 * 0.4 * 3600)})
    assert np.allclose(result.extra["gpu_hours"], result.flops / (1e15 * 0.4 * 3600))
    assert "gpu_hours" in result.to_dict()["points"][0]
    with pytest.raises(ValueError):
        frontier([1e20, 1e21], "epoch-2024", extra_columns={"bad": lambda c, n, d: np.zeros(3)})


def test_range_warnings_counted():
    result = frontier(budgets(1e20, 1e26, 13), "epoch-2024")
    assert any("budgets outside the fitted range" in w for w in result.warnings)


def test_bad_budgets_in_library():
    with pytest.raises(InputError):
        frontier([], "epoch-2024")
    with pytest.raises(InputError):
        frontier([1e20, -1], "epoch-2024")


# -- CLI ---------------------------------------------------------------------------------------------------


def test_cli_table():
    code, out, err = cli("frontier", "--flops", "1e20:1e26", "--points", "13")
    assert code == 0, err
    assert "Compute-optimal frontier: epoch-2024" in out
    assert out.count("e2") >= 13


def test_cli_json_matches_library():
    code, out, err = cli("frontier", "--flops", "1e20:1e26", "--points", "7", "--law", "hoffmann-2022", "--json")
    assert code == 0, err
    data = json.loads(out)
    assert data["law"] == "hoffmann-2022" and len(data["points"]) == 7
    law = get_law("hoffmann-2022")
    p = data["points"][3]
    alloc = law.allocate(p["flops"])
    assert p["params"] == pytest.approx(alloc.params, rel=1e-12) and p["loss"] == pytest.approx(alloc.loss, rel=1e-12)
    assert p["tokens_per_param"] == pytest.approx(alloc.tokens / alloc.params)


def test_cli_yaml_markdown_and_single_budget():
    code, out, _ = cli("frontier", "--flops", "1e23", "--yaml")
    assert code == 0 and "points:" in out and out.count("flops:") == 1
    code, out, _ = cli("frontier", "--flops", "1e20:1e22", "--points", "3", "--format", "markdown", "--law", "llama3-2024")
    assert code == 0 and out.startswith("# Compute-optimal frontier: llama3-2024") and out.count("\n|") >= 4
    assert "| loss |" not in out  # llama3 predicts no loss


@pytest.mark.parametrize("args", [
    ("--flops", "1e20-1e26"),
    ("--flops", "1e20:"),
    ("--flops", "1e20:1e22:1e24"),
    ("--flops", "abc:1e22"),
    ("--flops", "1e26:1e20"),
    ("--flops", "-1e20:1e22"),
    ("--flops", "1e20:1e26", "--points", "0"),
    ("--flops", "1e20:1e26", "--points", "-2"),
    ("--flops", "1e20:1e26", "--points", "1"),
    ("--flops", "1e20:1e26", "--points", "many"),
    ("--flops", "1e20:1e26", "--points", "1000001"),
    ("--flops", "1e20:1e26", "--law", "no-such-law"),
    ("--flops", "1e20:1e26", "--law", "epoch-2024", "--law-file", "x.yaml"),
    ("--flops", "1e20:1e26", "--format", "csv"),
    (),
])
def test_cli_failures_are_one_line(args):
    code, _, err = cli("frontier", *args)
    assert_one_line_error(code, err)


def test_cli_unknown_law_suggests():
    code, _, err = cli("frontier", "--flops", "1e20:1e26", "--law", "epoch-2042")
    assert_one_line_error(code, err)
    assert "did you mean 'epoch-2024'" in err


def test_plot_missing_matplotlib_is_one_line(monkeypatch):
    import builtins

    real = builtins.__import__

    def fake(name, *args, **kwargs):
        if name.startswith("matplotlib"):
            raise ImportError(name)
        return real(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", fake)
    code, _, err = cli("frontier", "--flops", "1e20:1e26", "--plot", "f.png")
    assert_one_line_error(code, err)
    assert "scaleplan[plot]" in err


def test_plot_writes_png(tmp_path):
    pytest.importorskip("matplotlib")
    target = tmp_path / "frontier.png"
    code, out, err = cli("frontier", "--flops", "1e20:1e26", "--points", "13", "--plot", str(target))
    assert code == 0, err
    assert target.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    no_loss = tmp_path / "ds.png"
    plot(frontier(budgets(1e20, 1e24, 5), "deepseek-2024"), str(no_loss))
    assert no_loss.stat().st_size > 0


def test_plot_unwritable_path_is_one_line(tmp_path):
    pytest.importorskip("matplotlib")
    code, _, err = cli("frontier", "--flops", "1e20:1e26", "--plot", str(tmp_path / "missing-dir" / "f.png"))
    assert_one_line_error(code, err)


def test_subprocess_like_a_user():
    proc = run_cli("frontier", "--flops", "1e20:1e26", "--points", "3", "--json")
    assert proc.returncode == 0, proc.stderr
    assert len(json.loads(proc.stdout)["points"]) == 3
    proc = run_cli("frontier", "--flops", "1e20:1e26", "--points", "0")
    assert_one_line_error(proc.returncode, proc.stderr)


def test_matplotlib_not_imported_without_plot():
    import subprocess
    import sys

    code = ("import sys; from scaleplan.cli import main\n"
            "try:\n    main(['frontier', '--flops', '1e20:1e22', '--points', '3', '--json'])\n"
            "except SystemExit:\n    pass\n"
            "print('matplotlib' in sys.modules, file=sys.stderr)")
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert proc.stderr.strip().endswith("False")


def test_million_budgets_is_fast_enough_smoke():
    # the timing target is measured by benchmarks/bench_frontier.py; here only that it runs and is finite
    result = frontier(budgets(1e20, 1e26, 10**5), "deepseek-2024")
    assert np.all(np.isfinite(result.params)) and len(result) == 10**5
    assert math.isclose(result.flops[-1], 1e26, rel_tol=1e-12)


def test_frontier_with_hardware_adds_cost_columns():
    import json

    from conftest import assert_one_line_error, cli

    code, out, err = cli("frontier", "--flops", "1e21:1e23", "--points", "3", "--hardware", "h100-sxm", "--json")
    assert code == 0, err
    points = json.loads(out)["points"]
    assert [p["gpu_hours"] > 0 for p in points] == [True] * 3
    assert points[0]["usd"] < points[1]["usd"] < points[2]["usd"]
    from scaleplan import optimal

    plan = optimal(flops=points[1]["flops"])
    assert points[1]["gpu_hours"] == plan.section("cost").gpu_hours
    assert_one_line_error(*cli("frontier", "--flops", "1e20:1e26", "--points", "500", "--hardware", "h100-sxm")[::2])
