"""`scaleplan diff A B`: changed inputs and deltas in N, D, cost, days, loss; exit 0."""

import json

import pytest

from conftest import REPO, assert_one_line_error, cli, run_cli

FIXTURES = REPO / "tests" / "fixtures"
EXAMPLES = REPO / "configs" / "examples"
PASS = str(FIXTURES / "plan-costed-pass.yaml")
OVER = str(FIXTURES / "plan-costed-over-usd.yaml")


def test_diff_two_costed_plans_through_a_subprocess():
    result = run_cli("diff", PASS, OVER, "--format", "json")
    assert result.returncode == 0, result.stderr
    data = json.loads(result.stdout)
    assert data["diff_schema_version"] == 1 and data["inputs_basis"] == "spec"
    changed = {c["key"]: (c["a"], c["b"]) for c in data["changed_inputs"]}
    assert changed["hardware.gpus"] == (1024, 2048)
    assert changed["compute.flops"] == (None, 1e24) and changed["model.params"] == (7e9, None)
    assert changed["budget.max_days"] == (45.0, 60.0)
    deltas = {d["quantity"]: d for d in data["deltas"]}
    assert set(deltas) == {"params", "tokens", "tokens_per_param", "compute_flops", "loss", "usd", "gpu_hours",
                           "days", "energy_kwh"}
    assert deltas["usd"]["delta"] == pytest.approx(2104377.0 - 176769.0)
    assert deltas["days"]["delta"] == pytest.approx(14.27 - 2.4)
    assert deltas["params"]["ratio"] == pytest.approx(96005087935.88744 / 7e9)
    assert deltas["loss"]["delta"] == pytest.approx(1.9592459809371512 - 2.0611)


def test_diff_human_and_markdown():
    code, out, _ = cli("diff", PASS, OVER)
    assert code == 0 and "hardware.gpus" in out and "+$1.93M" in out and "wall-clock days" in out
    code, out, _ = cli("diff", PASS, OVER, "--format", "markdown")
    assert code == 0 and "| quantity | a | b | delta | ratio |" in out and "| cost | $177k | $2.10M |" in out


def test_diff_price_tier():
    code, out, _ = cli("diff", PASS, OVER, "--price", "spot", "--json")
    usd = {d["quantity"]: d for d in json.loads(out)["deltas"]}["usd"]
    assert code == 0 and usd["a"] == 88384.0 and usd["b"] == 1052189.0


def test_diff_two_specs(tmp_path):
    bigger = tmp_path / "bigger.yaml"
    bigger.write_text((EXAMPLES / "compute-optimal-1e23.yaml").read_text().replace("flops: 1e23", "flops: 1e24"))
    code, out, err = cli("diff", str(EXAMPLES / "compute-optimal-1e23.yaml"), str(bigger), "--format", "json")
    assert code == 0, err
    data = json.loads(out)
    assert data["changed_inputs"] == [{"key": "compute.flops", "a": 1e23, "b": 1e24}]
    deltas = {d["quantity"]: d for d in data["deltas"]}
    # The planner costs every plan (default hardware), so the dollar and day rows are there and grow.
    assert deltas["usd"]["b"] > deltas["usd"]["a"] and deltas["days"]["delta"] != 0
    assert deltas["compute_flops"]["ratio"] == pytest.approx(10.0)
    assert deltas["params"]["ratio"] > 1 and deltas["loss"]["delta"] < 0


def test_diff_identical_and_mixed_inputs():
    code, out, _ = cli("diff", PASS, PASS, "--json")
    data = json.loads(out)
    assert code == 0 and data["changed_inputs"] == [] and all(d["delta"] == 0 for d in data["deltas"])
    code, out, _ = cli("diff", PASS, PASS)
    assert "No inputs changed." in out
    code, out, err = cli("diff", str(EXAMPLES / "compute-optimal-1e23.yaml"), OVER, "--json")
    assert code == 0, err
    assert json.loads(out)["inputs_basis"] == "spec"


def test_diff_is_deterministic():
    first = run_cli("diff", PASS, OVER, "--format", "json").stdout
    assert first and first == run_cli("diff", PASS, OVER, "--format", "json").stdout


@pytest.mark.parametrize("args, fragment", [
    ((PASS, str(FIXTURES / "plan-newer-schema.yaml")), "schema_version: 99 is newer"),
    ((PASS, str(FIXTURES / "nope.yaml")), "no such file"),
    ((PASS, OVER, "--format", "github"), "--format: unknown format 'github'"),
    ((PASS, OVER, "--price", "free"), "--price: unknown price tier"),
    ((PASS,), "Missing argument"),
])
def test_diff_bad_input(args, fragment):
    code, _, err = cli("diff", *args)
    assert_one_line_error(code, err)
    assert fragment in err
