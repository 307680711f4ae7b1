"""Transformer shape from N, and exact parameter / FLOP accounting for a shape.

Conventions (see ../shared/reference/mfu-conventions.md and docs/units.md):

* ``total_params``            every parameter, input and output embeddings included (Chinchilla, Epoch, Llama 3).
* ``non_embedding_params``    everything except the input embedding and the output (un-embedding) matrix
                              (Kaplan, Step Law).
* ``model_flops_per_token``   PaLM-style training model FLOPs: 6 x (matmul parameters, including the logit layer)
                              + 12 x L x d_attn x T for attention (no causal halving, no recompute).
* ``deepseek_m``              DeepSeek LLM's M: 6 x non-embedding matmul parameters + 12 x L x d_attn x T
                              (non-embedding FLOPs per token including attention, arXiv:2401.02954 eq. 2).
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from functools import lru_cache
from typing import Callable, Iterator

from ..config import Fields, configs_dir, load_yaml
from ..errors import InputError


@dataclass(frozen=True)
class ShapeRules:
    aspect_ratio: float
    head_dim_large: int
    head_dim_small: int
    small_below_d_model: int
    d_model_multiple: int
    min_d_model: int
    layers_from: int
    layers_multiple: int
    kv_groups: int
    ffn_kind: str
    ffn_ratio: float
    ffn_multiple: int
    vocab_size: int
    tied_embeddings: bool
    seq_len: int


@lru_cache(maxsize=1)
def load_shape_rules() -> ShapeRules:
    path = configs_dir() / "model" / "shape.yaml"
    root = Fields(load_yaml(path), str(path))
    ffn = root.sub("ffn")
    vocab = root.sub("vocab")
    head = root.sub("head_dim")
    kind = ffn.text("kind")
    if kind not in ("swiglu", "gelu"):
        raise ffn.error("kind", f"expected swiglu or gelu, got {kind!r}")
    return ShapeRules(
        aspect_ratio=root.sub("aspect_ratio").number("target", positive=True),
        head_dim_large=int(head.number("large", positive=True)),
        head_dim_small=int(head.number("small", positive=True)),
        small_below_d_model=int(head.number("small_below_d_model", positive=True)),
        d_model_multiple=int(root.number("d_model_multiple", positive=True)),
        min_d_model=int(root.number("min_d_model", positive=True)),
        layers_from=int(root.sub("layers").number("from_layers", positive=True)),
        layers_multiple=int(root.sub("layers").number("multiple", positive=True)),
        kv_groups=int(root.sub("kv_heads").number("groups", positive=True)),
        ffn_kind=kind,
        ffn_ratio=ffn.number("ratio", positive=True),
        ffn_multiple=int(ffn.number("multiple", positive=True)),
        vocab_size=int(vocab.number("size", positive=True)),
        tied_embeddings=bool(vocab.raw("tied_embeddings", False)),
        seq_len=int(root.sub("seq_len").number("default", positive=True)),
    )


@dataclass(frozen=True)
class ModelShape:
    """A dense decoder-only transformer. All counts are exact for this architecture."""

    n_layers: int
    d_model: int
    n_heads: int
    n_kv_heads: int
    head_dim: int
    ffn_hidden: int
    vocab_size: int
    seq_len: int
    ffn_kind: str = "swiglu"
    tied_embeddings: bool = False

    def __post_init__(self) -> None:
        for name in ("n_layers", "d_model", "n_heads", "n_kv_heads", "head_dim", "ffn_hidden", "vocab_size", "seq_len"):
            value = getattr(self, name)
            if not isinstance(value, int) or value <= 0:
                raise InputError(f"model shape: {name} must be a positive integer, got {value!r}")
        if self.n_heads % self.n_kv_heads:
            raise InputError(f"model shape: n_heads ({self.n_heads}) must be a multiple of n_kv_heads ({self.n_kv_heads})")

    # -- parameter accounting -------------------------------------------------------------------
    @property
    def d_attn(self) -> int:
        return self.n_heads * self.head_dim

    @property
    def attention_params_per_layer(self) -> int:
        kv = self.n_kv_heads * self.head_dim
        return self.d_model * self.d_attn + 2 * self.d_model * kv + self.d_attn * self.d_model

    @property
    def mlp_params_per_layer(self) -> int:
        matrices = 3 if self.ffn_kind == "swiglu" else 2
        return matrices * self.d_model * self.ffn_hidden

    @property
    def matmul_params_per_layer(self) -> int:
        return self.attention_params_per_layer + self.mlp_params_per_layer

    @property
    def non_embedding_params(self) -> int:
        """Transformer blocks plus norms (2 RMSNorm weights per layer and a final one); no embeddings."""
        return self.n_layers * (self.matmul_params_per_layer + 2 * self.d_model) + self.d_model

    @property
    def embedding_params(self) -> int:
        tables = 1 if self.tied_embeddings else 2
        return tables * self.vocab_size * self.d_model

    @property
    def total_params(self) -> int:
        return self.non_embedding_params + self.embedding_params

    # -- FLOP accounting (per token, training = forward + backward) -------------------------------
    @property
    def matmul_params(self) -> int:
        """Parameters that take part in a matmul per token: blocks plus the logit layer (not the lookup)."""
        return self.n_layers * self.matmul_params_per_layer + self.vocab_size * self.d_model

    def attention_flops_per_token(self, seq_len: int | None = None) -> float:
        """PaLM's 12 x L x d_attn x T term (forward + backward, no causal halving)."""
        return 12.0 * self.n_layers * self.d_attn * (seq_len or self.seq_len)

    def model_flops_per_token(self, seq_len: int | None = None) -> float:
        """Training model FLOPs per token (MFU numerator): 6 x matmul params + attention."""
        return 6.0 * self.matmul_params + self.attention_flops_per_token(seq_len)

    def deepseek_m(self, seq_len: int | None = None) -> float:
        """DeepSeek LLM's M: non-embedding FLOPs per token including attention (arXiv:2401.02954 eq. 2)."""
        return 6.0 * self.n_layers * self.matmul_params_per_layer + self.attention_flops_per_token(seq_len)

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(
            total_params=self.total_params,
            non_embedding_params=self.non_embedding_params,
            embedding_params=self.embedding_params,
            model_flops_per_token=self.model_flops_per_token(),
        )
        return data


