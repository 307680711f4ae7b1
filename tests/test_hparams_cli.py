"""``scaleplan hparams``: every output path and every bad-input path (one-line error, exit 2)."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import assert_one_line_error, cli, run_cli


def test_default_table():
    code, out, err = cli("hparams", "--N", "7e9", "--D", "2e12")
    assert code == 0, err
    for text in ("peak learning rate", "global batch (tokens)", "sequences of 4096 tokens", "weight decay",
                 "tau at lambda = 0.1", "warmup", "WSD", "cosine", "beta1 / beta2", "critical batch", "B_crit",
                 "step-law-2025", "non-embedding"):
        assert text in out, text
    assert "nan" not in out.lower()


def test_json_deepseek_with_seq_len():
    code, out, err = cli("hparams", "--N", "7e9", "--D", "2e12", "--seq-len", "4096", "--law", "deepseek-2024",
                         "--json")
    assert code == 0, err
    doc = json.loads(out)
    hp = doc["hyperparameters"]
    assert hp["law"] == "deepseek-2024-hparams"
    assert hp["batch"]["sequences"] * 4096 == pytest.approx(hp["batch"]["tokens"])
    assert hp["inputs"]["deepseek_m_flops_per_token"] > 0
    assert "C = M D" in hp["peak_lr"]["formula"]
    assert isinstance(doc["warnings"], list)


def test_compare_shows_every_law_and_the_spread():
    code, out, err = cli("hparams", "--N", "7e9", "--D", "2e12", "--compare")
    assert code == 0, err
    for name in ("step-law-2025", "deepseek-2024-hparams", "porian-2024-hparams", "kaplan-2020-hparams",
                 "minicpm-2024-hparams"):
        assert name in out
    assert "spread across laws" in out
    code, out, _ = cli("hparams", "--N", "7e9", "--D", "2e12", "--compare", "--json")
    spread = json.loads(out)["comparison"]["spread"]
    assert spread["lr_max_over_min"] > 1 and spread["batch_max_over_min"] > 1


def test_batch_tokens_rescales_lr():
    _, base, _ = cli("hparams", "--N", "7e9", "--D", "2e12", "--json")
    code, out, err = cli("hparams", "--N", "7e9", "--D", "2e12", "--batch-tokens", "4M", "--json")
    assert code == 0, err
    b, f = json.loads(base)["hyperparameters"], json.loads(out)["hyperparameters"]
    assert f["batch"]["tokens"] == 4e6 and f["batch"]["user_fixed"]
    expected = b["peak_lr"]["value"] * (4e6 / b["batch"]["tokens"]) ** 0.5
    assert f["peak_lr"]["value"] == pytest.approx(expected)
    assert f["peak_lr"]["rescale"]["rule"].startswith("square-root")


def test_non_embedding_n_flag():
    code, out, err = cli("hparams", "--non-embedding-N", "1e9", "--D", "1e11", "--json")
    assert code == 0, err
    hp = json.loads(out)["hyperparameters"]
    assert hp["peak_lr"]["value"] == pytest.approx(1.632e-3, rel=1e-3)
    assert hp["batch"]["tokens"] == pytest.approx(1.108e6, rel=1e-3)
    assert hp["inputs"]["params_given"] == "non_embedding"
    code, out, _ = cli("hparams", "--N", "1e9", "--D", "1e11", "--json")
    assert json.loads(out)["hyperparameters"]["peak_lr"]["value"] != pytest.approx(1.632e-3, rel=1e-2)


def test_yaml_and_markdown():
    code, out, err = cli("hparams", "--N", "7B", "--D", "2T", "--yaml")
    assert code == 0, err
    assert yaml.safe_load(out)["hyperparameters"]["law"] == "step-law-2025"
    code, out, err = cli("hparams", "--N", "7B", "--D", "2T", "--format", "markdown", "--compare")
    assert code == 0, err
    assert out.startswith("# Hyperparameters") and "| peak learning rate |" in out and "## Hyperparameters under" in out


def test_d_smaller_than_n_answers_with_warning():
    code, out, err = cli("hparams", "--N", "7e9", "--D", "1e9")
    assert code == 0, err
    assert "smaller than N" in out


def test_kaplan_lr_non_positive_is_a_clear_warning():
    code, out, err = cli("hparams", "--non-embedding-N", "2e10", "--D", "4e11", "--law", "kaplan-2020",
                         "--format", "markdown")
    assert code == 0, err
    assert "<= 0" in out and "12.1B" in out and "nan" not in out.lower()


@pytest.mark.parametrize("args", [
    ("--N", "0", "--D", "1e12"), ("--N", "-7e9", "--D", "1e12"), ("--N", "nan", "--D", "1e12"),
    ("--N", "inf", "--D", "1e12"), ("--N", "7e9", "--D", "0"), ("--N", "7e9", "--D", "-1"),
    ("--N", "7e9", "--D", "nan"), ("--N", "7e9", "--D", "inf"),
    ("--N", "7e9", "--D", "1e12", "--seq-len", "0"), ("--N", "7e9", "--D", "1e12", "--seq-len", "-4096"),
    ("--N", "7e9", "--D", "1e12", "--seq-len", "nan"), ("--N", "7e9", "--D", "1e12", "--seq-len", "inf"),
    ("--N", "7e9", "--D", "1e12", "--seq-len", "1.5"),
    ("--N", "7e9", "--D", "1e12", "--batch-tokens", "1000"),
    ("--N", "7e9", "--D", "1e12", "--batch-tokens", "0"),
    ("--N", "7e9", "--D", "1e12", "--non-embedding-N", "8e9"),
    ("--N", "7e9", "--D", "1e12", "--optimizer", "lion"),
    ("--N", "7e9", "--D", "1e12", "--law", "wsd-schedule"),
    ("--N", "7e9", "--D", "1e12", "--loss-law", "deepseek-2024"),
    ("--D", "1e12"), ("--N", "7e9"), ("--N", "7x", "--D", "1e12"),
])
def test_bad_input_is_one_line_exit_2(args):
    code, out, err = cli("hparams", *args)
    assert_one_line_error(code, err)


def test_unknown_law_names_closest_match():
    code, out, err = cli("hparams", "--N", "7e9", "--D", "2e12", "--law", "steplaw")
    assert_one_line_error(code, err)
    assert "did you mean 'step-law-2025'" in err


def test_subprocess_like_a_user():
    proc = run_cli("hparams", "--N", "7e9", "--D", "2e12", "--compare", "--json")
    assert proc.returncode == 0, proc.stderr
    assert json.loads(proc.stdout)["comparison"]["laws"]
    bad = run_cli("hparams", "--N", "7e9", "--D", "2e12", "--law", "nope")
    assert_one_line_error(bad.returncode, bad.stderr)


def test_laws_list_and_show_still_work_with_hparam_laws():
    code, out, err = cli("laws", "list", "--json")
    assert code == 0, err
    names = {d["name"]: d["category"] for d in json.loads(out)["laws"]}
    assert names["step-law-2025"] == "hyperparameter" and names["epoch-2024"] == "allocation"
    code, out, err = cli("laws", "show", "power-lines-2025")
    assert code == 0, err and "unverified" in out


def test_validate_includes_hparam_cases():
    code, out, err = cli("validate", "--only", "hparams", "--json")
    assert code == 0, err
    cases = json.loads(out)["cases"]
    assert any(c["case"] == "deepseek-7b-table2" for c in cases)
    assert any(c["case"] == "steplaw-T9-given-total-N" and c["must_differ"] for c in cases)
    code, out, err = cli("validate", "--only", "step-law", "--json")
    assert json.loads(out)["failed"] == 0 and json.loads(out)["passed"] >= 14
