"""`scaleplan check`: exit codes through a real subprocess, limits from file and flags, formats, the
documented JSON schema, determinism, and one-line errors for bad input.

Cost limits are exercised with hand-written plan fixtures (tests/fixtures/plan-costed-*.yaml) that carry
a ``cost`` section, so these tests hold before and after the planner learns to cost a plan.
"""

import json
import re
import shutil
import subprocess
import sys

import pytest

from scaleplan.spec.limits import LIMITS

from conftest import REPO, assert_one_line_error, cli, run_cli

EXAMPLES = REPO / "configs" / "examples"
FIXTURES = REPO / "tests" / "fixtures"
PASSING_SPEC = str(EXAMPLES / "compute-optimal-1e23.yaml")
COSTED_PASS = str(FIXTURES / "plan-costed-pass.yaml")
COSTED_OVER_USD = str(FIXTURES / "plan-costed-over-usd.yaml")
NEWER = str(FIXTURES / "plan-newer-schema.yaml")
SCHEMA = json.loads((REPO / "docs" / "check-schema.json").read_text())


# --- a small JSON-Schema validator (the subset docs/check-schema.json uses) ------------------------------

_TYPES = {"object": dict, "array": list, "string": str, "boolean": bool, "null": type(None)}


def _is_type(value, name):
    if name == "number":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if name == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    return isinstance(value, _TYPES[name])


def validate(value, schema, path="$"):
    errors = []
    if "const" in schema and value != schema["const"]:
        errors.append(f"{path}: {value!r} != const {schema['const']!r}")
    if "enum" in schema and value not in schema["enum"]:
        errors.append(f"{path}: {value!r} not in {schema['enum']}")
    if "type" in schema:
        names = schema["type"] if isinstance(schema["type"], list) else [schema["type"]]
        if not any(_is_type(value, n) for n in names):
            return errors + [f"{path}: {value!r} is not {names}"]
    if _is_type(value, "number"):
        if "minimum" in schema and value < schema["minimum"]:
            errors.append(f"{path}: {value} < {schema['minimum']}")
        if "exclusiveMinimum" in schema and value <= schema["exclusiveMinimum"]:
            errors.append(f"{path}: {value} <= {schema['exclusiveMinimum']}")
    if isinstance(value, dict):
        for key in schema.get("required", []):
            if key not in value:
                errors.append(f"{path}: missing {key}")
        props = schema.get("properties", {})
        for key, item in value.items():
            if key in props:
                errors += validate(item, props[key], f"{path}.{key}")
            elif schema.get("additionalProperties") is False:
                errors.append(f"{path}: unexpected key {key}")
    if isinstance(value, list):
        if len(value) < schema.get("minItems", 0):
            errors.append(f"{path}: fewer than {schema['minItems']} items")
        for index, item in enumerate(value):
            errors += validate(item, schema.get("items", {}), f"{path}[{index}]")
    return errors


def test_validator_rejects_bad_documents():
    good = json.loads(cli("check", COSTED_PASS, "--format", "json")[1])
    assert validate(good, SCHEMA) == []
    bad = json.loads(json.dumps(good))
    bad["results"][0]["margin"] = "lots"
    del bad["summary"]["failed"]
    bad["extra"] = 1
    errors = validate(bad, SCHEMA)
    assert len(errors) == 3, errors


def test_schema_document_matches_the_code():
    item = SCHEMA["properties"]["results"]["items"]["properties"]
    assert item["limit"]["enum"] == [limit.name for limit in LIMITS]
    assert set(item["unit"]["enum"]) == {limit.unit for limit in LIMITS}
    from scaleplan.checks import CHECK_SCHEMA_VERSION

    assert SCHEMA["properties"]["check_schema_version"]["const"] == CHECK_SCHEMA_VERSION


# --- exit codes through a real subprocess ---------------------------------------------------------------

def test_exit_0_spec_that_passes():
    result = run_cli("check", PASSING_SPEC)
    assert result.returncode == 0, result.stderr
    assert "max_loss" in result.stdout and "pass" in result.stdout and result.stderr == ""


def test_exit_1_plan_that_fails_on_dollars():
    result = run_cli("check", COSTED_OVER_USD, "--format", "json")
    assert result.returncode == 1
    data = json.loads(result.stdout)
    assert validate(data, SCHEMA) == []
    assert data["passed"] is False and data["summary"] == {"total": 2, "passed": 1, "failed": 1}
    usd = data["results"][0]
    assert usd["limit"] == "max_usd" and usd["path"] == "cost.usd.on_demand" and usd["passed"] is False
    assert usd["value"] == 2104377.0 and usd["threshold"] == 2e6 and usd["margin"] == pytest.approx(-104377.0)
    assert_one_line_error(result.returncode, result.stderr, expected_code=1)
    assert "max_usd" in result.stderr


