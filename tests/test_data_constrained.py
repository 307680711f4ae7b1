"""Data-constrained allocation (Muennighoff et al. 2023): README grid, continuous optimum, brute force, policy."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scaleplan.errors import InputError
from scaleplan.laws import get_law
from scaleplan.laws.data_constrained import (
    EPOCH_WARNING,
    allocate_data_constrained,
    loss_grid,
    readme_grid_allocation,
)
from scaleplan.plan import Section

LAW = "muennighoff-2023"


def test_readme_grid_reproduces_the_authors_numbers_exactly():
    # laws.md §6.1 / T7: optimal_allocation(C = 1e22, U = 25e9), grid of 500 factors from 1.0001 to 3
    plan = readme_grid_allocation(1e22, 25e9)
    assert plan.tokens == pytest.approx(237_336_955_477.55, rel=1e-9)
    assert plan.params == pytest.approx(7_022_364_735.88, rel=1e-9)
    assert plan.epochs == pytest.approx(9.49, abs=0.005)
    assert plan.method == "readme-grid"


def test_continuous_optimum_matches_the_readme_vector_within_one_percent():
    plan = allocate_data_constrained(1e22, 25e9)
    assert plan.tokens == pytest.approx(2.3734e11, rel=0.01)
    assert plan.params == pytest.approx(7.0224e9, rel=0.01)
    assert 6 * plan.params * plan.tokens == pytest.approx(1e22, rel=1e-12)
    # the continuous minimum is at least as good as the grid's best point
    assert plan.loss <= readme_grid_allocation(1e22, 25e9).loss + 1e-15


@pytest.mark.parametrize("flops,unique", [(1e22, 25e9), (1e21, 2e9), (1e23, 1e11), (3e20, 1e10), (1e24, 3e12)])
def test_optimum_against_brute_force(flops, unique):
    law = get_law(LAW)
    plan = allocate_data_constrained(flops, unique)
    tokens = np.logspace(math.log10(plan.tokens) - 2, math.log10(plan.tokens) + 2, 400_001)
    losses = loss_grid(law, flops / (6 * tokens), tokens, unique)
    best = tokens[np.argmin(losses)]
    assert plan.tokens == pytest.approx(best, rel=2e-4)
    assert plan.loss <= losses.min() + 1e-12


def test_vectorised_loss_equals_the_law():
    law = get_law(LAW)
    rng = np.random.default_rng(0)
    n = 10 ** rng.uniform(7, 11, 200)
    d = 10 ** rng.uniform(8, 13, 200)
    u = 10 ** rng.uniform(8, 12, 200)
    for i in range(200):
        assert loss_grid(law, n[i:i + 1], d[i:i + 1], u[i])[0] == pytest.approx(law.loss(n[i], d[i], u[i]), rel=1e-13)


def test_effective_data_ratio_matches_published_efficiencies():
    law = get_law(LAW)
    # laws.md §6.1 (verified: recomputed): D'/U at 2, 4, 8, 16, 40 epochs
    for epochs, expected in [(1, 1.0), (2, 1.968), (4, 3.726), (8, 6.624), (16, 10.58), (40, 15.17), (100, 16.36)]:
        _, eff = law.effective_params_tokens(1e6, epochs * 1e9, 1e9)
        assert eff / 1e9 == pytest.approx(expected, abs=0.006)


def test_reported_quantities_and_warning_past_four_epochs():
    plan = allocate_data_constrained(1e22, 25e9)
    assert plan.constrained
    assert plan.epochs > EPOCH_WARNING
    assert plan.repetition_loss_cost > 0
    assert plan.unconstrained_loss == pytest.approx(get_law(LAW).allocate(1e22).loss)
    assert 1 < plan.effective_data_ratio < 1 + get_law(LAW).c["R_D_star"]
    assert 0 < plan.token_value < 1
    assert any("epochs" in w for w in plan.warnings)
    assert isinstance(plan, Section) and plan.key == "data"
    d = plan.to_dict()
    assert d["epochs"] == pytest.approx(plan.epochs) and d["repetition_loss_cost"] > 0
    assert [r[0] for r in plan.rows()][:3] == ["unique tokens U", "parameters N", "training tokens D"]


def test_mild_repetition_has_no_epoch_warning():
    law = get_law(LAW)
    base = law.allocate(1e21)
    plan = allocate_data_constrained(1e21, base.tokens / 2)
    assert 1 < plan.epochs < EPOCH_WARNING
    assert not any("epochs" in w for w in plan.warnings)


def test_unique_tokens_larger_than_needed_is_a_warning_and_the_compute_optimal_plan():
    law = get_law(LAW)
    base = law.allocate(1e22)
    plan = allocate_data_constrained(1e22, 3e12)
    assert not plan.constrained
    assert (plan.params, plan.tokens) == (base.params, base.tokens)
    assert plan.repetition_loss_cost == pytest.approx(0, abs=1e-15)
    assert "more than this budget needs" in plan.warnings[0]
    # brute force: nothing on the budget line beats it
    tokens = np.logspace(math.log10(base.tokens) - 1, math.log10(base.tokens) + 1, 20001)
    assert loss_grid(law, 1e22 / (6 * tokens), tokens, 3e12).min() >= plan.loss - 1e-12


def test_very_scarce_data_warns_that_repetition_stops_helping():
    plan = allocate_data_constrained(1e23, 1e9)
    assert plan.epochs > 1 + get_law(LAW).c["R_D_star"]
    assert "adds almost nothing" in plan.warnings[0]


@pytest.mark.parametrize("flops,unique", [(0, 1e9), (1e22, 0), (1e22, -5), (math.inf, 1e9), (1e22, math.nan)])
def test_bad_input(flops, unique):
    with pytest.raises(InputError):
        allocate_data_constrained(flops, unique)


def test_law_without_repeated_data_terms_is_refused():
    with pytest.raises(InputError, match="repeated-data"):
        allocate_data_constrained(1e22, 25e9, law="epoch-2024")
