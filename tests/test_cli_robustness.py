"""Contract cases found by an adversarial review: one-line errors, no tracebacks, no NaN, pipes and files."""

import os
import subprocess
import sys

import pytest

from conftest import REPO, assert_one_line_error, cli


@pytest.mark.parametrize("args", [
    ["cost", "--N", "7B", "--D", "2T", "--pue", "nan"],
    ["cost", "--N", "7B", "--D", "2T", "--pue", "-1"],
    ["cost", "--N", "7B", "--D", "2T", "--tp", "99999999999999999999"],
    ["optimal", "--flops", "1e23", "--inference-tokens", "1e300"],
    ["optimal", "--flops", "1e"],
    ["optimal", "--gpus", "1e15", "--days", "365"],
    ["optimal", "--flops", "1e23", "--json", "--format", "markdown"],
    ["check", str(REPO / "configs" / "examples" / "7b-h100.yaml"), "--json", "--format", "github"],
])
def test_bad_input_is_one_line(args):
    assert_one_line_error(*cli(*args)[::2])


def test_duplicate_yaml_keys_are_errors(tmp_path):
    spec = tmp_path / "dup.yaml"
    spec.write_text("spec_version: 1\ncompute:\n  flops: 1e23\ncompute:\n  flops: 1e25\n")
    code, _, err = cli("check", str(spec), "--max-loss", "3")
    assert_one_line_error(code, err)
    assert "duplicate key 'compute'" in err


def test_absurd_law_exponent_is_refused(tmp_path):
    text = (REPO / "configs" / "laws" / "allocation" / "epoch-2024.yaml").read_text()
    law = tmp_path / "law.yaml"
    law.write_text(text.replace("alpha: 0.34781303", "alpha: 1.0e-300"))
    code, _, err = cli("optimal", "--flops", "1e23", "--law-file", str(law))
    assert_one_line_error(code, err)
    assert "constants.alpha" in err


def test_huge_integer_in_a_spec_is_one_line(tmp_path):
    spec = tmp_path / "big.yaml"
    spec.write_text("spec_version: 1\ncompute:\n  flops: 1" + "0" * 400 + "\nbudget:\n  max_loss: 3\n")
    assert_one_line_error(*cli("check", str(spec))[::2])


def test_plan_refuses_to_replace_a_non_regular_file(tmp_path):
    fifo = tmp_path / "pipe"
    os.mkfifo(fifo)
    code, _, err = cli("plan", str(REPO / "configs" / "examples" / "7b-h100.yaml"), "-o", str(fifo), "--force")
    assert_one_line_error(code, err)
    assert fifo.exists() and not fifo.is_file()


def test_table_output_into_a_closed_pipe_exits_0():
    proc = subprocess.run(f"{sys.executable} -m scaleplan optimal --flops 1e23 | head -1 > /dev/null; "
                          "echo ${PIPESTATUS[0]}", shell=True, capture_output=True, text=True, executable="/bin/bash")
    assert proc.stdout.strip() == "0", proc.stderr
    assert "Traceback" not in proc.stderr