def test_exit_2_spec_with_a_malformed_key(tmp_path):
    spec = tmp_path / "typo.yaml"
    spec.write_text("compute:\n  flops: 1e22\nhardware:\n  gpu: 8\n")
    result = run_cli("check", str(spec))
    assert_one_line_error(result.returncode, result.stderr)
    assert "hardware.gpu: unknown key (did you mean 'gpus'?)" in result.stderr and result.stdout == ""


def test_exit_2_plan_from_a_newer_schema():
    result = run_cli("check", NEWER)
    assert_one_line_error(result.returncode, result.stderr)
    assert "schema_version: 99 is newer than this scaleplan reads" in result.stderr


def test_plain_1e23_spec_end_to_end(tmp_path):
    spec = tmp_path / "plain.yaml"
    spec.write_text("compute:\n  flops: 1e23\nbudget:\n  max_params: 1e11\n")
    result = run_cli("check", str(spec), "--format", "json")
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["plan"]["compute_flops"] == 1e23


def test_example_that_fails_on_dollars_fails_or_says_it_cannot_cost():
    """over-budget-usd.yaml exits 1 on max_usd once the planner costs plans; until then it exits 2, clearly."""
    result = run_cli("check", str(EXAMPLES / "over-budget-usd.yaml"), "--format", "json")
    if result.returncode == 2:
        assert_one_line_error(result.returncode, result.stderr)
        assert "is not supported by this scaleplan" in result.stderr or "cost.usd" in result.stderr
    else:
        assert result.returncode == 1, result.stderr
        data = json.loads(result.stdout)
        assert validate(data, SCHEMA) == []
        assert [r["limit"] for r in data["results"] if not r["passed"]] == ["max_usd"]


def test_7b_h100_example_passes_or_says_what_is_missing():
    result = run_cli("check", str(EXAMPLES / "7b-h100.yaml"))
    if result.returncode == 2:
        assert_one_line_error(result.returncode, result.stderr)
        assert "is not supported by this scaleplan" in result.stderr
    else:
        assert result.returncode in (0, 1), result.stderr
        assert "max_usd" in result.stdout


# --- limits: file, flags, tiers, missing values ---------------------------------------------------------

def test_costed_plan_passes_every_file_limit():
    code, out, err = cli("check", COSTED_PASS, "--json")
    assert code == 0, err
    data = json.loads(out)
    assert [r["limit"] for r in data["results"]] == ["max_usd", "max_gpu_hours", "max_days", "max_memory_fraction"]
    assert all(r["origin"] == "file" for r in data["results"])
    assert data["source"] == {"path": COSTED_PASS, "kind": "plan", "name": "7b-h100"}


def test_flags_win_over_the_file():
    code, out, _ = cli("check", COSTED_OVER_USD, "--max-usd", "$2.5M", "--format", "json")
    assert code == 0
    usd = json.loads(out)["results"][0]
    assert usd["threshold"] == 2.5e6 and usd["origin"] == "flag" and usd["passed"]
    code, out, _ = cli("check", COSTED_PASS, "--max-days", "48h", "--max-energy-kwh", "1e5", "--format", "json")
    assert code == 1
    results = {r["limit"]: r for r in json.loads(out)["results"]}
    assert results["max_days"]["threshold"] == 2.0 and not results["max_days"]["passed"]
    assert results["max_energy_kwh"]["passed"] and results["max_energy_kwh"]["origin"] == "flag"


def test_issue_example_flags_on_a_plan():
    code, out, _ = cli("check", COSTED_PASS, "--max-usd", "2e6", "--max-gpu-hours", "6e5", "--max-days", "45",
                       "--format", "json")
    assert code == 0 and json.loads(out)["summary"]["total"] == 4


def test_price_tier_selects_the_dollar_figure():
    code, out, _ = cli("check", COSTED_OVER_USD, "--price", "reserved", "--format", "json")
    assert code == 0
    data = json.loads(out)
    assert data["plan"]["price_tier"] == "reserved" and data["results"][0]["path"] == "cost.usd.reserved"
    assert cli("check", COSTED_OVER_USD, "--price", "spot")[0] == 0


