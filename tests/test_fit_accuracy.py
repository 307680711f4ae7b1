"""Accuracy of ``scaleplan fit``: Epoch's Chinchilla refit, recovery of known laws, interval coverage.

The heavy coverage study (100 draws x 200 refits, a few minutes) runs only with SCALEPLAN_SLOW=1; the fast
one (10 draws x 40 refits) always runs.
"""

from __future__ import annotations

import math
import os

import numpy as np
import pytest

from scaleplan.fit.bootstrap import bootstrap
from scaleplan.fit.chinchilla import fit_chinchilla
from scaleplan.fit.io import make_runs, read_runs
from scaleplan.fit.kaplan import fit_kaplan

TRUE = {"E": 1.8, "A": 480.0, "B": 2100.0, "alpha": 0.35, "beta": 0.37}
SLOW = pytest.mark.skipif(not os.environ.get("SCALEPLAN_SLOW"), reason="heavy coverage study: set SCALEPLAN_SLOW=1")


def chinchilla_draw(seed: int, *, sigma: float = 0.01, budgets: int = 5, per_budget: int = 7, law=TRUE):
    """An IsoFLOP ladder (``budgets`` budgets 1e18-1e21, ``per_budget`` sizes around the optimum) with
    multiplicative log-normal noise on the loss."""
    rng = np.random.default_rng(seed)
    N, D = [], []
    for C in np.logspace(18, 21, budgets):
        sizes = np.sqrt(C / 120.0) * np.logspace(-0.8, 0.8, per_budget)
        N.extend(sizes)
        D.extend(C / (6.0 * sizes))
    N, D = np.array(N), np.array(D)
    loss = (law["E"] + law["A"] / N ** law["alpha"] + law["B"] / D ** law["beta"]) * np.exp(rng.normal(0, sigma, len(N)))
    return make_runs(N, D, loss, source=f"synthetic-{seed}")


# -- Epoch AI's refit of the Chinchilla Figure 4 data (Besiroglu et al. 2024) ------------------------------

EPOCH = {"E": (1.8172, 0.03), "A": (482.01, 124.58), "B": (2085.43, 1293.23), "alpha": (0.3478, 0.02),
         "beta": (0.3658, 0.02)}


@pytest.fixture(scope="module")
def epoch_runs():
    from conftest import SHARED

    path = SHARED / "data" / "chinchilla-fig4-extracted.csv"
    if not path.is_file():
        pytest.skip("../shared/data is not present")
    runs = read_runs(path)  # columns "Model Size", "Training FLOP", "loss": D = C / (6 N)
    assert len(runs) == 245 and runs.tokens_from_compute
    keep = np.sort(np.argsort(runs.loss, kind="stable")[:-5])  # Epoch drop the 5 highest-loss points
    return runs.take(keep)


def test_epoch_estimates_reproduced_within_standard_errors(shared_dir, epoch_runs):
    fit = fit_chinchilla(epoch_runs)
    assert len(epoch_runs) == 240 and fit.converged
    for name, (published, se) in EPOCH.items():
        got = getattr(fit, name)
        assert abs(got - published) <= se, f"{name}: {got} vs {published} +- {se}"
    # tighter than the standard errors: the same optimum (E to 4 digits, exponents to 0.002)
    assert fit.E == pytest.approx(1.8172, abs=0.002)
    assert fit.alpha == pytest.approx(0.3478, abs=0.002) and fit.beta == pytest.approx(0.3658, abs=0.002)
    assert fit.a == pytest.approx(0.513, abs=0.005)  # Epoch's implied a = 0.513 (laws.md 3.2)


def test_epoch_objective_no_worse_than_published_point(shared_dir, epoch_runs):
    from scaleplan.fit.robust import huber

    fit = fit_chinchilla(epoch_runs)
    ln = (6.17795598, 7.64273236, 0.59711196)  # Epoch's notebook estimate (ln A, ln B, ln E)
    pred = np.log(math.exp(ln[2]) + math.exp(ln[0]) / epoch_runs.N**0.34781303 + math.exp(ln[1]) / epoch_runs.D**0.36585412)
    published = huber(pred - np.log(epoch_runs.loss), 1e-3)[0].sum()
    assert fit.objective <= published * (1 + 1e-9)


# -- Recovery and coverage on synthetic data ---------------------------------------------------------------

def test_synthetic_chinchilla_law_recovered_within_bootstrap_intervals():
    runs = chinchilla_draw(7)
    fit = fit_chinchilla(runs)
    boot = bootstrap("chinchilla", runs, fit, n=100, seed=7, flops=1e22)
    assert boot.failed == 0
    for name in ("alpha", "beta"):
        low, high = boot.interval(name)
        assert low <= TRUE[name] <= high, f"{name}: truth {TRUE[name]} outside [{low}, {high}]"
        assert low <= getattr(fit, name) <= high
    a_true = TRUE["beta"] / (TRUE["alpha"] + TRUE["beta"])
    low, high = boot.interval("a")
    assert low <= a_true <= high
    assert fit.alpha == pytest.approx(TRUE["alpha"], abs=0.03) and fit.beta == pytest.approx(TRUE["beta"], abs=0.03)


