"""Published check values for the planner's laws: precision (Kumar), vocabulary (Tao), data-constrained
allocation (Muennighoff README) and inference-aware allocation (Sardana, recomputed table in laws.md §6.2)."""

from __future__ import annotations

from typing import Iterator

from ..laws import registry
from . import CaseResult

# laws.md §6.2 (verified: recomputed with the rounded Chinchilla constants): quality of a compute-optimal
# reference model, lifetime inference tokens -> (N, D, total-FLOP saving).
SARDANA = (
    ("30B quality, 5T inference", 30e9, 5e12, 18.97e9, 4.669e12, 0.090),
    ("70B quality, 10T inference", 70e9, 1e13, 47.9e9, 1.177e13, 0.060),
    ("7B quality, 1T inference", 7e9, 1e12, 4.26e9, 8.42e11, 0.108),
)
SARDANA_SOURCE = "laws.md §6.2 table (verified: recomputed; rounded Chinchilla constants)"


def cases() -> Iterator[CaseResult]:
    yield from _precision()
    yield from _vocabulary()
    yield from _data_constrained()
    yield from _inference()


def _precision() -> Iterator[CaseResult]:
    for spec in registry.all_specs("precision"):
        law = registry.build(spec)
        for check in spec.checks:
            bits = check["input"]
            got = law.retention(bits.get("w"), bits.get("a"), bits.get("kv"))
            yield CaseResult(spec.name, str(check["id"]), "retention", float(check["expect"]["retention"]), got,
                             float(check["rel_tol"]), str(check.get("source", "")))


def _vocabulary() -> Iterator[CaseResult]:
    from ..laws.vocabulary import optimal_vocabulary

    for spec in registry.all_specs("vocabulary"):
        law = registry.build(spec)
        for check in spec.checks:
            sizes = optimal_vocabulary(float(check["input"]["non_vocab_params"]), law=law).vocab_sizes
            for index, approach in enumerate(("approach1", "approach2", "approach3")):
                yield CaseResult(spec.name, str(check["id"]), f"vocab ({approach})", float(check["expect"][approach]),
                                 float(sizes[index]), float(check["rel_tol"]), str(check.get("source", "")))


def _data_constrained() -> Iterator[CaseResult]:
    from ..laws.data_constrained import readme_grid_allocation

    plan = readme_grid_allocation(1e22, 25e9)
    source = "huggingface/datablations README optimal_allocation (laws.md T7)"
    yield CaseResult("muennighoff-2023", "readme-allocation-1e22-25e9", "tokens", 2.3733695547755e11, plan.tokens,
                     0.01, source)
    yield CaseResult("muennighoff-2023", "readme-allocation-1e22-25e9", "params", 7.02236473588e9, plan.params,
                     0.01, source)


def _inference() -> Iterator[CaseResult]:
    from ..laws.inference import inference_optimal

    law = registry.get_law("hoffmann-2022-rounded")
    for case, reference, demand, params, tokens, saving in SARDANA:
        plan = inference_optimal(law, demand, params=reference)
        yield CaseResult("sardana-2024", case, "params", params, plan.params, 0.01, SARDANA_SOURCE)
        yield CaseResult("sardana-2024", case, "tokens", tokens, plan.tokens, 0.01, SARDANA_SOURCE)
        yield CaseResult("sardana-2024", case, "FLOP saving", saving, plan.saving, 0.02, SARDANA_SOURCE)
