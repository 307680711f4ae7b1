"""Spec files: loading, validation errors (path + closest key), and the spec -> planner mapping."""

from pathlib import Path

import pytest

from scaleplan.config import load_yaml_text
from scaleplan.errors import ConfigError, InputError
from scaleplan.spec import SPEC_KEYS, load_spec, parse_spec, planner_kwargs, run_planner

from conftest import REPO, assert_one_line_error, cli

EXAMPLES = REPO / "configs" / "examples"


def spec_of(text: str, source: str = "s.yaml", base: Path | None = None):
    return parse_spec(load_yaml_text(text, source), source, base)


def error_of(text: str) -> str:
    with pytest.raises((ConfigError, InputError)) as info:
        spec_of(text)
    return str(info.value)


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.yaml")), ids=lambda p: p.name)
def test_every_example_is_a_valid_spec(path):
    spec = load_spec(path)
    assert spec.name == path.stem
    call = planner_kwargs(spec)
    assert call.function in ("optimal", "plan_fixed")


def test_required_examples_exist():
    for name in ("7b-h100.yaml", "compute-optimal-1e23.yaml", "over-budget-usd.yaml"):
        assert (EXAMPLES / name).is_file()
    assert load_spec(EXAMPLES / "over-budget-usd.yaml").budget["max_usd"] == 2e6


def test_plain_1e23_in_yaml_is_a_number():
    spec = spec_of("compute:\n  flops: 1e23\n")
    assert spec.value("compute.flops") == 1e23 and isinstance(spec.value("compute.flops"), float)
    assert planner_kwargs(spec).kwargs == {"flops": 1e23}


def test_units_are_accepted_in_specs():
    spec = spec_of("model: {params: 7B, tokens: 2T, seq_len: 4k}\nhardware: {gpus: 1k, price: on_demand}\n"
                   "budget: {max_usd: $2e6, max_days: 720h, max_gpu_hours: 6e5, min_tokens: 1.5T}\n")
    assert spec.value("model.params") == 7e9 and spec.value("model.tokens") == 2e12
    assert spec.value("model.seq_len") == 4000 and spec.value("hardware.gpus") == 1000
    assert spec.value("hardware.price") == "on-demand"
    assert spec.budget == {"max_usd": 2e6, "max_gpu_hours": 6e5, "max_days": 30.0, "min_tokens": 1.5e12}
    assert spec_of("compute: {usd: 1.5M USD, days: 2w}\n").value("compute.days") == 14.0


def test_mapping_covers_every_planner_keyword():
    spec = load_spec(EXAMPLES / "7b-h100.yaml")
    call = planner_kwargs(spec)
    assert call.function == "plan_fixed" and call.args == (7e9, 2e12)
    assert call.kwargs == {"seq_len": 4096, "law": "epoch-2024", "hardware": "h100-sxm",
                           "gpus": 1024, "price": "on-demand", "precision": "bf16"}
    assert call.origins["hardware"] == "hardware.profile"
    kwargs = {k.kwarg for k in SPEC_KEYS} - {"params", "tokens"}
    assert kwargs == {"flops", "budget_usd", "gpu_hours", "days", "seq_len", "moe_experts", "moe_active", "law",
                      "law_file", "hparam_law", "compare", "hardware", "gpus", "price", "precision", "goodput",
                      "unique_tokens", "inference_tokens"}


def test_full_budget_spec_maps_every_key(tmp_path):
    text = ("compute: {usd: $2e6, days: 30}\nmodel: {seq_len: 8192, moe: {experts: 64, active: 8}}\n"
            "law: {file: laws/mine.yaml, hyperparameters: deepseek-2024, compare: true}\n"
            "hardware: {profile: hw/h100.yaml, gpus: 512, price: spot, precision: fp8, goodput: 0.9}\n"
            "data: {unique_tokens: 1T, inference_tokens: 1e13}\n")
    call = planner_kwargs(spec_of(text, base=tmp_path))
    assert call.function == "optimal" and call.args == ()
    assert call.kwargs == {"budget_usd": 2e6, "days": 30.0, "seq_len": 8192, "moe_experts": 64, "moe_active": 8,
                           "law_file": str(tmp_path / "laws/mine.yaml"), "hparam_law": "deepseek-2024",
                           "compare": True, "hardware": str(tmp_path / "hw/h100.yaml"), "gpus": 512, "price": "spot",
                           "precision": "fp8", "goodput": 0.9, "unique_tokens": 1e12, "inference_tokens": 1e13}


