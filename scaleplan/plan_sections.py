"""Plan sections the planner itself produces: the model as planned, and the uncertainty carried to the end."""

from __future__ import annotations

from dataclasses import dataclass
from typing import ClassVar

from .model.shape import ModelShape
from .units import format_flops, format_money, format_number, format_si

_KIND = {"total": "total", "non_embedding": "non-embedding", "active": "active"}


@dataclass(frozen=True)
class ModelSection:
    """The shape actually trained: its exact N (never the law's unrounded N) and the D re-derived for it."""

    key: ClassVar[str] = "model"
    title: ClassVar[str] = "Model as planned"

    shape: ModelShape
    law_params: float        # the law's optimum N, in the law's unit (params_kind)
    params_kind: str
    tokens: float
    compute_flops: float     # C in the law's convention
    loss: float | None       # the law's loss at this shape and D
    total_params: float | None = None  # MoE: all experts (memory); the shape is the active network

    @property
    def params(self) -> float:
        return float(self.shape.total_params)

    @property
    def model_flops(self) -> float:
        """Model FLOPs of the run: 6 x matmul params + attention, per token, times D (MFU convention)."""
        return self.shape.model_flops_per_token() * self.tokens

    def to_dict(self) -> dict:
        s = self.shape
        return {
            "params_total": s.total_params,
            "params_non_embedding": s.non_embedding_params,
            "params_all_experts": self.total_params,
            "law_optimum_params": self.law_params,
            "law_params_kind": self.params_kind,
            "tokens": self.tokens,
            "tokens_per_param": self.tokens / s.total_params,
            "compute_flops_6nd": 6.0 * s.total_params * self.tokens,
            "model_flops_with_attention": self.model_flops,
            "loss": self.loss,
            "shape": {"n_layers": s.n_layers, "d_model": s.d_model, "n_heads": s.n_heads, "n_kv_heads": s.n_kv_heads,
                      "head_dim": s.head_dim, "ffn_hidden": s.ffn_hidden, "ffn_kind": s.ffn_kind,
                      "vocab_size": s.vocab_size, "seq_len": s.seq_len, "tied_embeddings": s.tied_embeddings},
        }

    def rows(self) -> list[tuple[str, str, str]]:
        s = self.shape
        kind = _KIND.get(self.params_kind, self.params_kind)
        rows = [
            ("shape", f"{s.n_layers} layers x d_model {s.d_model}",
             f"{s.n_heads} heads ({s.n_kv_heads} KV) of {s.head_dim}, {s.ffn_kind} FFN {s.ffn_hidden}, "
             f"vocab {s.vocab_size}, seq {s.seq_len} (rules: configs/model/shape.yaml)"),
            ("parameters N (active)" if self.total_params is not None else "parameters N (total)",
             format_si(s.total_params),
             f"{format_si(s.non_embedding_params)} non-embedding; law optimum {format_si(self.law_params)} {kind}"),
        ]
        if self.total_params is not None:
            rows.append(("parameters, all experts", format_si(self.total_params),
                         "memory and optimizer state; FLOPs use the active parameters"))
        rows += [
            ("training tokens D", format_si(self.tokens), "re-derived for this shape at the same compute"),
            ("tokens per parameter", format_number(self.tokens / s.total_params), "D / N (total)"),
            ("training compute", format_flops(6.0 * s.total_params * self.tokens),
             f"6ND; model FLOPs incl. attention {format_flops(self.model_flops)}"),
        ]
        if self.loss is not None:
            rows.append(("predicted loss (this shape)", f"{self.loss:.4f}", "the law's loss at this N and D"))
        return rows


