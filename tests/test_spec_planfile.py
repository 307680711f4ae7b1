"""`scaleplan plan SPEC -o FILE`: the plan file's content, --force, and atomic writes."""

import json
import os

import pytest

from scaleplan.config import load_yaml, load_yaml_text
from scaleplan.errors import InputError
from scaleplan.planfile import load_source, write_atomic

from conftest import REPO, assert_one_line_error, cli, run_cli

SPEC = str(REPO / "configs" / "examples" / "compute-optimal-1e23.yaml")


def listing(folder):
    return sorted(p.name for p in folder.iterdir())


def test_plan_writes_the_whole_plan_through_a_subprocess(tmp_path):
    out = tmp_path / "plan.yaml"
    result = run_cli("plan", SPEC, "-o", str(out))
    assert result.returncode == 0, result.stderr
    assert f"wrote {out}" in result.stdout
    data = load_yaml(out)
    assert data["schema_version"] == 1 and data["scaleplan_version"]
    assert data["law"]["name"] == "epoch-2024" and data["law"]["citation"]
    assert data["allocation"]["compute_flops"] == 1e23
    assert data["spec"]["name"] == "compute-optimal-1e23"
    assert data["spec"]["inputs"] == {"compute": {"flops": 1e23}, "law": {"allocation": "epoch-2024"}}
    assert data["spec"]["budget"] == {"max_loss": 2.1, "min_tokens_per_param": 15.0, "max_params": 4e10}
    assert listing(tmp_path) == ["plan.yaml"]  # no temporary file left behind


def test_checking_the_plan_file_equals_checking_the_spec(tmp_path):
    out = tmp_path / "plan.yaml"
    assert cli("plan", SPEC, "-o", str(out))[0] == 0
    from_spec = json.loads(cli("check", SPEC, "--format", "json")[1])
    from_plan = json.loads(cli("check", str(out), "--format", "json")[1])
    assert from_spec["results"] == from_plan["results"] and from_spec["plan"] == from_plan["plan"]
    assert from_plan["source"]["kind"] == "plan" and from_spec["source"]["kind"] == "spec"


def test_plan_json_output_and_stdout(tmp_path):
    out = tmp_path / "plan.json"
    assert cli("plan", SPEC, "-o", str(out))[0] == 0
    assert json.loads(out.read_text())["schema_version"] == 1
    code, text, _ = cli("plan", SPEC)
    assert code == 0 and load_yaml_text(text)["spec"]["name"] == "compute-optimal-1e23"
    code, text, _ = cli("plan", SPEC, "--format", "json")
    assert code == 0 and json.loads(text)["allocation"]["params"] > 0


def test_plan_output_is_deterministic(tmp_path):
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    assert cli("plan", SPEC, "-o", str(a))[0] == 0 and cli("plan", SPEC, "-o", str(b))[0] == 0
    assert a.read_bytes() == b.read_bytes()


def test_never_overwrites_without_force(tmp_path):
    out = tmp_path / "plan.yaml"
    out.write_text("precious\n")
    result = run_cli("plan", SPEC, "-o", str(out))
    assert_one_line_error(result.returncode, result.stderr)
    assert "already exists (use --force to overwrite)" in result.stderr
    assert out.read_text() == "precious\n" and listing(tmp_path) == ["plan.yaml"]
    result = run_cli("plan", SPEC, "-o", str(out), "--force")
    assert result.returncode == 0, result.stderr
    assert load_yaml(out)["schema_version"] == 1 and listing(tmp_path) == ["plan.yaml"]


def test_failed_plan_leaves_no_file(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("compute: {flops: -1e22}\n")
    out = tmp_path / "out" / "plan.yaml"
    out.parent.mkdir()
    code, _, err = cli("plan", str(bad), "-o", str(out))
    assert_one_line_error(code, err)
    assert listing(out.parent) == []


def test_failed_plan_does_not_clobber_even_with_force(tmp_path, monkeypatch):
    from scaleplan import planner

    out = tmp_path / "plan.yaml"
    out.write_text("precious\n")

    def broken(**kwargs):
        raise InputError("the planner failed")

    monkeypatch.setattr(planner, "optimal", broken)
    code, _, err = cli("plan", SPEC, "-o", str(out), "--force")
    assert_one_line_error(code, err)
    assert "the planner failed" in err
    assert out.read_text() == "precious\n" and listing(tmp_path) == ["plan.yaml"]


def test_non_finite_plan_is_not_written(tmp_path, monkeypatch):
    from scaleplan import planfile

    real = planfile.plan_document
    monkeypatch.setattr(planfile, "plan_document",
                        lambda plan, spec=None: {**real(plan, spec), "allocation": {"params": float("inf")}})
    out = tmp_path / "plan.yaml"
    code, _, err = cli("plan", SPEC, "-o", str(out))
    assert_one_line_error(code, err)
    assert "cannot be written" in err and listing(tmp_path) == []


def test_atomic_write_failure_keeps_the_old_file_and_no_temp(tmp_path, monkeypatch):
    out = tmp_path / "plan.yaml"
    out.write_text("old\n")

    def failing_replace(src, dst):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", failing_replace)
    with pytest.raises(InputError, match="cannot write: No space left on device"):
        write_atomic(out, "new\n", force=True)
    assert out.read_text() == "old\n" and listing(tmp_path) == ["plan.yaml"]


def test_atomic_write_failure_on_a_new_file_leaves_nothing(tmp_path, monkeypatch):
    def failing(*args, **kwargs):
        raise OSError(5, "Input/output error")

    monkeypatch.setattr(os, "link", failing)
    monkeypatch.setattr(os, "replace", failing)
    with pytest.raises(InputError, match="cannot write"):
        write_atomic(tmp_path / "plan.yaml", "new\n")
    assert listing(tmp_path) == []


def test_no_clobber_holds_against_a_racing_writer(tmp_path, monkeypatch):
    """The existence check passes, then another process creates the file: still no overwrite."""
    out = tmp_path / "plan.yaml"
    real_mkstemp = __import__("tempfile").mkstemp

    def mkstemp_then_race(*args, **kwargs):
        result = real_mkstemp(*args, **kwargs)
        out.write_text("theirs\n")
        return result

    monkeypatch.setattr("tempfile.mkstemp", mkstemp_then_race)
    with pytest.raises(InputError, match="already exists"):
        write_atomic(out, "mine\n")
    assert out.read_text() == "theirs\n" and listing(tmp_path) == ["plan.yaml"]


@pytest.mark.parametrize("target, fragment", [
    ("missing/plan.yaml", "does not exist"),
    (".", "is a directory"),
])
def test_bad_output_paths(tmp_path, target, fragment):
    code, _, err = cli("plan", SPEC, "-o", str(tmp_path / target))
    assert_one_line_error(code, err)
    assert fragment in err


def test_bad_format_for_plan(tmp_path):
    code, _, err = cli("plan", SPEC, "--format", "markdown")
    assert_one_line_error(code, err)
    assert "--format: unknown format 'markdown'" in err


def test_load_source_reads_specs_and_plans(tmp_path):
    spec_source = load_source(SPEC)
    assert spec_source.kind == "spec" and spec_source.budget["max_loss"] == 2.1
    out = tmp_path / "plan.yaml"
    assert cli("plan", SPEC, "-o", str(out))[0] == 0
    plan_source = load_source(out)
    assert plan_source.kind == "plan" and dict(plan_source.budget) == dict(spec_source.budget)
    assert plan_source.name == "compute-optimal-1e23"
