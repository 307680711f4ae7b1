"""Result objects of :mod:`scaleplan.laws.hparams`: immutable, each with ``to_dict`` and, for the two plan
sections, ``rows()`` (quantity, value with unit, note with law and source). Every row names its units:
tokens vs sequences, total vs non-embedding N. Nothing here computes a law; no NaN is ever produced."""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, ClassVar

from ..units import format_number, format_si
from .hparams_laws import Estimate

if TYPE_CHECKING:  # pragma: no cover
    from .hparams import HparamInputs


_AT_CRITICAL = 0.005  # same tolerance as scaleplan.laws.hparams.AT_CRITICAL


def _lr(value: float) -> str:
    """Learning rates in one style: 1.150e-3."""
    mantissa, exponent = f"{value:.3e}".split("e")
    return f"{mantissa}e{int(exponent)}"


@dataclass(frozen=True)
class BatchAdvice:
    """The global batch in tokens and in sequences of ``seq_len`` (exact and rounded to whole sequences)."""

    tokens: float  # the law's (or the user's) batch, exact
    seq_len: int
    source: Estimate  # the law's batch estimate (before any override)
    user_fixed: bool  # the batch was fixed rather than taken from the law
    fixed_by: str = "the user"  # who fixed it: the user (--batch-tokens) or the parallel layout

    @classmethod
    def of(cls, tokens: float, seq_len: int, source: Estimate, user_fixed: bool,
           fixed_by: str = "the user") -> "BatchAdvice":
        return cls(tokens, seq_len, source, user_fixed, fixed_by)

    @property
    def sequences(self) -> float:
        return self.tokens / self.seq_len

    @property
    def sequences_rounded(self) -> int:
        return max(1, round(self.sequences))

    @property
    def tokens_rounded(self) -> float:
        return float(self.sequences_rounded * self.seq_len)

    def to_dict(self) -> dict:
        return {
            "tokens": self.tokens, "sequences": self.sequences, "seq_len": self.seq_len,
            "sequences_rounded": self.sequences_rounded, "tokens_rounded": self.tokens_rounded,
            "user_fixed": self.user_fixed, "fixed_by": self.fixed_by if self.user_fixed else None,
            "law_batch": self.source.to_dict(),
        }


@dataclass(frozen=True)
class CriticalBatch:
    tokens: float
    loss: float
    loss_law: str
    estimate: Estimate

    def to_dict(self) -> dict:
        return {"tokens": self.tokens, "loss": self.loss, "loss_law": self.loss_law,
                "loss_note": "nats/token on the loss law's own data; Kaplan fitted B_crit(L) on WebText2",
                **{k: v for k, v in self.estimate.to_dict().items() if k not in ("value", "unit")}}


@dataclass(frozen=True)
class WeightDecayAdvice:
    weight_decay: float
    tau_opt: float
    tokens_per_param: float
    common_lambda: float
    tau_at_common: float
    law: str
    citation: str
    verification: str
    range_warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "weight_decay": self.weight_decay, "tau_opt": self.tau_opt, "tokens_per_param_total": self.tokens_per_param,
            "common_lambda": self.common_lambda, "tau_at_common_lambda": self.tau_at_common,
            "formula": "lambda = B / (eta D tau_opt(D/N)), tau = B/(eta lambda D) in epochs, B and D in tokens",
            "law": self.law, "citation": self.citation, "verification": self.verification,
            "range_warnings": list(self.range_warnings),
        }


@dataclass(frozen=True)
class ScheduleAdvice:
    total_steps: int
    warmup_tokens: float
    warmup_steps: int
    warmup_capped: bool
    warmup_max_fraction: float
    reference_warmup_steps: int
    decay_fraction: float
    decay_fraction_low: float
    cosine_final_fraction: float
    peak_lr: float
    law: str
    citation: str
    verification: str

    @property
    def decay_start_step(self) -> int:
        return int(round(self.total_steps * (1.0 - self.decay_fraction)))

    @property
    def cosine_final_lr(self) -> float:
        return self.peak_lr * self.cosine_final_fraction

    def to_dict(self) -> dict:
        return {
            "default": "wsd",
            "total_steps": self.total_steps,
            "warmup": {"tokens": self.warmup_tokens, "steps": self.warmup_steps, "capped": self.warmup_capped,
                       "rule": "N tokens (total parameters), at most "
                               f"{self.warmup_max_fraction:.0%} of D",
                       "reference_steps": self.reference_warmup_steps},
            "wsd": {"decay_fraction": self.decay_fraction, "decay_fraction_range": [self.decay_fraction_low,
                                                                                     self.decay_fraction],
                    "decay_start_step": self.decay_start_step, "final_lr": 0.0},
            "cosine": {"final_lr": self.cosine_final_lr, "final_fraction": self.cosine_final_fraction},
            "law": self.law, "citation": self.citation, "verification": self.verification,
        }