@dataclass(frozen=True)
class Uncertainty:
    """Ranges, not false points: across loss laws, hyperparameter laws, the MFU band and the price tiers."""

    key: ClassVar[str] = "uncertainty"
    title: ClassVar[str] = "Uncertainty"

    params_range: tuple[float, float]
    tokens_range: tuple[float, float]
    loss_range: tuple[float, float] | None
    laws: int
    lr_range: tuple[float, float] | None
    batch_tokens_range: tuple[float, float] | None
    hparam_laws: int                             # laws giving a learning rate at this N and D
    mfu_band: float | None                       # relative throughput uncertainty (configs/perf)
    gpu_hours_range: tuple[float, float] | None
    usd_range_chosen_tier: tuple[float, float] | None
    usd_range_all_tiers: tuple[float, float] | None
    price_tier: str | None

    def to_dict(self) -> dict:
        def pair(value):
            return list(value) if value is not None else None

        return {
            "across_loss_laws": {"laws": self.laws, "params": pair(self.params_range),
                                 "tokens": pair(self.tokens_range), "loss": pair(self.loss_range),
                                 "note": "N in each law's own unit; losses on each law's own data"},
            "across_hyperparameter_laws": {"laws": self.hparam_laws, "peak_lr": pair(self.lr_range),
                                           "batch_tokens": pair(self.batch_tokens_range)},
            "cost": {"mfu_band": self.mfu_band, "gpu_hours": pair(self.gpu_hours_range),
                     "usd_chosen_tier": pair(self.usd_range_chosen_tier), "price_tier": self.price_tier,
                     "usd_all_tiers": pair(self.usd_range_all_tiers)},
        }

    def rows(self) -> list[tuple[str, str, str]]:
        rows = [("N across loss laws", f"{format_si(self.params_range[0])} - {format_si(self.params_range[1])}",
                 f"{self.laws} laws, x{self.params_range[1] / self.params_range[0]:.2f}; each in its own unit"),
                ("D across loss laws", f"{format_si(self.tokens_range[0])} - {format_si(self.tokens_range[1])}",
                 f"x{self.tokens_range[1] / self.tokens_range[0]:.2f}")]
        if self.loss_range:
            rows.append(("loss across laws", f"{self.loss_range[0]:.3f} - {self.loss_range[1]:.3f}",
                         "each on its own data: a spread of fits, not a confidence interval"))
        if self.lr_range:
            rows.append(("peak LR across laws", f"{self.lr_range[0]:.3g} - {self.lr_range[1]:.3g}",
                         f"{self.hparam_laws} laws that give a learning rate here"))
        if self.batch_tokens_range:
            rows.append(("batch across laws", f"{format_si(self.batch_tokens_range[0])} - "
                         f"{format_si(self.batch_tokens_range[1])} tokens", ""))
        if self.gpu_hours_range:
            rows.append(("GPU-hours", f"{format_si(self.gpu_hours_range[0])} - {format_si(self.gpu_hours_range[1])}",
                         f"throughput band +/-{self.mfu_band:.0%} (the cost model's calibration error)"))
        if self.usd_range_chosen_tier:
            low, high = self.usd_range_chosen_tier
            rows.append((f"cost ({self.price_tier})", f"{format_money(low)} - {format_money(high)}", "same band"))
        if self.usd_range_all_tiers:
            low, high = self.usd_range_all_tiers
            rows.append(("cost (all price tiers)", f"{format_money(low)} - {format_money(high)}",
                         "cheapest tier, low band to dearest tier, high band"))
        return rows


@dataclass(frozen=True)
class Provenance:
    """Which data files made this plan, with content hashes, so a diff of two plan files shows a changed law
    constant or hardware price even when the scaleplan version is the same."""

    key: ClassVar[str] = "provenance"
    title: ClassVar[str] = "Provenance"

    files: tuple[tuple[str, str, str], ...]  # (role, path, sha256)

    @classmethod
    def of(cls, roles: dict[str, str]) -> "Provenance":
        import hashlib
        from pathlib import Path

        from .config import configs_dir

        root = configs_dir()
        rows = []
        for role, path in roles.items():
            file = Path(path).resolve()
            digest = hashlib.sha256(file.read_bytes()).hexdigest() if file.is_file() else ""
            try:
                shown = "configs/" + file.relative_to(root.resolve()).as_posix()
            except ValueError:
                shown = str(file)
            rows.append((role, shown, digest))
        return cls(tuple(rows))

    def to_dict(self) -> dict:
        return {role: {"file": path, "sha256": digest} for role, path, digest in self.files}

    def rows(self) -> list[tuple[str, str, str]]:
        return [(role, path, f"sha256 {digest[:12]}") for role, path, digest in self.files]
