"""The compute-optimal frontier: (N, D, D/N, loss) over many budgets at once, vectorised with numpy.

Every allocation-law kind has a vectorised form here (parametric, power_law, kaplan, deepseek). DeepSeek's N
comes from the model shape whose M is nearest the optimal M (a ~2.5 ms search per budget in
``DeepSeekLaw.params_for_m``); here the ~1,500 candidate shapes are built once (cached) and every budget picks
its shape with a vectorised nearest-neighbour search using the same rule, so the result is exact (tested
against the scalar path) and 1e6 budgets stay under a second. N/M jumps by up to ~9% where the chosen
shape changes, so interpolating between knots would not do.

Hook for the planner: ``extra_columns`` maps a column name to ``f(flops, params, tokens) -> array`` (vectorised,
e.g. GPU-hours and dollars from the cost model); the columns appear in the table, JSON and Markdown.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Mapping

import numpy as np

from .errors import InputError
from .laws.allocation import PF_DAY_FLOP

ColumnFn = Callable[[np.ndarray, np.ndarray, np.ndarray], np.ndarray]


@dataclass(frozen=True)
class Frontier:
    """Arrays over budgets; ``loss`` is None for laws that predict no loss."""

    law: str
    params_kind: str
    compute_convention: str
    flops: np.ndarray
    params: np.ndarray
    tokens: np.ndarray
    loss: np.ndarray | None
    flops_per_token: np.ndarray | None = None
    extra: Mapping[str, np.ndarray] = field(default_factory=dict)
    warnings: tuple[str, ...] = ()

    def __len__(self) -> int:
        return int(self.flops.size)

    @property
    def tokens_per_param(self) -> np.ndarray:
        return self.tokens / self.params

    def columns(self) -> dict[str, np.ndarray]:
        cols = {"flops": self.flops, "params": self.params, "tokens": self.tokens, "tokens_per_param": self.tokens_per_param}
        if self.flops_per_token is not None:
            cols["flops_per_token"] = self.flops_per_token
        if self.loss is not None:
            cols["loss"] = self.loss
        cols.update(self.extra)
        return cols

    def to_dict(self) -> dict:
        cols = self.columns()
        return {
            "law": self.law,
            "params_kind": self.params_kind,
            "compute_convention": self.compute_convention,
            "points": [{k: float(v[i]) for k, v in cols.items()} for i in range(len(self))],
            "warnings": list(self.warnings),
        }


def budgets(low: float, high: float, points: int) -> np.ndarray:
    """``points`` log-spaced budgets from ``low`` to ``high`` inclusive."""
    if not (math.isfinite(low) and math.isfinite(high) and low > 0 and high > 0):
        raise InputError(f"--flops: budgets must be positive and finite, got {low:g}:{high:g}")
    if isinstance(points, bool) or int(points) != points or points < 1:
        raise InputError(f"--points must be a positive whole number, got {points}")
    if high < low:
        raise InputError(f"--flops: the range must go up ({low:g}:{high:g})")
    if points == 1:
        if high != low:
            raise InputError("--points 1 needs a single budget, not a range")
        return np.array([low])
    return np.logspace(math.log10(low), math.log10(high), int(points))


def _parametric(law: Any, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, None]:
    k = law.c
    base = c / 6.0
    n = law.G * base ** law.a
    d = base ** law.b / law.G
    return n, d, k["E"] + k["A"] / n ** k["alpha"] + k["B"] / d ** k["beta"], None


def _power_law(law: Any, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, None, None]:
    value = law.c["k"] * c ** law.c["a"]
    other = c / (6.0 * value)
    return (value, other, None, None) if law.optimum_of == "params" else (other, value, None, None)


def _kaplan(law: Any, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray, None]:
    k = law.c
    pf = c / PF_DAY_FLOP
    n = k["N_e"] * pf ** k["N_exp"]
    d = k["D_e"] * pf ** k["D_exp"]
    loss = ((k["N_c"] / n) ** (k["alpha_N"] / k["alpha_D"]) + k["D_c"] / d) ** k["alpha_D"]
    return n, d, loss, None


def _deepseek(law: Any, c: np.ndarray) -> tuple[np.ndarray, np.ndarray, None, np.ndarray]:
    k = law.c
    m = k["k_M"] * c ** k["a_M"]
    d = k["k_D"] * c ** k["a_D"]
    return deepseek_params(law, m), d, None, m


@lru_cache(maxsize=8)
def _deepseek_candidates(seq_len: int) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Every shape ``shape_for_metric`` considers, sorted by log M: (log M, rounded-key aspect error,
    generation order, N_non-embedding / M). Mirrors its candidate loop (depth 1..512, three widths each)."""
    from .model.shape import candidate_shapes, load_shape_rules

    log_m, aspect, order, ratio = [], [], [], []
    for _, shapes in candidate_shapes(load_shape_rules(), seq_len=seq_len):
        for shape, aspect_error in shapes:
            m = shape.deepseek_m(seq_len)
            log_m.append(math.log(m))
            aspect.append(aspect_error)
            order.append(len(order))
            ratio.append(shape.non_embedding_params / m)
    idx = np.argsort(np.array(log_m), kind="stable")
    return tuple(np.array(a)[idx] for a in (log_m, aspect, order, ratio))  # type: ignore[return-value]


DEEPSEEK_WINDOW = 4  # candidates either side of the nearest one; min log-M spacing is ~1.06e-3 > the 1e-3 tie band