def test_min_limits_and_margins():
    code, out, _ = cli("check", PASSING_SPEC, "--min-tokens-per-param", "25", "--format", "json")
    assert code == 1
    result = {r["limit"]: r for r in json.loads(out)["results"]}["min_tokens_per_param"]
    assert result["kind"] == "min" and result["margin"] == pytest.approx(result["value"] - 25)
    assert result["margin_fraction"] == pytest.approx(result["margin"] / 25) and not result["passed"]


def test_cost_limit_on_a_plan_without_cost_names_the_path_and_the_fix(tmp_path):
    from scaleplan.config import dump_yaml, load_yaml

    document = load_yaml(COSTED_PASS)
    del document["cost"]
    uncosted = tmp_path / "plan-without-cost.yaml"
    uncosted.write_text(dump_yaml(document))
    code, out, err = cli("check", str(uncosted), "--max-usd", "2e6")
    assert_one_line_error(code, err)
    assert "max_usd needs cost.usd.on_demand" in err and "hardware.profile" in err and out == ""


def test_loss_limit_under_a_law_without_loss(tmp_path):
    from scaleplan.laws import registry

    lossless = [s.name for s in registry.all_specs("allocation") if not registry.build(s).has_loss]
    if not lossless:
        pytest.skip("every shipped law predicts loss")
    spec = tmp_path / "noloss.yaml"
    spec.write_text(f"compute: {{flops: 1e22}}\nlaw: {{allocation: {lossless[0]}}}\nbudget: {{max_loss: 3}}\n")
    code, _, err = cli("check", str(spec))
    assert_one_line_error(code, err)
    assert "max_loss needs allocation.loss" in err


def test_a_check_with_no_limits_is_bad_input(tmp_path):
    spec = tmp_path / "nolimits.yaml"
    spec.write_text("compute: {flops: 1e22}\n")
    code, _, err = cli("check", str(spec))
    assert_one_line_error(code, err)
    assert "no limits to check" in err


@pytest.mark.parametrize("args, fragment", [
    (("--max-usd", "-5"), "--max-usd: a limit must be positive"),
    (("--max-loss=-1",), "--max-loss: a limit must be positive"),
    (("--max-loss", "abc"), "--max-loss: expected a number"),
    (("--max-usd", "lots"), "--max-usd: cannot read 'lots' as dollars"),
    (("--max-days", "0"), "--max-days: a limit must be positive"),
    (("--max-memory-fraction", "2"), "--max-memory-fraction: a fraction must be at most 1"),
    (("--max-params", "inf"), "--max-params"),
    (("--format", "xml"), "--format: unknown format 'xml'"),
    (("--price", "cheap"), "--price: unknown price tier"),
    (("--max-usd",), "requires an argument"),
])
def test_bad_flags_are_one_line_errors(args, fragment):
    code, out, err = cli("check", COSTED_PASS, *args)
    assert_one_line_error(code, err)
    assert fragment in err


@pytest.mark.parametrize("text, fragment", [
    ("schema_version: 1\ninputs: {}\nlaw: {}\n", "allocation: required key is missing"),
    ("schema_version: one\n", "schema_version: expected a positive whole number"),
    ("schema_version: 1\ninputs: {}\nlaw: {}\nallocation: {params: 7e9, tokens: -1, tokens_per_param: 1}\n",
     "allocation.tokens: must be positive"),
    ("schema_version: 1\ninputs: []\nlaw: {}\nallocation: {}\n", "inputs: expected a mapping"),
    ("schema_version: 1\ninputs: {}\nlaw: {}\nallocation: {params: 7e9, tokens: 1e12, tokens_per_param: 142.9}\n"
     "spec: {budget: {max_usd: -1}}\n", "spec.budget.max_usd: a limit must be positive"),
    ("schema_version: 1\ninputs: {}\nlaw: {}\nallocation: {params: 7e9, tokens: 1e12, tokens_per_param: 142.9}\n"
     "spec: {budget: {max_ussd: 1}}\n", "spec.budget.max_ussd: unknown key (did you mean 'max_usd'?)"),
    ("[1, 2]\n", "expected a spec or a plan"),
    ("compute: {flops: 1e22}\nbudget: {max_loss: 3}\n  bad: indent\n", "malformed YAML"),
])
def test_bad_plan_files_are_one_line_errors(tmp_path, text, fragment):
    path = tmp_path / "p.yaml"
    path.write_text(text)
    code, _, err = cli("check", str(path), "--max-params", "1e12")
    assert_one_line_error(code, err)
    assert fragment in err, err


