"""Hardware profiles: schema, dense-vs-sparse validation, lookup, and agreement with ../shared/reference."""

from __future__ import annotations

import copy

import pytest
import yaml

from scaleplan.config import load_yaml
from scaleplan.errors import ConfigError, InputError
from scaleplan.hardware import DTYPES, PRICE_TIERS, list_profiles, load_profile, parse_profile
from scaleplan.hardware.registry import hardware_dir

REQUIRED = {"a100-40gb", "a100-80gb", "h100-sxm", "h100-pcie", "h100-nvl", "h200", "b200", "gb200", "l40s", "mi250x",
            "mi300x", "mi325x", "mi355x", "tpu-v5e", "tpu-v5p", "tpu-v6e", "gaudi3", "trainium2"}


def _raw(name: str) -> dict:
    return copy.deepcopy(load_yaml(hardware_dir() / f"{name}.yaml"))


def test_at_least_fifteen_profiles_cover_the_issue_list():
    names = {p.name for p in list_profiles()}
    assert len(names) >= 15
    assert REQUIRED <= names


@pytest.mark.parametrize("profile", list_profiles(), ids=lambda p: p.name)
def test_every_profile_is_dense_sourced_and_priced(profile):
    assert profile.peak_dense_tflops["bf16"] > 0
    for dtype, dense in profile.peak_dense_tflops.items():
        assert dtype in DTYPES
        if dtype in profile.peak_sparse_tflops:
            assert dense <= profile.peak_sparse_tflops[dtype]
    for key in ("compute", "memory", "intra_node", "scale_out", "power"):
        assert "(as of " in profile.sources[key]
    for tier in PRICE_TIERS:
        price = profile.prices[tier]
        assert price.as_of and price.source
        assert price.usd_per_hour is None or price.usd_per_hour > 0
        assert price.usd_per_hour is not None or price.note
    assert profile.memory_gib > 0 and profile.memory_bandwidth_tbps > 0
    assert profile.scale_up_domain >= profile.accelerators_per_node >= 1


def test_lookup_by_alias_and_case():
    assert load_profile("H100").name == "h100-sxm"
    assert load_profile(None).name == "h100-sxm"
    assert load_profile("a100").name == "a100-80gb"


def test_unknown_hardware_suggests_the_closest():
    with pytest.raises(InputError, match="did you mean 'h100-sxm'"):
        load_profile("h100-sxn")


def test_user_profile_file(tmp_path):
    data = _raw("h100-sxm")
    data["name"] = "my-cluster"
    data["prices"]["reserved"]["usd_per_hour"] = 2.0
    path = tmp_path / "my-cluster.yaml"
    path.write_text(yaml.safe_dump(data))
    profile = load_profile(str(path))
    assert profile.name == "my-cluster" and profile.prices["reserved"].usd_per_hour == 2.0


def test_sparse_looking_dense_peak_is_rejected():
    data = _raw("h100-sxm")
    data["peak_dense_tflops"]["bf16"] = 1979.0  # the starred 'with sparsity' figure
    with pytest.raises(ConfigError, match=r"x\.yaml: peak_dense_tflops\.bf16: .*sparse"):
        parse_profile(data, "x.yaml")


@pytest.mark.parametrize("path, key", [
    (("memory",), "capacity_gib"), (("peak_dense_tflops",), "bf16"), (("intra_node",), "accelerators_per_node"),
    (("prices", "on-demand"), "as_of"), (("power",), "source"),
])
def test_missing_field_names_file_and_field(path, key):
    data = _raw("a100-80gb")
    block = data
    for part in path:
        block = block[part]
    del block[key]
    with pytest.raises(ConfigError) as err:
        parse_profile(data, "bad.yaml")
    assert str(err.value).startswith("bad.yaml: ") and key in str(err.value)


def test_unknown_key_is_rejected_with_a_hint():
    data = _raw("a100-80gb")
    data["memroy"] = data.pop("memory")
    with pytest.raises(ConfigError, match="memroy"):
        parse_profile(data, "bad.yaml")


def test_missing_fp8_gives_a_clear_error():
    with pytest.raises(InputError, match="a100-80gb has no dense fp8 peak"):
        load_profile("a100-80gb").peak_flops("fp8")


def test_profiles_agree_with_the_shared_reference(shared_dir):
    ref = load_yaml(shared_dir / "reference" / "hardware.yaml")
    by_id = {a["id"]: a for a in ref["accelerators"]}
    pairs = {"a100-40gb": "nvidia-a100-sxm4-40gb", "a100-80gb": "nvidia-a100-sxm4-80gb",
             "h100-sxm": "nvidia-h100-sxm5-80gb", "h100-pcie": "nvidia-h100-pcie-80gb", "h100-nvl": "nvidia-h100-nvl-94gb",
             "h200": "nvidia-h200-sxm-141gb", "b200": "nvidia-b200-sxm", "gb200": "nvidia-gb200-per-gpu",
             "l40s": "nvidia-l40s", "mi300x": "amd-mi300x", "mi325x": "amd-mi325x", "mi355x": "amd-mi355x",
             "tpu-v5e": "google-tpu-v5e", "tpu-v5p": "google-tpu-v5p", "tpu-v6e": "google-tpu-v6e",
             "gaudi3": "intel-gaudi3", "trainium2": "aws-trainium2"}
    for name, ref_id in pairs.items():
        profile, entry = load_profile(name), by_id[ref_id]
        for dtype, value in profile.peak_dense_tflops.items():
            assert value == pytest.approx(float(entry["peak_dense_tflops"][dtype])), (name, dtype)
        assert profile.memory_bandwidth_tbps == pytest.approx(entry["memory"]["bandwidth_tbps"]), name
    # MI250X is profiled per GCD: package figures / 2
    mi250x = by_id["amd-mi250x"]
    assert load_profile("mi250x").peak_dense_tflops["bf16"] * 2 == pytest.approx(mi250x["peak_dense_tflops"]["bf16"])
