"""The spec file: the inputs of one plan and the limits it must stay within.

A spec is a small YAML document (see ``docs/spec.md``)::

    spec_version: 1
    name: 7b-h100
    compute:  {flops: 8.4e22}                  # or usd / gpu_hours / days, or model.params + model.tokens
    law:      {allocation: epoch-2024}
    hardware: {profile: h100-sxm, gpus: 1024, price: on-demand, precision: bf16}
    budget:   {max_usd: $2e6, max_days: 45d, max_loss: 2.1}

Every key is declared once in :data:`SPEC_KEYS` (its type, the planner keyword it maps to, its help text);
validation, the planner mapping (:mod:`.build`) and the reference in ``docs/spec.md`` all read that table.
Errors name the file and the key path and suggest the closest known key.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..config import Fields, load_yaml
from ..errors import ConfigError, InputError
from ..units import parse_duration_hours, parse_money, parse_quantity
from .limits import LIMITS, parse_limits

SPEC_VERSION = 1
PRICE_TIERS = ("on-demand", "reserved", "spot")


@dataclass(frozen=True)
class Key:
    """One input key of a spec: where it lives, how it is read, which planner keyword it feeds."""

    path: str  # dotted path in the spec, e.g. "compute.flops"
    kind: str  # quantity | money | days | count | fraction | text | price | bool | file | profile
    kwarg: str | None  # planner keyword (None: used to choose the planner function)
    help: str
    example: Any = None


SPEC_KEYS: tuple[Key, ...] = (
    Key("compute.flops", "quantity", "flops", "Training compute budget in FLOP (model FLOPs, 6ND).", "1e23"),
    Key("compute.usd", "money", "budget_usd", "Budget in dollars at the chosen price tier.", "$2e6"),
    Key("compute.gpu_hours", "quantity", "gpu_hours", "Budget in accelerator-hours.", "6e5"),
    Key("compute.days", "days", "days", "Wall-clock time available (with hardware.gpus: a GPUs x days budget).", "30d"),
    Key("model.params", "quantity", "params", "Fix the model size N (with model.tokens: plan a fixed N and D).", "7B"),
    Key("model.tokens", "quantity", "tokens", "Fix the training tokens D (with model.params).", "2T"),
    Key("model.seq_len", "count", "seq_len", "Training sequence length in tokens.", 4096),
    Key("model.moe.experts", "count", "moe_experts", "Mixture-of-experts: total experts per MoE layer.", 64),
    Key("model.moe.active", "count", "moe_active", "Mixture-of-experts: experts active per token.", 8),
    Key("law.allocation", "text", "law", "Allocation law name (see 'scaleplan laws list').", "epoch-2024"),
    Key("law.file", "file", "law_file", "A law YAML file instead of a shipped law (relative to the spec).", "laws/mine.yaml"),
    Key("law.hyperparameters", "text", "hparam_law", "Hyperparameter law name.", "deepseek-2024"),
    Key("law.compare", "bool", "compare", "Also answer with every shipped law and report the spread.", False),
    Key("hardware.profile", "profile", "hardware", "Hardware profile: a shipped name, or a YAML path (relative to the spec).",
        "h100-sxm"),
    Key("hardware.gpus", "count", "gpus", "Number of accelerators.", 1024),
    Key("hardware.price", "price", "price", "Price tier: on-demand, reserved or spot.", "on-demand"),
    Key("hardware.precision", "text", "precision", "Training precision, e.g. bf16, fp8.", "bf16"),
    Key("hardware.goodput", "fraction", "goodput", "Fraction of wall-clock time spent on useful steps (0-1].", 0.9),
    Key("data.unique_tokens", "quantity", "unique_tokens", "Unique tokens available (data-constrained planning).", "1T"),
    Key("data.inference_tokens", "quantity", "inference_tokens", "Lifetime inference tokens (inference-aware planning).", "1e13"),
)
KEYS_BY_PATH = {k.path: k for k in SPEC_KEYS}
META_KEYS = ("spec_version", "name", "description")
SECTIONS = ("compute", "model", "law", "hardware", "data")
TOP_KEYS = META_KEYS + SECTIONS + ("budget",)


@dataclass(frozen=True)
class Spec:
    """A validated spec. ``inputs`` holds only the keys the user set, normalised (numbers are floats)."""

    source: str
    base_dir: Path
    name: str | None
    description: str | None
    inputs: Mapping[str, Any]  # nested: {"compute": {"flops": 1e23}, ...}
    budget: Mapping[str, float] = field(default_factory=dict)

    def value(self, path: str, default: Any = None) -> Any:
        node: Any = self.inputs
        for part in path.split("."):
            if not isinstance(node, Mapping) or part not in node:
                return default
            node = node[part]
        return node

    def has(self, path: str) -> bool:
        return self.value(path) is not None

    def set_paths(self) -> list[str]:
        return [k.path for k in SPEC_KEYS if self.has(k.path)]

    def to_dict(self) -> dict:
        """The spec as recorded in a plan file (``spec:``): deterministic, numbers as floats."""
        return {"source": self.source, "name": self.name, "description": self.description,
                "inputs": _plain(self.inputs), "budget": dict(self.budget)}


def _plain(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _plain(v) for k, v in value.items()}
    return value


def _tree() -> dict:
    tree: dict = {}
    for key in SPEC_KEYS:
        node = tree
        parts = key.path.split(".")
        for part in parts[:-1]:
            node = node.setdefault(part, {})
        node[parts[-1]] = key
    return tree


def _scalar(raw: Any, where: str, expected: str) -> None:
    if isinstance(raw, (Mapping, list, tuple)):
        raise ConfigError(f"{where}: expected {expected}, got a {'mapping' if isinstance(raw, Mapping) else 'list'}")


def read_value(key: Key, raw: Any, where: str) -> Any:
    """Parse one spec value; ``where`` is "file: key.path" for the error message."""
    kind = key.kind
    try:
        if kind in ("quantity", "count"):
            _scalar(raw, where, "a number")
            value = parse_quantity(raw, where)
            if value <= 0:
                raise ConfigError(f"{where}: must be positive, got {raw}")
            if kind == "count":
                if value != math.floor(value):
                    raise ConfigError(f"{where}: must be a whole number, got {raw}")
                return int(value)
            return value
        if kind == "money":
            _scalar(raw, where, "an amount in dollars")
            value = parse_money(raw, where)
            if value <= 0:
                raise ConfigError(f"{where}: must be positive, got {raw}")
            return value
        if kind == "days":
            _scalar(raw, where, "a duration")
            value = parse_duration_hours(raw, where) / 24.0
            if value <= 0:
                raise ConfigError(f"{where}: must be positive, got {raw}")
            return value
        if kind == "fraction":
            if isinstance(raw, bool) or not isinstance(raw, (int, float)):
                raise ConfigError(f"{where}: expected a number in (0, 1], got {raw!r}")
            value = float(raw)
            if not (0 < value <= 1):
                raise ConfigError(f"{where}: must be in (0, 1], got {raw}")
            return value
        if kind == "bool":
            if not isinstance(raw, bool):
                raise ConfigError(f"{where}: expected true or false, got {raw!r}")
            return raw
        if kind == "price":
            if not isinstance(raw, str):
                raise ConfigError(f"{where}: expected one of {', '.join(PRICE_TIERS)}, got {raw!r}")
            tier = raw.strip().lower().replace("_", "-")
            if tier not in PRICE_TIERS:
                raise ConfigError(f"{where}: unknown price tier '{raw}' (choose from {', '.join(PRICE_TIERS)})")
            return tier
        # text, file, profile
        if not isinstance(raw, str) or not raw.strip():
            raise ConfigError(f"{where}: expected text, got {raw!r}")
        return raw.strip()
    except InputError as exc:  # units' messages already start with `where`
        raise ConfigError(str(exc)) from None


def _walk(fields: Fields, tree: Mapping[str, Any]) -> dict:
    fields.check_keys(tree)
    out: dict = {}
    for name, node in tree.items():
        if not fields.has(name):
            continue
        if isinstance(node, Key):
            out[name] = read_value(node, fields.data[name], f"{fields.source}: {node.path}")
        else:
            child = _walk(fields.sub(name), node)
            if child:
                out[name] = child
    return out


def parse_spec(data: Any, source: str, base_dir: Path | None = None) -> Spec:
    """Validate a loaded spec document; every error names ``source`` and the key path."""
    if data is None:
        raise ConfigError(f"{source}: empty spec (expected keys such as compute:, law:, budget:)")
    top = Fields(data, source)
    top.check_keys(TOP_KEYS)
    if top.has("spec_version"):
        version = top.raw("spec_version")
        if isinstance(version, bool) or not isinstance(version, int) or version < 1:
            raise top.error("spec_version", f"expected a positive whole number, got {version!r}")
        if version > SPEC_VERSION:
            raise top.error("spec_version", f"{version} is newer than this scaleplan reads ({SPEC_VERSION}); "
                                            "upgrade scaleplan")
    name = top.text("name", None)
    description = top.text("description", None)
    tree = _tree()
    inputs = _walk(Fields({k: v for k, v in top.data.items() if k in SECTIONS}, source), tree)
    budget = parse_limits(top.sub("budget", {})) if top.has("budget") else {}
    spec = Spec(source, base_dir or Path("."), name, description, inputs, budget)
    _check_consistency(spec)
    return spec


def _check_consistency(spec: Spec) -> None:
    src = spec.source
    fixed = [p for p in ("model.params", "model.tokens") if spec.has(p)]
    if len(fixed) == 1:
        other = "model.tokens" if fixed[0] == "model.params" else "model.params"
        raise ConfigError(f"{src}: {fixed[0]}: give {other} too (a fixed plan needs both N and D)")
    budgets = [p for p in ("compute.flops", "compute.usd", "compute.gpu_hours") if spec.has(p)]
    if fixed and budgets:
        raise ConfigError(f"{src}: {budgets[0]}: a spec fixes model.params and model.tokens, so it cannot also "
                          "set a compute budget (the compute is 6ND)")
    if len(budgets) > 1:
        raise ConfigError(f"{src}: {budgets[1]}: give one budget, not {' and '.join(budgets)}")
    if not fixed and not budgets and not spec.has("compute.days"):
        raise ConfigError(f"{src}: compute: no budget (set compute.flops, compute.usd, compute.gpu_hours or "
                          "compute.days, or model.params and model.tokens)")
    if spec.has("law.allocation") and spec.has("law.file"):
        raise ConfigError(f"{src}: law.file: give either law.allocation or law.file, not both")
    experts, active = spec.value("model.moe.experts"), spec.value("model.moe.active")
    if (experts is None) != (active is None):
        raise ConfigError(f"{src}: model.moe: give both experts and active")
    if experts is not None and active > experts:
        raise ConfigError(f"{src}: model.moe.active: {active} active experts is more than the {experts} experts")


def load_spec(path: str | Path) -> Spec:
    path = Path(path)
    return parse_spec(load_yaml(path), str(path), path.parent)


__all__ = ["Key", "LIMITS", "PRICE_TIERS", "SPEC_KEYS", "SPEC_VERSION", "Spec", "load_spec", "parse_spec"]