def test_only_keys_the_user_set_are_passed(monkeypatch):
    from scaleplan import planner

    seen = {}
    real = planner.optimal

    def recording(*args, **kwargs):
        seen.update(kwargs)
        return real(kwargs["flops"], kwargs.get("law"))

    monkeypatch.setattr(planner, "optimal", recording)
    plan = run_planner(spec_of("compute: {flops: 1e22}\nlaw: {allocation: hoffmann-2022}\n"))
    assert seen == {"flops": 1e22, "law": "hoffmann-2022"}
    assert plan.law.name == "hoffmann-2022"


def test_unknown_keyword_for_this_planner_is_one_clear_error(monkeypatch):
    from scaleplan import planner

    def old_optimal(flops, law=None, *, law_file=None, compare=False):  # today's signature
        raise AssertionError("must not be called")

    monkeypatch.setattr(planner, "optimal", old_optimal)
    with pytest.raises(InputError, match=r"^s\.yaml: spec key hardware\.gpus is not supported by this scaleplan$"):
        run_planner(spec_of("compute: {flops: 1e22}\nhardware: {gpus: 8}\n"))


def test_unexpected_keyword_typeerror_is_mapped_to_the_spec_key(monkeypatch):
    from scaleplan import planner

    def picky(**kwargs):
        raise TypeError("optimal() got an unexpected keyword argument 'goodput'")

    monkeypatch.setattr(planner, "optimal", picky)
    with pytest.raises(InputError, match="spec key hardware.goodput is not supported by this scaleplan"):
        run_planner(spec_of("compute: {flops: 1e22}\nhardware: {goodput: 0.9}\n"))


def test_fixed_plan_without_plan_fixed_is_one_clear_error(monkeypatch):
    from scaleplan import planner

    monkeypatch.delattr(planner, "plan_fixed", raising=False)
    with pytest.raises(InputError, match="spec key model.params is not supported by this scaleplan"):
        run_planner(spec_of("model: {params: 7B, tokens: 2T}\n"))


def test_planner_errors_name_the_spec(monkeypatch):
    from scaleplan import planner

    def failing(**kwargs):
        raise InputError("flops: must be positive")

    monkeypatch.setattr(planner, "optimal", failing)
    with pytest.raises(InputError, match=r"^s\.yaml: flops: must be positive$"):
        run_planner(spec_of("compute: {flops: 1e22}\n"))


@pytest.mark.parametrize("text, expected", [
    ("hardware: {gpu: 8}\ncompute: {flops: 1e22}\n", "s.yaml: hardware.gpu: unknown key (did you mean 'gpus'?)"),
    ("compute: {flop: 1e22}\n", "s.yaml: compute.flop: unknown key (did you mean 'flops'?)"),
    ("budjet: {max_usd: 1}\ncompute: {flops: 1e22}\n", "s.yaml: budjet: unknown key (did you mean 'budget'?)"),
    ("compute: {flops: 1e22}\nbudget: {max_dollars: 1}\n", "s.yaml: budget.max_dollars: unknown key"),
    ("compute: {flops: 1e22}\nbudget: {max_usdd: 1}\n", "s.yaml: budget.max_usdd: unknown key (did you mean 'max_usd'?)"),
    ("model: {params: 7B, tokens: 2T, moe: {expert: 8, active: 2}}\n",
     "s.yaml: model.moe.expert: unknown key (did you mean 'experts'?)"),
])
def test_unknown_keys_name_the_path_and_suggest(text, expected):
    assert error_of(text).startswith(expected)


