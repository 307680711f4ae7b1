"""Precision (Kumar et al. 2024, secondary constants): retention, penalty, closed form vs brute force, choice."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scaleplan.config import load_yaml_text
from scaleplan.errors import ConfigError, InputError
from scaleplan.laws import get_law, get_spec
from scaleplan.laws.precision import (
    build_precision_law,
    compare_precisions,
    loss_penalty,
    optimum_at_retention,
)
from scaleplan.laws.spec import parse_law
from scaleplan.plan import Section


@pytest.fixture
def plaw():
    return get_law("kumar-2024", "precision")


# laws.md prints 0.998 for 16 bits, but 1 - exp(-16/2.6745) = 0.99748 (rounds to 0.997): asserted as 0.9975.
@pytest.mark.parametrize("bits,expected", [(16, 0.9975), (8, 0.950), (6, 0.894), (4, 0.776), (3, 0.674), (2, 0.527)])
def test_weight_retention_check_values(plaw, bits, expected):
    # laws.md §7.1 (verified: recomputed from the secondary constants)
    assert plaw.retention(weights=bits) == pytest.approx(expected, abs=5e-4)


def test_yaml_checks_agree(plaw):
    for check in plaw.spec.checks:
        got = plaw.retention(weights=check["input"]["w"])
        assert got == pytest.approx(check["expect"]["retention"], rel=check["rel_tol"])


def test_labelled_secondary_and_formats_documented(plaw):
    assert plaw.spec.verification.status == "secondary"
    assert "all gamma and PTQ constants" in plaw.spec.verification.unverified
    assert set(plaw.formats) == {"bf16", "fp8", "fp4"}
    fp8 = plaw.format("FP8")
    assert (fp8.weights, fp8.activations, fp8.kv) == (8, 8, 16)
    assert plaw.format_retention("bf16") > plaw.format_retention("fp8") > plaw.format_retention("fp4")
    assert plaw.format_retention("bf16") == pytest.approx(
        (1 - math.exp(-16 / 2.6745)) * (1 - math.exp(-16 / 2.2102)) * (1 - math.exp(-16 / 0.9578)))


def test_loss_penalty(plaw):
    law = get_law("epoch-2024")
    n, d = 7e9, 1.4e11
    for fmt in ("bf16", "fp8", "fp4"):
        eff = n * plaw.format_retention(fmt)
        expected = law.loss(eff, d) - law.loss(n, d)
        assert loss_penalty(law, n, d, fmt) == pytest.approx(expected, rel=1e-9)
    assert 0 < loss_penalty(law, n, d, "bf16") < loss_penalty(law, n, d, "fp8") < loss_penalty(law, n, d, "fp4")


@pytest.mark.parametrize("retention", [1.0, 0.95, 0.65])
@pytest.mark.parametrize("flops", [1e20, 1e23])
def test_closed_form_against_brute_force(retention, flops):
    law = get_law("epoch-2024")
    n, d, loss = optimum_at_retention(law, flops, retention)
    assert 6 * n * d == pytest.approx(flops, rel=1e-12)
    ns = np.logspace(math.log10(n) - 1, math.log10(n) + 1, 200_001)
    c = law.c
    losses = c["E"] + c["A"] / (retention * ns) ** c["alpha"] + c["B"] / (flops / (6 * ns)) ** c["beta"]
    assert n == pytest.approx(ns[np.argmin(losses)], rel=1e-4)
    assert loss <= losses.min() + 1e-13
    if retention == 1.0:
        assert n == pytest.approx(law.allocate(flops).params, rel=1e-12)


def test_without_fp8_never_picks_fp8():
    for mult in (1.0, 2.0, 10.0, 100.0):
        result = compare_precisions("epoch-2024", 1e23, {"bf16": 1.0, "fp4": mult})
        assert result.chosen != "fp8"
        assert {o.precision for o in result.options} == {"bf16", "fp4"}
    only = compare_precisions("epoch-2024", 1e23, {"bf16": 1.0})
    assert only.chosen == "bf16"


def test_choice_follows_throughput():
    # equal throughput: the higher precision wins (smaller penalty, same compute)
    assert compare_precisions("epoch-2024", 1e23, {"bf16": 1.0, "fp8": 1.0}).chosen == "bf16"
    # a large fp8 speed-up outweighs its penalty
    result = compare_precisions("epoch-2024", 1e23, {"bf16": 1.0, "fp8": 1.8})
    assert result.chosen == "fp8"
    assert result.option("fp8").compute_flops == pytest.approx(1.8e23)
    assert result.option("fp8").loss < result.option("bf16").loss


def test_choice_is_the_minimum_of_the_table():
    result = compare_precisions("hoffmann-2022", 3e22, {"bf16": 1.0, "fp8": 1.3, "fp4": 1.9})
    assert result.chosen == min(result.options, key=lambda o: o.loss).precision
    assert isinstance(result, Section) and result.key == "precision"
    assert result.to_dict()["chosen"] == result.chosen
    assert any("fp4" in w for w in result.warnings)
    assert result.rows()[-1][0] == "precision law"


@pytest.mark.parametrize("throughput", [{}, {"int3": 1.0}, {"bf16": 0.0}, {"bf16": -1.0}, {"bf16": math.inf}])
def test_bad_throughput(throughput):
    with pytest.raises(InputError):
        compare_precisions("epoch-2024", 1e23, throughput)


def test_non_parametric_law_refused():
    with pytest.raises(InputError, match="parametric"):
        compare_precisions("llama3-2024", 1e23, {"bf16": 1.0})


def test_ptq_degradation_grows_with_data_and_shrinks_with_bits(plaw):
    assert plaw.ptq_degradation(1e9, 1e11, 4) > plaw.ptq_degradation(1e9, 1e10, 4)
    assert plaw.ptq_degradation(1e9, 1e11, 8) < plaw.ptq_degradation(1e9, 1e11, 4)


def test_registry_and_bad_yaml():
    assert get_spec("kumar-2024").category == "precision"
    text = """
schema_version: 1
name: p
category: precision
kind: n_eff
title: t
citation: c
form: f
units: {}
constants: {gamma_w: 1, gamma_a: 1, gamma_kv: 1, bits.fp8.w: 8}
verification: {status: secondary}
"""
    with pytest.raises(ConfigError, match="bits.fp8"):
        build_precision_law(parse_law(load_yaml_text(text), "x.yaml"))
