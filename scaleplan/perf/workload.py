"""What is being trained, reduced to the numbers the memory and step-time models need.

The model shape is the network one token sees (for a mixture of experts: the *active* network), so FLOPs
come from it. ``total_params`` may exceed the shape's own count (MoE): the extra parameters are expert
weights, which cost memory and gradient traffic but no FLOPs, and are sharded over ``expert_parallel``.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..errors import InputError
from ..model.shape import ModelShape
from ..units import format_si
from .settings import PerfDefaults


@dataclass(frozen=True)
class Workload:
    shape: ModelShape
    tokens: float                 # training tokens D
    seq_len: int
    batch_tokens: float           # requested global batch (tokens); the layout rounds it to whole micro-batches
    total_params: float           # every parameter (memory); == shape.total_params for a dense model
    expert_parallel: int = 1
    attention: str = "flash"      # "flash" (fused, O(s) memory) or "unfused" (materialised s x s scores)
    sequence_parallel: bool = True  # with TP, norms/residuals split over the sequence (Korthikanti et al. 2022)
    tp_comm_overlap: bool = False   # TP collectives pipelined with their GEMMs (Megatron-Core --tp-comm-overlap)

    # -- shape-derived sizes -----------------------------------------------------------------------
    @property
    def layers(self) -> int:
        return self.shape.n_layers

    @property
    def hidden(self) -> int:
        return self.shape.d_model

    @property
    def kv_width(self) -> int:
        return self.shape.n_kv_heads * self.shape.head_dim

    @property
    def ffn_in_width(self) -> int:
        """Output width of the FFN input projection(s): gate + up for SwiGLU, one matrix for GELU."""
        return (2 if self.shape.ffn_kind == "swiglu" else 1) * self.shape.ffn_hidden

    @property
    def layer_params(self) -> float:
        return float(self.shape.matmul_params_per_layer + 2 * self.shape.d_model)

    @property
    def embedding_table_params(self) -> float:
        return float(self.shape.vocab_size * self.shape.d_model)

    @property
    def expert_extra_params(self) -> float:
        """Parameters beyond the active network (MoE experts not used by a given token)."""
        return max(0.0, self.total_params - self.shape.total_params)

    @property
    def batch_sequences(self) -> float:
        return self.batch_tokens / self.seq_len

    @property
    def model_flops_per_token(self) -> float:
        """Model FLOPs per token (MFU numerator): 6 x active matmul params + 12 L d_attn T (no recompute)."""
        return self.shape.model_flops_per_token(self.seq_len)

    @property
    def model_flops(self) -> float:
        return self.model_flops_per_token * self.tokens


def make_workload(shape: ModelShape, tokens: float, defaults: PerfDefaults, *, seq_len: int | None = None,
                  global_batch_tokens: float | None = None, total_params: float | None = None,
                  expert_parallel: int = 1, attention: str = "flash", sequence_parallel: bool = True,
                  tp_comm_overlap: bool = False) -> Workload:
    """Validate the request (absurd N, D, sequence length or batch -> one-line InputError)."""
    seq = int(seq_len or shape.seq_len)
    if seq <= 0 or seq > defaults.max_seq_len:
        raise InputError(f"--seq-len: must be between 1 and {defaults.max_seq_len}, got {seq}")
    n = float(total_params) if total_params is not None else float(shape.total_params)
    if not (math.isfinite(n) and defaults.min_params <= n <= defaults.max_params):
        raise InputError(f"N = {format_si(n)} parameters is outside the supported range "
                         f"[{format_si(defaults.min_params)}, {format_si(defaults.max_params)}]")
    if n < shape.total_params * (1 - 1e-9):
        raise InputError(f"total parameters ({format_si(n)}) cannot be below the active shape's "
                         f"({format_si(shape.total_params)})")
    tokens = float(tokens)
    if not (math.isfinite(tokens) and defaults.min_tokens <= tokens <= defaults.max_tokens):
        raise InputError(f"D = {format_si(tokens)} tokens is outside the supported range "
                         f"[{format_si(defaults.min_tokens)}, {format_si(defaults.max_tokens)}]")
    batch = float(global_batch_tokens) if global_batch_tokens is not None else defaults.batch_tokens
    if not (math.isfinite(batch) and batch > 0):
        raise InputError(f"--batch-tokens: must be positive, got {batch}")
    if batch < seq:
        raise InputError(f"--batch-tokens ({format_si(batch)}) is smaller than one sequence ({seq} tokens)")
    if batch > tokens:
        raise InputError(f"global batch ({format_si(batch)} tokens) exceeds the training tokens D ({format_si(tokens)})")
    if expert_parallel < 1:
        raise InputError(f"--expert-parallel: must be a positive whole number, got {expert_parallel}")
    if attention not in ("flash", "unfused"):
        raise InputError(f"attention kernel must be 'flash' or 'unfused', got {attention!r}")
    if tp_comm_overlap and not sequence_parallel:
        raise InputError("TP communication overlap needs sequence parallelism (Megatron-Core asserts the same)")
    return Workload(shape=shape, tokens=tokens, seq_len=seq, batch_tokens=batch, total_params=n,
                    expert_parallel=int(expert_parallel), attention=attention,
                    sequence_parallel=bool(sequence_parallel), tp_comm_overlap=bool(tp_comm_overlap))
