"""Training precision as a loss penalty (Kumar et al. 2024, "Scaling Laws for Precision"; constants secondary).

Quantised training shrinks the *effective* parameter count:

    N_eff = N (1 - e^(-P_w/gamma_w)) (1 - e^(-P_a/gamma_a)) (1 - e^(-P_kv/gamma_kv))

and the loss is the chosen parametric law's with N_eff in place of N. For a law E + A/N^alpha + B/D^beta that
is the same law with A' = A r^-alpha (r = N_eff / N), so the compute-optimal allocation at a precision keeps
the closed form (G' from A'). :func:`compare_precisions` turns per-precision throughput multipliers (from the
cost model) into the compute a fixed dollar/time budget buys at each precision, allocates it optimally, and
picks the lowest predicted loss among the precisions the caller offers: a profile without fp8 is simply not
offered fp8, so it can never be chosen.

The bits each training format uses for weights / activations / KV live in configs/laws/precision/*.yaml
(``bits.<format>.<w|a|kv>``). Pure maths, no I/O.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any, Mapping

from ..errors import ConfigError, InputError
from ..units import format_flops, format_si
from .base import Law, build_kind
from .spec import LawSpec

DEFAULT_PRECISION_LAW = "kumar-2024"
REFERENCE_PRECISION = "bf16"


@dataclass(frozen=True)
class PrecisionFormat:
    """Bits used in training for weights, activations and the KV path."""

    name: str
    weights: float
    activations: float
    kv: float

    def to_dict(self) -> dict:
        return {"name": self.name, "weights_bits": self.weights, "activations_bits": self.activations,
                "kv_bits": self.kv}


class PrecisionLaw(Law):
    """Kumar et al.'s effective-parameter law, built from a LawSpec of category ``precision``."""

    required = ("gamma_w", "gamma_a", "gamma_kv")

    def __init__(self, spec: LawSpec) -> None:
        super().__init__(spec)
        for key in self.required:
            if spec.constants[key] <= 0:
                raise ConfigError(f"{spec.source}: constants.{key}: must be positive, got {spec.constants[key]}")
        self.formats = self._formats(spec)

    @staticmethod
    def _formats(spec: LawSpec) -> dict[str, PrecisionFormat]:
        parts: dict[str, dict[str, float]] = {}
        for key, value in spec.constants.items():
            if not key.startswith("bits."):
                continue
            pieces = key.split(".")
            if len(pieces) != 3 or pieces[2] not in ("w", "a", "kv"):
                raise ConfigError(f"{spec.source}: constants.{key}: expected bits.<format>.<w|a|kv>")
            if not 0 < value <= 64:
                raise ConfigError(f"{spec.source}: constants.{key}: bits must be in (0, 64], got {value:g}")
            parts.setdefault(pieces[1], {})[pieces[2]] = value
        formats = {}
        for name, bits in parts.items():
            missing = [k for k in ("w", "a", "kv") if k not in bits]
            if missing:
                raise ConfigError(f"{spec.source}: constants.bits.{name}.{missing[0]}: required key is missing")
            formats[name] = PrecisionFormat(name, bits["w"], bits["a"], bits["kv"])
        return formats

    def format(self, name: str) -> PrecisionFormat:
        try:
            return self.formats[name.lower()]
        except KeyError:
            raise InputError(f"unknown training precision '{name}' (known: {', '.join(self.formats)})") from None

    def retention(self, weights: float | None = None, activations: float | None = None, kv: float | None = None) -> float:
        """N_eff / N for the given bits; a part left as None is not quantised (factor 1)."""
        factor = 1.0
        for bits, gamma in ((weights, self.c["gamma_w"]), (activations, self.c["gamma_a"]), (kv, self.c["gamma_kv"])):
            if bits is not None:
                if not bits > 0:
                    raise InputError(f"bits must be positive, got {bits}")
                factor *= -math.expm1(-bits / gamma)
        return factor

    def format_retention(self, name: str) -> float:
        f = self.format(name)
        return self.retention(f.weights, f.activations, f.kv)

    def effective_params(self, params: float, precision: str) -> float:
        return params * self.format_retention(precision)

    def ptq_degradation(self, params: float, tokens: float, post_bits: float) -> float:
        """delta_PTQ for a model trained in high precision and quantised to ``post_bits`` afterwards."""
        c = self.c
        return c["C_T"] * math.exp(-post_bits / c["gamma_post"]) * tokens ** c["gamma_D"] / params ** c["gamma_N"]


def build_precision_law(spec: LawSpec) -> PrecisionLaw:
    return build_kind(spec, {"n_eff": PrecisionLaw}, "precision")


def _resolve(precision_law: Any) -> PrecisionLaw:
    if precision_law is None or isinstance(precision_law, str):
        from .registry import get_law

        return get_law(precision_law or DEFAULT_PRECISION_LAW, "precision")
    return precision_law


def _parametric(law: Any) -> Any:
    if isinstance(law, str) or law is None:
        from .registry import get_law

        law = get_law(law, "allocation")
    if getattr(getattr(law, "spec", None), "kind", None) != "parametric":
        raise InputError(f"the precision penalty needs a parametric loss law (E + A/N^alpha + B/D^beta); "
                         f"{getattr(law, 'name', law)} is not one")
    return law


def loss_penalty(law: Any, params: float, tokens: float, precision: str, precision_law: Any = None) -> float:
    """Predicted loss increase of training at ``precision`` instead of unquantised, same N and D (>= 0)."""
    law = _parametric(law)
    plaw = _resolve(precision_law)
    c = law.c
    r = plaw.format_retention(precision)
    return c["A"] * params ** -c["alpha"] * (r ** -c["alpha"] - 1.0)


