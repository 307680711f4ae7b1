"""Memory, step-time and cost arithmetic of the cost model (scaleplan.perf)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from scaleplan.errors import InputError
from scaleplan.hardware import load_profile
from scaleplan.model.shape import explicit_shape, shape_for_params
from scaleplan.perf import LayoutSpec, best_throughput, estimate_cost, hardware_flops_per_token
from scaleplan.perf.grid import LayoutGrid
from scaleplan.perf.layout import candidate_grid, evaluate, search
from scaleplan.perf.memory import COMPONENTS, memory_arrays
from scaleplan.perf.settings import efficiency_for, load_defaults, load_precision
from scaleplan.perf.workload import make_workload

LLAMA_70B = explicit_shape(80, 8192, 64, n_kv_heads=8, ffn_hidden=28672, vocab_size=128256, seq_len=4096)


def _grid(**kw) -> LayoutGrid:
    base = dict(tp=8, pp=4, dp=16, mb=1, vpp=1, recompute=0, zero=1, accum=8)
    base.update(kw)
    return LayoutGrid(**{k: np.atleast_1d(np.asarray(v, dtype=np.int64)) for k, v in base.items()})


def _workload(shape=LLAMA_70B, **kw):
    return make_workload(shape, 2e12, load_defaults(), **kw)


def test_memory_components_are_summed_not_maxed():
    mem = memory_arrays(_workload(), _grid(), load_precision("bf16"), load_defaults())
    parts = [float(getattr(mem, c)[0]) for c in COMPONENTS]
    assert float(mem.total[0]) == pytest.approx(sum(parts))
    assert float(mem.total[0]) > max(parts)


def test_zero_stages_shard_what_they_should():
    w, prec, d = _workload(), load_precision("bf16"), load_defaults()
    m = [memory_arrays(w, _grid(zero=z), prec, d) for z in range(4)]
    assert m[1].optimizer[0] == pytest.approx(m[0].optimizer[0] / 16)
    assert m[2].gradients[0] == pytest.approx(m[1].gradients[0] / 16)
    assert m[3].weights[0] == pytest.approx(m[2].weights[0] / 16)
    assert m[0].weights[0] == m[2].weights[0]


def test_weights_bytes_per_parameter_match_the_precision_table():
    w, d = _workload(), load_defaults()
    g = _grid(tp=1, pp=1, dp=8, zero=0)
    bf16 = memory_arrays(w, g, load_precision("bf16"), d)
    params = LLAMA_70B.total_params
    assert bf16.weights[0] == pytest.approx(2 * params, rel=1e-6)
    assert bf16.optimizer[0] == pytest.approx(12 * params, rel=1e-6)
    fp8 = memory_arrays(w, g, load_precision("fp8"), d)
    assert fp8.weights[0] != bf16.weights[0] and fp8.activations[0] < bf16.activations[0]


def test_recompute_reduces_activation_memory_and_korthikanti_ratio():
    w, prec, d = _workload(), load_precision("bf16"), load_defaults()
    acts = [memory_arrays(w, _grid(recompute=r), prec, d).activations[0] for r in range(3)]
    assert acts[0] > acts[1] > acts[2]
    # Korthikanti et al. (MHA, 4h GELU, sequence parallel, no dropout): 32 s b h / t bytes per layer.
    gpt = explicit_shape(4, 4096, 32, ffn_kind="gelu", vocab_size=50304, seq_len=2048)
    one = memory_arrays(_workload(gpt), _grid(tp=1, pp=1, dp=8, accum=1), prec, d).activations[0]
    assert one == pytest.approx(4 * 32 * 2048 * 4096)


def test_pipeline_bubble_follows_p_minus_1_over_v_m():
    w, prof = _workload(), load_profile("h100-sxm")
    prec, d = load_precision("bf16"), load_defaults()
    curve = efficiency_for(prof, "bf16")
    _, a = evaluate(w, _grid(vpp=1), prof, prec, curve, d)
    _, b = evaluate(w, _grid(vpp=2), prof, prec, curve, d)
    compute_per_mb = (a.compute[0] + a.tp_comm[0]) / 8
    assert a.bubble[0] == pytest.approx(3 * compute_per_mb, rel=1e-6)
    assert b.bubble[0] == pytest.approx(a.bubble[0] / 2, rel=1e-6)


def test_search_matches_brute_force_over_single_layout_grids():
    w, prof = _workload(), load_profile("h100-sxm")
    prec, d = load_precision("bf16"), load_defaults()
    curve = efficiency_for(prof, "bf16")
    grid = candidate_grid(w, 256, prof, d)
    best = search(w, 256, prof, prec, curve, d)
    usable = prof.memory_bytes * (1 - d.fragmentation) - d.reserved_bytes
    times = []
    for i in range(0, grid.size, max(1, grid.size // 400)):  # a sample, one layout at a time
        one = grid.take(np.array([i]))
        mem, step = evaluate(w, one, prof, prec, curve, d)
        if mem.total[0] <= usable:
            times.append(step.total[0] / one.batch_sequences[0])
    per_seq_best = best.step_total / best.layout.global_batch_sequences
    assert per_seq_best <= min(times) + 1e-12


def test_more_gpus_more_throughput_and_fp8_is_faster():
    # A model well inside memory on both counts: with memory to spare, 4x the GPUs is at most 4x the speed
    # (near the memory limit, more GPUs can be super-linear: ZeRO frees memory for less recompute).
    shape = shape_for_params(2e9)
    batch = 1024 * shape.seq_len  # divides evenly on both counts: no batch rounding to compare across
    small = best_throughput(shape, "h100-sxm", 64, global_batch_tokens=batch)
    large = best_throughput(shape, "h100-sxm", 256, global_batch_tokens=batch)
    assert 3.0 < large / small <= 4.0 + 1e-9
    assert best_throughput(shape, "h100-sxm", 64, precision="fp8", global_batch_tokens=batch) > small


def test_fp8_peak_and_missing_fp8():
    shape = shape_for_params(7e9)
    bf16 = estimate_cost(shape, 1e12, "h100-sxm", gpus=64)
    fp8 = estimate_cost(shape, 1e12, "h100-sxm", gpus=64, precision="fp8")
    assert fp8.peak_flops_per_gpu == pytest.approx(2 * bf16.peak_flops_per_gpu, rel=1e-3)
    assert fp8.gpu_hours < bf16.gpu_hours
    with pytest.raises(InputError, match="no dense fp8 peak"):
        estimate_cost(shape, 1e12, "a100-80gb", gpus=64, precision="fp8")
    with pytest.raises(InputError, match="no dense fp4 peak"):
        estimate_cost(shape, 1e12, "h100-sxm", gpus=64, precision="fp4")
    assert estimate_cost(shape, 1e12, "b200", gpus=64, precision="fp4").peak_flops_per_gpu == 9000e12


def test_cost_arithmetic_is_consistent():
    c = estimate_cost(shape_for_params(7e9), 2e12, "h100-sxm", gpus=512)
    assert c.steps == math.ceil(2e12 / c.batch_tokens)
    assert c.steady_gpu_hours == pytest.approx(c.steps * c.step_time * 512 / 3600)
    assert c.gpu_hours == pytest.approx(c.steady_gpu_hours / c.goodput)
    assert c.wall_clock_days == pytest.approx(c.gpu_hours / 512 / 24)
    rate = load_profile("h100-sxm").prices["on-demand"].usd_per_hour
    assert c.chosen_dollars.usd == pytest.approx(c.gpu_hours * rate)
    assert c.energy_kwh == pytest.approx(c.gpu_hours * 700 * 0.8 * c.pue / 1000)
    assert c.mfu == pytest.approx(c.model_flops_per_token * c.tokens_per_second / (512 * 989.4e12))
    assert c.hfu >= c.mfu and 0 < c.mfu < load_profile("h100-sxm").mamf["bf16"]
    assert c.memory_total == pytest.approx(sum(c.memory.values())) and c.memory_total <= c.memory_usable
    assert c.step_time == pytest.approx(sum(c.step_parts.values()))
    assert c.key == "cost" and c.rows() and c.to_dict()["flops"]["mfu"] == c.mfu


def test_cost_is_a_plan_section():
    from scaleplan.plan import Section

    assert isinstance(estimate_cost(shape_for_params(1e9), 1e11, gpus=8), Section)


def test_goodput_and_price_override():
    shape = shape_for_params(1e9)
    a = estimate_cost(shape, 1e11, gpus=8, goodput=0.5, price_per_hour=1.0)
    b = estimate_cost(shape, 1e11, gpus=8, goodput=1.0, price_per_hour=1.0)
    assert a.gpu_hours == pytest.approx(2 * b.gpu_hours)
    assert a.chosen_dollars.usd == pytest.approx(a.gpu_hours)
    with pytest.raises(InputError, match="goodput"):
        estimate_cost(shape, 1e11, gpus=8, goodput=1.5)


def test_hardware_flops_with_recompute():
    w = _workload()
    model = w.model_flops_per_token
    logits = 6 * LLAMA_70B.vocab_size * LLAMA_70B.d_model
    assert hardware_flops_per_token(w, "none") == model
    assert hardware_flops_per_token(w, "full") == pytest.approx(model + (model - logits) / 3)
    assert model < hardware_flops_per_token(w, "selective") < hardware_flops_per_token(w, "full")


def test_moe_memory_from_total_flops_from_active():
    active = shape_for_params(7e9)
    dense = estimate_cost(active, 1e12, gpus=64, layout=LayoutSpec(tp=1, pp=1, zero=1))
    moe = estimate_cost(active, 1e12, gpus=64, layout=LayoutSpec(tp=1, pp=1, zero=1), total_params=4 * active.total_params,
                        expert_parallel=8)
    assert moe.model_flops_per_token == dense.model_flops_per_token
    assert moe.memory["weights"] > dense.memory["weights"]
    with pytest.raises(InputError, match="cannot be below"):
        estimate_cost(active, 1e12, gpus=64, total_params=1e9)


def test_infeasible_layout_explains_what_would_fit():
    with pytest.raises(InputError) as err:
        estimate_cost(LLAMA_70B, 1e12, "a100-40gb", gpus=8)
    message = str(err.value)
    assert "GPUs would fit" in message and "GiB" in message and "\n" not in message


def test_gpu_count_rule():
    c = estimate_cost(shape_for_params(1e9), 2e10)
    assert c.gpus == 8 and "cheapest" in c.gpus_reason
    big = estimate_cost(shape_for_params(70e9), 2e12, global_batch_tokens=16 * 2**20)
    assert big.wall_clock_days <= load_defaults().target_days
    # No other node x 2^k count meets the deadline for fewer GPU-hours.
    for gpus in (big.gpus // 4, big.gpus // 2, big.gpus * 2, big.gpus * 4):
        try:
            other = estimate_cost(shape_for_params(70e9), 2e12, gpus=gpus, global_batch_tokens=16 * 2**20)
        except InputError:
            continue
        if other.wall_clock_days <= load_defaults().target_days:
            assert other.gpu_hours >= big.gpu_hours * (1 - 1e-9)


@pytest.mark.parametrize("gpus", [0, -8, 12, 2.5])
def test_bad_gpu_counts(gpus):
    with pytest.raises(InputError):
        estimate_cost(shape_for_params(1e9), 1e11, gpus=gpus)


@pytest.mark.parametrize("tokens", [1.0, 1e20, float("nan")])
def test_absurd_tokens(tokens):
    with pytest.raises(InputError):
        estimate_cost(shape_for_params(1e9), tokens, gpus=8)
