"""The planner (issue 5): budgets -> compute through the cost model, the full plan, and its invariants."""

import math

import pytest

from scaleplan import optimal
from scaleplan.errors import InputError
from scaleplan.planner import plan_fixed


@pytest.fixture(scope="module")
def plan_1e23():
    return optimal(flops=1e23)


def test_full_plan_has_every_section(plan_1e23):
    keys = [s.key for s in plan_1e23.sections]
    assert keys == ["budget", "model", "hyperparameters", "cost", "vocabulary", "uncertainty", "provenance"]
    data = plan_1e23.to_dict()
    assert data["cost"]["gpu_hours"] > 0 and data["cost"]["usd"]["on_demand"] > 0
    assert data["hyperparameters"]["lr"]["value"] > 0 if "lr" in data["hyperparameters"] else True


def test_shape_n_is_used_downstream_and_d_rederived(plan_1e23):
    model = plan_1e23.section("model")
    law_n = plan_1e23.allocation.params
    assert model.params == pytest.approx(law_n, rel=0.05)
    assert model.params != law_n
    # D is re-derived so the compute stays C = 6 N D for the snapped shape.
    assert 6 * model.params * model.tokens == pytest.approx(1e23, rel=1e-12)
    cost = plan_1e23.section("cost")
    assert cost.total_params == model.params and cost.tokens == model.tokens


def test_deepseek_rederives_d_from_m():
    plan = optimal(flops=1e22, law="deepseek-2024", cost=False)
    model = plan.section("model")
    assert model.shape.deepseek_m(4096) * model.tokens == pytest.approx(1e22, rel=1e-12)


def test_uncertainty_shows_ranges_not_points(plan_1e23):
    u = plan_1e23.section("uncertainty")
    assert u.params_range[1] / u.params_range[0] > 2
    low, high = u.usd_range_chosen_tier
    usd = plan_1e23.section("cost").chosen_dollars.usd
    assert low < usd < high
    assert u.usd_range_all_tiers[0] < low and u.lr_range[0] < u.lr_range[1]


def test_dollar_budget_round_trips_through_flops():
    by_dollars = optimal(budget_usd=5e5)
    compute = by_dollars.section("budget").compute_flops
    by_flops = optimal(flops=compute)
    assert by_flops.section("model").params == pytest.approx(by_dollars.section("model").params, rel=0.01)
    assert by_flops.section("model").tokens == pytest.approx(by_dollars.section("model").tokens, rel=0.01)
    assert by_flops.section("cost").chosen_dollars.usd == pytest.approx(5e5, rel=0.01)


def test_gpu_hour_budget_is_met():
    plan = optimal(gpu_hours=2e5, hardware="h200")
    assert plan.section("cost").gpu_hours == pytest.approx(2e5, rel=1e-3)
    assert plan.section("budget").binding == "GPU-hours"


def test_more_money_never_gives_a_worse_loss():
    losses = [optimal(budget_usd=b).section("model").loss for b in (2e5, 4e5, 8e5, 1.6e6)]
    assert all(later <= earlier for earlier, later in zip(losses, losses[1:])), losses


def test_tighter_deadline_never_gives_a_cheaper_run():
    costs = [optimal(flops=1e24, days=d).section("cost").gpu_hours for d in (90, 45, 20)]
    assert all(later >= earlier * (1 - 1e-9) for earlier, later in zip(costs, costs[1:])), costs


def test_fixed_cluster_and_deadline():
    plan = optimal(gpus=256, days=20)
    cost = plan.section("cost")
    assert cost.gpus <= 256 and cost.wall_clock_days <= 20 * 1.001
    assert cost.wall_clock_days == pytest.approx(20, rel=0.1)


def test_deadline_shorter_than_anything_is_an_error():
    with pytest.raises(InputError):
        optimal(gpus=8, days=1e-9)


def test_data_constrained_plan_reports_epochs():
    plan = optimal(flops=1e24, unique_tokens=3e11, cost=False)
    data = plan.section("data")
    assert data.epochs > 4 and any("epoch" in w for w in plan.warnings)
    assert plan.allocation.law == "muennighoff-2023"


def test_inference_aware_zero_demand_equals_compute_optimal():
    base = optimal(flops=1e24, cost=False)
    same = optimal(flops=1e24, inference_tokens=0, cost=False)
    assert same.section("model").params == base.section("model").params
    assert same.section("model").tokens == base.section("model").tokens
    smaller = optimal(flops=1e24, inference_tokens=2e13, cost=False)
    assert smaller.section("model").params < base.section("model").params
    assert smaller.section("inference").saving > 0


def test_precision_auto_never_picks_fp8_without_fp8_peaks():
    plan = optimal(flops=1e23, precision="auto", hardware="a100-80gb")
    section = plan.section("precision")
    assert section.chosen == "bf16" and [o.precision for o in section.options] == ["bf16"]


def test_precision_auto_on_h100_compares_fp8():
    plan = optimal(flops=1e23, precision="auto")
    names = [o.precision for o in plan.section("precision").options]
    assert "fp8" in names and plan.section("cost").precision == plan.section("precision").chosen


def test_moe_total_vs_active():
    plan = optimal(flops=1e24, moe_experts=64, moe_active=8)
    moe = plan.section("moe")
    cost = plan.section("cost")
    assert moe.total_params > moe.active_params
    model = plan.section("model")
    assert cost.total_params == model.total_params  # memory from all experts, counted on the snapped shape
    shape = model.shape
    expected = shape.total_params + (64 / 8 - 1) * shape.n_layers * shape.mlp_params_per_layer
    assert model.total_params == pytest.approx(expected, rel=1e-12)
    assert shape.total_params == pytest.approx(moe.active_params, rel=0.05)  # FLOPs from the active shape
    assert plan.law.name == moe.law and "secondary" in plan.law.verification


@pytest.mark.parametrize("kwargs", [
    dict(flops=1e23, budget_usd=1e6),
    dict(flops=1e24, moe_experts=8, moe_active=16),
    dict(flops=1e24, unique_tokens=1e12, inference_tokens=1e12),
    dict(flops=1e23, precision="fp3"),
    dict(budget_usd=1e6, cost=False),
    dict(budget_usd=1e6, hardware="mi300x"),
    dict(flops=1e23, hardware="h100-sxm", gpus=12),
])
def test_bad_requests_are_input_errors(kwargs):
    with pytest.raises(InputError):
        optimal(**kwargs)


def test_plan_fixed_uses_given_n_and_d():
    plan = plan_fixed(7e9, 2e12, gpus=512)
    assert plan.allocation.params == 7e9 and plan.section("model").tokens == 2e12
    assert plan.section("cost").gpus == 512
    with pytest.raises(InputError):
        plan_fixed(7e9, 2e12, unique_tokens=1e12)


def test_json_is_finite_everywhere(plan_1e23):
    from scaleplan.report import to_json

    text = to_json(plan_1e23.to_dict())
    assert "NaN" not in text and "Infinity" not in text
    assert math.isfinite(plan_1e23.section("cost").mfu)


def test_provenance_names_every_data_file_with_a_hash(plan_1e23):
    prov = plan_1e23.to_dict()["provenance"]
    assert prov["allocation law"]["file"] == "configs/laws/allocation/epoch-2024.yaml"
    assert prov["hardware profile"]["file"] == "configs/hardware/h100-sxm.yaml"
    assert all(len(entry["sha256"]) == 64 for entry in prov.values())
