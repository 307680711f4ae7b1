"""Check values of the hyperparameter laws (``checks:`` in configs/laws/hparams/*.yaml), plus end-to-end cases
through :func:`scaleplan.laws.hparams.recommend` (unit handling: which N, tokens vs sequences, M from a shape)."""

from __future__ import annotations

from typing import Iterator

from . import CaseResult, stored_checks

_OUTPUTS = ("lr", "batch_tokens", "batch_sequences", "critical_batch_tokens", "tau_opt")


def law_cases() -> Iterator[CaseResult]:
    return stored_checks("hyperparameter", lambda law, inputs: law.evaluate(inputs), _OUTPUTS)


def end_to_end_cases() -> Iterator[CaseResult]:
    from ..laws.hparams import recommend
    from ..model.shape import ModelShape

    group = "hparams"
    ne = recommend(1e9, 1e11, params_kind="non_embedding")
    yield CaseResult(group, "steplaw-T9-non-embedding", "lr", 1.632e-3, ne.peak_lr, 0.001, "laws.md T9")
    yield CaseResult(group, "steplaw-T9-non-embedding", "batch_tokens", 1.108e6, ne.batch_tokens, 0.001, "laws.md T9")
    total = recommend(1e9, 1e11, params_kind="total")
    yield CaseResult(group, "steplaw-T9-given-total-N", "lr", 1.632e-3, total.peak_lr, 0.01,
                     "Step Law's N is non-embedding: passing 1e9 TOTAL must give a different LR", must_differ=True)
    for name, layers, width, heads, kv, ffn, lr, seqs in (("7b", 30, 4096, 32, 32, 11008, 4.2e-4, 2304),
                                                          ("67b", 95, 8192, 64, 8, 22016, 3.2e-4, 4608)):
        shape = ModelShape(n_layers=layers, d_model=width, n_heads=heads, n_kv_heads=kv, head_dim=128,
                           ffn_hidden=ffn, vocab_size=102400, seq_len=4096)
        rec = recommend(shape.total_params, 2e12, shape=shape, law="deepseek-2024", seq_len=4096)
        yield CaseResult(group, f"deepseek-{name}-table2", "lr", lr, rec.peak_lr, 0.03, "DeepSeek LLM Table 2 (T5)")
        yield CaseResult(group, f"deepseek-{name}-table2", "batch_sequences", seqs, rec.batch_sequences, 0.10,
                         "DeepSeek LLM Table 2 (T5), sequences of 4096 tokens")
    fixed = recommend(1e9, 1e11, params_kind="non_embedding", batch_tokens=4 * ne.batch_tokens)
    yield CaseResult(group, "sqrt-rule-4x-batch", "lr", 2 * ne.peak_lr, fixed.peak_lr, 1e-9,
                     "Adam square-root rule: 4x the law's batch -> 2x its LR")


def cases() -> Iterator[CaseResult]:
    yield from law_cases()
    yield from end_to_end_cases()
