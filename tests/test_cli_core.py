"""`scaleplan optimal`, `laws`, `validate` through the real entry point, success and failure paths."""

import json

import pytest

from scaleplan.config import load_yaml_text

from conftest import assert_one_line_error, cli, run_cli


def test_optimal_default_prints_plan():
    code, out, err = cli("optimal", "--flops", "1e23")
    assert code == 0, err
    assert "epoch-2024" in out and "parameters N" in out and "tokens per parameter" in out
    assert "extrapolation" in out  # 1e23 is past Chinchilla's fitted range


def test_optimal_json_has_schema_and_matches_library():
    from scaleplan import optimal

    code, out, _ = cli("optimal", "--flops", "5.76e23", "--law", "hoffmann-2022", "--json")
    assert code == 0
    data = json.loads(out)
    assert data["schema_version"] == 1
    assert data["law"]["name"] == "hoffmann-2022"
    plan = optimal(flops=5.76e23, law="hoffmann-2022")
    assert data["allocation"]["params"] == plan.allocation.params
    assert data["allocation"]["params"] == pytest.approx(4.036e10, rel=0.002)


def test_optimal_json_is_deterministic():
    first = cli("optimal", "--flops", "1e22", "--compare", "--json")[1]
    assert first == cli("optimal", "--flops", "1e22", "--compare", "--json")[1]


def test_optimal_yaml_and_markdown():
    code, out, _ = cli("optimal", "--flops", "1e22", "--yaml")
    assert code == 0 and load_yaml_text(out)["schema_version"] == 1
    code, out, _ = cli("optimal", "--flops", "1e22", "--format", "markdown")
    assert code == 0 and out.startswith("# scaleplan") and "| parameters N |" in out


def test_compare_shows_every_law_and_spread():
    code, out, _ = cli("optimal", "--flops", "1e22", "--compare", "--json")
    data = json.loads(out)
    names = {row["law"] for row in data["comparison"]["laws"]}
    assert {"epoch-2024", "hoffmann-2022", "kaplan-2020", "deepseek-2024", "llama3-2024", "porian-2024"} <= names
    spread = data["comparison"]["spread"]
    assert spread["params_max_over_min"] > 2  # the laws disagree by several times
    code, out, _ = cli("optimal", "--flops", "1e22", "--compare")
    assert "spread across laws" in out


def test_python_m_scaleplan_subprocess():
    proc = run_cli("optimal", "--flops", "3.8e25", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["allocation"]["compute_flops"] == 3.8e25


@pytest.mark.parametrize("value", ["0", "-1", "nan", "inf", "abc", "1e400", ""])
def test_optimal_bad_flops(value):
    code, _, err = cli("optimal", "--flops", value)
    assert_one_line_error(code, err)


def test_optimal_bad_input_paths():
    assert_one_line_error(*cli("optimal")[::2])
    assert_one_line_error(*cli("optimal", "--flops", "1e23", "--law", "nope")[::2])
    assert_one_line_error(*cli("optimal", "--flops", "1e23", "--format", "xml")[::2])
    assert_one_line_error(*cli("optimal", "--flops", "1e23", "--bogus")[::2])
    assert_one_line_error(*cli("optimal", "--flops", "1e23", "--law-file", "/nonexistent.yaml")[::2])
    assert_one_line_error(*cli("optimal", "--flops", "1e23", "--json", "--yaml")[::2])


def test_bad_input_through_subprocess_has_no_traceback():
    proc = run_cli("optimal", "--flops", "abc")
    assert_one_line_error(proc.returncode, proc.stderr)


def test_far_budget_answers_with_warning():
    code, out, _ = cli("optimal", "--flops", "1e30", "--json")
    data = json.loads(out)
    assert code == 0 and any("extrapolation" in w for w in data["warnings"])


def test_malformed_law_file_through_cli(tmp_path):
    path = tmp_path / "law.yaml"
    path.write_text("name: x\ncategory: allocation\n")
    code, _, err = cli("optimal", "--flops", "1e23", "--law-file", str(path))
    assert_one_line_error(code, err)
    assert str(path) in err


def test_laws_list_and_show():
    code, out, _ = cli("laws", "list")
    assert code == 0 and "epoch-2024 (default)" in out and "llama3-2024" in out
    code, out, _ = cli("laws", "show", "epoch-2024", "--json")
    data = json.loads(out)
    assert data["constants"]["alpha"] == pytest.approx(0.34781303)
    assert data["fitted_range"]["N"] == [7.0e7, 1.62e10]
    assert data["verification"]["status"] == "verified: paper"
    code, out, _ = cli("laws", "show", "kaplan-2020")
    assert code == 0 and "PF-days" in out


def test_laws_show_unknown_suggests():
    code, _, err = cli("laws", "show", "epoch-2023")
    assert_one_line_error(code, err)
    assert "did you mean 'epoch-2024'" in err


def test_validate_passes_and_prints_cases():
    code, out, _ = cli("validate", "--only", "epoch", "--json")
    data = json.loads(out)
    assert code == 0 and data["failed"] == 0 and data["passed"] >= 3
    assert {"expected", "got", "error", "tolerance", "passed"} <= set(data["cases"][0])


def test_validate_exits_1_when_a_case_fails(monkeypatch):
    from scaleplan import validation

    monkeypatch.setattr(validation, "PROVIDERS", ["test_cli_core:_failing_cases"])
    code, out, err = cli("validate")
    assert code == 1 and "FAIL" in out and err.startswith("error:")


def _failing_cases():
    from scaleplan.validation import CaseResult

    return [CaseResult("demo", "always-fails", "x", 1.0, 2.0, 0.01, "test")]


def test_version_flag():
    code, out, _ = cli("--version")
    assert code == 0 and out.startswith("scaleplan ")