@pytest.mark.parametrize("text, fragment", [
    ("compute: {flops: [1, 2]}\n", "compute.flops: expected a number, got a list"),
    ("compute: {flops: lots}\n", "compute.flops: cannot read 'lots'"),
    ("compute: {flops: true}\n", "compute.flops: expected a number"),
    ("compute: {flops: -1e22}\n", "compute.flops: must be positive"),
    ("compute: {flops: .nan}\n", "compute.flops"),
    ("compute: {usd: twelve}\n", "compute.usd: cannot read 'twelve' as dollars"),
    ("compute: {days: 3 fortnights}\n", "compute.days"),
    ("compute: {flops: 1e22}\nhardware: {gpus: 1.5}\n", "hardware.gpus: must be a whole number"),
    ("compute: {flops: 1e22}\nhardware: {price: cheap}\n", "hardware.price: unknown price tier 'cheap'"),
    ("compute: {flops: 1e22}\nhardware: {goodput: 1.5}\n", "hardware.goodput: must be in (0, 1]"),
    ("compute: {flops: 1e22}\nlaw: {compare: yes please}\n", "law.compare: expected true or false"),
    ("compute: {flops: 1e22}\nlaw: {allocation: 3}\n", "law.allocation: expected text"),
    ("compute: 1e22\n", "compute: expected a mapping"),
    ("compute: {flops: 1e22}\nbudget: {max_usd: -5}\n", "budget.max_usd: a limit must be positive"),
    ("compute: {flops: 1e22}\nbudget: {max_loss: 0}\n", "budget.max_loss: a limit must be positive"),
    ("compute: {flops: 1e22}\nbudget: {max_loss: high}\n", "budget.max_loss: expected a number"),
    ("compute: {flops: 1e22}\nbudget: {max_memory_fraction: 1.5}\n", "budget.max_memory_fraction: a fraction must be at most 1"),
    ("compute: {flops: 1e22}\nbudget: {max_days: [1]}\n", "budget.max_days: expected a number"),
    ("compute: {flops: 1e22}\nbudget: 5\n", "budget: expected a mapping"),
    ("- compute\n", "expected a mapping"),
    ("", "empty spec"),
    ("spec_version: 2\ncompute: {flops: 1e22}\n", "spec_version: 2 is newer than this scaleplan reads (1)"),
    ("spec_version: one\ncompute: {flops: 1e22}\n", "spec_version: expected a positive whole number"),
    ("model: {params: 7B}\n", "model.params: give model.tokens too"),
    ("compute: {flops: 1e22}\nmodel: {params: 7B, tokens: 2T}\n", "compute.flops: a spec fixes model.params"),
    ("compute: {flops: 1e22, usd: 1M}\n", "compute.usd: give one budget"),
    ("law: {allocation: epoch-2024}\n", "compute: no budget"),
    ("compute: {flops: 1e22}\nlaw: {allocation: epoch-2024, file: x.yaml}\n", "law.file: give either"),
    ("model: {params: 7B, tokens: 2T, moe: {experts: 8}}\n", "model.moe: give both"),
    ("model: {params: 7B, tokens: 2T, moe: {experts: 8, active: 9}}\n", "model.moe.active: 9 active experts"),
])
def test_bad_specs_are_one_line_errors_naming_the_key(text, fragment):
    message = error_of(text)
    assert message.startswith("s.yaml") and fragment in message and "\n" not in message


def test_malformed_yaml_names_file_and_line(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text("compute:\n  flops: [1e22\n")
    code, out, err = cli("check", str(bad))
    assert_one_line_error(code, err)
    assert "bad.yaml: malformed YAML (line" in err and out == ""


def test_missing_spec_file_is_exit_2(tmp_path):
    code, _, err = cli("check", str(tmp_path / "nope.yaml"))
    assert_one_line_error(code, err)
    assert "no such file" in err
