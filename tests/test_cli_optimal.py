"""`scaleplan optimal` with the planner's flags, through the real entry point."""

import json

import pytest

from conftest import assert_one_line_error, cli, run_cli


def _json(*args):
    code, out, err = cli("optimal", *args, "--json")
    assert code == 0, err
    return json.loads(out)


def test_issue_commands_run():
    for args in (["--budget-usd", "2e6", "--hardware", "h100-sxm", "--price", "reserved"],
                 ["--gpu-hours", "5e5", "--hardware", "h200"],
                 ["--gpus", "1024", "--days", "30", "--hardware", "b200"],
                 ["--flops", "1e24", "--precision", "auto"],
                 ["--flops", "1e24", "--unique-tokens", "3T"],
                 ["--flops", "1e24", "--inference-tokens", "2e13"],
                 ["--flops", "1e24", "--moe", "--experts", "64", "--active", "8"]):
        data = _json(*args)
        assert data["budget"]["compute_flops"] > 0 and data["cost"]["gpu_hours"] > 0


def test_budget_usd_is_spent():
    data = _json("--budget-usd", "$1.5M")
    assert data["cost"]["usd"]["on_demand"] <= 1.5e6 * 1.001
    assert data["cost"]["usd"]["on_demand"] >= 1.5e6 * 0.8


def test_table_shows_every_section():
    code, out, _ = cli("optimal", "--flops", "1e23")
    for title in ("Budget", "Model as planned", "Hyperparameters", "Training cost", "Uncertainty"):
        assert title in out
    assert "MFU" in out and "GPU-hours" in out


def test_no_cost_skips_hardware():
    data = _json("--flops", "1e23", "--no-cost")
    assert "cost" not in data and "model" in data


def test_markdown_has_sections():
    code, out, _ = cli("optimal", "--flops", "1e22", "--format", "markdown")
    assert code == 0 and "## Training cost" in out and "## Uncertainty" in out


@pytest.mark.parametrize("args", [
    ["--flops", "1e23", "--budget-usd", "2e6"],
    ["--budget-usd", "2e6", "--days", "30"],
    ["--days", "30"],
    ["--flops", "1e24", "--moe", "--experts", "8", "--active", "16"],
    ["--flops", "1e24", "--experts", "8"],
    ["--flops", "1e24", "--moe"],
    ["--flops", "1e24", "--unique-tokens", "-3T"],
    ["--flops", "1e24", "--gpus", "12.5"],
    ["--flops", "1e24", "--hardware", "h100-sxn"],
    ["--flops", "1e24", "--price", "cheap"],
    ["--flops", "1e24", "--precision", "int3"],
    ["--gpus", "8", "--days", "1e-9"],
    ["--budget-usd", "abc"],
    ["--flops", "1e24", "--days", "soon"],
])
def test_bad_input_one_line_exit_2(args):
    code, _, err = cli("optimal", *args)
    assert_one_line_error(code, err)


def test_unknown_hardware_suggests_closest():
    code, _, err = cli("optimal", "--flops", "1e23", "--hardware", "h100-sxn")
    assert "h100-sxm" in err


def test_subprocess_budget_usd():
    proc = run_cli("optimal", "--budget-usd", "1e6", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["budget"]["kind"] == "usd"


def test_budgets_far_outside_every_range_still_answer_with_a_warning():
    for flops in ("1e10", "1e35"):
        data = _json("--flops", flops)
        assert data["allocation"]["params"] > 0 and "cost" not in data
        assert any("laws only" in w for w in data["warnings"])
        assert any("extrapolation" in w for w in data["warnings"])


def test_memory_bound_deadline_says_so():
    data = _json("--gpus", "8", "--days", "1000")
    assert data["budget"]["binding_constraint"].startswith("memory:")
    assert data["cost"]["days"] <= 1000