def test_noise_free_data_recovers_every_constant():
    runs = chinchilla_draw(0, sigma=0.0)
    fit = fit_chinchilla(runs)
    for name, value in TRUE.items():
        assert getattr(fit, name) == pytest.approx(value, rel=2e-3), name


def _coverage(draws: int, refits: int, level: float) -> dict[str, float]:
    hits = {"alpha": 0, "beta": 0}
    for seed in range(draws):
        runs = chinchilla_draw(100 + seed)
        boot = bootstrap("chinchilla", runs, fit_chinchilla(runs), n=refits, seed=seed)
        for name in hits:
            low, high = boot.interval(name, level)
            hits[name] += low <= TRUE[name] <= high
    return {k: v / draws for k, v in hits.items()}


def test_bootstrap_intervals_have_roughly_nominal_coverage_fast():
    # 10 draws x 40 refits, 90 % intervals: 20 intervals, expected ~18 hits; demand at least 15 (a looser
    # bound than binomial noise alone needs, since 40 refits make the percentile ends themselves noisy).
    coverage = _coverage(10, 40, 0.90)
    assert (coverage["alpha"] + coverage["beta"]) / 2 >= 0.75, coverage


@SLOW
def test_bootstrap_intervals_have_nominal_coverage_heavy():
    coverage = _coverage(100, 200, 0.95)
    for name, value in coverage.items():
        assert 0.88 <= value <= 1.0, (name, coverage)


def test_bootstrap_does_not_depend_on_worker_count():
    runs = chinchilla_draw(3, budgets=4, per_budget=6)
    fit = fit_chinchilla(runs)
    one = bootstrap("chinchilla", runs, fit, n=12, seed=5, workers=1)
    two = bootstrap("chinchilla", runs, fit, n=12, seed=5, workers=2)
    np.testing.assert_allclose(one.samples, two.samples, rtol=1e-10)


def test_seeded_runs_are_resampled_by_configuration():
    base = chinchilla_draw(4, budgets=4, per_budget=6)
    rng = np.random.default_rng(0)
    N, D = np.repeat(base.N, 2), np.repeat(base.D, 2)
    loss = np.repeat(base.loss, 2) * np.exp(rng.normal(0, 0.003, len(N)))
    runs = make_runs(N, D, loss, seeds=["1", "2"] * len(base))
    assert len(np.unique(runs.groups)) == len(base)
    boot = bootstrap("chinchilla", runs, fit_chinchilla(runs), n=8, seed=1, workers=1)
    assert boot.failed == 0


def test_overprediction_penalty_moves_the_fit_towards_the_lower_envelope():
    runs = chinchilla_draw(11, sigma=0.02)
    plain = fit_chinchilla(runs)
    leaning = fit_chinchilla(runs, penalty=4.0)
    assert np.mean(leaning.residuals > 0) < np.mean(plain.residuals > 0)


# -- Kaplan form -------------------------------------------------------------------------------------------

KAPLAN = {"N_c": 6.4e13, "D_c": 1.8e13, "alpha_N": 0.076, "alpha_D": 0.103}


def kaplan_draw(seed: int, sigma: float = 0.005):
    rng = np.random.default_rng(seed)
    N = np.repeat(np.logspace(6, 9.5, 8), 6)
    D = np.tile(np.logspace(8, 11, 6), 8)
    loss = ((KAPLAN["N_c"] / N) ** (KAPLAN["alpha_N"] / KAPLAN["alpha_D"]) + KAPLAN["D_c"] / D) ** KAPLAN["alpha_D"]
    return make_runs(N, D, loss * np.exp(rng.normal(0, sigma, len(N))), params_kind="non_embedding")


def test_kaplan_form_recovered_within_bootstrap_intervals():
    runs = kaplan_draw(2)
    fit = fit_kaplan(runs)
    boot = bootstrap("kaplan", runs, fit, n=60, seed=2)
    for name in ("alpha_N", "alpha_D"):
        low, high = boot.interval(name)
        assert low <= KAPLAN[name] <= high, (name, low, high)
    noise_free = fit_kaplan(kaplan_draw(0, sigma=0.0))
    for name, value in KAPLAN.items():
        assert getattr(noise_free, name) == pytest.approx(value, rel=0.01), name


def test_kaplan_joint_law_optimum_matches_brute_force():
    from scipy.optimize import minimize_scalar

    from scaleplan.fit.kaplan_law import kaplan_optimum

    def loss(n, c):
        d = c / (6 * n)
        return ((KAPLAN["N_c"] / n) ** (KAPLAN["alpha_N"] / KAPLAN["alpha_D"]) + KAPLAN["D_c"] / d) ** KAPLAN["alpha_D"]

    for c in (1e18, 1e21, 1e24):
        params, tokens = kaplan_optimum(KAPLAN, c)
        best = minimize_scalar(lambda ln: loss(math.exp(ln), c), bounds=(0, 80), method="bounded",
                               options={"xatol": 1e-10})
        assert params == pytest.approx(math.exp(best.x), rel=1e-4)
        assert 6 * params * tokens == pytest.approx(c)
