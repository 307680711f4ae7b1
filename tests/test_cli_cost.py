"""`scaleplan cost` and `scaleplan hardware` end to end: output forms, bad input -> one-line error, exit 2."""

from __future__ import annotations

import json

import pytest
import yaml

from conftest import assert_one_line_error, cli, run_cli


def test_hardware_list_and_show():
    code, out, _ = cli("hardware", "list", "--json")
    assert code == 0
    names = {p["name"] for p in json.loads(out)["profiles"]}
    assert {"h100-sxm", "a100-80gb", "mi300x", "tpu-v5p"} <= names
    code, out, _ = cli("hardware", "show", "h100-sxm")
    assert code == 0 and "989.4 TFLOP/s" in out and "never used" in out
    code, out, _ = cli("hardware", "show", "b200", "--format", "markdown")
    assert code == 0 and out.startswith("| field | value |")


def test_cost_table_shows_every_part():
    code, out, err = cli("cost", "--N", "7e9", "--D", "2e12", "--hardware", "h100-sxm", "--gpus", "512")
    assert code == 0, err
    for text in ("TP ", "memory: total (sum)", "pipeline", "MFU (model FLOPs)", "HFU (hardware FLOPs)", "GPU-hours",
                 "wall-clock", "cost on-demand", "cost reserved", "cost spot", "energy", "goodput"):
        assert text in out, text
    assert "nan" not in out.lower()


def test_cost_json_405b():
    code, out, err = cli("cost", "--N", "405e9", "--D", "15.6e12", "--hardware", "h100-sxm", "--gpus", "16384",
                         "--seq-len", "8192", "--batch-tokens", "16M", "--json")
    assert code == 0, err
    data = json.loads(out)["cost"]
    assert data["gpus"] == 16384 and data["model"]["seq_len"] == 8192
    assert 0.3 < data["flops"]["mfu"] < 0.5 and data["flops"]["hfu"] >= data["flops"]["mfu"]
    memory = data["memory_per_gpu_bytes"]
    parts = sum(memory[k] for k in ("weights", "gradients", "optimizer", "activations", "logits", "fsdp_buffers"))
    assert memory["total"] == pytest.approx(parts) and memory["total"] <= memory["usable"]
    step = data["step_time_s"]
    assert step["total"] == pytest.approx(sum(step[k] for k in ("compute", "tp_comm", "pp_comm", "bubble",
                                                                   "dp_comm", "optimizer")))


def test_fixed_layout_is_respected():
    code, out, err = cli("cost", "--N", "70e9", "--D", "2e12", "--hardware", "a100-80gb", "--gpus", "2048", "--tp", "8",
                         "--pp", "4", "--micro-batch", "1", "--recompute", "selective", "--yaml")
    assert code == 0, err
    layout = yaml.safe_load(out)["cost"]["layout"]
    assert (layout["tp"], layout["pp"], layout["micro_batch"], layout["recompute"]) == (8, 4, 1, "selective")
    assert layout["dp"] == 2048 // 32


def test_user_profile_and_reserved_price(tmp_path):
    from scaleplan.config import load_yaml
    from scaleplan.hardware.registry import hardware_dir

    data = load_yaml(hardware_dir() / "h100-sxm.yaml")
    data["name"] = "my-cluster"
    path = tmp_path / "my-cluster.yaml"
    path.write_text(yaml.safe_dump(data))
    code, out, err = cli("cost", "--N", "7e9", "--D", "2e12", "--hardware", str(path), "--gpus", "64", "--price",
                         "reserved", "--json")
    assert code == 0, err
    dollars = json.loads(out)["cost"]["dollars"]
    assert dollars["tier"] == "reserved" and dollars["usd"] > 0


def test_gpu_count_is_chosen_and_explained():
    code, out, err = cli("cost", "--N", "1e9", "--D", "2e10", "--json")
    assert code == 0, err
    data = json.loads(out)["cost"]
    assert data["gpus"] >= 8 and "cheapest node-size x 2^k count" in data["gpus_reason"]


@pytest.mark.parametrize("args, fragment", [
    (("--hardware", "h100-sxn", "--gpus", "8"), "did you mean 'h100-sxm'"),
    (("--gpus", "12"), "not a multiple of the node size"),
    (("--gpus", "0"), "--gpus"),
    (("--gpus", "-8"), "--gpus"),
    (("--gpus", "8", "--precision", "fp8", "--hardware", "a100-80gb"), "no dense fp8 peak"),
    (("--gpus", "8", "--price", "cheap"), "unknown tier"),
    (("--gpus", "8", "--recompute", "half"), "--recompute"),
])
def test_bad_input_is_one_line_exit_2(args, fragment):
    code, _, err = cli("cost", "--N", "7e9", "--D", "2e12", *args)
    assert_one_line_error(code, err)
    assert fragment in err


@pytest.mark.parametrize("n, d", [("1e17", "2e12"), ("7e9", "1e20"), ("7e9", "-5"), ("0", "2e12")])
def test_absurd_n_or_d(n, d):
    code, _, err = cli("cost", "--N", n, "--D", d, "--gpus", "8")
    assert_one_line_error(code, err)


def test_infeasible_request_says_what_would_fit():
    code, _, err = cli("cost", "--N", "405e9", "--D", "1e12", "--gpus", "8")
    assert_one_line_error(code, err)
    assert "GPUs would fit" in err and "GiB" in err


def test_bad_profile_file_is_one_line(tmp_path):
    path = tmp_path / "bad.yaml"
    path.write_text("schema_version: 1\nname: bad\n")
    code, _, err = cli("cost", "--N", "7e9", "--D", "2e12", "--hardware", str(path), "--gpus", "8")
    assert_one_line_error(code, err)
    assert "bad.yaml" in err


def test_subprocess_entry_point():
    result = run_cli("cost", "--N", "7B", "--D", "2T", "--gpus", "64", "--format", "markdown")
    assert result.returncode == 0, result.stderr
    assert "| MFU (model FLOPs) |" in result.stdout
