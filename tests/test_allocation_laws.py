"""Allocation laws: closed forms against brute force, published check values, monotonicity, bad files."""

import math

import pytest
from hypothesis import given, settings, strategies as st

from scaleplan.errors import ConfigError, InputError
from scaleplan.laws import registry
from scaleplan.laws.allocation import ParametricLaw
from scaleplan.laws.spec import load_law_file
from scaleplan.validation import run_all

PARAMETRIC = [s.name for s in registry.all_specs("allocation") if s.kind == "parametric"]
ALL = registry.law_names("allocation")


def brute_force_optimum(law: ParametricLaw, flops: float) -> float:
    """argmin over N of L(N, C / 6N), by bounded scalar minimisation in log N (no closed form used)."""
    from scipy.optimize import minimize_scalar

    centre = 0.5 * math.log(flops / 6.0)
    result = minimize_scalar(lambda x: law.loss(math.exp(x), flops / (6.0 * math.exp(x))),
                             bounds=(centre - 12.0, centre + 12.0), method="bounded",
                             options={"xatol": 1e-10, "maxiter": 500})
    return math.exp(result.x)


@pytest.mark.parametrize("name", PARAMETRIC)
@settings(max_examples=25, deadline=None)
@given(log10_flops=st.floats(min_value=17.0, max_value=28.0))
def test_closed_form_equals_brute_force(name, log10_flops):
    law = registry.get_law(name)
    flops = 10.0 ** log10_flops
    closed = law.allocate(flops)
    assert closed.params == pytest.approx(brute_force_optimum(law, flops), rel=1e-6)
    assert 6.0 * closed.params * closed.tokens == pytest.approx(flops, rel=1e-12)


@pytest.mark.parametrize("name", ALL)
def test_optimum_increases_with_compute(name):
    law = registry.get_law(name)
    budgets = [10.0 ** e for e in range(17, 29)]
    allocations = [law.allocate(c) for c in budgets]
    for low, high in zip(allocations, allocations[1:]):
        assert high.params > low.params and high.tokens > low.tokens


@pytest.mark.parametrize("name", ALL)
def test_inverse_round_trips(name):
    law = registry.get_law(name)
    flops = 3e22
    assert law.compute_for_params(law.allocate(flops).params) == pytest.approx(flops, rel=1e-9)


def test_epoch_at_chinchilla_budget():
    alloc = registry.get_law("epoch-2024").allocate(5.88e23)
    assert alloc.params == pytest.approx(7.30e10, rel=0.005)
    assert alloc.tokens_per_param == pytest.approx(18.4, rel=0.005)


def test_hoffmann_unrounded_reproduces_table_a3_and_rounded_does_not():
    table_a3 = {4e8: (2.21e19, 9.2e9), 1e10: (2.46e22, 410.1e9), 6.7e10: (1.71e24, 4.1e12),
                1e12: (5.65e26, 94.1e12), 1e13: (8.55e28, 1425.5e12)}
    tex, rounded = registry.get_law("hoffmann-2022"), registry.get_law("hoffmann-2022-rounded")
    rounded_misses = 0
    for params, (flops, tokens) in table_a3.items():
        c = tex.compute_for_params(params)
        assert c == pytest.approx(flops, rel=0.20)
        assert tex.allocate(c).tokens == pytest.approx(tokens, rel=0.20)
        if abs(rounded.compute_for_params(params) / flops - 1) > 0.20:
            rounded_misses += 1
    assert rounded_misses >= 3


def test_approach1_reproduces_table3():
    law = registry.get_law("hoffmann-2022-approach1")
    rows = [(4e8, 1.92e19, 8.0e9), (1e9, 1.21e20, 20.2e9), (1e10, 1.23e22, 205.1e9), (1.75e11, 3.85e24, 3.7e12),
            (2.8e11, 9.90e24, 5.9e12), (5.2e11, 3.43e25, 11.0e12), (1e12, 1.27e26, 21.2e12),
            (1e13, 1.30e28, 216.2e12)]
    for params, flops, tokens in rows:
        c = law.compute_for_params(params)
        assert c == pytest.approx(flops, rel=0.01)
        assert law.allocate(c).tokens == pytest.approx(tokens, rel=0.01)
    assert law.compute_for_params(6.7e10) == pytest.approx(5.76e23, rel=0.045)


