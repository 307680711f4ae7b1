"""Parallel-layout search: enumerate TP x PP x DP x micro-batch x interleaving x recompute x ZeRO for a GPU
count, keep what fits memory and respects the global batch, rank by time per sequence.

Everything is evaluated as numpy arrays over the whole candidate set (see :mod:`.grid`); the only Python
objects built are the winner's :class:`Layout` and the report strings.

Rules: TP within the scale-up domain and dividing the heads (and the KV heads, or a multiple of them);
PP up to the layer count (an uneven split costs the slowest stage ceil(L / p) layers); DP = G / (TP x PP);
interleaving needs p > 1, v x p <= L and m divisible by p (Megatron's constraint); the batch is rounded up
to whole micro-batches per replica, within ``search.batch_tolerance`` of the request.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, fields

import numpy as np

from ..errors import InputError
from ..hardware import HardwareProfile
from ..units import format_si
from .grid import RECOMPUTE_CODE, LayoutGrid, cartesian
from .memory import COMPONENTS, MemoryArrays, memory_arrays, usable_bytes
from .settings import RECOMPUTE, EfficiencyCurve, PerfDefaults, Precision
from .step_time import PARTS, StepArrays, step_arrays
from .workload import Workload


@dataclass(frozen=True)
class LayoutSpec:
    """A (partly) fixed layout: every field left as None is searched."""

    tp: int | None = None
    pp: int | None = None
    dp: int | None = None
    micro_batch: int | None = None
    virtual_stages: int | None = None
    recompute: str | None = None
    zero: int | None = None
    grad_accum: int | None = None   # fixes micro-batches per step (the global batch then follows the layout)

    def __post_init__(self) -> None:
        for f in fields(self):
            value = getattr(self, f.name)
            if f.name == "recompute":
                if value is not None and value not in RECOMPUTE:
                    raise InputError(f"--recompute: unknown mode '{value}' (choose from {', '.join(RECOMPUTE)})")
            elif value is not None and (not isinstance(value, int) or value < (0 if f.name == "zero" else 1)):
                raise InputError(f"layout {f.name}: must be a positive whole number, got {value!r}")
        if self.zero is not None and self.zero > 3:
            raise InputError(f"--zero: stage must be 0, 1, 2 or 3, got {self.zero}")

    @property
    def is_free(self) -> bool:
        return all(getattr(self, f.name) is None for f in fields(self))


@dataclass(frozen=True)
class Layout:
    tp: int
    pp: int
    dp: int
    micro_batch: int
    virtual_stages: int
    recompute: str
    zero: int
    grad_accum: int

    @property
    def gpus(self) -> int:
        return self.tp * self.pp * self.dp

    @property
    def global_batch_sequences(self) -> int:
        return self.grad_accum * self.micro_batch * self.dp

    def describe(self) -> str:
        zero = {0: "ZeRO-0 (DDP)", 1: "ZeRO-1 (distributed optimizer)", 2: "ZeRO-2", 3: "ZeRO-3 / FSDP"}[self.zero]
        inter = f", {self.virtual_stages} virtual stages" if self.virtual_stages > 1 else ""
        return (f"TP {self.tp} x PP {self.pp} x DP {self.dp}{inter}, micro-batch {self.micro_batch}, "
                f"{self.grad_accum} micro-batches/step, {self.recompute} recompute, {zero}")

    def to_dict(self) -> dict:
        return {"tp": self.tp, "pp": self.pp, "dp": self.dp, "micro_batch": self.micro_batch,
                "virtual_stages": self.virtual_stages, "recompute": self.recompute, "zero_stage": self.zero,
                "grad_accum": self.grad_accum, "global_batch_sequences": self.global_batch_sequences,
                "sequence_parallel": self.tp > 1}


@dataclass(frozen=True)
class SearchResult:
    layout: Layout
    memory: dict[str, float]          # bytes per accelerator by component (summed into memory_total)
    memory_total: float
    memory_usable: float
    step: dict[str, float]            # seconds per step by part
    step_total: float
    dp_comm_total: float              # DP traffic time before overlap
    evaluated: int
    feasible: int
    reason: str


def _divisors(n: int) -> list[int]:
    small = [d for d in range(1, int(math.isqrt(n)) + 1) if n % d == 0]
    return sorted(set(small + [n // d for d in small]))


def candidate_grid(w: Workload, gpus: int, profile: HardwareProfile, defaults: PerfDefaults,
                   spec: LayoutSpec = LayoutSpec()) -> LayoutGrid:
    """Every layout allowed by the rules above for ``gpus`` accelerators (before memory)."""
    heads, kv = w.shape.n_heads, w.shape.n_kv_heads
    tps = [spec.tp] if spec.tp else [t for t in defaults.tensor_parallel
                                     if t <= profile.scale_up_domain and heads % t == 0 and (kv % t == 0 or t % kv == 0)]
    pps = [spec.pp] if spec.pp else [p for p in _divisors(gpus) if p <= w.layers]
    axes = cartesian(
        tp=tps, pp=pps,
        mb=[spec.micro_batch] if spec.micro_batch else list(defaults.micro_batch),
        vpp=[spec.virtual_stages] if spec.virtual_stages else list(defaults.virtual_stages),
        recompute=[RECOMPUTE_CODE[spec.recompute]] if spec.recompute else [RECOMPUTE_CODE[r] for r in defaults.recompute],
        zero=[spec.zero] if spec.zero is not None else list(defaults.zero_stages),
    )
    tp, pp = axes["tp"], axes["pp"]
    keep = (gpus % (tp * pp) == 0) & (pp <= w.layers)
    dp = np.where(keep, gpus // np.maximum(tp * pp, 1), 0)
    if spec.dp:
        keep &= dp == spec.dp
    vpp = axes["vpp"]
    keep &= (vpp == 1) | ((pp > 1) & (vpp * pp <= w.layers))
    keep &= (axes["zero"] == 0) | (dp > 1)        # ZeRO needs something to shard over
    mb = axes["mb"]
    cols = {"tp": tp, "pp": pp, "dp": dp, "mb": mb, "vpp": vpp, "recompute": axes["recompute"], "zero": axes["zero"]}
    if spec.grad_accum:
        accum = np.full_like(mb, spec.grad_accum)
    else:
        # Whole micro-batches per replica: the accumulation count is rounded up or down (and, for interleaved
        # schedules, which need a multiple of the stage count, to the nearest multiples of pp), keeping the
        # global batch within batch_tolerance of the requested one (the hyperparameter laws' batch).
        wanted = w.batch_sequences
        raw = wanted / np.maximum(mb * dp, 1)
        step = np.where(vpp > 1, np.maximum(pp, 1), 1)
        choices = [np.ceil(raw / step) * step, np.floor(raw / step) * step]
        cols = {k: np.concatenate([v, v]) for k, v in cols.items()}
        keep = np.concatenate([keep, keep])
        accum = np.concatenate(choices).astype(np.int64)
        actual = accum * cols["mb"] * cols["dp"]
        keep &= np.abs(actual / wanted - 1.0) <= defaults.batch_tolerance + 1e-9
        keep &= np.concatenate([np.ones(choices[0].size, bool), choices[1] != choices[0]])  # no duplicate rows
    keep &= (cols["vpp"] == 1) | (accum % np.maximum(cols["pp"], 1) == 0)
    keep &= accum >= 1
    idx = np.flatnonzero(keep)
    return LayoutGrid(tp=cols["tp"][idx], pp=cols["pp"][idx], dp=cols["dp"][idx], mb=cols["mb"][idx],
                      vpp=cols["vpp"][idx], recompute=cols["recompute"][idx], zero=cols["zero"][idx], accum=accum[idx])


def evaluate(w: Workload, grid: LayoutGrid, profile: HardwareProfile, precision: Precision,
             curve: EfficiencyCurve, defaults: PerfDefaults) -> tuple[MemoryArrays, StepArrays]:
    return memory_arrays(w, grid, precision, defaults), step_arrays(w, grid, profile, precision, curve, defaults)


def _layout_at(grid: LayoutGrid, i: int) -> Layout:
    r = grid.row(i)
    return Layout(tp=r["tp"], pp=r["pp"], dp=r["dp"], micro_batch=r["mb"], virtual_stages=r["vpp"],
                  recompute=RECOMPUTE[r["recompute"]], zero=r["zero"], grad_accum=r["accum"])


def search(w: Workload, gpus: int, profile: HardwareProfile, precision: Precision, curve: EfficiencyCurve,
           defaults: PerfDefaults, spec: LayoutSpec = LayoutSpec()) -> SearchResult | None:
    """The fastest feasible layout on ``gpus`` accelerators, or None when nothing fits."""
    grid = candidate_grid(w, gpus, profile, defaults, spec)
    if grid.size == 0:
        return None
    mem, step = evaluate(w, grid, profile, precision, curve, defaults)
    usable = usable_bytes(profile, defaults)
    fits = mem.total <= usable
    if not fits.any():
        return None
    per_sequence = np.where(fits, step.total / grid.batch_sequences, np.inf)
    best = int(np.argmin(per_sequence))
    layout = _layout_at(grid, best)
    return SearchResult(
        layout=layout, memory={c: float(getattr(mem, c)[best]) for c in COMPONENTS}, memory_total=float(mem.total[best]),
        memory_usable=usable, step={p: float(getattr(step, p)[best]) for p in PARTS}, step_total=float(step.total[best]),
        dp_comm_total=float(step.dp_comm_total[best]), evaluated=grid.size, feasible=int(fits.sum()),
        reason=_reason(spec, grid, per_sequence, best, int(fits.sum())),
    )


def _reason(spec: LayoutSpec, grid: LayoutGrid, per_sequence: np.ndarray, best: int, feasible: int) -> str:
    if spec.is_free:
        head = f"fastest of {feasible} layouts that fit memory ({grid.size} evaluated)"
    else:
        fixed = ", ".join(f"{f.name}={getattr(spec, f.name)}" for f in fields(spec) if getattr(spec, f.name) is not None)
        head = f"given {fixed}; fastest of {feasible} completions that fit memory ({grid.size} evaluated)"
    others = np.where(np.arange(per_sequence.size) == best, np.inf, per_sequence)
    if np.isfinite(others).any():
        runner = int(np.argmin(others))
        slower = others[runner] / per_sequence[best] - 1.0
        head += f"; next best {_layout_at(grid, runner).describe()} is {slower:.1%} slower"
    return head


def explain_infeasible(w: Workload, gpus: int, profile: HardwareProfile, precision: Precision,
                       curve: EfficiencyCurve, defaults: PerfDefaults, spec: LayoutSpec = LayoutSpec()) -> str:
    """One sentence saying what would fit: more GPUs, more memory per GPU, or a smaller micro-batch."""
    usable = usable_bytes(profile, defaults)
    grid = candidate_grid(w, gpus, profile, defaults, spec)
    if grid.size == 0:
        return (f"no parallel layout of {gpus} GPUs satisfies the constraints (TP dividing {w.shape.n_heads} heads, "
                f"PP <= {w.layers} layers, global batch of {format_si(w.batch_sequences)} sequences within "
                f"{defaults.batch_tolerance:.0%}); try another GPU count, --batch-tokens or fewer fixed layout flags")
    mem = memory_arrays(w, grid, precision, defaults)
    i = int(np.argmin(mem.total))
    need = float(mem.total[i])
    parts = [f"nothing fits in {usable / 2**30:.1f} GiB usable per GPU on {gpus} x {profile.name}: the leanest layout "
             f"({_layout_at(grid, i).describe()}) needs {need / 2**30:.1f} GiB"]
    for factor in (2, 4, 8, 16, 32, 64):
        more = gpus * factor
        g2 = candidate_grid(w, more, profile, defaults, LayoutSpec(recompute=spec.recompute, micro_batch=spec.micro_batch))
        if g2.size and (memory_arrays(w, g2, precision, defaults).total <= usable).any():
            parts.append(f"{more} GPUs would fit")
            break
    parts.append(f"or an accelerator with at least {math.ceil(need / 2**30 / (1 - defaults.fragmentation) + defaults.reserved_bytes / 2**30)} GiB")
    if spec.micro_batch and spec.micro_batch > 1:
        parts.append("or a smaller --micro-batch")
    if spec.recompute and spec.recompute != "full":
        parts.append("or --recompute full")
    if any(getattr(spec, n) is not None for n in ("tp", "pp", "zero")):
        parts.append("or fewer fixed layout flags (let the search choose TP/PP/ZeRO)")
    return "; ".join(parts[:1]) + ": " + ", ".join(parts[1:])
