"""A set of candidate parallel layouts held as parallel numpy arrays (one entry per layout).

The memory and step-time models are written against this structure so that thousands of layouts are
evaluated in a handful of vectorised numpy operations; no per-layout Python object is created until the
winner is chosen.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .settings import RECOMPUTE

RECOMPUTE_CODE = {name: code for code, name in enumerate(RECOMPUTE)}


@dataclass(frozen=True)
class LayoutGrid:
    tp: np.ndarray          # tensor parallel degree (within a scale-up domain; sequence parallel on when > 1)
    pp: np.ndarray          # pipeline stages
    dp: np.ndarray          # data-parallel replicas (ZeRO shards over these)
    mb: np.ndarray          # micro-batch size (sequences)
    vpp: np.ndarray         # virtual stages per pipeline rank (interleaved 1F1B); 1 = plain 1F1B
    recompute: np.ndarray   # 0 none, 1 selective, 2 full (RECOMPUTE_CODE)
    zero: np.ndarray        # ZeRO stage 0-3 (3 = FSDP full sharding)
    accum: np.ndarray       # micro-batches per step per pipeline (gradient accumulation)

    @property
    def size(self) -> int:
        return int(self.tp.size)

    @property
    def gpus(self) -> np.ndarray:
        return self.tp * self.pp * self.dp

    @property
    def batch_sequences(self) -> np.ndarray:
        return self.accum * self.mb * self.dp

    def take(self, mask_or_index) -> "LayoutGrid":
        return LayoutGrid(**{name: getattr(self, name)[mask_or_index] for name in self.__dataclass_fields__})

    def row(self, i: int) -> dict[str, int]:
        return {name: int(getattr(self, name)[i]) for name in self.__dataclass_fields__}


def cartesian(**axes) -> dict[str, np.ndarray]:
    """Every combination of the given 1-D axes, flattened to parallel int64 arrays."""
    names = list(axes)
    mesh = np.meshgrid(*[np.asarray(axes[n], dtype=np.int64) for n in names], indexing="ij")
    return {n: m.ravel() for n, m in zip(names, mesh)}