def relative_retention(precision: str, precision_law: Any = None) -> float:
    """N_eff / N of training at ``precision`` relative to bf16, the precision the loss laws were fitted in
    (so a bf16 plan is the law's own optimum, and lower precisions pay only their extra penalty)."""
    plaw = _resolve(precision_law)
    base = plaw.format_retention("bf16") if "bf16" in plaw.formats else 1.0
    return plaw.format_retention(precision) / base


def optimum_at_retention(law: Any, flops: float, retention: float) -> tuple[float, float, float]:
    """(N, D, loss) minimising E + A/(r N)^alpha + B/D^beta under C = 6 N D (closed form with A' = A r^-alpha)."""
    c = law.c
    a_eff = c["A"] * retention ** -c["alpha"]
    g = ((c["alpha"] * a_eff) / (c["beta"] * c["B"])) ** (1.0 / (c["alpha"] + c["beta"]))
    base = flops / 6.0
    n = g * base ** (c["beta"] / (c["alpha"] + c["beta"]))
    d = base / n
    return n, d, c["E"] + a_eff / n ** c["alpha"] + c["B"] / d ** c["beta"]


@dataclass(frozen=True)
class PrecisionOption:
    precision: str
    bits: PrecisionFormat
    retention: float
    throughput_multiplier: float
    compute_flops: float
    params: float
    tokens: float
    loss: float

    def to_dict(self) -> dict:
        return {"precision": self.precision, "bits": self.bits.to_dict(), "retention": self.retention,
                "throughput_multiplier": self.throughput_multiplier, "compute_flops": self.compute_flops,
                "params": self.params, "effective_params": self.params * self.retention, "tokens": self.tokens,
                "loss": self.loss}


@dataclass(frozen=True)
class PrecisionComparison:
    """Predicted loss at one fixed budget for each offered precision, and the choice (a plan ``Section``)."""

    law: str
    precision_law: str
    verification: str
    budget_flops: float  # compute the budget buys at throughput multiplier 1
    options: tuple[PrecisionOption, ...]
    chosen: str
    warnings: tuple[str, ...] = ()
    key: str = field(default="precision", init=False)
    title: str = field(default="Training precision (Kumar et al. 2024; constants secondary)", init=False)

    def option(self, name: str) -> PrecisionOption:
        return next(o for o in self.options if o.precision == name)

    def to_dict(self) -> dict:
        return {"law": self.law, "precision_law": self.precision_law, "verification": self.verification,
                "budget_flops": self.budget_flops, "chosen": self.chosen,
                "options": [o.to_dict() for o in self.options], "warnings": list(self.warnings)}

    def rows(self) -> list[tuple[str, str, str]]:
        best = self.option(self.chosen).loss
        out = []
        for o in self.options:
            mark = "chosen; " if o.precision == self.chosen else f"{o.loss - best:+.4f} vs chosen; "
            out.append((f"{o.precision} (w{o.bits.weights:g}/a{o.bits.activations:g}/kv{o.bits.kv:g})",
                        f"loss {o.loss:.4f}",
                        f"{mark}{o.throughput_multiplier:g}x throughput -> {format_flops(o.compute_flops)}; "
                        f"N {format_si(o.params)} (N_eff x{o.retention:.3f}), D {format_si(o.tokens)}"))
        out.append(("precision law", self.precision_law, self.verification))
        return out


def compare_precisions(law: Any, flops: float, throughput: Mapping[str, float], *, precision_law: Any = None) -> PrecisionComparison:
    """The best precision for a fixed dollar/time budget.

    ``flops``: the compute the budget buys at throughput multiplier 1 (normally bf16). ``throughput``: for every
    precision the hardware profile *offers*, its achieved-throughput multiplier relative to that reference
    (e.g. {"bf16": 1.0, "fp8": 1.6}). Only these precisions are considered.
    """
    law = _parametric(law)
    plaw = _resolve(precision_law)
    if not (math.isfinite(flops) and flops > 0):
        raise InputError(f"compute budget must be a positive finite number of FLOPs, got {flops}")
    if not throughput:
        raise InputError("no training precision is available to compare")
    options = []
    for name, multiplier in throughput.items():
        fmt = plaw.format(name)
        if not (isinstance(multiplier, (int, float)) and math.isfinite(multiplier) and multiplier > 0):
            raise InputError(f"throughput multiplier for {name} must be positive and finite, got {multiplier}")
        r = relative_retention(fmt.name, plaw)
        compute = flops * multiplier
        n, d, loss = optimum_at_retention(law, compute, r)
        options.append(PrecisionOption(fmt.name, fmt, r, float(multiplier), compute, n, d, loss))
    # Lowest loss wins; an exact tie goes to the higher-precision format (the conservative choice).
    chosen = min(options, key=lambda o: (o.loss, -o.bits.weights)).precision
    warnings = []
    if any(o.bits.weights < 8 for o in options):
        warnings.append("Kumar et al. fit integer quantisation down to ~3 bits on models up to ~1.7B; the fp4 "
                        "penalty is an extrapolation with secondary constants")
    return PrecisionComparison(law=law.name, precision_law=plaw.name, verification=plaw.spec.verification.label(),
                               budget_flops=float(flops), options=tuple(options), chosen=chosen,
                               warnings=tuple(warnings))
