"""Hyperparameter laws: published check values, unit handling, and the recommend/compare API."""

from __future__ import annotations

import math

import pytest

from scaleplan.errors import InputError
from scaleplan.laws import registry
from scaleplan.laws.hparams import compare, critical_batch, critical_batch_tokens, hparam_law_names, recommend
from scaleplan.model.shape import ModelShape
from scaleplan.plan import Section


def law(name):
    return registry.build(registry.get_spec(name, "hyperparameter"))


# -- Step Law (laws.md §4.2; T9) -----------------------------------------------------------------------------
STEP_TABLE = [  # N (non-embedding), D, eta, B tokens — laws.md §4.2 (verified: recomputed)
    (1e8, 2e9, 2.537e-3, 1.187e5),
    (4e8, 4e10, 2.368e-3, 6.565e5),
    (1e9, 2e10, 9.96e-4, 4.419e5),
    (1e9, 1e11, 1.632e-3, 1.108e6),
    (7e9, 2e12, 1.023e-3, 6.128e6),
    (6.7e10, 2e12, 2.043e-4, 6.128e6),
    (8e9, 1.5e13, 1.726e-3, 1.936e7),
]


@pytest.mark.parametrize("n, d, eta, batch", STEP_TABLE)
def test_step_law_table(n, d, eta, batch):
    step = law("step-law-2025")
    assert step.lr_at(n, d) == pytest.approx(eta, rel=1e-3)
    assert step.batch_at(d) == pytest.approx(batch, rel=1e-3)


def test_step_law_T9_through_recommend_with_non_embedding_n():
    rec = recommend(1e9, 1e11, params_kind="non_embedding")
    assert rec.peak_lr == pytest.approx(1.632e-3, rel=1e-3)
    assert rec.batch_tokens == pytest.approx(1.108e6, rel=1e-3)
    assert rec.inputs.params_non_embedding == 1e9
    assert "non-embedding" in rec.lr.formula


def test_total_n_where_non_embedding_expected_gives_a_different_answer():
    as_ne = recommend(1e9, 1e11, params_kind="non_embedding")
    as_total = recommend(1e9, 1e11, params_kind="total")
    assert as_total.inputs.params_non_embedding < 1e9
    assert as_total.peak_lr > as_ne.peak_lr * 1.2  # a smaller non-embedding N -> a larger LR
    assert as_total.batch_tokens == pytest.approx(as_ne.batch_tokens)  # Step Law's batch depends on D only


def test_both_counts_given_are_used_exactly():
    rec = recommend(1.5e9, 1e11, params_kind="total", non_embedding_params=1e9)
    assert rec.inputs.params_total == 1.5e9 and rec.inputs.params_non_embedding == 1e9
    assert rec.peak_lr == pytest.approx(1.632e-3, rel=1e-3)


# -- DeepSeek LLM eq. 1 (laws.md §4.1, T5) --------------------------------------------------------------------
DEEPSEEK_SHAPES = {  # Table 2 shapes; FFN widths from the released configs
    "7b": (ModelShape(n_layers=30, d_model=4096, n_heads=32, n_kv_heads=32, head_dim=128, ffn_hidden=11008,
                      vocab_size=102400, seq_len=4096), 4.2e-4, 2304),
    "67b": (ModelShape(n_layers=95, d_model=8192, n_heads=64, n_kv_heads=8, head_dim=128, ffn_hidden=22016,
                       vocab_size=102400, seq_len=4096), 3.2e-4, 4608),
}


@pytest.mark.parametrize("name", sorted(DEEPSEEK_SHAPES))
def test_deepseek_table2_with_m_from_the_shape(name):
    shape, eta, sequences = DEEPSEEK_SHAPES[name]
    rec = recommend(shape.total_params, 2e12, shape=shape, law="deepseek-2024", seq_len=4096)
    assert rec.law == "deepseek-2024-hparams"
    assert rec.inputs.flops_per_token_m == shape.deepseek_m(4096)  # M from the shape, attention included
    assert rec.inputs.flops_per_token_m != 6 * shape.non_embedding_params
    assert rec.peak_lr == pytest.approx(eta, rel=0.03)
    assert rec.batch_sequences == pytest.approx(sequences, rel=0.10)


