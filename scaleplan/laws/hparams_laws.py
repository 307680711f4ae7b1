"""Hyperparameter laws (configs/laws/hparams/*.yaml): peak LR, batch size, critical batch, weight decay, schedule.

Each law kind is a small class built from a :class:`LawSpec` whose constants come from YAML; the methods are
pure functions of explicit quantities in the law's own units (``lr_at(n, d)``, ``batch_at(loss)`` ...). The
unit conversions (total vs non-embedding N, DeepSeek's M, loss from a loss law) happen once, in
:class:`HparamInputs` (see :mod:`scaleplan.laws.hparams`), and every law reads what it needs from there.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Mapping

from ..errors import ConfigError, InputError
from ..units import format_number, format_si
from .spec import LawSpec
from .base import Law, build_kind

if TYPE_CHECKING:  # pragma: no cover
    from .hparams import HparamInputs

KIND_LABEL = {"total": "total", "non_embedding": "non-embedding"}


@dataclass(frozen=True)
class Estimate:
    """One law's value for one quantity, with what it was computed from."""

    value: float
    law: str
    formula: str  # the law with the numbers that went in, e.g. "1.79 N^-0.713 D^0.307, N = 5.95B non-embedding"
    citation: str
    verification: str
    unit: str = ""
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {"value": self.value, "unit": self.unit, "law": self.law, "formula": self.formula,
                "citation": self.citation, "verification": self.verification, "warnings": list(self.warnings)}


class HparamLaw(Law):
    """Common behaviour: constants, metadata, fitted-range warnings. LR/batch laws override ``lr``/``batch``."""

    required: tuple[str, ...] = ()
    gives_lr = False
    gives_batch = False


    def estimate(self, value: float, formula: str, unit: str = "", warnings: tuple[str, ...] = ()) -> Estimate:
        return Estimate(value, self.name, formula, self.spec.citation, self.spec.verification.label(), unit, warnings)

    # LR/batch laws: an Estimate, or None where the law gives no value (the caller falls back and says so).
    def lr(self, x: "HparamInputs") -> Estimate | None:
        return None

    def batch(self, x: "HparamInputs") -> Estimate | None:
        return None

    def warnings_for(self, x: "HparamInputs") -> list[str]:
        return []

    def range_warnings(self, **values: float | None) -> list[str]:
        """One message per quantity (N, D, C) outside the range the law was fitted on."""
        kind = self.params_kind.split()[0] if self.params_kind else "total"
        units = {"N": f"{KIND_LABEL.get(kind, kind)} parameters", "D": "tokens", "C": "FLOP (C = M D)"
                 if self.spec.units.get("C") == "M*D" else "FLOP"}
        out = []
        for key, value in values.items():
            bounds = self.spec.fitted_range.get(key)
            if value is None or bounds is None:
                continue
            low, high = bounds
            if value < low or value > high:
                side, factor = ("above", value / high) if value > high else ("below", low / value)
                out.append(f"{self.name}: {key} = {format_number(value)} {units.get(key, '')} is {factor:.3g}x {side} "
                           f"the fitted range [{format_number(low)}, {format_number(high)}]; this is an extrapolation")
        return out

    def evaluate(self, inputs: Mapping[str, Any]) -> dict[str, float]:
        """Quantities for one stored check (``checks:`` in the law file); see scaleplan.validation.hparam_checks."""
        raise ConfigError(f"{self.spec.source}: checks: kind '{self.spec.kind}' has no check evaluator")


def _keys(inputs: Mapping[str, Any], law: HparamLaw, *allowed: frozenset[str]) -> frozenset[str]:
    keys = frozenset(inputs)
    if keys not in allowed:
        raise ConfigError(f"{law.spec.source}: checks: unsupported inputs {sorted(keys)}")
    return keys


class StepLaw(HparamLaw):
    """Li et al. 2025: eta = k N^a_N D^a_D (N non-embedding), B = k_B D^a_B tokens."""

    required = ("k_eta", "a_N", "a_D", "k_B", "a_B")
    gives_lr = gives_batch = True

    def lr_at(self, params_non_embedding: float, tokens: float) -> float:
        return self.c["k_eta"] * params_non_embedding ** self.c["a_N"] * tokens ** self.c["a_D"]

    def batch_at(self, tokens: float) -> float:
        return self.c["k_B"] * tokens ** self.c["a_B"]

    def lr(self, x: "HparamInputs") -> Estimate:
        n = x.params_non_embedding
        formula = (f"{self.c['k_eta']:g} N^{self.c['a_N']:g} D^{self.c['a_D']:g}, "
                   f"N = {format_si(n)} non-embedding ({x.non_embedding_source}), D = {format_si(x.tokens)} tokens")
        return self.estimate(self.lr_at(n, x.tokens), formula)

    def batch(self, x: "HparamInputs") -> Estimate:
        formula = f"{self.c['k_B']:g} D^{self.c['a_B']:g} tokens, D = {format_si(x.tokens)} tokens"
        return self.estimate(self.batch_at(x.tokens), formula, "tokens")

    def warnings_for(self, x: "HparamInputs") -> list[str]:
        return self.range_warnings(N=x.params_non_embedding, D=x.tokens)

    def evaluate(self, inputs: Mapping[str, Any]) -> dict[str, float]:
        _keys(inputs, self, frozenset({"params", "tokens"}))
        n, d = float(inputs["params"]), float(inputs["tokens"])
        return {"lr": self.lr_at(n, d), "batch_tokens": self.batch_at(d)}


