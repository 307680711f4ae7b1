"""Step time for every layout in a :class:`LayoutGrid` (seconds; vectorised), split into its parts.

Per micro-batch and transformer layer (a stage holds ceil(L / p) of them):

* GEMMs: QKV, attention output, FFN in, FFN out, each 2·M·K·N FLOPs with M = micro-batch tokens and the
  TP-split dimension / t; each runs at eff(F) = matmul_max · F / (F + F_half) of the DENSE peak (the size
  dependence follows Calculon's efficiency-vs-op-size idea). Backward = 2 x forward.
* attention core (QKᵀ and AV, 4·b·s²·d_attn / t FLOPs forward): Flash kernels at the attention_max curve,
  unfused kernels at the GEMM curve plus the memory-bound s x s softmax traffic.
* memory-bound element-wise kernels (norms, residuals, rotary, SwiGLU, cross-entropy): bytes / HBM bandwidth,
  at the precision's element-wise bytes (bf16 even in fp8/fp4 training: only GEMM operands are cast).
* recompute: full re-runs the layer forward (and its TP collectives); selective re-runs the attention core.
* TP (sequence parallel): 2 all-gathers + 2 reduce-scatters of M·h activations per layer forward, as many
  backward, over the intra-node link; exposed (1 - overlap.tensor_parallel), or, with TP communication
  overlap (Megatron-Core --tp-comm-overlap), max(comm x (1 - overlap.tensor_parallel_pipelined), comm - GEMMs).
* PP: activations sent to the next stage per micro-batch and virtual stage; bubble (p - 1) / v micro-batch times.
* DP: ZeRO-0 all-reduce, ZeRO-1 reduce-scatter + all-gather once per step; ZeRO-2 reduce-scatter per
  micro-batch; ZeRO-3 all-gather (forward and backward) + reduce-scatter per micro-batch. Over the intra-node
  link when the DP group fits in the scale-up domain, else the NICs of its members in each node (one ring
  channel per NIC; a single NIC per ring when TP fills the node). Overlapped with compute up to
  overlap.data_parallel / overlap.fsdp; only the rest is exposed.
* optimizer: fused AdamW over the local optimizer shard, memory-bound.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..hardware import HardwareProfile
from .grid import LayoutGrid
from .memory import params_per_gpu
from .settings import EfficiencyCurve, PerfDefaults, Precision
from .workload import Workload

PARTS = ("compute", "tp_comm", "pp_comm", "bubble", "dp_comm", "optimizer")


@dataclass(frozen=True)
class StepArrays:
    """Seconds per optimizer step by part (exposed time only), one entry per layout."""

    compute: np.ndarray         # GEMMs, attention, element-wise kernels, recompute (all micro-batches)
    tp_comm: np.ndarray         # exposed tensor-parallel collectives
    pp_comm: np.ndarray         # exposed pipeline sends/receives
    bubble: np.ndarray          # pipeline fill/drain
    dp_comm: np.ndarray         # exposed data-parallel / ZeRO collectives
    optimizer: np.ndarray       # optimizer step
    dp_comm_total: np.ndarray   # DP traffic time before overlap (for the report)

    @property
    def total(self) -> np.ndarray:
        return sum(getattr(self, p) for p in PARTS)


def gemm_seconds(flops, peak: float, curve: EfficiencyCurve, ceiling: float | None = None, half_scale: float = 1.0):
    """Time of one GEMM of ``flops`` FLOPs at the size-dependent efficiency.

    ``half_scale`` = peak / bf16 peak: the curve's half-efficiency size is fitted in bf16, and the fixed
    per-GEMM latency it stands for is a time, so a faster precision needs a proportionally larger GEMM.
    """
    top = curve.matmul_max if ceiling is None else ceiling
    efficiency = top * flops / (flops + curve.matmul_half_flops * half_scale)
    return flops / (peak * efficiency)


def _layer_forward(w: Workload, grid: LayoutGrid, peak: float, attention_peak: float, curve: EfficiencyCurve,
                   defaults: PerfDefaults, precision: Precision, bandwidth: float):
    """(GEMM s, attention-core s, element-wise s, low-precision cast s fwd + bwd) of one layer per micro-batch."""
    t = grid.tp.astype(float)
    m = (grid.mb * w.seq_len).astype(float)
    h, d_attn, s = w.hidden, w.shape.d_attn, w.seq_len
    gemm_flops = (2 * m * h * (d_attn + 2 * w.kv_width) / t, 2 * m * d_attn * h / t,
                  2 * m * h * w.ffn_in_width / t, 2 * m * w.shape.ffn_hidden * h / t)
    scale = peak / attention_peak
    gemm = sum(gemm_seconds(f, peak, curve, half_scale=scale) for f in gemm_flops)
    attn_flops = 4.0 * grid.mb * s * s * d_attn / t
    split_elements = (defaults.ew_attention * d_attn + defaults.ew_kv * w.kv_width
                      + (defaults.ew_ffn if w.shape.ffn_kind == "swiglu" else defaults.ew_ffn_gelu) * w.shape.ffn_hidden)
    # Norms and residual adds are split over TP ranks only with sequence parallelism; else replicated.
    hidden_split = t if w.sequence_parallel else 1.0
    elementwise = m * (defaults.ew_hidden * h / hidden_split + split_elements / t) * precision.elementwise_bytes / bandwidth
    if w.attention == "flash":
        executed = attn_flops * defaults.flash_causal_fraction
        attention = gemm_seconds(executed, attention_peak, curve, curve.attention_max)
    else:
        scores = grid.mb * w.shape.n_heads * s * s / t
        attention = gemm_seconds(attn_flops, attention_peak, curve) + scores * defaults.unfused_softmax_bytes / bandwidth
    gemm_inputs = 2 * h + d_attn + w.shape.ffn_hidden
    casts = m * gemm_inputs * precision.cast_bytes / t / bandwidth
    return gemm, attention, elementwise, casts


def _ring_seconds(volume_bytes, participants, bandwidth: float):
    """Reduce-scatter or all-gather of ``volume_bytes`` (the full tensor) over a ring: (n - 1) / n · V / B."""
    n = np.asarray(participants, dtype=float)
    return np.where(n > 1, (n - 1) / np.maximum(n, 1) * volume_bytes / bandwidth, 0.0)


def step_arrays(w: Workload, grid: LayoutGrid, profile: HardwareProfile, precision: Precision,
                curve: EfficiencyCurve, defaults: PerfDefaults) -> StepArrays:
    peak = profile.peak_flops(precision.peak)
    hbm = profile.memory_bandwidth * curve.memory_bandwidth
    intra = profile.intra_node_bandwidth * curve.scale_up
    inter = profile.scale_out_bandwidth * curve.scale_out
    t, p, d, v = grid.tp, grid.pp, grid.dp, grid.vpp
    m = grid.accum.astype(float)

    # The attention core (softmax(QK^T) V) runs in bf16 even in fp8/fp4 training (Transformer Engine default).
    attention_peak = min(peak, profile.peak_flops("bf16"))
    gemm, attention, elementwise, casts = _layer_forward(w, grid, peak, attention_peak, curve, defaults, precision, hbm)
    forward = gemm + attention + elementwise
    backward = 2.0 * (gemm + attention) + defaults.ew_backward * elementwise
    recompute = np.where(grid.recompute == 2, forward, np.where(grid.recompute == 1, attention + elementwise, 0.0))
    layer = forward + backward + recompute + casts
    forward_share = forward / layer

    tokens_mb = (grid.mb * w.seq_len).astype(float)
    tp_volume = tokens_mb * w.hidden * precision.activation_bytes
    collectives = 8.0 + np.where(grid.recompute == 2, 4.0, 0.0)  # AG/RS per layer: 4 forward, 4 backward
    tp_raw = collectives * _ring_seconds(tp_volume, t, intra)
    if w.tp_comm_overlap:
        # Pipelined with the layer's GEMMs (forward, backward, recomputed forward): one chunk stays exposed,
        # and whatever outlasts the GEMMs cannot hide.
        gemm_window = gemm * (3.0 + np.where(grid.recompute == 2, 1.0, 0.0))
        tp_layer = np.maximum(tp_raw * (1.0 - defaults.overlap_tp_pipelined), tp_raw - gemm_window)
    else:
        tp_layer = tp_raw * (1.0 - defaults.overlap_tp)

    logit_flops = 2.0 * tokens_mb * w.hidden * w.shape.vocab_size / t
    logits = 3.0 * gemm_seconds(logit_flops, peak, curve, half_scale=peak / attention_peak) + tokens_mb * w.shape.vocab_size / t * defaults.ce_bytes / hbm

    # Slowest stage per micro-batch: ceil(L / p) layers, or the balanced share once the logits are included.
    layers_stage = np.ceil(w.layers / p)
    uneven = layers_stage * (layer + tp_layer)
    balanced = (w.layers * (layer + tp_layer) + logits) / p
    stage = np.maximum(uneven, balanced)
    stage_tp = np.where(uneven >= balanced, layers_stage, w.layers / p) * tp_layer
    compute = m * (stage - stage_tp)
    tp_comm = m * stage_tp

    domain = profile.scale_up_domain
    pp_bandwidth = np.where(t * d < domain, intra, inter)
    p2p = np.where(p > 1, 2.0 * v * tokens_mb * w.hidden * precision.activation_bytes / t / pp_bandwidth, 0.0)
    pp_comm = m * p2p * (1.0 - defaults.overlap_pp)
    bubble = (p - 1) / v * stage

    # Data parallel: parameters of this rank's stage (TP-split). Gradient reduce-scatters hide behind the
    # backward pass, parameter all-gathers behind the forward pass, up to the configured overlap.
    params = params_per_gpu(w, grid)
    # A DP group spanning nodes: NCCL runs one ring channel per NIC, each crossing a node boundary through a
    # different NIC, so the group's g members inside one scale-up domain (TP innermost, DP next) share g NICs'
    # bandwidth; capped by the intra-node link. g = 1 when TP fills the node (then one NIC per ring).
    per_node = np.clip(domain // np.maximum(t, 1), 1, np.maximum(d, 1)).astype(float)
    dp_bandwidth = np.where(t * d <= domain, intra, np.minimum(intra, inter * per_node))
    grad_bytes = np.where(grid.zero >= 3, precision.fsdp_reduce_bytes, precision.grad_bytes)
    reduce = _ring_seconds(params * grad_bytes, d, dp_bandwidth)           # one reduce-scatter of the grads
    gather = _ring_seconds(params * precision.weight_bytes, d, dp_bandwidth)  # one all-gather of the weights
    fwd_window = stage * forward_share
    bwd_window = stage - fwd_window

    def exposed(comm, window, overlap):
        return np.maximum(comm * (1.0 - overlap), comm - window)

    ovl, fsdp = defaults.overlap_dp, defaults.overlap_fsdp
    zero = grid.zero
    once_grad = np.where(zero == 0, 2.0 * reduce, np.where(zero == 1, reduce, 0.0))   # all-reduce = RS + AG
    once_gather = np.where((zero == 1) | (zero == 2), gather, 0.0)
    mb_grad = np.where(zero >= 2, reduce, 0.0)
    mb_fwd_gather = np.where(zero >= 3, gather, 0.0)
    mb_bwd_gather = mb_fwd_gather
    dp_comm = (exposed(once_grad, bwd_window, ovl) + exposed(once_gather, fwd_window, ovl)
               + m * (exposed(mb_grad + mb_bwd_gather, bwd_window, fsdp) + exposed(mb_fwd_gather, fwd_window, fsdp)))
    dp_total = once_grad + once_gather + m * (mb_grad + mb_bwd_gather + mb_fwd_gather)

    optimizer_shard = params / np.where(grid.zero >= 1, d, 1)
    optimizer = optimizer_shard * defaults.optimizer_bytes / hbm

    return StepArrays(compute=compute, tp_comm=tp_comm, pp_comm=pp_comm, bubble=bubble, dp_comm=dp_comm,
                      optimizer=optimizer, dp_comm_total=dp_total)