def deepseek_params(law: Any, per_token: np.ndarray, *, chunk: int = 131072) -> np.ndarray:
    """N for DeepSeek M values, vectorised and exact: the same shape choice as ``DeepSeekLaw.params_for_m``
    (nearest candidate in |log M| rounded to 1e-3, ties to the aspect ratio, then to search order), then
    N = N_shape x M / M_shape. Targets whose tie window is too narrow fall back to the scalar path."""
    log_m, aspect, order, ratio = _deepseek_candidates(int(law.c["seq_len"]))
    flat = np.asarray(per_token, dtype=float).ravel()
    out = np.empty_like(flat)
    k = DEEPSEEK_WINDOW
    offsets = np.arange(-k, k + 1)
    for lo in range(0, flat.size, chunk):
        t = np.log(flat[lo:lo + chunk])
        pos = np.searchsorted(log_m, t)
        window = np.clip(pos[:, None] + offsets[None, :], 0, log_m.size - 1)
        err = np.round(np.abs(log_m[window] - t[:, None]), 3)
        best_err = err.min(axis=1)
        # lexicographic (rounded error, aspect error, order) within the window
        cand = np.where(err == best_err[:, None], aspect[window], np.inf)
        best_aspect = cand.min(axis=1)
        cand_order = np.where(cand == best_aspect[:, None], order[window], np.iinfo(np.int64).max)
        pick = np.take_along_axis(window, np.argmin(cand_order, axis=1)[:, None], axis=1)[:, 0]
        out[lo:lo + chunk] = flat[lo:lo + chunk] * ratio[pick]
        # the window must reach past the tie band on both sides (or the end of the candidate list)
        edge_lo = np.abs(log_m[window[:, 0]] - t) > best_err + 2e-3
        edge_hi = np.abs(log_m[window[:, -1]] - t) > best_err + 2e-3
        ok = (edge_lo | (window[:, 0] == 0)) & (edge_hi | (window[:, -1] == log_m.size - 1))
        for i in np.nonzero(~ok)[0]:  # pragma: no cover - the shape grid is never that dense
            out[lo + i] = law.params_for_m(float(flat[lo + i]))
    return out.reshape(np.shape(per_token))


_KINDS: dict[str, Callable[[Any, np.ndarray], tuple]] = {
    "parametric": _parametric,
    "power_law": _power_law,
    "kaplan": _kaplan,
    "deepseek": _deepseek,
}


def frontier(flops: Any, law: Any = None, *, law_file: str | None = None,
             extra_columns: Mapping[str, ColumnFn] | None = None) -> Frontier:
    """The frontier for an array of budgets under ``law`` (name, law object, or the default law)."""
    from .laws import registry

    if law is None or isinstance(law, str):
        law = registry.get_law(law, "allocation", law_file=law_file)
    c = np.asarray(flops, dtype=float).ravel()
    if c.size == 0:
        raise InputError("no budgets given")
    if not np.all(np.isfinite(c) & (c > 0)):
        raise InputError("compute budgets must be positive finite numbers of FLOPs")
    kind = law.spec.kind
    if kind not in _KINDS:
        raise InputError(f"{law.name}: no vectorised frontier for law kind '{kind}' (known: {', '.join(_KINDS)})")
    n, d, loss, per_token = _KINDS[kind](law, c)
    extra = {}
    for name, fn in (extra_columns or {}).items():
        values = np.asarray(fn(c, n, d), dtype=float)
        if values.shape != c.shape:
            raise ValueError(f"extra column {name!r} returned shape {values.shape}, expected {c.shape}")
        extra[name] = values
    warnings = []
    for key, values, label in (("C", c, "budgets"), ("N", n, "N"), ("D", d, "D")):
        bounds = law.spec.fitted_range.get(key)
        if bounds is not None:
            outside = int(np.count_nonzero((values < bounds[0]) | (values > bounds[1])))
            if outside:
                warnings.append(f"{law.name}: {outside} of {c.size} points have {label} outside the fitted range "
                                f"[{bounds[0]:.3g}, {bounds[1]:.3g}]; those are extrapolations")
    return Frontier(law=law.name, params_kind=law.params_kind, compute_convention=law.compute_convention, flops=c,
                    params=n, tokens=d, loss=loss, flops_per_token=per_token, extra=extra, warnings=tuple(warnings))


def plot(result: Frontier, path: str) -> None:
    """Write N and D against C (log-log), and loss where the law has one, to ``path`` (matplotlib needed)."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError("--plot needs matplotlib: pip install 'scaleplan[plot]'") from None
    panels = 2 if result.loss is not None else 1
    fig, axes = plt.subplots(1, panels, figsize=(6 * panels, 4.5), squeeze=False)
    ax = axes[0][0]
    ax.loglog(result.flops, result.params, label=f"N ({result.params_kind})")
    ax.loglog(result.flops, result.tokens, label="D (tokens)")
    ax.set_xlabel(f"compute C (FLOP, {result.compute_convention})")
    ax.set_title(f"Compute-optimal frontier: {result.law}")
    ax.grid(True, which="both", alpha=0.3)
    ax.legend()
    if result.loss is not None:
        ax2 = axes[0][1]
        ax2.semilogx(result.flops, result.loss)
        ax2.set_xlabel("compute C (FLOP)")
        ax2.set_ylabel("predicted loss (the law's own data)")
        ax2.grid(True, which="both", alpha=0.3)
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=120)
    except OSError as exc:
        raise InputError(f"--plot: cannot write {path}: {exc.strerror or exc}") from None
    finally:
        plt.close(fig)
