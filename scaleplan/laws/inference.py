"""Inference-aware allocation (Sardana et al. 2024, "Beyond Chinchilla-Optimal", arXiv:2401.00448).

For a quality target l (the loss of the Chinchilla-optimal model for a budget C, a model size, or a loss
given directly) and a lifetime inference demand of D_inf tokens:

    minimise   6 N D_tr + w * 2 N D_inf      subject to   L(N, D_tr) = l

for a parametric law L = E + A/N^alpha + B/D^beta (kind ``parametric``). ``w`` (default 1) is the cost of an
inference FLOP relative to a training FLOP; pass (price/MFU at serving) / (price/MFU in training) for the
paper's cost version. On the constraint D_tr(N) = (B / (l - E - A N^-alpha))^(1/beta); the optimum solves

    6 D + 2 w D_inf = 6 (alpha A / (beta B)) N^-alpha D^(beta + 1)

which has exactly one root between N_min = (A / (l - E))^(1/alpha) (where D -> infinity) and the
Chinchilla-optimal N* (where the left side exceeds the right by 2 w D_inf). With D_inf = 0 the root is N*
itself, so the plan equals the compute-optimal one. Solved with brentq in log(N / N_min); scipy is lazy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..units import format_flops, format_si


@dataclass(frozen=True)
class InferencePlan:
    """Smallest total (training + inference) cost at the reference quality (a plan ``Section``)."""

    law: str
    inference_tokens: float
    inference_cost_ratio: float
    target_loss: float
    params: float
    tokens: float
    reference_params: float
    reference_tokens: float
    warnings: tuple[str, ...] = ()
    key: str = field(default="inference", init=False)
    title: str = field(default="Inference-aware allocation (Sardana et al. 2024)", init=False)

    @property
    def training_flops(self) -> float:
        return 6.0 * self.params * self.tokens

    @property
    def inference_flops(self) -> float:
        return 2.0 * self.params * self.inference_tokens

    @property
    def total_cost(self) -> float:
        """Training FLOPs + w x inference FLOPs (training-FLOP equivalents)."""
        return self.training_flops + self.inference_cost_ratio * self.inference_flops

    @property
    def reference_training_flops(self) -> float:
        return 6.0 * self.reference_params * self.reference_tokens

    @property
    def reference_total_cost(self) -> float:
        return self.reference_training_flops + self.inference_cost_ratio * 2.0 * self.reference_params * self.inference_tokens

    @property
    def saving(self) -> float:
        """Fraction of the Chinchilla-optimal model's total cost saved (>= 0)."""
        return 1.0 - self.total_cost / self.reference_total_cost

    @property
    def overtraining_ratio(self) -> float:
        """(D/N) / (D/N at the compute-optimal point of the same quality)."""
        return (self.tokens / self.params) / (self.reference_tokens / self.reference_params)

    @property
    def extra_training_compute(self) -> float:
        """Training FLOPs relative to the Chinchilla-optimal model's (>= 1: over-training costs training compute)."""
        return self.training_flops / self.reference_training_flops

    def to_dict(self) -> dict:
        return {
            "law": self.law,
            "inference_tokens": self.inference_tokens,
            "inference_cost_ratio": self.inference_cost_ratio,
            "target_loss": self.target_loss,
            "params": self.params,
            "tokens": self.tokens,
            "tokens_per_param": self.tokens / self.params,
            "training_flops": self.training_flops,
            "inference_flops": self.inference_flops,
            "total_cost_flops": self.total_cost,
            "reference": {"params": self.reference_params, "tokens": self.reference_tokens,
                          "tokens_per_param": self.reference_tokens / self.reference_params,
                          "training_flops": self.reference_training_flops, "total_cost_flops": self.reference_total_cost},
            "overtraining_ratio": self.overtraining_ratio,
            "extra_training_compute": self.extra_training_compute,
            "saving": self.saving,
            "warnings": list(self.warnings),
        }

    def rows(self) -> list[tuple[str, str, str]]:
        return [
            ("inference demand", format_si(self.inference_tokens) + " tokens", "lifetime, 2 N FLOP per token"),
            ("quality target", f"{self.target_loss:.4f}", f"loss of the compute-optimal model ({self.law})"),
            ("parameters N", format_si(self.params), f"compute-optimal: {format_si(self.reference_params)}"),
            ("training tokens D", format_si(self.tokens), f"compute-optimal: {format_si(self.reference_tokens)}"),
            ("over-training ratio", f"{self.overtraining_ratio:.2f}x",
             f"D/N {self.tokens / self.params:.1f} vs {self.reference_tokens / self.reference_params:.1f}"),
            ("training compute", format_flops(self.training_flops), f"{self.extra_training_compute:.3f}x the compute-optimal run"),
            ("total cost", format_flops(self.total_cost), "training + inference" +
             (f" (inference FLOP weighted {self.inference_cost_ratio:g})" if self.inference_cost_ratio != 1 else "")),
            ("saving", f"{self.saving:.1%}", "vs serving the compute-optimal model"),
        ]