def test_deepseek_eq2_m_formula_also_within_tolerance():
    # laws.md's recomputation uses M = 72 L d^2 + 12 L d l_seq (eq. 2), ignoring GQA/SwiGLU details.
    ds = law("deepseek-2024-hparams")
    for layers, width, eta, sequences in ((30, 4096, 4.2e-4, 2304), (95, 8192, 3.2e-4, 4608)):
        m = 72 * layers * width**2 + 12 * layers * width * 4096
        flops = m * 2e12
        assert ds.lr_at(flops) == pytest.approx(eta, rel=0.03)
        assert ds.batch_at(flops) / 4096 == pytest.approx(sequences, rel=0.10)


def test_deepseek_by_compute():
    ds = law("deepseek-2024-hparams")
    for flops, eta, batch in ((1e19, 1.315e-3, 4.79e5), (1e21, 7.39e-4, 2.16e6), (1e23, 4.16e-4, 9.74e6),
                              (1e24, 3.118e-4, 2.07e7)):
        assert ds.lr_at(flops) == pytest.approx(eta, rel=3e-3)
        assert ds.batch_at(flops) == pytest.approx(batch, rel=3e-3)


def test_deepseek_m_follows_sequence_length():
    short = recommend(7e9, 2e12, law="deepseek-2024", seq_len=2048)
    long = recommend(7e9, 2e12, law="deepseek-2024", seq_len=8192)
    assert long.inputs.flops_per_token_m > short.inputs.flops_per_token_m
    assert long.peak_lr < short.peak_lr
    assert any("fitted at sequence length 4096" in w for w in long.warnings)


# -- Porian, Kaplan, MiniCPM ----------------------------------------------------------------------------------
def test_porian_values():
    p = law("porian-2024-hparams")
    assert p.lr_at(1e8) == pytest.approx(4.88e-3, rel=3e-3)
    assert p.batch_at(1e8) == pytest.approx(3.19e5, rel=3e-3)
    assert p.lr_at(1e9) == pytest.approx(2.13e-3, rel=3e-3)
    assert p.batch_at(1e9) == pytest.approx(1.61e6, rel=3e-3)
    assert "unverified" in p.spec.verification.label()


@pytest.mark.parametrize("loss, expected", [(4.0, 2.72e5), (3.0, 1.07e6), (2.5, 2.55e6), (2.0, 7.37e6)])
def test_kaplan_critical_batch(loss, expected):
    assert law("kaplan-2020-hparams").critical_batch_at(loss) == pytest.approx(expected, rel=3e-3)


def test_kaplan_lr_and_its_zero_crossing():
    k = law("kaplan-2020-hparams")
    assert k.lr_at(1e8) == pytest.approx(6.69e-4, rel=3e-3)
    assert k.lr_at(1e9) == pytest.approx(3.48e-4, rel=3e-3)
    assert k.lr_zero_params == pytest.approx(1.21e10, rel=0.01)
    rec = recommend(2e10, 4e11, params_kind="non_embedding", law="kaplan-2020")
    assert rec.peak_lr > 0 and rec.lr.law == "step-law-2025"  # fell back, never a negative LR
    assert any("<= 0" in w and "12.1B" in w for w in rec.warnings)
    row = next(r for r in compare(2e10, 4e11, params_kind="non_embedding").laws if r.law == "kaplan-2020-hparams")
    assert row.lr is None and any("<= 0" in w for w in row.warnings)


@pytest.mark.parametrize("loss, expected", [(3.0, 1.28e6), (2.5, 3.98e6), (2.0, 1.60e7)])
def test_minicpm_batch(loss, expected):
    assert law("minicpm-2024-hparams").batch_at(loss) == pytest.approx(expected, rel=5e-3)


def test_minicpm_gives_no_lr_and_says_so():
    rec = recommend(1e9, 2e11, law="minicpm-2024")
    assert rec.lr.law == "step-law-2025" and rec.batch.source.law == "minicpm-2024-hparams"
    assert any("no learning rate" in n for n in rec.notes)