class DeepSeekHparams(HparamLaw):
    """DeepSeek LLM eq. 1: eta = k C^a, B = k_B C^a_B tokens, with C = M D (M from the shape, attention included)."""

    required = ("k_eta", "a_eta", "k_B", "a_B", "seq_len")
    gives_lr = gives_batch = True

    def lr_at(self, flops: float) -> float:
        return self.c["k_eta"] * flops ** self.c["a_eta"]

    def batch_at(self, flops: float) -> float:
        return self.c["k_B"] * flops ** self.c["a_B"]

    def _c(self, x: "HparamInputs") -> str:
        return (f"C = M D = {format_number(x.deepseek_flops)} FLOP, M = {format_si(x.flops_per_token_m)} FLOPs/token "
                f"(non-embedding, attention incl., seq {x.seq_len}; {x.m_source})")

    def lr(self, x: "HparamInputs") -> Estimate:
        return self.estimate(self.lr_at(x.deepseek_flops), f"{self.c['k_eta']:g} C^{self.c['a_eta']:g}, {self._c(x)}")

    def batch(self, x: "HparamInputs") -> Estimate:
        return self.estimate(self.batch_at(x.deepseek_flops), f"{self.c['k_B']:g} C^{self.c['a_B']:g} tokens, {self._c(x)}",
                             "tokens")

    def warnings_for(self, x: "HparamInputs") -> list[str]:
        out = self.range_warnings(C=x.deepseek_flops)
        if x.seq_len != int(self.c["seq_len"]):
            out.append(f"{self.name}: fitted at sequence length {int(self.c['seq_len'])}; M uses {x.seq_len}")
        return out

    def evaluate(self, inputs: Mapping[str, Any]) -> dict[str, float]:
        keys = _keys(inputs, self, frozenset({"flops"}), frozenset({"shape", "tokens", "seq_len"}))
        if keys == {"flops"}:
            flops = float(inputs["flops"])
            return {"lr": self.lr_at(flops), "batch_tokens": self.batch_at(flops)}
        from ..model.shape import ModelShape

        seq_len = int(inputs["seq_len"])
        raw = dict(inputs["shape"])
        raw.setdefault("head_dim", raw["d_model"] // raw["n_heads"])
        shape = ModelShape(seq_len=seq_len, **{k: int(v) for k, v in raw.items()})
        flops = shape.deepseek_m(seq_len) * float(inputs["tokens"])
        batch = self.batch_at(flops)
        return {"lr": self.lr_at(flops), "batch_tokens": batch, "batch_sequences": batch / seq_len}


class PorianHparams(HparamLaw):
    """Porian et al. 2024: eta* = k N^a, B* = k_B N^a_B (N total; B unit unverified)."""

    required = ("k_eta", "a_eta", "k_B", "a_B")
    gives_lr = gives_batch = True

    def lr_at(self, params: float) -> float:
        return self.c["k_eta"] * params ** self.c["a_eta"]

    def batch_at(self, params: float) -> float:
        return self.c["k_B"] * params ** self.c["a_B"]

    def lr(self, x: "HparamInputs") -> Estimate:
        return self.estimate(self.lr_at(x.params_total),
                             f"{self.c['k_eta']:g} N^{self.c['a_eta']:g}, N = {format_si(x.params_total)} total")

    def batch(self, x: "HparamInputs") -> Estimate:
        return self.estimate(self.batch_at(x.params_total),
                             f"{self.c['k_B']:g} N^{self.c['a_B']:g}, N = {format_si(x.params_total)} total; "
                             "unit taken as tokens (unverified: may be sequences)", "tokens")

    def warnings_for(self, x: "HparamInputs") -> list[str]:
        return self.range_warnings(N=x.params_total)

    def evaluate(self, inputs: Mapping[str, Any]) -> dict[str, float]:
        _keys(inputs, self, frozenset({"params"}))
        n = float(inputs["params"])
        return {"lr": self.lr_at(n), "batch_tokens": self.batch_at(n)}


class KaplanHparams(HparamLaw):
    """Kaplan et al. 2020: LR(N) = a - b ln N (N non-embedding), B_crit(L) = B* / L^(1/alpha_B) tokens."""

    required = ("lr_a", "lr_b", "B_star", "alpha_B")
    gives_lr = gives_batch = True

    @property
    def lr_zero_params(self) -> float:
        """N where LR(N) reaches 0 (about 1.21e10): beyond it the formula has no meaning."""
        return math.exp(self.c["lr_a"] / self.c["lr_b"])

    def lr_at(self, params_non_embedding: float) -> float:
        return self.c["lr_a"] - self.c["lr_b"] * math.log(params_non_embedding)

    def critical_batch_at(self, loss: float) -> float:
        if not (math.isfinite(loss) and loss > 0):
            raise InputError(f"loss must be positive and finite for B_crit(L), got {loss}")
        return self.c["B_star"] / loss ** (1.0 / self.c["alpha_B"])

    def lr(self, x: "HparamInputs") -> Estimate | None:
        n = x.params_non_embedding
        value = self.lr_at(n)
        formula = (f"{self.c['lr_a']:g} - {self.c['lr_b']:g} ln N, N = {format_si(n)} non-embedding "
                   f"({x.non_embedding_source})")
        if value <= 0:
            return None
        return self.estimate(value, formula)

    def lr_invalid_warning(self, x: "HparamInputs") -> str | None:
        n = x.params_non_embedding
        if self.lr_at(n) > 0:
            return None
        return (f"{self.name}: LR(N) = {self.c['lr_a']:g} - {self.c['lr_b']:g} ln N is <= 0 at N = {format_si(n)} "
                f"non-embedding (it crosses 0 near N = {format_si(self.lr_zero_params)}); Kaplan's LR law gives no value here")

    def batch(self, x: "HparamInputs") -> Estimate:
        loss = x.loss
        formula = (f"B_crit(L) = {format_number(self.c['B_star'])} / L^(1/{self.c['alpha_B']:g}) tokens, "
                   f"L = {loss:.4g} from {x.loss_law} (loss on that law's data, not WebText2)")
        return self.estimate(self.critical_batch_at(loss), formula, "tokens")

    def warnings_for(self, x: "HparamInputs") -> list[str]:
        return self.range_warnings(N=x.params_non_embedding)

    def evaluate(self, inputs: Mapping[str, Any]) -> dict[str, float]:
        keys = _keys(inputs, self, frozenset({"params"}), frozenset({"loss"}))
        if keys == {"params"}:
            return {"lr": self.lr_at(float(inputs["params"]))}
        return {"critical_batch_tokens": self.critical_batch_at(float(inputs["loss"]))}


class MiniCPMBatch(HparamLaw):
    """MiniCPM: bs(L) = k_B / L^a_L tokens. No transferable LR (MiniCPM uses muP)."""

    required = ("k_B", "a_L")
    gives_batch = True

    def batch_at(self, loss: float) -> float:
        if not (math.isfinite(loss) and loss > 0):
            raise InputError(f"loss must be positive and finite for bs(L), got {loss}")
        return self.c["k_B"] / loss ** self.c["a_L"]

    def batch(self, x: "HparamInputs") -> Estimate:
        formula = (f"{format_number(self.c['k_B'])} / L^{self.c['a_L']:g} tokens, L = {x.loss:.4g} from {x.loss_law} "
                   "(loss on that law's data, not C4)")
        return self.estimate(self.batch_at(x.loss), formula, "tokens")

    def warnings_for(self, x: "HparamInputs") -> list[str]:
        return self.range_warnings(N=x.params_total)

    def evaluate(self, inputs: Mapping[str, Any]) -> dict[str, float]:
        _keys(inputs, self, frozenset({"loss"}))
        return {"batch_tokens": self.batch_at(float(inputs["loss"]))}


class WeightDecayTimescale(HparamLaw):
    """Power Lines / Wang & Aitchison: tau = B/(eta lambda D); lambda_opt = B/(eta D tau_opt(D/N))."""

    required = ("k_tau", "a_tau", "common_lambda")

    def tau_opt(self, tokens_per_param: float) -> float:
        return self.c["k_tau"] * tokens_per_param ** self.c["a_tau"]

    @staticmethod
    def tau(batch_tokens: float, lr: float, weight_decay: float, tokens: float) -> float:
        return batch_tokens / (lr * weight_decay * tokens)

    def weight_decay(self, batch_tokens: float, lr: float, tokens: float, params: float) -> float:
        return batch_tokens / (lr * tokens * self.tau_opt(tokens / params))

    def evaluate(self, inputs: Mapping[str, Any]) -> dict[str, float]:
        _keys(inputs, self, frozenset({"tokens_per_param"}))
        return {"tau_opt": self.tau_opt(float(inputs["tokens_per_param"]))}


class BatchLrCoupling(HparamLaw):
    """eta(B) = eta(B_law) (B/B_law)^p: p = 0.5 for Adam (square-root rule), 1 for SGD (linear rule)."""

    required = ("adam_exponent", "sgd_exponent")
    OPTIMIZERS = ("adam", "sgd")

    def exponent(self, optimizer: str) -> float:
        if optimizer not in self.OPTIMIZERS:
            raise InputError(f"--optimizer: must be one of {', '.join(self.OPTIMIZERS)}, got {optimizer!r}")
        return self.c["adam_exponent"] if optimizer == "adam" else self.c["sgd_exponent"]

    def rescale(self, lr: float, batch_from: float, batch_to: float, optimizer: str = "adam") -> float:
        return lr * (batch_to / batch_from) ** self.exponent(optimizer)

    def evaluate(self, inputs: Mapping[str, Any]) -> dict[str, float]:
        keys = _keys(inputs, self, frozenset({"lr", "batch_from", "batch_to"}),
                     frozenset({"lr", "batch_from", "batch_to", "optimizer"}))
        optimizer = str(inputs["optimizer"]) if "optimizer" in keys else "adam"
        return {"lr": self.rescale(float(inputs["lr"]), float(inputs["batch_from"]), float(inputs["batch_to"]), optimizer)}


class Schedule(HparamLaw):
    """WSD (default) and cosine; warmup of ``warmup_tokens_per_param`` x N tokens, capped at a fraction of D."""

    required = ("decay_fraction", "decay_fraction_low", "cosine_final_fraction", "warmup_tokens_per_param",
                "warmup_max_fraction", "reference_warmup_steps")

    def warmup_tokens(self, params_total: float, tokens: float) -> tuple[float, bool]:
        """(warmup tokens, capped?)."""
        rule = self.c["warmup_tokens_per_param"] * params_total
        cap = self.c["warmup_max_fraction"] * tokens
        return (cap, True) if rule > cap else (rule, False)


class AdamBetas(HparamLaw):
    required = ("beta1", "beta2", "beta2_small_batch", "beta2_small_batch_high", "small_batch_tokens")


class FittedLrBatch(HparamLaw):
    """A law fitted by ``scaleplan fit --hparams``: eta = a N^b D^c, B = d D^e (units in the file)."""

    required = ("a", "b", "c", "d", "e")
    gives_lr = gives_batch = True

    def _params(self, x: "HparamInputs") -> tuple[float, str]:
        if self.params_kind.startswith("non"):
            return x.params_non_embedding, "non-embedding"
        return x.params_total, "total"

    def lr(self, x: "HparamInputs") -> Estimate:
        n, kind = self._params(x)
        value = self.c["a"] * n ** self.c["b"] * x.tokens ** self.c["c"]
        return self.estimate(value, f"{self.c['a']:.4g} N^{self.c['b']:.4g} D^{self.c['c']:.4g}, "
                                    f"N = {format_si(n)} {kind}, D = {format_si(x.tokens)} tokens (fitted)")

    def batch(self, x: "HparamInputs") -> Estimate:
        value = self.c["d"] * x.tokens ** self.c["e"]
        unit = self.spec.units.get("B", "tokens")
        formula = f"{self.c['d']:.4g} D^{self.c['e']:.4g} {unit}, D = {format_si(x.tokens)} tokens (fitted)"
        if unit.startswith("seq"):
            value *= x.seq_len
            formula += f"; x {x.seq_len} tokens per sequence"
        return self.estimate(value, formula, "tokens")

    def warnings_for(self, x: "HparamInputs") -> list[str]:
        return self.range_warnings(N=self._params(x)[0], D=x.tokens)


KINDS: dict[str, type[HparamLaw]] = {
    "step_law": StepLaw,
    "deepseek_hp": DeepSeekHparams,
    "porian_hp": PorianHparams,
    "kaplan_hp": KaplanHparams,
    "minicpm_batch": MiniCPMBatch,
    "weight_decay": WeightDecayTimescale,
    "lr_batch_rule": BatchLrCoupling,
    "schedule": Schedule,
    "adam_betas": AdamBetas,
    "lr_batch_power_law": FittedLrBatch,
}


def build_hparam_law(spec: LawSpec) -> HparamLaw:
    return build_kind(spec, KINDS, "hyperparameter")
