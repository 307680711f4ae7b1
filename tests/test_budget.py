import math

import pytest
from hypothesis import given, settings, strategies as st

from scaleplan.budget import resolve_budget, solve_compute
from scaleplan.errors import InputError


def test_resolve_each_kind():
    assert resolve_budget(flops=1e23, budget_usd=None, gpu_hours=None, gpus=None, days=None).kind == "flops"
    assert resolve_budget(flops=None, budget_usd=2e6, gpu_hours=None, gpus=None, days=None).kind == "usd"
    assert resolve_budget(flops=None, budget_usd=None, gpu_hours=5e5, gpus=None, days=None).kind == "gpu_hours"
    b = resolve_budget(flops=None, budget_usd=None, gpu_hours=None, gpus=1024, days=30)
    assert (b.kind, b.gpus, b.days) == ("deadline", 1024, 30)
    b = resolve_budget(flops=1e24, budget_usd=None, gpu_hours=None, gpus=None, days=30)
    assert (b.kind, b.days) == ("flops", 30)


@pytest.mark.parametrize("kwargs, message", [
    (dict(flops=1e23, budget_usd=2e6), "contradictory"),
    (dict(budget_usd=2e6, gpu_hours=1e5), "contradictory"),
    (dict(days=30), "--days needs --gpus"),
    (dict(budget_usd=2e6, days=30), "both budgets"),
    (dict(flops=1e23, gpus=8, days=3), "over-determines"),
    (dict(), "give a budget"),
    (dict(flops=-1.0), "positive"),
    (dict(gpus=8.5, days=3), "whole number"),
])
def test_resolve_rejects(kwargs, message):
    full = dict(flops=None, budget_usd=None, gpu_hours=None, gpus=None, days=None) | kwargs
    with pytest.raises(InputError, match=message):
        resolve_budget(**full)


@settings(max_examples=40, deadline=None)
@given(exponent=st.floats(0.5, 1.5), scale=st.floats(-30, 30), target_log=st.floats(0, 20),
       guess_log=st.floats(30, 80))
def test_solve_matches_closed_form_for_power_laws(exponent, scale, target_log, guess_log):
    # metric(C) = e^scale * C^exponent  ->  C* = (target / e^scale)^(1/exponent), checked against the closed form.
    target = math.exp(target_log)
    truth = math.exp((target_log - scale) / exponent)
    if not 1e12 < truth < 1e45:
        return
    sol = solve_compute(lambda c: math.exp(scale) * c ** exponent, target, math.exp(guess_log), rel_tol=1e-9)
    assert sol.flops == pytest.approx(truth, rel=1e-8)


def test_solve_with_a_kink_and_infeasible_region():
    # Infeasible below 1e20, then a piecewise metric with a kink: still converges by bisection.
    def metric(c):
        if c < 1e20:
            raise InputError("too small")
        return c / 1e18 if c < 1e22 else 100 * (c / 1e22) ** 1.5

    sol = solve_compute(metric, 1000.0, 1e15, rel_tol=1e-8)
    assert metric(sol.flops) == pytest.approx(1000.0, rel=1e-7)


def test_unreachable_target_returns_boundary_with_error():
    def metric(c):
        if c < 1e20:
            raise InputError("too small")
        return 50.0 + c / 1e20

    sol = solve_compute(metric, 10.0, 1e22)
    assert sol.flops == pytest.approx(1e20, rel=1e-6) and sol.relative_error > 1


def test_bisect_sign_change_against_closed_form():
    from scaleplan.numerics import bisect_sign_change

    for target in (1e-5, 0.3, 7.0, 1e9):
        assert bisect_sign_change(lambda x: x * x - target * target, 1e-8, 1e12) == pytest.approx(target, rel=1e-13)
    with pytest.raises(ValueError):
        bisect_sign_change(lambda x: x + 1.0, 1.0, 2.0)


def test_infeasible_means_too_large_on_a_fixed_cluster():
    # Memory-bound: no plan above 1e22, metric below target everywhere feasible -> the largest feasible C.
    def metric(c):
        if c > 1e22:
            raise InputError("does not fit")
        return c / 1e20

    sol = solve_compute(metric, 1e6, 1e21, infeasible_is="large")
    assert sol.flops == pytest.approx(1e22, rel=1e-5) and sol.capped_by_feasibility
