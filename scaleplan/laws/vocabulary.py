"""Compute-optimal vocabulary size (Tao et al. 2024, "Scaling Laws with Vocabulary"; sail-sg/scaling-with-vocab).

Three approaches, each mapping non-vocabulary parameters N_nv (and optionally a FLOP budget F) to the optimal
vocabulary parameters N_v = V d, then V = N_v / d with d from the repo's N_nv -> width table:

1. IsoFLOP power laws: F = (N_nv / k1)^(1/e1) (compute-optimal F for N_nv), N_v = k2 F^e2.
2. Derivative-based: N_v = N_v0 (N_nv / N_nv0)^e.
3. Parametric: L_u = -E + A1/N_nv^a1 + A2/N_v^a2 + B/D^b with D = F / (6 (N_nv + N_v)); the optimum solves
   dL/dV = 0. Units are normalised (N in 1e6, d in 1e3, V in 1e3, D in 1e9, F in 1e15), as in the repo.
   Solved with brentq on a bracket (the repo uses fsolve from V = 1); the root is the same.

Sizes are truncated like the repo: V = int(int(N_v) / d). Pure maths; scipy lazy.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from ..errors import ConfigError, InputError
from ..units import format_flops, format_si
from .base import Law, build_kind
from .spec import LawSpec

DEFAULT_VOCAB_LAW = "tao-2024"


class VocabularyLaw(Law):
    required = ("a1_ln_k_nnv", "a1_exp_nnv", "a1_ln_k_nv", "a1_exp_nv", "a2_nv0", "a2_nnv0", "a2_exp",
                "A1", "A2", "B", "E", "alpha1", "alpha2", "beta")

    def __init__(self, spec: LawSpec) -> None:
        super().__init__(spec)
        table = []
        for key, width in spec.constants.items():
            if key.startswith("d_upto."):
                bound = key[len("d_upto."):]
                try:
                    table.append((math.inf if bound == "inf" else float(bound), float(width)))
                except ValueError:
                    raise ConfigError(f"{spec.source}: constants.{key}: expected d_upto.<number or inf>") from None
        if not table or table[-1][0] != math.inf and max(b for b, _ in table) != math.inf:
            raise ConfigError(f"{spec.source}: constants.d_upto.inf: required key is missing (width beyond the table)")
        self.d_table = tuple(sorted(table))

    def width(self, non_vocab_params: float) -> float:
        """Embedding width d for N_nv (utils.Nnv_to_d: first bound with N_nv <= bound)."""
        return next(d for bound, d in self.d_table if non_vocab_params <= bound)

    def compute_optimal_flops(self, non_vocab_params: float) -> float:
        """Approach-1 FLOPs for which N_nv is compute-optimal: F = (N_nv / e^ln_k)^(1/exp)."""
        return (non_vocab_params / math.exp(self.c["a1_ln_k_nnv"])) ** (1.0 / self.c["a1_exp_nnv"])

    def approach1_vocab_params(self, non_vocab_params: float) -> float:
        return math.exp(self.c["a1_ln_k_nv"]) * self.compute_optimal_flops(non_vocab_params) ** self.c["a1_exp_nv"]

    def approach2_vocab_params(self, non_vocab_params: float) -> float:
        return self.c["a2_nv0"] * (non_vocab_params / self.c["a2_nnv0"]) ** self.c["a2_exp"]

    def dloss_dv(self, v: float, nnv: float, d: float, flops: float) -> float:
        """dL_u/dV in normalised units (V in 1e3, N in 1e6, d in 1e3, F in 1e15)."""
        c = self.c
        nv = v * d
        tokens = flops / (6.0 * (nnv + nv))
        dtokens_dv = flops * d / (6.0 * (nnv + nv) ** 2)  # = -dD/dV
        return -c["alpha2"] * c["A2"] * d / nv ** (c["alpha2"] + 1.0) + c["beta"] * c["B"] * dtokens_dv / tokens ** (c["beta"] + 1.0)

    def approach3_vocab_params(self, non_vocab_params: float, flops: float | None = None) -> float:
        from ..numerics import bisect_sign_change

        d = self.width(non_vocab_params)
        flops = self.compute_optimal_flops(non_vocab_params) if flops is None else flops
        nnv, dn, fn = non_vocab_params / 1e6, d / 1e3, flops / 1e15
        lo, hi = 1e-6, 1.0
        while self.dloss_dv(hi, nnv, dn, fn) < 0:  # dL/dV < 0 below the optimum, > 0 above
            hi *= 2.0
            if hi > 1e9:
                raise InputError(f"no optimal vocabulary for N_nv = {non_vocab_params:.3g} and F = {flops:.3g}")
        v = bisect_sign_change(lambda x: self.dloss_dv(x, nnv, dn, fn), lo, hi, rel_tol=1e-15)
        return v * 1e3 * d

    def unigram_loss(self, non_vocab_params: float, vocab_params: float, tokens: float) -> float:
        """Approach-3 L_u in the repo's normalised units (N in 1e6, D in 1e9)."""
        c = self.c
        return (-c["E"] + c["A1"] / (non_vocab_params / 1e6) ** c["alpha1"]
                + c["A2"] / (vocab_params / 1e6) ** c["alpha2"] + c["B"] / (tokens / 1e9) ** c["beta"])