def test_llama3_is_a_law_on_tokens():
    alloc = registry.get_law("llama3-2024").allocate(3.8e25)
    assert alloc.params == pytest.approx(402e9, rel=0.05)
    assert alloc.tokens == pytest.approx(16.55e12, rel=0.05)
    # Reading the law as parameters would give ~16T parameters: the unit matters.
    assert alloc.tokens > alloc.params * 10


def test_kaplan_table6_in_pf_days():
    alloc = registry.get_law("kaplan-2020").allocate(8.64e19)  # 1 PF-day
    assert alloc.params == pytest.approx(1.3e9, rel=1e-12)
    assert alloc.tokens == pytest.approx(2.0e10, rel=1e-12)
    assert alloc.params_kind == "non_embedding"
    assert registry.get_law("kaplan-2020").loss(1e9, 1e10) == pytest.approx(2.4197, abs=1e-4)


def test_porian_at_1e21():
    assert registry.get_law("porian-2024").allocate(1e21).params == pytest.approx(3.23e9, rel=0.005)


def test_muennighoff_readme_vectors():
    law = registry.get_law("muennighoff-2023")
    assert law.loss(6.34e9, 242e9, 25e9) == pytest.approx(2.2256440889984477, rel=1e-9)
    assert law.loss(8.67e9, 178e9, 25e9) == pytest.approx(2.2269634075087867, rel=1e-9)


def test_deepseek_c_is_m_times_d_and_n_is_non_embedding():
    alloc = registry.get_law("deepseek-2024").allocate(1e22)
    assert alloc.flops_per_token * alloc.tokens == pytest.approx(1e22, rel=1e-3)
    assert alloc.params_kind == "non_embedding"
    # M includes attention, so 6N < M.
    assert 6 * alloc.params < alloc.flops_per_token


def test_power_laws_predict_no_loss_and_say_so():
    alloc = registry.get_law("porian-2024").allocate(1e21)
    assert alloc.loss is None
    assert any("predicts no loss" in note for note in alloc.notes)


def test_extrapolation_warnings():
    law = registry.get_law("epoch-2024")
    assert law.allocate(1e20).warnings == ()
    far = law.allocate(1e28)
    assert any("above the fitted range" in w for w in far.warnings)


def test_every_reference_check_passes():
    failed = [r for r in run_all(["scaleplan.validation.law_checks:cases"]) if not r.passed]
    assert not failed, failed


def test_allocate_rejects_bad_budget():
    law = registry.get_law("epoch-2024")
    for bad in (0.0, -1.0, math.inf, math.nan):
        with pytest.raises(InputError):
            law.allocate(bad)


def _write(tmp_path, text):
    path = tmp_path / "law.yaml"
    path.write_text(text)
    return path


GOOD = """schema_version: 1
name: my-law
category: allocation
kind: parametric
title: t
citation: c
form: f
units: {N: total, D: tokens, C: 6ND}
constants: {E: 1.8, A: 400, B: 400, alpha: 0.3, beta: 0.3}
verification: {status: fitted}
"""


def test_law_file_loads_and_plans(tmp_path):
    law = registry.get_law(law_file=_write(tmp_path, GOOD))
    assert law.allocate(1e21).tokens_per_param > 0


@pytest.mark.parametrize("mutation, message", [
    (lambda t: t.replace("  E: 1.8, ", "  ").replace("{E: 1.8, ", "{"), "constants.E"),
    (lambda t: t.replace("alpha: 0.3", "alpha: abc"), "constants.alpha"),
    (lambda t: t.replace("title: t\n", ""), "title"),
    (lambda t: t.replace("status: fitted", "status: maybe"), "verification.status"),
    (lambda t: t.replace("kind: parametric", "kind: magic"), "kind"),
    (lambda t: t + "constnts: {}\n", "did you mean 'constants'"),
    (lambda t: t.replace("schema_version: 1", "schema_version: 9"), "schema_version"),
    (lambda t: t.replace("units: {", "units: [").replace("6ND}", "6ND]"), "units"),
])
def test_malformed_law_file_names_file_and_key(tmp_path, mutation, message):
    path = _write(tmp_path, mutation(GOOD))
    with pytest.raises(ConfigError) as err:
        registry.get_law(law_file=path)
    assert str(path) in str(err.value) and message in str(err.value)


def test_unknown_law_suggests_closest():
    with pytest.raises(InputError, match="did you mean 'epoch-2024'"):
        registry.get_law("epoch-2042")


def test_shipped_law_files_all_parse():
    for path in registry.laws_dir().rglob("*.yaml"):
        assert load_law_file(path).name