def _constants(law: Any) -> tuple[float, float, float, float, float]:
    if getattr(getattr(law, "spec", None), "kind", None) != "parametric":
        kind = getattr(getattr(law, "spec", None), "kind", type(law).__name__)
        raise InputError(f"inference-aware allocation needs a parametric loss law (E + A/N^alpha + B/D^beta); "
                         f"{getattr(law, 'name', law)} is kind '{kind}'")
    c = law.c
    return c["E"], c["A"], c["B"], c["alpha"], c["beta"]


def tokens_for_loss(law: Any, params: float, loss: float) -> float:
    """D such that L(N, D) = loss (inf when N alone cannot reach it)."""
    E, A, B, alpha, beta = _constants(law)
    gap = loss - E - A / params**alpha
    return math.inf if gap <= 0 else (B / gap) ** (1.0 / beta)


def optimal_params(law: Any, target_loss: float, inference_tokens: float, inference_cost_ratio: float = 1.0,
                   reference_params: float | None = None) -> float:
    """The N minimising 6 N D(N) + 2 w N D_inf on the iso-loss curve (root of the stationarity condition)."""
    from scipy.optimize import brentq

    E, A, B, alpha, beta = _constants(law)
    if not target_loss > E:
        raise InputError(f"target loss {target_loss:.4f} is not above the law's irreducible loss E = {E:.4f}")
    n_min = (A / (target_loss - E)) ** (1.0 / alpha)
    k = alpha * A / (beta * B)
    demand = 2.0 * inference_cost_ratio * inference_tokens

    def log_tokens(t: float) -> float:  # N = n_min e^t; l - E - A N^-alpha = (l - E)(1 - e^(-alpha t))
        return (math.log(B) - math.log(target_loss - E) - math.log(-math.expm1(-alpha * t))) / beta

    def h(t: float, demand: float = demand) -> float:
        log_d = log_tokens(t)
        lhs = math.log(6.0 * math.exp(log_d) + demand) if log_d < 700 else log_d + math.log(6.0)
        return lhs - math.log(6.0 * k) + alpha * (math.log(n_min) + t) - (beta + 1.0) * log_d

    if reference_params is None:  # the compute-optimal point of this quality: the root with no demand
        reference_params = n_min * math.exp(brentq(lambda t: h(t, 0.0), 1e-12, 50.0, xtol=1e-15, rtol=1e-15))
    if demand == 0:
        return reference_params
    t_hi = math.log(reference_params / n_min)
    if h(t_hi) <= 0:  # pragma: no cover - h(N*) = log(1 + demand / 6 D*) > 0 analytically
        return reference_params
    try:
        t = brentq(h, 1e-12, t_hi, xtol=1e-15, rtol=1e-15)
    except ValueError:  # demand so large the optimum is at the iso-loss curve's asymptote (D -> infinity)
        raise InputError(f"inference demand {inference_tokens:.3g} tokens is beyond what this law can trade "
                         "training tokens for (the optimum runs off to infinite training data)") from None
    return n_min * math.exp(t)


def inference_optimal(law: Any, inference_tokens: float, *, flops: float | None = None, params: float | None = None,
                      target_loss: float | None = None, inference_cost_ratio: float = 1.0) -> InferencePlan:
    """Sardana et al.'s allocation. The quality target is the compute-optimal model's loss for ``flops``, or for
    the budget whose optimum has ``params`` parameters, or ``target_loss`` itself (exactly one of the three)."""
    if isinstance(law, str) or law is None:
        from .registry import get_law

        law = get_law(law, "allocation")
    E, A, B, alpha, beta = _constants(law)
    if not (math.isfinite(inference_tokens) and inference_tokens >= 0):
        raise InputError(f"--inference-tokens must be a non-negative finite number, got {inference_tokens}")
    if not (math.isfinite(inference_cost_ratio) and inference_cost_ratio > 0):
        raise InputError(f"inference cost ratio must be positive and finite, got {inference_cost_ratio}")
    given = [x is not None for x in (flops, params, target_loss)]
    if sum(given) != 1:
        raise InputError("give exactly one quality reference: a budget (flops), a model size (params) or a target loss")
    if target_loss is None:
        if params is not None:
            flops = law.compute_for_params(params)
        ref = law.allocate(flops)
        ref_params, ref_tokens, target_loss = ref.params, ref.tokens, ref.loss
    else:
        ref_params = optimal_params(law, target_loss, 0.0)
        ref_tokens = tokens_for_loss(law, ref_params, target_loss)
    n = optimal_params(law, target_loss, inference_tokens, inference_cost_ratio, reference_params=ref_params)
    d = ref_tokens if n == ref_params else tokens_for_loss(law, n, target_loss)
    warnings = law.range_warnings(params=n, tokens=d, flops=6.0 * n * d)
    if d / n > 1000:
        warnings.insert(0, f"D/N = {d / n:.0f}: Sardana et al. find that the Chinchilla law over-values extra tokens "
                           "at extreme tokens per parameter (their refit goes to 10,000); treat as optimistic")
    return InferencePlan(law=law.name, inference_tokens=float(inference_tokens),
                         inference_cost_ratio=float(inference_cost_ratio), target_loss=float(target_loss),
                         params=n, tokens=d, reference_params=ref_params, reference_tokens=ref_tokens,
                         warnings=tuple(warnings))