def test_loss_based_batch_uses_the_loss_law_and_labels_it():
    crit = critical_batch(7e9, 2e12)
    loss = registry.get_law("epoch-2024").loss(7e9, 2e12)
    assert crit.loss == pytest.approx(loss)
    assert crit.tokens == pytest.approx(law("kaplan-2020-hparams").critical_batch_at(loss))
    assert "epoch-2024" in crit.estimate.formula and "not WebText2" in crit.estimate.formula
    assert critical_batch_tokens(7e9, 2e12, loss_law="hoffmann-2022") != pytest.approx(crit.tokens)


# -- weight decay, coupling, schedule, betas ------------------------------------------------------------------
def test_weight_decay_timescale_identity():
    rec = recommend(7e9, 2e12)
    wd, b, lr = rec.weight_decay, rec.batch.tokens_rounded, rec.peak_lr
    tau_opt = 1.084 * (2e12 / 7e9) ** -0.527
    assert wd.tau_opt == pytest.approx(tau_opt)
    assert b / (lr * wd.weight_decay * 2e12) == pytest.approx(tau_opt)  # tau = B/(eta lambda D) at lambda_opt
    assert wd.tau_at_common == pytest.approx(b / (lr * 0.1 * 2e12))
    assert "unverified" in wd.verification


def test_weight_decay_is_linear_in_batch():
    small = recommend(1e9, 1e11, params_kind="non_embedding", batch_tokens=1 * 2**20, optimizer="sgd")
    large = recommend(1e9, 1e11, params_kind="non_embedding", batch_tokens=4 * 2**20, optimizer="sgd")
    # SGD's linear rule keeps B/eta fixed, so lambda = B/(eta D tau) does not change
    assert large.weight_decay.weight_decay == pytest.approx(small.weight_decay.weight_decay)


def test_batch_lr_coupling_sqrt_for_adam_linear_for_sgd():
    base = recommend(1e9, 1e11, params_kind="non_embedding")
    adam = recommend(1e9, 1e11, params_kind="non_embedding", batch_tokens=4 * base.batch_tokens)
    sgd = recommend(1e9, 1e11, params_kind="non_embedding", batch_tokens=4 * base.batch_tokens, optimizer="sgd")
    assert adam.peak_lr == pytest.approx(2 * base.peak_lr)
    assert sgd.peak_lr == pytest.approx(4 * base.peak_lr)
    assert adam.lr_rescale["rule"].startswith("square-root") and adam.lr_rescale["law"] == "adam-sqrt-batch-rule"
    assert adam.lr_law.value == pytest.approx(base.peak_lr)


def test_schedule_and_warmup():
    rec = recommend(7e9, 2e12)
    s = rec.schedule
    assert s.warmup_tokens == pytest.approx(7e9) and not s.warmup_capped
    assert s.total_steps == math.ceil(2e12 / rec.batch.tokens_rounded)
    assert s.decay_fraction == 0.2 and s.cosine_final_lr == pytest.approx(0.1 * rec.peak_lr)
    assert s.decay_start_step == round(s.total_steps * 0.8)
    capped = recommend(7e9, 1e10).schedule
    assert capped.warmup_capped and capped.warmup_tokens == pytest.approx(1e9)


def test_betas():
    assert (recommend(7e9, 2e12).beta1, recommend(7e9, 2e12).beta2) == (0.9, 0.95)
    assert "raise beta2" in recommend(1e8, 2e9).beta_note  # Step Law batch ~1.2e5 tokens


# -- units and the Section protocol ---------------------------------------------------------------------------
@pytest.mark.parametrize("seq_len", [1024, 2048, 4096, 8192])
def test_sequences_times_seq_len_is_tokens(seq_len):
    rec = recommend(7e9, 2e12, seq_len=seq_len)
    assert rec.batch_sequences * seq_len == pytest.approx(rec.batch_tokens)
    assert rec.batch.sequences_rounded * seq_len == rec.batch.tokens_rounded


def test_recommendation_is_a_plan_section_and_labels_units():
    rec = recommend(7e9, 2e12, batch_tokens=4e6)
    assert isinstance(rec, Section) and rec.key == "hyperparameters"
    rows = dict((q, (v, n)) for q, v, n in rec.rows())
    assert "tokens" in rows["global batch (tokens)"][0]
    assert "sequences of 4096 tokens" in rows["global batch (sequences)"][0]
    assert "total" in rows["parameters N"][0] and "non-embedding" in rows["parameters N"][0]
    assert "non-embedding" in rows["peak learning rate"][1]
    for quantity, value, note in rec.rows():
        assert "nan" not in value.lower() and "nan" not in note.lower()
    data = rec.to_dict()
    assert data["batch"]["user_fixed"] is True and data["peak_lr"]["rescale"]["to_batch_tokens"] == 4e6


