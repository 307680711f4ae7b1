"""Inference-aware allocation (Sardana et al.): recomputed table, zero demand, brute force, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scaleplan.errors import InputError
from scaleplan.laws import get_law
from scaleplan.laws.inference import inference_optimal, tokens_for_loss
from scaleplan.plan import Section

ROUNDED = "hoffmann-2022-rounded"


@pytest.mark.parametrize("ref_params,demand,loss,n,d,saving", [
    # laws.md §6.2 (rounded Chinchilla constants, verified: recomputed)
    (30e9, 5e12, 1.9366, 18.97e9, 4.669e12, 0.090),
    (70e9, 1e13, 1.8749, 47.9e9, 1.177e13, 0.060),
    (7e9, 1e12, 2.0944, 4.26e9, 8.42e11, 0.108),
])
def test_recomputed_table(ref_params, demand, loss, n, d, saving):
    plan = inference_optimal(ROUNDED, demand, params=ref_params)
    assert plan.target_loss == pytest.approx(loss, abs=5e-5)
    assert plan.params == pytest.approx(n, rel=2e-3)
    assert plan.tokens == pytest.approx(d, rel=2e-3)
    assert plan.saving == pytest.approx(saving, abs=5e-4)


def test_30b_reference_tokens():
    plan = inference_optimal(ROUNDED, 5e12, params=30e9)
    assert plan.reference_tokens == pytest.approx(2.738e12, rel=1e-3)
    assert plan.tokens / plan.params == pytest.approx(246, abs=0.5)


@pytest.mark.parametrize("law", ["hoffmann-2022-rounded", "hoffmann-2022", "epoch-2024", "muennighoff-2023"])
@pytest.mark.parametrize("flops", [1e20, 1e23, 1e25])
def test_zero_inference_equals_the_compute_optimal_plan(law, flops):
    alloc = get_law(law).allocate(flops)
    plan = inference_optimal(law, 0, flops=flops)
    assert plan.params == pytest.approx(alloc.params, rel=1e-12)
    assert plan.tokens == pytest.approx(alloc.tokens, rel=1e-12)
    assert plan.saving == pytest.approx(0, abs=1e-12)
    assert plan.overtraining_ratio == pytest.approx(1, rel=1e-12)


def test_target_loss_reference_finds_the_compute_optimal_point():
    law = get_law(ROUNDED)
    alloc = law.allocate(1e23)
    plan = inference_optimal(law, 0, target_loss=alloc.loss)
    assert plan.reference_params == pytest.approx(alloc.params, rel=1e-9)
    assert plan.reference_tokens == pytest.approx(alloc.tokens, rel=1e-9)


@pytest.mark.parametrize("law", ["hoffmann-2022-rounded", "epoch-2024"])
@pytest.mark.parametrize("demand", [1e11, 1e13, 1e15])
def test_against_brute_force(law, demand):
    obj = get_law(law)
    plan = inference_optimal(obj, demand, flops=1e23, inference_cost_ratio=1.0)
    # scan N on the iso-loss curve
    ns = np.logspace(math.log10(plan.params) - 1.5, math.log10(plan.reference_params) + 0.5, 200_001)
    c = obj.c
    gap = plan.target_loss - c["E"] - c["A"] / ns ** c["alpha"]
    ok = gap > 0
    ns = ns[ok]
    ds = (c["B"] / gap[ok]) ** (1 / c["beta"])
    cost = 6 * ns * ds + 2 * ns * demand
    assert plan.params == pytest.approx(ns[np.argmin(cost)], rel=1e-3)
    assert plan.total_cost <= cost.min() * (1 + 1e-12)
    assert obj.loss(plan.params, plan.tokens) == pytest.approx(plan.target_loss, rel=1e-12)


def test_large_demand_saves_and_overtrains():
    savings = [inference_optimal("epoch-2024", t, flops=1e24).saving for t in (1e12, 1e13, 1e14, 1e15)]
    assert all(s > 0 for s in savings)
    assert savings == sorted(savings)  # more demand, more to save
    plan = inference_optimal("epoch-2024", 1e15, flops=1e24)
    assert plan.overtraining_ratio > 1 and plan.extra_training_compute > 1
    assert plan.params < plan.reference_params and plan.tokens > plan.reference_tokens


def test_cost_ratio_weights_inference():
    cheap = inference_optimal("epoch-2024", 1e13, flops=1e23, inference_cost_ratio=0.25)
    dear = inference_optimal("epoch-2024", 1e13, flops=1e23, inference_cost_ratio=4.0)
    assert dear.params < cheap.params
    # ratio w with demand T is the same problem as ratio 1 with demand w T
    same = inference_optimal("epoch-2024", 4e13, flops=1e23)
    assert dear.params == pytest.approx(same.params, rel=1e-10)


def test_section_and_serialisation():
    plan = inference_optimal("epoch-2024", 2e13, flops=1e24)
    assert isinstance(plan, Section) and plan.key == "inference"
    d = plan.to_dict()
    assert d["saving"] == pytest.approx(plan.saving) and d["overtraining_ratio"] > 1
    assert any(r[0] == "saving" for r in plan.rows())


def test_tokens_for_loss_unreachable_is_infinite():
    law = get_law(ROUNDED)
    assert tokens_for_loss(law, 1e6, 1.7) == math.inf


@pytest.mark.parametrize("kwargs", [
    {"flops": 1e23, "params": 7e9},          # two references
    {},                                       # none
    {"target_loss": 1.5},                     # below E
])
def test_bad_references(kwargs):
    with pytest.raises(InputError):
        inference_optimal(ROUNDED, 1e12, **kwargs)


@pytest.mark.parametrize("demand", [-1, math.inf, math.nan])
def test_bad_demand(demand):
    with pytest.raises(InputError):
        inference_optimal(ROUNDED, demand, flops=1e23)


def test_non_parametric_law_is_refused():
    with pytest.raises(InputError, match="parametric"):
        inference_optimal("llama3-2024", 1e12, flops=1e23)
    with pytest.raises(InputError, match="parametric"):
        inference_optimal("kaplan-2020", 1e12, flops=1e23)