def _head_dim(d_model: int, rules: ShapeRules) -> int:
    return rules.head_dim_small if d_model < rules.small_below_d_model else rules.head_dim_large


def _d_model_step(d_model: float, rules: ShapeRules) -> int:
    if d_model < rules.small_below_d_model:
        return rules.d_model_multiple
    return rules.head_dim_large * rules.kv_groups


def make_shape(n_layers: int, d_model: int, rules: ShapeRules, *, vocab_size: int | None = None,
               seq_len: int | None = None) -> ModelShape:
    """The shape the rules give for ``n_layers`` x ``d_model`` (heads, GQA, FFN width from configs/model)."""
    head_dim = _head_dim(d_model, rules)
    n_heads = max(1, d_model // head_dim)
    n_kv_heads = rules.kv_groups if n_heads % rules.kv_groups == 0 and n_heads >= rules.kv_groups else n_heads
    ffn = int(math.ceil(rules.ffn_ratio * d_model / rules.ffn_multiple) * rules.ffn_multiple)
    return ModelShape(
        n_layers=n_layers, d_model=d_model, n_heads=n_heads, n_kv_heads=n_kv_heads, head_dim=head_dim,
        ffn_hidden=ffn, vocab_size=vocab_size or rules.vocab_size, seq_len=seq_len or rules.seq_len,
        ffn_kind=rules.ffn_kind, tied_embeddings=rules.tied_embeddings,
    )


def candidate_shapes(rules: ShapeRules, *, vocab_size: int | None = None,
                     seq_len: int | None = None) -> Iterator[tuple[int, list[tuple[ModelShape, float]]]]:
    """Every shape the rules allow, by depth: (n_layers, [(shape, aspect-ratio error), ...]).

    Depth L runs from 1 to 512 (from ``layers.from_layers`` on, multiples of ``layers.multiple``); for each,
    d_model = aspect x L snapped to the allowed multiple, and its two neighbours.
    """
    for n_layers in range(1, 513):
        if n_layers >= rules.layers_from and n_layers % rules.layers_multiple:
            continue
        ideal = rules.aspect_ratio * n_layers
        step = _d_model_step(ideal, rules)
        centre = max(rules.min_d_model, int(round(ideal / step)) * step)
        widths = [d for d in (centre - step, centre, centre + step) if d >= rules.min_d_model]
        yield n_layers, [(make_shape(n_layers, d, rules, vocab_size=vocab_size, seq_len=seq_len),
                          abs(math.log(d / ideal))) for d in widths]


def shape_for_metric(target: float, metric: Callable[[ModelShape], float], *, rules: ShapeRules | None = None,
                     vocab_size: int | None = None, seq_len: int | None = None, what: str = "N") -> ModelShape:
    """The shape nearest the aspect-ratio rule whose ``metric`` is closest to ``target``.

    Among :func:`candidate_shapes`, the one with the smallest |log(metric / target)| wins (rounded to 1e-3),
    ties going to the one nearest the aspect ratio. The returned shape's own counts are exact; callers report
    them rather than ``target``.
    """
    rules = rules or load_shape_rules()
    if not (math.isfinite(target) and target > 0):
        raise InputError(f"{what}: must be a positive finite number, got {target}")
    best: tuple[float, float, ModelShape] | None = None
    for _, shapes in candidate_shapes(rules, vocab_size=vocab_size, seq_len=seq_len):
        for shape, aspect_error in shapes:
            key = (round(abs(math.log(metric(shape) / target)), 3), aspect_error)
            if best is None or key < best[:2]:
                best = (key[0], key[1], shape)
        if metric(shapes[0][0]) > 3 * target:  # the narrowest shape of this depth is already far too big
            break
    assert best is not None
    return best[2]


def shape_for_params(n_params: float, kind: str = "total", **kwargs) -> ModelShape:
    """Shape whose total (or non-embedding) parameter count is closest to ``n_params``."""
    if kind == "total":
        return shape_for_metric(n_params, lambda s: s.total_params, **kwargs)
    if kind == "non_embedding":
        return shape_for_metric(n_params, lambda s: s.non_embedding_params, **kwargs)
    raise InputError(f"parameter kind must be 'total' or 'non_embedding', got {kind!r}")


def explicit_shape(n_layers: int, d_model: int, n_heads: int, *, n_kv_heads: int | None = None,
                   head_dim: int | None = None, ffn_hidden: int | None = None, ffn_kind: str | None = None,
                   vocab_size: int | None = None, seq_len: int | None = None,
                   tied_embeddings: bool | None = None) -> ModelShape:
    """A shape given by its architecture (a published model, ``--layers/--d-model``), not found from N.

    Unset fields follow configs/model/shape.yaml: head_dim = d_model / n_heads, MHA unless ``n_kv_heads``,
    FFN width from the rule's ratio (SwiGLU) or 4 x d_model (GELU), the rule's vocabulary and context.
    """
    rules = load_shape_rules()
    for name, value in (("n_layers", n_layers), ("d_model", d_model), ("n_heads", n_heads)):
        if not isinstance(value, int) or value <= 0:
            raise InputError(f"model shape: {name} must be a positive integer, got {value!r}")
    kind = ffn_kind or rules.ffn_kind
    if kind not in ("swiglu", "gelu"):
        raise InputError(f"model shape: ffn_kind must be swiglu or gelu, got {kind!r}")
    if head_dim is None:
        if d_model % n_heads:
            raise InputError(f"model shape: d_model ({d_model}) is not a multiple of n_heads ({n_heads})")
        head_dim = d_model // n_heads
    if ffn_hidden is None:
        ratio = rules.ffn_ratio if kind == "swiglu" else 4.0
        ffn_hidden = int(math.ceil(ratio * d_model / rules.ffn_multiple) * rules.ffn_multiple)
    return ModelShape(
        n_layers=n_layers, d_model=d_model, n_heads=n_heads, n_kv_heads=n_kv_heads or n_heads, head_dim=head_dim,
        ffn_hidden=ffn_hidden, vocab_size=vocab_size or rules.vocab_size, seq_len=seq_len or rules.seq_len,
        ffn_kind=kind, tied_embeddings=rules.tied_embeddings if tied_embeddings is None else tied_embeddings,
    )