def test_non_numeric_cost_value_in_a_plan(tmp_path):
    path = tmp_path / "p.yaml"
    path.write_text(open(COSTED_PASS).read().replace("gpu_hours: 58923.0", "gpu_hours: many"))
    code, _, err = cli("check", str(path))
    assert_one_line_error(code, err)
    assert "cost.gpu_hours: expected a finite number in the plan" in err


# --- formats --------------------------------------------------------------------------------------------

def test_json_is_valid_against_the_schema_for_specs_and_plans():
    for args in ((PASSING_SPEC,), (COSTED_PASS,), (COSTED_OVER_USD,), (PASSING_SPEC, "--max-loss", "1.5"),
                 (COSTED_PASS, "--max-usd", "1", "--min-tokens", "1T", "--max-tokens-per-param", "300",
                  "--max-params", "7B", "--max-energy-kwh", "6e4", "--max-loss", "2.1")):
        code, out, _ = cli("check", *args, "--format", "json")
        assert code in (0, 1)
        data = json.loads(out)
        assert validate(data, SCHEMA) == [], args
        assert data["passed"] == (code == 0)


def test_json_is_byte_identical_across_runs():
    for path in (PASSING_SPEC, COSTED_OVER_USD):
        first = run_cli("check", path, "--format", "json")
        second = run_cli("check", path, "--format", "json")
        assert first.stdout == second.stdout and first.stdout.strip()


def test_github_annotations():
    code, out, _ = cli("check", COSTED_OVER_USD, "--format", "github")
    assert code == 1
    errors = [line for line in out.splitlines() if line.startswith("::error ")]
    assert len(errors) == 1
    assert re.match(r"::error file=.*plan-costed-over-usd\.yaml,title=scaleplan%3A max_usd violated::max_usd", errors[0])
    assert "%25" in errors[0]  # '%' escaped in the message
    code, out, _ = cli("check", COSTED_PASS, "--format", "github")
    assert code == 0 and "::error" not in out and out.splitlines()[-1].startswith("::notice ")


def test_markdown_summary():
    code, out, _ = cli("check", COSTED_OVER_USD, "--format", "markdown")
    assert code == 1
    assert out.startswith("### scaleplan check: `") and "❌ FAIL" in out
    assert "| limit | value | threshold | margin | result |" in out and "| FAIL |" in out
    code, out, _ = cli("check", COSTED_PASS, "--format", "markdown")
    assert code == 0 and "✅ pass" in out and "$177k" in out


def test_human_table():
    code, out, err = cli("check", COSTED_OVER_USD)
    assert code == 1 and "FAIL" in out and "$2.10M" in out and "<= $2.00M" in out
    assert "1 of 2 limits violated (max_usd)" in out


# --- the CI recipe in docs/ci.md runs as written --------------------------------------------------------

def _ci_script() -> str:
    text = (REPO / "docs" / "ci.md").read_text()
    block = text.split("- name: Check every spec under plans/", 1)[1].split("run: |", 1)[1].split("```", 1)[0]
    lines = [line[10:] if line.startswith(" " * 10) else line.strip() for line in block.splitlines()]
    return "\n".join(lines)


@pytest.mark.skipif(shutil.which("bash") is None, reason="needs bash")
def test_ci_recipe_checks_every_spec(tmp_path):
    import os

    (tmp_path / "plans" / "team").mkdir(parents=True)
    shutil.copy(PASSING_SPEC, tmp_path / "plans" / "ok.yaml")
    summary = tmp_path / "summary.md"
    env = dict(os.environ, GITHUB_STEP_SUMMARY=str(summary),
               PATH=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
    script = _ci_script()
    run = lambda: subprocess.run(["bash", "-c", script], cwd=tmp_path, env=env, capture_output=True, text=True,
                                 timeout=300)
    result = run()
    assert result.returncode == 0, result.stdout + result.stderr
    assert "::notice" in result.stdout and "### scaleplan check" in summary.read_text()
    (tmp_path / "plans" / "team" / "tight.yaml").write_text("compute: {flops: 1e22}\nbudget: {max_loss: 1.5}\n")
    result = run()
    assert result.returncode == 1 and "::error file=plans/team/tight.yaml" in result.stdout
    (tmp_path / "plans" / "broken.yaml").write_text("compute: {flops: 1e22}\nbudget: {max_los: 1.5}\n")
    result = run()
    assert result.returncode == 2 and "::error file=plans/broken.yaml::" in result.stdout
