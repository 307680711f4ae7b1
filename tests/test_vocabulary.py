"""Vocabulary (Tao et al. 2024): the repo's check values exactly, the root against brute force, bad input."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scaleplan.errors import InputError
from scaleplan.laws import get_law
from scaleplan.laws.vocabulary import optimal_vocabulary
from scaleplan.plan import Section


@pytest.fixture
def law():
    return get_law("tao-2024", "vocabulary")


@pytest.mark.parametrize("nnv,d,flops,sizes", [
    # laws.md §6.4 (verified: recomputed with sail-sg/scaling-with-vocab); T8 is the 7e9 row
    (33e6, 512, 1.57e17, (5754, 6144, 4662)),
    (302e6, 1024, 1.31e19, (18183, 19527, 15758)),
    (2.87e9, 3200, 1.19e21, (37942, 40993, 35271)),
    (6.44e9, 4096, 5.97e21, (58103, 62911, 55407)),
    (7e9, 4096, 7.05e21, (62280, 67450, 59547)),
    (12.6e9, 5120, 2.28e22, (81286, 88171, 79178)),
    (64.4e9, 8192, 5.97e23, (197649, 215327, 202798)),
])
def test_check_values_exact(nnv, d, flops, sizes):
    plan = optimal_vocabulary(nnv)
    assert plan.width == d
    assert plan.flops == pytest.approx(flops, rel=5e-3)
    assert plan.vocab_sizes == sizes


def test_yaml_checks(law):
    for check in law.spec.checks:
        sizes = optimal_vocabulary(check["input"]["non_vocab_params"], law=law).vocab_sizes
        assert sizes == (check["expect"]["approach1"], check["expect"]["approach2"], check["expect"]["approach3"])


@pytest.mark.parametrize("nnv,flops", [(7e9, None), (302e6, None), (7e9, 1e23), (2.87e9, 1e20)])
def test_approach3_root_is_the_loss_minimum(law, nnv, flops):
    d = law.width(nnv)
    f = law.compute_optimal_flops(nnv) if flops is None else flops
    nv = law.approach3_vocab_params(nnv, flops)
    vs = np.linspace(0.5, 1.5, 20001) * nv / d  # vocabulary sizes around the root
    losses = [law.unigram_loss(nnv, v * d, f / (6 * (nnv + v * d))) for v in vs]
    assert nv / d == pytest.approx(vs[int(np.argmin(losses))], rel=1e-4)


def test_more_compute_for_the_same_model_wants_a_larger_vocabulary(law):
    assert law.approach3_vocab_params(7e9, 1e23) > law.approach3_vocab_params(7e9)


def test_width_table(law):
    assert law.width(50e6) == 512 and law.width(50e6 + 1) == 768
    assert law.width(5e12) == 24576


def test_section_and_range_warning():
    plan = optimal_vocabulary(64.4e9)
    assert isinstance(plan, Section) and plan.key == "vocabulary"
    assert plan.recommended == 202798
    assert plan.to_dict()["vocab_size"]["approach2_derivative"] == 215327
    assert plan.warnings and "extrapolation" in plan.warnings[0]
    assert not optimal_vocabulary(1e9).warnings


@pytest.mark.parametrize("nnv,flops", [(0, None), (-1, None), (math.inf, None), (7e9, 0), (7e9, math.nan)])
def test_bad_input(nnv, flops):
    with pytest.raises(InputError):
        optimal_vocabulary(nnv, flops)


def test_new_law_categories_in_the_cli():
    from conftest import cli

    for name in ("tao-2024", "kumar-2024", "krajewski-2024"):
        code, out, err = cli("laws", "show", name, "--json")
        assert code == 0, err
        assert f'"name": "{name}"' in out
    code, out, _ = cli("laws", "list", "--json")
    assert code == 0 and '"category": "vocabulary"' in out and '"category": "precision"' in out