def build_vocabulary_law(spec: LawSpec) -> VocabularyLaw:
    return build_kind(spec, {"tao": VocabularyLaw}, "vocabulary")


@dataclass(frozen=True)
class VocabularyPlan:
    """Optimal vocabulary by Tao et al.'s three approaches (a plan ``Section``)."""

    law: str
    non_vocab_params: float
    flops: float
    width: float
    vocab_params: tuple[int, int, int]
    vocab_sizes: tuple[int, int, int]
    warnings: tuple[str, ...] = ()
    key: str = field(default="vocabulary", init=False)
    title: str = field(default="Compute-optimal vocabulary (Tao et al. 2024)", init=False)

    @property
    def recommended(self) -> int:
        """The median of the three approaches (the paper reports all three; they agree within ~15%)."""
        return sorted(self.vocab_sizes)[1]

    def to_dict(self) -> dict:
        names = ("approach1_isoflops", "approach2_derivative", "approach3_parametric")
        return {"law": self.law, "non_vocab_params": self.non_vocab_params, "flops": self.flops, "width": self.width,
                "vocab_size": dict(zip(names, self.vocab_sizes)), "vocab_params": dict(zip(names, self.vocab_params)),
                "recommended": self.recommended, "warnings": list(self.warnings)}

    def rows(self) -> list[tuple[str, str, str]]:
        labels = ("approach 1 (IsoFLOP)", "approach 2 (derivative)", "approach 3 (parametric)")
        out = [(f"vocabulary, {label}", f"{v:,}", f"N_v = {format_si(p)} at d = {self.width:g}")
               for label, v, p in zip(labels, self.vocab_sizes, self.vocab_params)]
        out.append(("recommended vocabulary", f"{self.recommended:,}",
                    f"median of the three; N_nv = {format_si(self.non_vocab_params)}, F = {format_flops(self.flops)}"))
        return out


def optimal_vocabulary(non_vocab_params: float, flops: float | None = None, law: VocabularyLaw | str | None = None) -> VocabularyPlan:
    """Tao et al.'s optimal vocabulary for N_nv non-vocabulary parameters. ``flops`` (approach 3 only) defaults
    to the compute-optimal budget for N_nv; give the plan's own budget when D is not compute-optimal."""
    if not (math.isfinite(non_vocab_params) and non_vocab_params > 0):
        raise InputError(f"non-vocabulary parameters must be positive and finite, got {non_vocab_params}")
    if flops is not None and not (math.isfinite(flops) and flops > 0):
        raise InputError(f"compute budget must be a positive finite number of FLOPs, got {flops}")
    if law is None or isinstance(law, str):
        from .registry import get_law

        law = get_law(law or DEFAULT_VOCAB_LAW, "vocabulary")
    d = law.width(non_vocab_params)
    nv = (int(law.approach1_vocab_params(non_vocab_params)), int(law.approach2_vocab_params(non_vocab_params)),
          int(law.approach3_vocab_params(non_vocab_params, flops)))
    sizes = tuple(int(p / d) for p in nv)
    warnings = []
    low, high = law.spec.fitted_range.get("N", (0.0, math.inf))
    if not low <= non_vocab_params <= high:
        warnings.append(f"{law.name}: N_nv = {non_vocab_params:.3g} is outside the fitted range [{low:.3g}, {high:.3g}]; "
                        "the vocabulary is an extrapolation")
    return VocabularyPlan(law=law.name, non_vocab_params=float(non_vocab_params),
                          flops=float(law.compute_optimal_flops(non_vocab_params) if flops is None else flops),
                          width=d, vocab_params=nv, vocab_sizes=sizes, warnings=tuple(warnings))  # type: ignore[arg-type]
