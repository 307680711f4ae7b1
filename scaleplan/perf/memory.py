"""Memory per accelerator for every layout in a :class:`LayoutGrid` (bytes; vectorised).

Components are SUMMED, never max'ed. The worst pipeline stage is costed: ceil(L / p) layers plus one
embedding table (both tables when p = 1 and they are untied), and the first stage's in-flight activations.

* weights / gradients / optimizer: bytes per parameter from configs/perf/precision.yaml; ZeRO-1 shards the
  optimizer over DP, ZeRO-2 also the gradients, ZeRO-3 (FSDP) also the weights (Rajbhandari et al. 2020).
  TP and PP split the parameters; MoE expert weights are further split over the expert-parallel degree, whose
  ranks come out of DP, so ZeRO shards expert states over DP / EP only (expert all-to-all is not modelled).
* activations: Korthikanti et al. 2022 (arXiv:2205.05198) per-layer counts, generalised to GQA and SwiGLU,
  with sequence parallelism (everything / t): stored elements per token per layer are
  attention 2h + 2 d_attn + 2 kv (norm input, QKV input, Q, K, V, projection input) and
  MLP 2h + k f + f (norm input, FFN input, gate/up outputs, down-projection input); unfused attention also
  stores the s x s softmax (Korthikanti's 5as bytes per token). Selective recompute (attention core, norms,
  FFN activation) keeps 2h + 2 d_attn + 2 kv + k f; full recompute keeps only each layer's input (plus one
  layer's working set).
  1F1B keeps min(p, m) micro-batches in flight on the first stage; interleaving multiplies that by
  1 + (p - 1) / (p v) (Narayanan et al. 2021).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..hardware import HardwareProfile
from .grid import LayoutGrid
from .settings import PerfDefaults, Precision
from .workload import Workload

COMPONENTS = ("weights", "gradients", "optimizer", "activations", "logits", "fsdp_buffers")


@dataclass(frozen=True)
class MemoryArrays:
    """Bytes per accelerator by component, one entry per layout."""

    weights: np.ndarray
    gradients: np.ndarray
    optimizer: np.ndarray
    activations: np.ndarray
    logits: np.ndarray
    fsdp_buffers: np.ndarray

    @property
    def total(self) -> np.ndarray:
        return sum(getattr(self, c) for c in COMPONENTS)


def usable_bytes(profile: HardwareProfile, defaults: PerfDefaults) -> float:
    """Capacity a model may use: label capacity minus allocator slack and the fixed runtime reserve."""
    return profile.memory_bytes * (1.0 - defaults.fragmentation) - defaults.reserved_bytes


def dense_and_expert_params(w: Workload, grid: LayoutGrid) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(dense parameters, extra expert parameters, expert data-parallel width) per accelerator of the worst
    stage, before ZeRO sharding. Expert-parallel ranks are carved out of the data-parallel ranks, so expert
    weights are split over EP and their ZeRO sharding runs over the remaining DP / EP replicas."""
    layers_stage = np.ceil(w.layers / grid.pp)
    tables = np.where(grid.pp == 1, 1 if w.shape.tied_embeddings else 2, 1)
    dense = (layers_stage * w.layer_params + tables * w.embedding_table_params) / grid.tp
    ep = np.minimum(float(w.expert_parallel), grid.dp.astype(float))
    experts = w.expert_extra_params * layers_stage / w.layers / (grid.tp * ep)
    return dense, experts, np.maximum(grid.dp / ep, 1.0)


def params_per_gpu(w: Workload, grid: LayoutGrid) -> np.ndarray:
    """Parameters held by one accelerator of the worst stage before ZeRO sharding."""
    dense, experts, _ = dense_and_expert_params(w, grid)
    return dense + experts


def activation_bytes_per_token_layer(w: Workload, precision: Precision, recompute_code: np.ndarray,
                                     tp: np.ndarray) -> tuple[np.ndarray, float]:
    """(stored bytes per token per layer, bytes of one layer's full working set per token), both / t."""
    h, s = w.hidden, w.seq_len
    elements = (2 * h + 2 * w.shape.d_attn + 2 * w.kv_width) + (2 * h + w.ffn_in_width + w.shape.ffn_hidden)
    full_set = elements * precision.activation_bytes
    if w.attention == "unfused":
        full_set += 5.0 * w.shape.n_heads * s  # Korthikanti: softmax output + dropout mask + dropout output
    # Selective: recompute the attention core, the norms and the FFN activation (Korthikanti's selective
    # recompute plus Megatron-Core's norm/activation modules); keep the residual inputs, Q, K, V, the
    # attention output and the FFN input projections' outputs.
    selective = (2 * h + 2 * w.shape.d_attn + 2 * w.kv_width + w.ffn_in_width) * precision.activation_bytes
    stored = np.where(recompute_code == 0, full_set,
                      np.where(recompute_code == 1, selective, h * precision.activation_bytes))
    if w.sequence_parallel:
        return stored / tp, full_set / tp
    # Without sequence parallelism the norm inputs and outputs (4h; 2h kept by selective, h by full) are
    # replicated on every TP rank (Korthikanti's 10sbh term, without dropout masks).
    replicated = np.where(recompute_code == 0, 4 * h, np.where(recompute_code == 1, 2 * h, h)) * precision.activation_bytes
    return replicated + (stored - replicated) / tp, 4 * h * precision.activation_bytes + (full_set - 4 * h * precision.activation_bytes) / tp


def memory_arrays(w: Workload, grid: LayoutGrid, precision: Precision, defaults: PerfDefaults) -> MemoryArrays:
    dense, experts, expert_dp = dense_and_expert_params(w, grid)
    dp = grid.dp.astype(float)

    def sharded(bytes_per_param: float, stage: int) -> np.ndarray:
        return (dense * bytes_per_param / np.where(grid.zero >= stage, dp, 1.0)
                + experts * bytes_per_param / np.where(grid.zero >= stage, expert_dp, 1.0))

    weights = sharded(precision.weight_bytes, 3)
    grads = sharded(precision.grad_bytes, 2)
    optimizer = sharded(precision.optimizer_bytes, 1)

    tokens_mb = grid.mb * w.seq_len
    stored, working = activation_bytes_per_token_layer(w, precision, grid.recompute, grid.tp)
    layers_stage = np.ceil(w.layers / grid.pp)
    in_flight = np.minimum(grid.pp, grid.accum).astype(float)
    interleave = np.where(grid.vpp > 1, 1.0 + (grid.pp - 1) / (grid.pp * grid.vpp), 1.0)
    activations = tokens_mb * (layers_stage * stored * in_flight * interleave
                               + np.where(grid.recompute == 2, working, 0.0))
    logits = tokens_mb * w.shape.vocab_size * defaults.logits_bytes / grid.tp
    # FSDP gathers one layer's full weights ahead of use (prefetch): two layers' worth of gathered weights.
    fsdp = np.where(grid.zero >= 3, 2.0 * w.layer_params / grid.tp * precision.weight_bytes, 0.0)
    return MemoryArrays(weights=weights, gradients=grads, optimizer=optimizer, activations=activations,
                        logits=logits, fsdp_buffers=fsdp)
