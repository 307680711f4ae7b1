"""Mixture-of-experts laws: total vs active parameters, and the compute-optimal MoE for a budget.

FLOPs come from the *active* parameters (C = 6 N_active D, router neglected); memory from the *total*.
Architecture mapping (``--experts X --active K``): the expansion ratio is E = X / K; a fraction ``f`` of the
active parameters sit in the routed experts (default 2/3: a transformer layer's FFN is 8 d^2 of its 12 d^2),
so N_total = N_active (1 - f + f E). Pass the exact shape's fraction when it is known.

Laws (configs/laws/moe/*.yaml):

* ``fine_grained`` (Krajewski et al. 2024): L(N_total, D, G) = c + (g/G^gamma + a)/N^alpha + b/D^beta with
  granularity G (default: K, the active experts of one token together make one dense FFN).
* ``joint`` (Ludziejewski et al. 2025): L(N_act, D, E^) = a E^^delta N^-(alpha + gamma ln E^) + b E^^omega
  D^-(beta + zeta ln E^) + c.

For a fixed architecture both are E' + A'/N_act^alpha' + B'/D^beta' in N_active, so the optimum along
C = 6 N_act D has the Chinchilla closed form; :func:`numeric_optimum` (bounded 1-D search) checks it and
serves any law object with a ``loss(active, tokens, config)`` method. Pure maths, scipy lazy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from typing import Any

from ..errors import InputError
from ..units import format_si
from .spec import LawSpec
from .base import Law, build_kind

DEFAULT_MOE_LAW = "krajewski-2024"
DEFAULT_EXPERT_FRACTION = 2.0 / 3.0  # FFN share of a dense layer's parameters: 8 d^2 / 12 d^2


@dataclass(frozen=True)
class MoEConfig:
    experts: int
    active: int
    expert_fraction: float = DEFAULT_EXPERT_FRACTION
    granularity: float | None = None  # None: equal to ``active``

    @property
    def expansion(self) -> float:
        return self.experts / self.active

    @property
    def total_per_active(self) -> float:
        """N_total / N_active."""
        return 1.0 - self.expert_fraction + self.expert_fraction * self.expansion

    @property
    def granularity_value(self) -> float:
        return float(self.active if self.granularity is None else self.granularity)


def moe_config(experts: Any, active: Any, *, expert_fraction: float = DEFAULT_EXPERT_FRACTION,
               granularity: float | None = None) -> MoEConfig:
    """Validated ``--experts`` / ``--active``: positive integers, active <= experts."""
    values = {}
    for flag, value in (("--experts", experts), ("--active", active)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) \
                or value != int(value) or value < 1:
            raise InputError(f"{flag} must be a positive whole number, got {value!r}")
        values[flag] = int(value)
    if values["--active"] > values["--experts"]:
        raise InputError(f"--active {values['--active']} is more than --experts {values['--experts']}: "
                         "a token cannot use more experts than exist")
    if not 0 < expert_fraction < 1:
        raise InputError(f"expert parameter fraction must be in (0, 1), got {expert_fraction}")
    if granularity is not None and not (math.isfinite(granularity) and granularity > 0):
        raise InputError(f"granularity must be positive, got {granularity}")
    return MoEConfig(values["--experts"], values["--active"], expert_fraction, granularity)


class MoELaw(Law):
    required: tuple[str, ...] = ()


    def reduced(self, config: MoEConfig) -> tuple[float, float, float, float, float]:
        """(E', A', alpha', B', beta') of the law in N_active for a fixed architecture."""
        raise NotImplementedError

    def loss(self, active_params: float, tokens: float, config: MoEConfig) -> float:
        e, a, alpha, b, beta = self.reduced(config)
        return e + a / active_params**alpha + b / tokens**beta

    def config_warnings(self, config: MoEConfig) -> list[str]:
        return []


class FineGrainedLaw(MoELaw):
    """Krajewski et al. 2024; N is total parameters, so A' folds in (N_total / N_active)^-alpha."""

    required = ("a", "alpha", "b", "beta", "g", "gamma", "c")

    def loss_total(self, total_params: float, tokens: float, granularity: float) -> float:
        c = self.c
        return c["c"] + (c["g"] / granularity ** c["gamma"] + c["a"]) / total_params ** c["alpha"] + c["b"] / tokens ** c["beta"]

    def reduced(self, config: MoEConfig) -> tuple[float, float, float, float, float]:
        c = self.c
        a_total = c["g"] / config.granularity_value ** c["gamma"] + c["a"]
        return c["c"], a_total * config.total_per_active ** -c["alpha"], c["alpha"], c["b"], c["beta"]

    def config_warnings(self, config: MoEConfig) -> list[str]:
        fitted = self.c.get("fitted_expansion")
        if fitted and abs(config.expansion - fitted) > 1e-9:
            return [f"{self.name} was fitted at expansion rate {fitted:g} (experts/active); "
                    f"{config.experts}/{config.active} = {config.expansion:g} is an extrapolation"]
        return []


class JointLaw(MoELaw):
    """Ludziejewski et al. 2025, in active parameters with the saturating expert count E^."""

    required = ("a", "alpha", "delta", "gamma", "b", "beta", "omega", "zeta", "c", "E_start", "E_max")

    def e_hat(self, expansion: float) -> float:
        c = self.c
        inner = 1.0 / (1.0 / (c["E_start"] - 1.0) - 1.0 / c["E_max"])
        return 1.0 / (1.0 / (expansion - 1.0 + inner) + 1.0 / c["E_max"])

    def reduced(self, config: MoEConfig) -> tuple[float, float, float, float, float]:
        c = self.c
        eh = self.e_hat(config.expansion)
        ln = math.log(eh)
        return (c["c"], c["a"] * eh ** c["delta"], c["alpha"] + c["gamma"] * ln,
                c["b"] * eh ** c["omega"], c["beta"] + c["zeta"] * ln)


KINDS: dict[str, type[MoELaw]] = {"fine_grained": FineGrainedLaw, "joint": JointLaw}


def build_moe_law(spec: LawSpec) -> MoELaw:
    return build_kind(spec, KINDS, "MoE")


@dataclass(frozen=True)
class MoEAllocation:
    """Compute-optimal MoE for a budget (a plan ``Section``)."""

    law: str
    verification: str
    compute_flops: float
    experts: int
    active: int
    expert_fraction: float
    granularity: float
    active_params: float
    total_params: float
    tokens: float
    loss: float
    warnings: tuple[str, ...] = ()
    key: str = field(default="moe", init=False)
    title: str = field(default="Mixture of experts", init=False)

    @property
    def expansion(self) -> float:
        return self.experts / self.active

    def to_dict(self) -> dict:
        return {"law": self.law, "verification": self.verification, "compute_flops": self.compute_flops,
                "compute_convention": "6 N_active D", "experts": self.experts, "active": self.active,
                "expansion": self.expansion, "granularity": self.granularity, "expert_fraction": self.expert_fraction,
                "active_params": self.active_params, "total_params": self.total_params, "tokens": self.tokens,
                "tokens_per_active_param": self.tokens / self.active_params, "loss": self.loss,
                "warnings": list(self.warnings)}

    def rows(self) -> list[tuple[str, str, str]]:
        return [
            ("experts / active", f"{self.experts} / {self.active}", f"expansion {self.expansion:g}, granularity {self.granularity:g}"),
            ("active parameters", format_si(self.active_params), "FLOPs: C = 6 N_active D"),
            ("total parameters", format_si(self.total_params),
             f"memory; experts hold {self.expert_fraction:.0%} of the active parameters"),
            ("training tokens D", format_si(self.tokens), f"D / N_active = {self.tokens / self.active_params:.1f}"),
            ("predicted loss", f"{self.loss:.4f}", self.law),
            ("MoE law", self.law, self.verification),
        ]


def closed_form_optimum(law: MoELaw, flops: float, config: MoEConfig) -> tuple[float, float]:
    """(N_active, D) minimising the reduced law under C = 6 N_active D."""
    _, a, alpha, b, beta = law.reduced(config)
    if not (alpha > 0 and beta > 0 and a > 0 and b > 0):
        raise InputError(f"{law.name}: exponents for {config.experts}/{config.active} experts are not positive; "
                         "the law has no optimum there")
    g = (alpha * a / (beta * b)) ** (1.0 / (alpha + beta))
    n = g * (flops / 6.0) ** (beta / (alpha + beta))
    return n, flops / (6.0 * n)


def numeric_optimum(law: MoELaw, flops: float, config: MoEConfig) -> tuple[float, float]:
    """Same optimum by a bounded 1-D search in log N_active (checks the closed form; any loss form)."""
    from scipy.optimize import minimize_scalar

    half = 0.5 * math.log(flops / 6.0)

    def f(x: float) -> float:
        n = math.exp(x)
        return law.loss(n, flops / (6.0 * n), config)

    res = minimize_scalar(f, bounds=(half - 25.0, half + 25.0), method="bounded", options={"xatol": 1e-11})
    n = math.exp(res.x)
    return n, flops / (6.0 * n)


def allocate_moe(flops: float, experts: Any, active: Any, law: Any = None, *,
                 expert_fraction: float = DEFAULT_EXPERT_FRACTION, granularity: float | None = None) -> MoEAllocation:
    """Compute-optimal active/total parameters and tokens for an MoE with ``experts`` experts, ``active`` per token."""
    config = moe_config(experts, active, expert_fraction=expert_fraction, granularity=granularity)
    if not (math.isfinite(flops) and flops > 0):
        raise InputError(f"compute budget must be a positive finite number of FLOPs, got {flops}")
    if law is None or isinstance(law, str):
        from .registry import get_law

        law = get_law(law or DEFAULT_MOE_LAW, "moe")
    n, d = closed_form_optimum(law, flops, config)
    warnings = list(law.config_warnings(config))
    total = n * config.total_per_active
    bounds = law.spec.fitted_range.get("N")
    if bounds and not bounds[0] <= n <= bounds[1]:
        warnings.append(f"{law.name}: N_active = {n:.3g} is outside the fitted range [{bounds[0]:.3g}, {bounds[1]:.3g}]")
    if law.spec.verification.status in ("unverified", "secondary"):
        warnings.append(f"{law.name}: constants are {law.spec.verification.status}; treat the MoE loss as indicative")
    return MoEAllocation(law=law.name, verification=law.spec.verification.label(), compute_flops=float(flops),
                         experts=config.experts, active=config.active, expert_fraction=config.expert_fraction,
                         granularity=config.granularity_value, active_params=n, total_params=total, tokens=d,
                         loss=law.loss(n, d, config), warnings=tuple(warnings))
