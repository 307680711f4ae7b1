"""Documented software facts in the step-time model: TP communication overlap, bf16 element-wise traffic in
fp8 training, and DP rings that use every NIC of a node."""

from __future__ import annotations

import numpy as np
import pytest

from scaleplan.errors import InputError
from scaleplan.hardware import load_profile
from scaleplan.model.shape import explicit_shape
from scaleplan.perf import LayoutSpec, estimate_cost
from scaleplan.perf.grid import LayoutGrid
from scaleplan.perf.memory import params_per_gpu
from scaleplan.perf.settings import efficiency_for, load_defaults, load_precision
from scaleplan.perf.step_time import step_arrays
from scaleplan.perf.workload import make_workload

GPT_32B = explicit_shape(48, 7168, 56, ffn_kind="gelu", vocab_size=131072, seq_len=4096, tied_embeddings=False)
MPT_13B = explicit_shape(40, 5120, 40, ffn_kind="gelu", vocab_size=50368, seq_len=2048)


def _grid(**kw) -> LayoutGrid:
    base = dict(tp=8, pp=1, dp=48, mb=4, vpp=1, recompute=0, zero=1, accum=1)
    base.update(kw)
    return LayoutGrid(**{k: np.atleast_1d(np.asarray(v, dtype=np.int64)) for k, v in base.items()})


def _steps(shape, grid, precision="bf16", **kw):
    w = make_workload(shape, 1e12, load_defaults(), **kw)
    prof = load_profile("h100-sxm")
    prec = load_precision(precision)
    return step_arrays(w, grid, prof, prec, efficiency_for(prof, prec.peak), load_defaults())


def test_tp_overlap_hides_at_most_the_pipelined_share():
    plain = _steps(GPT_32B, _grid())
    overlapped = _steps(GPT_32B, _grid(), tp_comm_overlap=True)
    share = 1.0 - load_defaults().overlap_tp_pipelined
    assert float(overlapped.tp_comm[0]) == pytest.approx(share * float(plain.tp_comm[0]), rel=1e-6)
    assert float(overlapped.compute[0]) == pytest.approx(float(plain.compute[0]))


def test_tp_overlap_needs_sequence_parallelism():
    with pytest.raises(InputError, match="sequence parallelism"):
        make_workload(GPT_32B, 1e12, load_defaults(), tp_comm_overlap=True, sequence_parallel=False)


def test_tp_overlap_is_off_by_default_and_raises_mfu_when_on():
    spec = LayoutSpec(tp=8, pp=1, dp=48)
    base = estimate_cost(GPT_32B, 1e12, "h100-sxm", gpus=384, layout=spec, global_batch_tokens=192 * 4096)
    on = estimate_cost(GPT_32B, 1e12, "h100-sxm", gpus=384, layout=spec, global_batch_tokens=192 * 4096,
                       tp_comm_overlap=True)
    assert on.mfu > base.mfu and on.step_parts["tp_comm"] < base.step_parts["tp_comm"]


def test_elementwise_traffic_is_bf16_in_every_precision():
    for name in ("bf16", "fp8", "fp4"):
        assert load_precision(name).elementwise_bytes == 2


def test_dp_ring_over_nodes_uses_every_nic_of_its_members():
    """FSDP over 64 GPUs (8 per node, TP 1) gets 8 NICs per node; with TP 8 each DP ring has one NIC."""
    fsdp = _grid(tp=1, dp=64, mb=2, zero=3)
    steps = _steps(MPT_13B, fsdp)
    prof = load_profile("h100-sxm")
    curve = efficiency_for(prof, "bf16")
    params = MPT_13B.total_params
    # ZeRO-3 per micro-batch: two all-gathers (bf16) and a reduce-scatter (bf16 FSDP reduce), 63/64 of V each
    volume = params * (2 * 2 + load_precision("bf16").fsdp_reduce_bytes) * 63 / 64
    node_bw = min(prof.intra_node_bandwidth * curve.scale_up, 8 * prof.scale_out_bandwidth * curve.scale_out)
    assert float(steps.dp_comm_total[0]) == pytest.approx(volume / node_bw, rel=0.02)
    # TP 8 fills the node: each DP ring (ZeRO-1: one grad reduce-scatter + one weight all-gather) has one NIC
    grid = _grid(tp=8, dp=48, zero=1)
    w = make_workload(GPT_32B, 1e12, load_defaults())
    local = float(params_per_gpu(w, grid)[0])
    bf16 = load_precision("bf16")
    expected = local * (bf16.grad_bytes + bf16.weight_bytes) * 47 / 48 / (prof.scale_out_bandwidth * curve.scale_out)
    assert float(_steps(GPT_32B, grid).dp_comm_total[0]) == pytest.approx(expected, rel=1e-6)