def test_recommendation_is_frozen():
    rec = recommend(7e9, 2e12)
    with pytest.raises(Exception):
        rec.law = "x"  # type: ignore[misc]


def test_compare_spread_and_section():
    cmp = compare(7e9, 2e12)
    assert isinstance(cmp, Section)
    assert [r.law for r in cmp.laws][0] == "step-law-2025"
    assert {r.law for r in cmp.laws} == set(hparam_law_names())
    lrs = [r.lr.value for r in cmp.laws if r.lr]
    batches = [r.batch.value for r in cmp.laws if r.batch]
    assert cmp.lr_spread == pytest.approx(max(lrs) / min(lrs))
    assert cmp.batch_spread == pytest.approx(max(batches) / min(batches))
    assert cmp.to_dict()["spread"]["lr_max_over_min"] == cmp.lr_spread


def test_critical_batch_verdict():
    below = recommend(7e9, 2e12, batch_tokens=1e6)
    above = recommend(7e9, 2e12, batch_tokens=6.4e7)
    assert not below.exceeds_critical_batch and below.critical_verdict == "below"
    assert above.exceeds_critical_batch and any("critical batch" in w for w in above.warnings)
    at = recommend(7e9, 2e12, law="kaplan-2020")  # Kaplan picks B = B_crit itself
    assert at.critical_verdict == "at B_crit"


# -- bad input ------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("kwargs", [
    dict(params=0, tokens=1e12), dict(params=-1, tokens=1e12), dict(params=math.nan, tokens=1e12),
    dict(params=math.inf, tokens=1e12), dict(params=7e9, tokens=0), dict(params=7e9, tokens=math.nan),
    dict(params=7e9, tokens=1e12, seq_len=0), dict(params=7e9, tokens=1e12, seq_len=math.inf),
    dict(params=7e9, tokens=1e12, seq_len=100.5), dict(params=7e9, tokens=1e12, batch_tokens=100),
    dict(params=7e9, tokens=1e12, law="nope"), dict(params=7e9, tokens=1e12, params_kind="active"),
    dict(params=7e9, tokens=1e12, optimizer="lion"), dict(params=7e9, tokens=1e12, loss_law="llama3-2024"),
])
def test_bad_input_raises_input_error(kwargs):
    with pytest.raises(InputError):
        recommend(**kwargs)


def test_d_smaller_than_n_answers_with_a_warning():
    rec = recommend(7e9, 1e9)
    assert rec.peak_lr > 0 and any("smaller than N" in w for w in rec.warnings)


def test_unknown_law_suggests_closest_and_paper_names_resolve():
    with pytest.raises(InputError, match="did you mean 'deepseek-2024-hparams'"):
        recommend(7e9, 2e12, law="deepseek-2042")
    for short in ("deepseek-2024", "porian-2024", "kaplan-2020", "minicpm-2024", "step-law-2025"):
        assert recommend(7e9, 2e12, law=short).law.startswith(short)


def test_extrapolation_is_flagged():
    rec = recommend(7e9, 2e12)
    assert any("step-law-2025" in w and "extrapolation" in w for w in rec.warnings)
    assert not any("extrapolation" in w for w in recommend(4e8, 4e10, params_kind="non_embedding").warnings)


def test_all_hparam_law_files_parse_and_build():
    for spec in registry.all_specs("hyperparameter"):
        assert registry.build(spec).spec is spec


def test_absurd_inputs_never_give_nan_or_infinity():
    """Far outside every range: either a finite (warned) answer or a one-line InputError, never NaN/inf."""
    import json

    for params, tokens in ((1e300, 1e300), (1e-300, 1e-300), (1e200, 1e5), (0.001, 0.001)):
        for fn in (recommend, compare):
            try:
                result = fn(params, tokens)
            except InputError:
                continue
            json.dumps(result.to_dict(), allow_nan=False)  # raises on NaN or infinity
