"""Compute-optimal allocation laws: C -> (N, D), and a predicted loss where the law has one.

Each law kind is a small class built from a :class:`LawSpec`; all share :class:`AllocationLaw`'s
interface, so the planner, ``--compare`` and the validator treat them alike. Pure maths, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Iterable

from ..errors import ConfigError, InputError
from .spec import LawSpec
from .base import Law, build_kind

PF_DAY_FLOP = 8.64e19  # 1 PF-day = 1e15 FLOP/s x 86400 s (Kaplan et al. 2020 use PF-days)


@dataclass(frozen=True)
class Allocation:
    """One law's answer for one budget. ``params`` is in the law's own unit (``params_kind``)."""

    law: str
    compute_flops: float
    params: float
    params_kind: str
    tokens: float
    loss: float | None
    compute_convention: str
    flops_per_token: float | None = None  # DeepSeek's M where the law is stated in M
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def tokens_per_param(self) -> float:
        return self.tokens / self.params

    def to_dict(self) -> dict:
        return {
            "law": self.law,
            "compute_flops": self.compute_flops,
            "compute_convention": self.compute_convention,
            "params": self.params,
            "params_kind": self.params_kind,
            "tokens": self.tokens,
            "tokens_per_param": self.tokens_per_param,
            "loss": self.loss,
            "flops_per_token": self.flops_per_token,
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }


class AllocationLaw(Law):
    """Common behaviour: range warnings, inversion, metadata. Subclasses implement ``_optimum``."""

    has_loss = False
    required: tuple[str, ...] = ()

    def __init__(self, spec: LawSpec) -> None:
        super().__init__(spec)
        self._validate()

    PARAMS_KINDS = ("total", "non_embedding")

    def _validate(self) -> None:
        """Checks every allocation law needs; kinds with more constraints extend it."""
        kind = self.spec.units.get("N", "total")
        if kind not in self.PARAMS_KINDS:
            raise ConfigError(f"{self.spec.source}: units.N: must be one of {', '.join(self.PARAMS_KINDS)}, got {kind!r}")

    def _exponents_in_range(self, *names: str) -> None:
        """Fitted scaling exponents live in (0, 2] (Besiroglu et al. bound alpha, beta there); a value outside
        is a broken file, not a law, and would give N = 1 or D = infinity."""
        for name in names:
            value = self.c[name]
            if not 1e-3 <= value <= 2.0:
                raise ConfigError(f"{self.spec.source}: constants.{name}: an exponent must be in [0.001, 2], got {value}")

    @property
    def compute_convention(self) -> str:
        return self.spec.units.get("C", "6ND")

    # -- to implement ---------------------------------------------------------------------------------
    def _optimum(self, flops: float) -> tuple[float, float, float | None]:
        """(params, tokens, flops_per_token or None) at the optimum for ``flops``."""
        raise NotImplementedError

    def loss(self, params: float, tokens: float, unique_tokens: float | None = None) -> float | None:
        return None

    # -- shared -----------------------------------------------------------------------------------------
    def allocate(self, flops: float) -> Allocation:
        if not (math.isfinite(flops) and flops > 0):
            raise InputError(f"compute budget must be a positive finite number of FLOPs, got {flops}")
        params, tokens, per_token = self._optimum(flops)
        loss = self.loss(params, tokens) if self.has_loss else None
        notes = [] if self.has_loss else [f"{self.name} is a power law for N and D only: it predicts no loss"]
        notes.extend(self._notes(flops, params, tokens))
        return Allocation(
            law=self.name, compute_flops=flops, params=params, params_kind=self.params_kind, tokens=tokens,
            loss=loss, compute_convention=self.compute_convention, flops_per_token=per_token,
            notes=tuple(notes), warnings=tuple(self.range_warnings(params=params, tokens=tokens, flops=flops)),
        )

    def _notes(self, flops: float, params: float, tokens: float) -> Iterable[str]:
        return ()

    def compute_for_params(self, params: float) -> float:
        """The budget whose optimum has ``params`` parameters (monotone inversion in log space)."""
        if not (math.isfinite(params) and params > 0):
            raise InputError(f"parameter count must be positive and finite, got {params}")
        low, high = math.log(1e6), math.log(1e45)
        for _ in range(200):
            mid = 0.5 * (low + high)
            if self._optimum(math.exp(mid))[0] < params:
                low = mid
            else:
                high = mid
            if high - low < 1e-13:
                break
        return math.exp(0.5 * (low + high))

    def range_warnings(self, *, params: float | None = None, tokens: float | None = None,
                       flops: float | None = None) -> list[str]:
        """One message per quantity outside the range the law was fitted on."""
        labels = {"N": ("N", params, self.params_kind.replace("_", "-") + " parameters"),
                  "D": ("D", tokens, "tokens"), "C": ("C", flops, "FLOP")}
        out = []
        for key, (symbol, value, unit) in labels.items():
            bounds = self.spec.fitted_range.get(key)
            if value is None or bounds is None:
                continue
            low, high = bounds
            if value < low or value > high:
                side = "above" if value > high else "below"
                factor = value / high if value > high else low / value
                out.append(
                    f"{self.name}: {symbol} = {value:.3g} {unit} is {factor:.3g}x {side} the fitted range "
                    f"[{low:.3g}, {high:.3g}]; this is an extrapolation"
                )
        return out


class ParametricLaw(AllocationLaw):
    """L(N, D) = E + A/N^alpha + B/D^beta, closed-form optimum under C = 6ND (Hoffmann et al. eq. 4).

    With ``R_D_star`` and ``R_N_star`` (Muennighoff et al. 2023) the loss also takes unique tokens U and
    discounts repeated data and excess parameters; with U >= D it is the single-epoch law.
    """

    has_loss = True
    required = ("E", "A", "B", "alpha", "beta")

    def _validate(self) -> None:
        super()._validate()
        self._exponents_in_range("alpha", "beta")
        for key in self.required:
            if self.c[key] <= 0 and key != "E":
                raise ConfigError(f"{self.spec.source}: constants.{key}: must be positive, got {self.c[key]}")
        if self.c["E"] < 0:
            raise ConfigError(f"{self.spec.source}: constants.E: must be non-negative, got {self.c['E']}")

    @property
    def G(self) -> float:
        c = self.c
        return ((c["alpha"] * c["A"]) / (c["beta"] * c["B"])) ** (1.0 / (c["alpha"] + c["beta"]))

    @property
    def a(self) -> float:
        """Allocation exponent of N: N_opt ~ C^a, a = beta / (alpha + beta)."""
        return self.c["beta"] / (self.c["alpha"] + self.c["beta"])

    @property
    def b(self) -> float:
        return self.c["alpha"] / (self.c["alpha"] + self.c["beta"])

    def _optimum(self, flops: float) -> tuple[float, float, None]:
        base = flops / 6.0
        return self.G * base**self.a, base**self.b / self.G, None

    def compute_for_params(self, params: float) -> float:
        if not (math.isfinite(params) and params > 0):
            raise InputError(f"parameter count must be positive and finite, got {params}")
        return 6.0 * (params / self.G) ** (1.0 / self.a)

    def params_for_tokens(self, tokens: float) -> float:
        """Compute-optimal N for a given D (Muennighoff's ``D_to_N``)."""
        return (tokens * self.G) ** (self.c["beta"] / self.c["alpha"]) * self.G

    @property
    def data_constrained(self) -> bool:
        return "R_D_star" in self.c and "R_N_star" in self.c

    def loss(self, params: float, tokens: float, unique_tokens: float | None = None) -> float:
        c = self.c
        eff_params, eff_tokens = params, tokens
        if unique_tokens is not None:
            if not self.data_constrained:
                raise InputError(f"{self.name} has no data-constrained terms; use muennighoff-2023 for unique tokens")
            eff_params, eff_tokens = self.effective_params_tokens(params, tokens, unique_tokens)
        return c["E"] + c["A"] / eff_params ** c["alpha"] + c["B"] / eff_tokens ** c["beta"]

    def effective_params_tokens(self, params: float, tokens: float, unique_tokens: float) -> tuple[float, float]:
        """Muennighoff et al. 2023: D' = U + U R*_D (1 - exp(-R_D / R*_D)), likewise N'."""
        c = self.c
        unique = min(unique_tokens, tokens)
        repeats = max(tokens / unique - 1.0, 0.0)
        unique_params = min(params, self.params_for_tokens(unique))
        excess = max(params / unique_params - 1.0, 0.0)
        eff_tokens = unique + unique * c["R_D_star"] * (1.0 - math.exp(-repeats / c["R_D_star"]))
        eff_params = unique_params + unique_params * c["R_N_star"] * (1.0 - math.exp(-excess / c["R_N_star"]))
        return eff_params, eff_tokens


class PowerLawAllocation(AllocationLaw):
    """X_opt = k * C^a for X = parameters or tokens (``units.optimum``); the other from C = 6ND."""

    required = ("k", "a")

    @property
    def optimum_of(self) -> str:
        value = self.spec.units.get("optimum", "params")
        if value not in ("params", "tokens"):
            raise ConfigError(f"{self.spec.source}: units.optimum: must be 'params' or 'tokens', got {value!r}")
        return value

    def _optimum(self, flops: float) -> tuple[float, float, None]:
        value = self.c["k"] * flops ** self.c["a"]
        if self.optimum_of == "params":
            return value, flops / (6.0 * value), None
        return flops / (6.0 * value), value, None

    def _notes(self, flops: float, params: float, tokens: float) -> Iterable[str]:
        if self.optimum_of == "tokens":
            yield f"{self.name}'s law gives the optimal number of training tokens; N = C / (6 D)"


class DeepSeekLaw(AllocationLaw):
    """M_opt = k_M C^a_M, D_opt = k_D C^a_D with C = M * D (DeepSeek LLM eq. 4).

    M is non-embedding FLOPs per token *including attention*; N (non-embedding parameters) is read off
    the shape whose DeepSeek M equals M_opt at the law's sequence length.
    """

    required = ("k_M", "a_M", "k_D", "a_D", "seq_len")

    def _optimum(self, flops: float) -> tuple[float, float, float]:
        per_token = self.c["k_M"] * flops ** self.c["a_M"]
        tokens = self.c["k_D"] * flops ** self.c["a_D"]
        return self.params_for_m(per_token), tokens, per_token

    def params_for_m(self, per_token: float) -> float:
        from ..model.shape import shape_for_metric  # local: shape search is only needed here

        seq_len = int(self.c["seq_len"])
        shape = shape_for_metric(per_token, lambda s: s.deepseek_m(seq_len), seq_len=seq_len, what="M")
        # Scale the snapped shape's parameter count to the exact M (attention share held fixed).
        return shape.non_embedding_params * per_token / shape.deepseek_m(seq_len)

    def _notes(self, flops: float, params: float, tokens: float) -> Iterable[str]:
        yield ("DeepSeek's C is M x D with M the non-embedding FLOPs per token including attention "
               f"(seq {int(self.c['seq_len'])}), not 6ND; N is non-embedding, read from a model shape with that M")


class KaplanLaw(AllocationLaw):
    """Kaplan et al. 2020: compute-efficient frontier (Table 6, C in PF-days) and L(N, D) (eq. 1.5)."""

    has_loss = True
    required = ("N_e", "N_exp", "D_e", "D_exp", "alpha_N", "alpha_D", "N_c", "D_c")

    def _optimum(self, flops: float) -> tuple[float, float, None]:
        pf_days = flops / PF_DAY_FLOP
        return self.c["N_e"] * pf_days ** self.c["N_exp"], self.c["D_e"] * pf_days ** self.c["D_exp"], None

    def loss(self, params: float, tokens: float, unique_tokens: float | None = None) -> float:
        c = self.c
        return ((c["N_c"] / params) ** (c["alpha_N"] / c["alpha_D"]) + c["D_c"] / tokens) ** c["alpha_D"]

    def _notes(self, flops: float, params: float, tokens: float) -> Iterable[str]:
        yield (f"Kaplan's budget is in PF-days: {flops:.3g} FLOP = {flops / PF_DAY_FLOP:.3g} PF-days; "
               "N is non-embedding; the frontier is not trained to convergence, so 6ND != C")


KINDS: dict[str, "type[AllocationLaw] | str"] = {
    "parametric": ParametricLaw,
    "power_law": PowerLawAllocation,
    "deepseek": DeepSeekLaw,
    "kaplan": KaplanLaw,
    # Kinds defined elsewhere, imported on first use ("module:Class"): fitted Kaplan-form laws.
    "kaplan_joint": "scaleplan.fit.kaplan_law:KaplanJointLaw",
}


def build_allocation_law(spec: LawSpec) -> AllocationLaw:
    return build_kind(spec, KINDS, "allocation")