@dataclass(frozen=True)
class HparamRecommendation:
    """The ``hyperparameters`` section of a plan (implements :class:`scaleplan.plan.Section`)."""

    key: ClassVar[str] = "hyperparameters"
    title: ClassVar[str] = "Hyperparameters"

    inputs: "HparamInputs"
    law: str
    law_citation: str
    law_verification: str
    lr: Estimate  # the peak LR to use (rescaled when the user fixed the batch)
    lr_law: Estimate  # the law's own LR at the law's batch
    lr_rescale: dict | None
    batch: BatchAdvice
    critical: CriticalBatch
    batch_over_critical: float
    weight_decay: WeightDecayAdvice
    schedule: ScheduleAdvice
    beta1: float
    beta2: float
    beta_note: str
    beta_citation: str
    optimizer: str
    notes: tuple[str, ...] = ()
    warnings: tuple[str, ...] = ()

    @property
    def peak_lr(self) -> float:
        return self.lr.value

    @property
    def batch_tokens(self) -> float:
        return self.batch.tokens

    @property
    def batch_sequences(self) -> float:
        return self.batch.sequences

    @property
    def exceeds_critical_batch(self) -> bool:
        return self.batch_over_critical > 1.0 + _AT_CRITICAL

    @property
    def critical_verdict(self) -> str:
        if self.exceeds_critical_batch:
            return "exceeds"
        return "at B_crit" if self.batch_over_critical >= 1.0 - _AT_CRITICAL else "below"

    def to_dict(self) -> dict:
        return {
            "law": self.law, "citation": self.law_citation, "verification": self.law_verification,
            "inputs": self.inputs.to_dict(),
            "peak_lr": {**self.lr.to_dict(), "law_value": self.lr_law.value, "rescale": self.lr_rescale},
            "batch": self.batch.to_dict(),
            "critical_batch": {**self.critical.to_dict(), "batch_over_critical": self.batch_over_critical,
                               "exceeds": self.exceeds_critical_batch,
                               "verdict": self.critical_verdict},
            "weight_decay": self.weight_decay.to_dict(),
            "schedule": self.schedule.to_dict(),
            "adam": {"optimizer": self.optimizer, "beta1": self.beta1, "beta2": self.beta2, "note": self.beta_note,
                     "citation": self.beta_citation},
            "notes": list(self.notes),
            "warnings": list(self.warnings),
        }

    def rows(self) -> list[tuple[str, str, str]]:
        x, b, s, wd, crit = self.inputs, self.batch, self.schedule, self.weight_decay, self.critical
        lr_note = f"{self.lr.law}: {self.lr.formula}"
        if self.lr_rescale:
            lr_note += f" [{self.lr_rescale['law']}]"
        rows = [
            ("parameters N", f"{format_si(x.params_total)} total / {format_si(x.params_non_embedding)} non-embedding",
             f"given: {x.params_given.replace('_', '-')}; non-embedding: {x.non_embedding_source}"),
            ("training tokens D", f"{format_si(x.tokens)} tokens", f"D/N = {format_number(x.tokens_per_param)} (total N)"),
            ("peak learning rate", _lr(self.lr.value), lr_note),
            ("global batch (tokens)", f"{format_si(b.tokens, 4)} tokens",
             (f"fixed by {b.fixed_by}; law's batch " + f"{format_si(b.source.value, 4)} tokens, "
              if b.user_fixed else "") + f"{b.source.law}: {b.source.formula}"),
            ("global batch (sequences)", f"{b.sequences:,.1f} sequences of {b.seq_len} tokens",
             f"use {b.sequences_rounded:,} sequences = {format_si(b.tokens_rounded, 4)} tokens"),
            ("training steps", f"{s.total_steps:,} steps", f"D / {format_si(b.tokens_rounded, 4)} tokens per step"),
            ("critical batch B_crit", f"{format_si(crit.tokens)} tokens", f"{crit.estimate.law}: {crit.estimate.formula}"),
            ("batch vs B_crit", f"{self.batch_over_critical:.2f}x B_crit: " + self.critical_verdict,
             "beyond B_crit more data parallelism buys little speed and costs tokens (McCandlish et al. 2018)"),
            ("weight decay lambda", f"{wd.weight_decay:.3g}",
             f"lambda = B/(eta D tau_opt), tau_opt = {wd.tau_opt:.3g} epochs at D/N = {format_number(wd.tokens_per_param)} "
             f"({wd.law}; constants unverified)"),
            (f"tau at lambda = {wd.common_lambda:g}", f"{wd.tau_at_common:.3g} epochs",
             f"what the common lambda = {wd.common_lambda:g} implies: tau = B/(eta lambda D); "
             f"{wd.tau_at_common / wd.tau_opt:.2g}x tau_opt"),
            ("warmup", f"{format_si(s.warmup_tokens)} tokens = {s.warmup_steps:,} steps",
             ("N tokens (Porian et al.)" + (f", capped at {s.warmup_max_fraction:.0%} of D" if s.warmup_capped else "")
              + f"; DeepSeek LLM / Llama 3 used {s.reference_warmup_steps} steps")),
            ("schedule (default)", f"WSD: decay over the last {s.decay_fraction:.0%} to 0",
             f"warmup, constant to step {s.decay_start_step:,}, then decay ({s.decay_fraction_low:.0%}-"
             f"{s.decay_fraction:.0%}, (1 - sqrt) shape); MiniCPM eq. 1, Hagele et al. 2024"),
            ("schedule (alternative)", f"cosine to {_lr(s.cosine_final_lr)}",
             f"final LR = {s.cosine_final_fraction:g} x peak (Llama 3 scaling runs)"),
            ("Adam beta1 / beta2", f"{self.beta1:g} / {self.beta2:g}", self.beta_note),
            ("law", self.law, f"{self.law_citation} [{self.law_verification}]"),
        ]
        return rows


