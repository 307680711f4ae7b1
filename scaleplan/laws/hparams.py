"""Hyperparameters for a run of N parameters on D tokens: peak LR, batch, weight decay, schedule, Adam betas.

Pure API (no I/O):

* :func:`recommend` -> :class:`~scaleplan.laws.hparams_report.HparamRecommendation` (a plan ``Section``,
  key ``"hyperparameters"``) under one LR/batch law (default Step Law), with every other row from its own law;
* :func:`compare` -> :class:`~scaleplan.laws.hparams_report.HparamComparison`: every LR/batch law side by side,
  with the spread;
* :func:`critical_batch` / :func:`critical_batch_tokens`: Kaplan's B_crit(L) with L from a loss law.

Units are resolved once in :func:`resolve_inputs`: N total and non-embedding (one given, the other through the
model shape), DeepSeek's M = non-embedding FLOPs/token incl. attention for the shape and sequence length, and
the loss from an allocation law (default epoch-2024, on that law's own data).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from ..config import closest
from ..errors import InputError
from ..units import format_si, positive
from . import registry
from .hparams_laws import (AdamBetas, BatchLrCoupling, Estimate, HparamLaw, KaplanHparams, Schedule,
                           WeightDecayTimescale, build_hparam_law)
from .hparams_report import (BatchAdvice, CriticalBatch, HparamComparison, HparamRecommendation, LawRow,
                             ScheduleAdvice, WeightDecayAdvice)

if TYPE_CHECKING:  # pragma: no cover
    from ..model.shape import ModelShape

__all__ = ["DEFAULT_HPARAM_LAW", "HparamInputs", "build_hparam_law", "compare", "critical_batch",
           "critical_batch_tokens", "hparam_law_names", "recommend", "resolve_inputs", "resolve_law"]

CATEGORY = "hyperparameter"
DEFAULT_HPARAM_LAW = "step-law-2025"
DEFAULT_LOSS_LAW = registry.DEFAULT_ALLOCATION_LAW
CRITICAL_BATCH_LAW = "kaplan-2020-hparams"
WEIGHT_DECAY_LAW = "power-lines-2025"
COUPLING_LAW = "adam-sqrt-batch-rule"
SCHEDULE_LAW = "wsd-schedule"
BETAS_LAW = "adam-betas"
PARAMS_KINDS = ("total", "non_embedding")
AT_CRITICAL = 0.005  # |B / B_crit - 1| below this is "at B_crit" (Kaplan's law picks B = B_crit itself)


# -- laws -----------------------------------------------------------------------------------------------------
def _law(name: str) -> HparamLaw:
    return registry.build(registry.get_spec(name, CATEGORY))


def hparam_law_names() -> list[str]:
    """LR/batch laws a user can choose with ``--law`` (auxiliary laws such as the schedule are excluded)."""
    out = []
    for spec in registry.all_specs(CATEGORY):
        law = build_hparam_law(spec)
        if law.gives_lr or law.gives_batch:
            out.append(spec.name)
    return out


def resolve_law(name: str | None) -> HparamLaw:
    """The LR/batch law ``name``; ``deepseek-2024`` also finds ``deepseek-2024-hparams`` (the paper's name).
    A path to a YAML file (e.g. from ``scaleplan fit --hparams``) loads that law."""
    if name is None:
        name = DEFAULT_HPARAM_LAW
    if name.endswith((".yaml", ".yml")):
        from .spec import load_law_file

        spec = load_law_file(name)
        law = build_hparam_law(spec) if spec.category == CATEGORY else None
        if law is None or not (law.gives_lr and law.gives_batch):
            raise InputError(f"{name}: not a learning-rate/batch law (category {spec.category}, kind {spec.kind})")
        return law
    names = hparam_law_names()
    for candidate in (name, f"{name}-hparams"):
        if candidate in names:
            return _law(candidate)
    if name in registry.law_names(CATEGORY):
        raise InputError(f"'{name}' is not a learning-rate/batch law (it sets another row); choose one of "
                         f"{', '.join(names)}")
    hint = closest(name, names + [n.removesuffix("-hparams") for n in names])
    if hint and hint not in names:
        hint = f"{hint}-hparams" if f"{hint}-hparams" in names else hint
    suggestion = f"; did you mean '{hint}'?" if hint else ""
    raise InputError(f"unknown hyperparameter law '{name}'{suggestion} (known: {', '.join(names)})")


# -- inputs in every unit the laws need -------------------------------------------------------------------------
@dataclass(frozen=True)
class HparamInputs:
    params_total: float
    params_non_embedding: float
    params_given: str  # which kind the caller gave: total, non_embedding or both
    non_embedding_source: str
    tokens: float
    seq_len: int
    shape: "ModelShape"
    shape_source: str
    flops_per_token_m: float  # DeepSeek's M for this shape and sequence length
    m_source: str
    loss: float
    loss_law: str
    warnings: tuple[str, ...] = ()

    @property
    def deepseek_flops(self) -> float:
        return self.flops_per_token_m * self.tokens

    @property
    def tokens_per_param(self) -> float:
        return self.tokens / self.params_total

    def to_dict(self) -> dict:
        return {
            "params_total": self.params_total, "params_non_embedding": self.params_non_embedding,
            "params_given": self.params_given, "non_embedding_source": self.non_embedding_source,
            "tokens": self.tokens, "tokens_per_param_total": self.tokens_per_param, "seq_len": self.seq_len,
            "shape": {"n_layers": self.shape.n_layers, "d_model": self.shape.d_model, "source": self.shape_source},
            "deepseek_m_flops_per_token": self.flops_per_token_m, "deepseek_m_source": self.m_source,
            "loss": self.loss, "loss_law": self.loss_law,
            "loss_note": "nats/token on the loss law's own data and tokenizer; the batch laws were fitted on other data",
        }


def _seq_len(value: Any) -> int:
    if isinstance(value, bool):
        raise InputError(f"--seq-len: expected a number of tokens, got {value!r}")
    number = positive(float(value), "--seq-len")
    if not number.is_integer():
        raise InputError(f"--seq-len: must be a whole number of tokens, got {number:g}")
    return int(number)


def resolve_inputs(params: float, tokens: float, *, params_kind: str = "total", seq_len: int = 4096,
                   shape: "ModelShape | None" = None, loss_law: str | None = None,
                   non_embedding_params: float | None = None) -> HparamInputs:
    """Validate the request and express N, M and the loss in every unit the laws need."""
    from ..model.shape import shape_for_params

    if params_kind not in PARAMS_KINDS:
        raise InputError(f"params_kind must be 'total' or 'non_embedding', got {params_kind!r}")
    params = positive(float(params), "N")
    tokens = positive(float(tokens), "D")
    seq = _seq_len(seq_len)
    warnings: list[str] = []
    if shape is None:
        shape = shape_for_params(params, params_kind, seq_len=seq)
        shape_source = f"derived from N by the shape rules: {shape.n_layers} x {shape.d_model}"
        derived = True
    else:
        shape_source = f"given: {shape.n_layers} x {shape.d_model}"
        derived = False
    share = shape.non_embedding_params / shape.total_params  # non-embedding share of this shape
    if non_embedding_params is not None:
        if params_kind != "total":
            raise InputError("a separate non-embedding N only makes sense with a total N")
        ne = positive(float(non_embedding_params), "--non-embedding-N")
        if ne > params:
            raise InputError(f"--non-embedding-N ({format_si(ne)}) exceeds the total N ({format_si(params)})")
        total, given, source = params, "both", "given"
    elif params_kind == "total":
        total, ne, given = params, params * share, "total"
        source = f"total N x {share:.4f}, the non-embedding share of the {shape.n_layers} x {shape.d_model} shape"
    else:
        ne, total, given = params, params / share, "non_embedding"
        source = "given"
    own = shape.total_params if params_kind == "total" else shape.non_embedding_params
    if derived and not 0.5 <= params / own <= 2.0:
        warnings.append(f"N = {format_si(params)} is outside the sizes the shape rules build well (nearest shape: "
                        f"{format_si(own)}); the total/non-embedding conversion is rough")
    m = shape.deepseek_m(seq)
    if derived:
        # Scale the snapped shape's M to the exact N (attention share held fixed), as the allocation law does.
        m *= ne / shape.non_embedding_params
        m_source = f"from the {shape.n_layers} x {shape.d_model} shape, scaled to N = {format_si(ne)} non-embedding"
    else:
        m_source = f"from the given {shape.n_layers} x {shape.d_model} shape"
    if tokens < total:
        warnings.append(f"D = {format_si(tokens)} tokens is smaller than N = {format_si(total)} parameters "
                        f"(D/N = {tokens / total:.3g}); the hyperparameter laws were fitted on runs with D >> N")
    loss_name = loss_law or DEFAULT_LOSS_LAW
    loss_model = registry.get_law(loss_name, "allocation")
    if not loss_model.has_loss:
        raise InputError(f"loss law '{loss_name}' predicts no loss; choose one with L(N, D), e.g. {DEFAULT_LOSS_LAW}")
    loss = float(loss_model.loss(ne if loss_model.params_kind == "non_embedding" else total, tokens))
    return HparamInputs(total, ne, given, source, tokens, seq, shape, shape_source, m, m_source, loss,
                        loss_model.name, tuple(warnings))


# -- pieces ---------------------------------------------------------------------------------------------------
def critical_batch(params: float, tokens: float, *, params_kind: str = "total", loss_law: str | None = None,
                   inputs: HparamInputs | None = None, shape: "ModelShape | None" = None) -> CriticalBatch:
    """Kaplan's B_crit(L) = B*/L^(1/alpha_B) tokens, with L = loss_law.loss(N, D) (another dataset: labelled)."""
    x = inputs or resolve_inputs(params, tokens, params_kind=params_kind, loss_law=loss_law, shape=shape)
    law = _law(CRITICAL_BATCH_LAW)
    assert isinstance(law, KaplanHparams)
    est = law.batch(x)
    return CriticalBatch(tokens=est.value, loss=x.loss, loss_law=x.loss_law, estimate=est)


def critical_batch_tokens(params: float, tokens: float, *, params_kind: str = "total",
                          loss_law: str | None = None) -> float:
    """B_crit in tokens (see :func:`critical_batch` for the formula, loss and labels)."""
    return critical_batch(params, tokens, params_kind=params_kind, loss_law=loss_law).tokens


def _lr_and_batch(law: HparamLaw, x: HparamInputs) -> tuple[Estimate, Estimate, list[str]]:
    """The chosen law's LR and batch; where it gives none, Step Law's, said in the note."""
    notes: list[str] = []
    lr, batch = law.lr(x), law.batch(x)
    default = _law(DEFAULT_HPARAM_LAW) if lr is None or batch is None else None
    if lr is None:
        assert default is not None
        reason = (law.lr_invalid_warning(x) if isinstance(law, KaplanHparams) else None) or \
            f"{law.name} gives no learning rate for a standard parametrisation"
        notes.append(f"{reason}; the learning rate is {DEFAULT_HPARAM_LAW}'s")
        lr = default.lr(x)
    if batch is None:
        assert default is not None
        notes.append(f"{law.name} gives no batch size; the batch is {DEFAULT_HPARAM_LAW}'s")
        batch = default.batch(x)
    assert lr is not None and batch is not None
    return lr, batch, notes


def _finite_result(result: Any, params: float, tokens: float) -> Any:
    """Refuse (InputError) rather than print an overflowed number or NaN for absurd N or D."""
    def walk(value: Any, path: str) -> None:
        if isinstance(value, float) and not math.isfinite(value):
            raise InputError(f"N = {params:g}, D = {tokens:g}: the laws give no finite value for {path} here "
                             "(far outside any fitted range)")
        if isinstance(value, dict):
            for key, item in value.items():
                walk(item, f"{path}.{key}" if path else str(key))
        elif isinstance(value, (list, tuple)):
            for item in value:
                walk(item, path)

    walk(result.to_dict(), "")
    return result


def recommend(params: float, tokens: float, *, params_kind: str = "total", seq_len: int = 4096,
              law: str | None = DEFAULT_HPARAM_LAW, batch_tokens: float | None = None,
              shape: "ModelShape | None" = None, loss_law: str | None = None,
              non_embedding_params: float | None = None, optimizer: str = "adam",
              batch_fixed_by: str = "the user") -> HparamRecommendation:
    """Peak LR, global batch, weight decay, warmup, schedule, Adam betas and the critical batch for N on D tokens.

    ``params`` is total N unless ``params_kind="non_embedding"``; ``batch_tokens`` fixes the batch (the LR is
    rescaled from the law's batch by the square-root rule for Adam, linear for SGD). Raises InputError on bad
    input; never returns a NaN or infinity.
    """
    try:
        result = _recommend(params, tokens, params_kind=params_kind, seq_len=seq_len, law=law,
                            batch_tokens=batch_tokens, shape=shape, loss_law=loss_law, batch_fixed_by=batch_fixed_by,
                            non_embedding_params=non_embedding_params, optimizer=optimizer)
    except (OverflowError, ZeroDivisionError):
        raise InputError(f"N = {params:g}, D = {tokens:g}: out of the range where the laws give finite values") from None
    return _finite_result(result, params, tokens)


def _recommend(params: float, tokens: float, *, params_kind: str, seq_len: int, law: str | None,
               batch_tokens: float | None, shape: "ModelShape | None", loss_law: str | None,
               non_embedding_params: float | None, optimizer: str,
               batch_fixed_by: str = "the user") -> HparamRecommendation:
    chosen = resolve_law(law)
    x = resolve_inputs(params, tokens, params_kind=params_kind, seq_len=seq_len, shape=shape, loss_law=loss_law,
                       non_embedding_params=non_embedding_params)
    coupling = _law(COUPLING_LAW)
    assert isinstance(coupling, BatchLrCoupling)
    coupling.exponent(optimizer)  # validates the optimizer name
    warnings = list(x.warnings) + chosen.warnings_for(x)
    lr_law, batch_law, notes = _lr_and_batch(chosen, x)
    warnings.extend(n for n in notes if "<= 0" in n)
    notes = [n for n in notes if "<= 0" not in n]

    # batch: the law's, or the user's (then the LR follows the coupling rule)
    rescale = None
    if batch_tokens is not None:
        batch = positive(float(batch_tokens), "--batch-tokens")
        if batch < x.seq_len:
            raise InputError(f"--batch-tokens: {format_si(batch)} tokens is smaller than one sequence of "
                             f"{x.seq_len} tokens")
        exponent = coupling.exponent(optimizer)
        lr_value = coupling.rescale(lr_law.value, batch_law.value, batch, optimizer)
        rule = "square-root rule (Adam)" if optimizer == "adam" else "linear rule (SGD)"
        rescale = {"from_batch_tokens": batch_law.value, "to_batch_tokens": batch, "exponent": exponent,
                   "optimizer": optimizer, "rule": rule, "law": coupling.name, "citation": coupling.spec.citation,
                   "verification": coupling.spec.verification.label()}
        lr = Estimate(lr_value, lr_law.law, f"{lr_law.formula}; x (B / B_law)^{exponent:g} = "
                      f"({format_si(batch)} / {format_si(batch_law.value)})^{exponent:g} by the {rule}",
                      lr_law.citation, lr_law.verification)
    else:
        batch, lr = batch_law.value, lr_law
        if batch < x.seq_len:
            warnings.append(f"{batch_law.law}: the law's batch ({format_si(batch)} tokens) is smaller than one "
                            f"sequence of {x.seq_len} tokens; use one sequence")
    advice = BatchAdvice.of(batch, x.seq_len, batch_law, user_fixed=batch_tokens is not None, fixed_by=batch_fixed_by)

    crit = critical_batch(x.params_total, x.tokens, inputs=x)
    ratio = advice.tokens / crit.tokens
    if ratio > 1.0 + AT_CRITICAL:
        warnings.append(f"the batch ({format_si(advice.tokens_rounded)} tokens) is {ratio:.2g}x the critical batch "
                        f"B_crit = {format_si(crit.tokens)} tokens (Kaplan, L from {x.loss_law}): beyond B_crit more "
                        "data parallelism buys little speed and costs extra tokens")

    wd = _weight_decay(x, lr.value, advice.tokens_rounded)
    sched = _schedule(x, lr.value, advice.tokens_rounded)
    betas = _law(BETAS_LAW)
    assert isinstance(betas, AdamBetas)
    return HparamRecommendation(
        inputs=x, law=chosen.name, law_citation=chosen.spec.citation,
        law_verification=chosen.spec.verification.label(), lr=lr, lr_law=lr_law, lr_rescale=rescale,
        batch=advice, critical=crit, batch_over_critical=ratio, weight_decay=wd, schedule=sched,
        beta1=betas.c["beta1"], beta2=betas.c["beta2"], beta_note=_beta_note(betas, advice.tokens_rounded),
        beta_citation=betas.spec.citation, optimizer=optimizer, notes=tuple(notes),
        warnings=tuple(dict.fromkeys(warnings)),
    )


def _weight_decay(x: HparamInputs, lr: float, batch: float) -> WeightDecayAdvice:
    law = _law(WEIGHT_DECAY_LAW)
    assert isinstance(law, WeightDecayTimescale)
    tpp = x.tokens / x.params_total
    tau_opt = law.tau_opt(tpp)
    common = law.c["common_lambda"]
    return WeightDecayAdvice(
        weight_decay=law.weight_decay(batch, lr, x.tokens, x.params_total), tau_opt=tau_opt, tokens_per_param=tpp,
        common_lambda=common, tau_at_common=law.tau(batch, lr, common, x.tokens), law=law.name,
        citation=law.spec.citation, verification=law.spec.verification.label(),
        range_warnings=tuple(law.range_warnings(N=x.params_total)),
    )


def _schedule(x: HparamInputs, lr: float, batch: float) -> ScheduleAdvice:
    law = _law(SCHEDULE_LAW)
    assert isinstance(law, Schedule)
    warmup, capped = law.warmup_tokens(x.params_total, x.tokens)
    steps = max(1, math.ceil(x.tokens / batch))
    return ScheduleAdvice(
        total_steps=steps, warmup_tokens=warmup, warmup_steps=max(1, math.ceil(warmup / batch)),
        warmup_capped=capped, warmup_max_fraction=law.c["warmup_max_fraction"],
        reference_warmup_steps=int(law.c["reference_warmup_steps"]),
        decay_fraction=law.c["decay_fraction"], decay_fraction_low=law.c["decay_fraction_low"],
        cosine_final_fraction=law.c["cosine_final_fraction"], peak_lr=lr, law=law.name,
        citation=law.spec.citation, verification=law.spec.verification.label(),
    )


def _beta_note(betas: AdamBetas, batch: float) -> str:
    if batch < betas.c["small_batch_tokens"]:
        return (f"small batch (< {format_si(betas.c['small_batch_tokens'])} tokens, scaleplan's threshold): raise beta2 "
                f"to {betas.c['beta2_small_batch']:g}-{betas.c['beta2_small_batch_high']:g} (Porian et al.: tuning "
                "beta2 is essential at small batch)")
    return "DeepSeek LLM, Llama 3 and GPT-3 use 0.9 / 0.95 at multi-million-token batches"


def compare(params: float, tokens: float, *, params_kind: str = "total", seq_len: int = 4096,
            shape: "ModelShape | None" = None, loss_law: str | None = None,
            non_embedding_params: float | None = None) -> HparamComparison:
    """Every LR/batch law on the same run, side by side, with the max/min spread of LR and batch."""
    try:
        result = _compare(params, tokens, params_kind=params_kind, seq_len=seq_len, shape=shape, loss_law=loss_law,
                          non_embedding_params=non_embedding_params)
    except (OverflowError, ZeroDivisionError):
        raise InputError(f"N = {params:g}, D = {tokens:g}: out of the range where the laws give finite values") from None
    return _finite_result(result, params, tokens)


def _compare(params: float, tokens: float, *, params_kind: str, seq_len: int, shape: "ModelShape | None",
             loss_law: str | None, non_embedding_params: float | None) -> HparamComparison:
    x = resolve_inputs(params, tokens, params_kind=params_kind, seq_len=seq_len, shape=shape, loss_law=loss_law,
                       non_embedding_params=non_embedding_params)
    rows = []
    names = hparam_law_names()
    for name in [DEFAULT_HPARAM_LAW] + [n for n in names if n != DEFAULT_HPARAM_LAW]:
        law = _law(name)
        warnings = law.warnings_for(x)
        lr = law.lr(x) if law.gives_lr else None
        if law.gives_lr and lr is None and isinstance(law, KaplanHparams):
            warnings.append(law.lr_invalid_warning(x) or "")
        batch = law.batch(x) if law.gives_batch else None
        rows.append(LawRow(law=name, lr=lr, batch=batch, seq_len=x.seq_len, basis=_BASIS.get(law.spec.kind, ""),
                           n_used=_n_used(law, x), verification=law.spec.verification.label(),
                           warnings=tuple(w for w in warnings if w)))
    return HparamComparison.of(x, tuple(rows))


_BASIS = {"step_law": "B_opt(D)", "deepseek_hp": "B_opt(C = M D)", "porian_hp": "B*(N)",
          "kaplan_hp": "B_crit(L)", "minicpm_batch": "bs(L)"}


def _n_used(law: HparamLaw, x: HparamInputs) -> str:
    kind = law.spec.kind
    if kind in ("step_law", "kaplan_hp"):
        return f"N = {format_si(x.params_non_embedding)} non-embedding" + \
            ("; L = " + f"{x.loss:.3g}" if kind == "kaplan_hp" else "")
    if kind == "deepseek_hp":
        return f"M = {format_si(x.flops_per_token_m)} FLOPs/token, C = M D"
    if kind == "minicpm_batch":
        return f"L = {x.loss:.3g} ({x.loss_law})"
    return f"N = {format_si(x.params_total)} total"