@dataclass(frozen=True)
class LawRow:
    law: str
    lr: Estimate | None
    batch: Estimate | None
    seq_len: int
    basis: str
    n_used: str
    verification: str
    warnings: tuple[str, ...] = ()

    def to_dict(self) -> dict:
        return {
            "law": self.law, "peak_lr": None if self.lr is None else self.lr.value,
            "batch_tokens": None if self.batch is None else self.batch.value,
            "batch_sequences": None if self.batch is None else self.batch.value / self.seq_len,
            "batch_basis": self.basis, "inputs_used": self.n_used, "verification": self.verification,
            "lr_formula": None if self.lr is None else self.lr.formula,
            "batch_formula": None if self.batch is None else self.batch.formula,
            "warnings": list(self.warnings),
        }


def _spread(values: list[float]) -> float | None:
    values = [v for v in values if math.isfinite(v) and v > 0]
    return max(values) / min(values) if len(values) >= 2 else None


@dataclass(frozen=True)
class HparamComparison:
    """Every LR/batch law on the same run (implements :class:`scaleplan.plan.Section`)."""

    key: ClassVar[str] = "hyperparameter_comparison"
    title: ClassVar[str] = "Hyperparameters under every law"
    HEADERS: ClassVar[tuple[str, ...]] = ("law", "peak LR", "batch (tokens)", "batch (sequences)", "batch basis",
                                          "inputs used", "extrapolated")

    inputs: Any
    laws: tuple[LawRow, ...]
    lr_spread: float | None
    batch_spread: float | None

    @classmethod
    def of(cls, inputs: Any, laws: tuple[LawRow, ...]) -> "HparamComparison":
        return cls(inputs, laws, _spread([r.lr.value for r in laws if r.lr]),
                   _spread([r.batch.value for r in laws if r.batch]))

    def to_dict(self) -> dict:
        return {
            "seq_len": self.inputs.seq_len,
            "laws": [r.to_dict() for r in self.laws],
            "spread": {"lr_max_over_min": self.lr_spread, "batch_max_over_min": self.batch_spread,
                       "note": "batch in tokens for every law (Porian's unit unverified); Kaplan's is B_crit(L), "
                               "MiniCPM's bs(L), both with L from a loss law on other data"},
        }

    def table_rows(self) -> list[tuple[str, ...]]:
        out = []
        for r in self.laws:
            out.append((
                r.law,
                "-" if r.lr is None else _lr(r.lr.value),
                "-" if r.batch is None else f"{format_si(r.batch.value)} tokens",
                "-" if r.batch is None else f"{r.batch.value / r.seq_len:,.1f} x {r.seq_len}",
                r.basis, r.n_used,
                "yes" if any("extrapolation" in w for w in r.warnings) else "",
            ))
        return out

    def spread_line(self) -> str:
        lr = "-" if self.lr_spread is None else f"{self.lr_spread:.2f}x"
        batch = "-" if self.batch_spread is None else f"{self.batch_spread:.2f}x"
        return f"spread across laws (max/min): peak LR {lr}, batch {batch}"

    def rows(self) -> list[tuple[str, str, str]]:
        rows = []
        for r in self.laws:
            lr = "-" if r.lr is None else f"LR {_lr(r.lr.value)}"
            batch = "-" if r.batch is None else (f"batch {format_si(r.batch.value)} tokens = "
                                                 f"{r.batch.value / r.seq_len:,.1f} sequences of {r.seq_len}")
            rows.append((r.law, f"{lr}; {batch}", f"{r.basis}; {r.n_used}"))
        rows.append(("spread", self.spread_line().split(": ", 1)[1], "max/min over laws that give a value"))
        return rows
