"""Two plan documents -> the inputs that changed and the deltas in N, D, cost, days, loss. Pure."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Mapping

from ..checks import DEFAULT_TIER, _plan_tier, lookup, tier_key
from .limits import LIMITS_BY_NAME as _L

DIFF_SCHEMA_VERSION = 1

# (name, label, path in the plan document, unit); {tier} as in the limits, whose paths are reused so
# the plan paths live in one table (spec/limits.py).
QUANTITIES: tuple[tuple[str, str, str, str], ...] = (
    ("params", "parameters N", "allocation.params", "params"),
    ("tokens", "training tokens D", "allocation.tokens", "tokens"),
    ("tokens_per_param", "tokens per parameter", "allocation.tokens_per_param", "tokens/param"),
    ("compute_flops", "compute", "allocation.compute_flops", "FLOP"),
    ("loss", "predicted loss", "allocation.loss", "loss"),
    ("usd", "cost", _L["max_usd"].path, "USD"),
    ("gpu_hours", "GPU-hours", _L["max_gpu_hours"].path, "GPU-h"),
    ("days", "wall-clock days", _L["max_days"].path, "days"),
    ("energy_kwh", "energy", _L["max_energy_kwh"].path, "kWh"),
)


def flatten(data: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(data, Mapping):
        out: dict[str, Any] = {}
        for key, value in data.items():
            out.update(flatten(value, f"{prefix}.{key}" if prefix else str(key)))
        return out
    return {prefix: data}


def _inputs(document: Mapping[str, Any], use_spec: bool) -> dict[str, Any]:
    if use_spec:
        spec = document["spec"]
        return {**flatten(spec.get("inputs") or {}), **flatten(spec.get("budget") or {}, "budget")}
    return flatten(document.get("inputs") or {})


def _number(document: Mapping[str, Any], path: str, tier: str) -> float | None:
    value = lookup(document, path.replace("{tier}", tier_key(tier)))
    if value is None and "{tier}" in path:
        value = lookup(document, path.split(".{tier}")[0])
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return None
    return float(value)


@dataclass(frozen=True)
class PlanDiff:
    a: str
    b: str
    basis: str  # "spec" or "inputs": which inputs were compared
    tier: str
    changed: tuple[tuple[str, Any, Any], ...]
    deltas: tuple[dict, ...]

    def to_dict(self) -> dict:
        from .. import __version__

        return {
            "diff_schema_version": DIFF_SCHEMA_VERSION,
            "scaleplan_version": __version__,
            "a": self.a,
            "b": self.b,
            "inputs_basis": self.basis,
            "price_tier": self.tier,
            "changed_inputs": [{"key": k, "a": va, "b": vb} for k, va, vb in self.changed],
            "deltas": list(self.deltas),
        }


def diff_documents(a: Mapping[str, Any], b: Mapping[str, Any], *, a_name: str, b_name: str,
                   tier: str | None = None) -> PlanDiff:
    use_spec = isinstance(a.get("spec"), Mapping) and isinstance(b.get("spec"), Mapping)
    ia, ib = _inputs(a, use_spec), _inputs(b, use_spec)
    keys = list(ia) + [k for k in ib if k not in ia]
    changed = tuple((k, ia.get(k), ib.get(k)) for k in keys if ia.get(k) != ib.get(k))
    chosen = tier or _plan_tier(b) or _plan_tier(a) or DEFAULT_TIER
    deltas = []
    for name, label, path, unit in QUANTITIES:
        va, vb = _number(a, path, chosen), _number(b, path, chosen)
        if va is None and vb is None:
            continue
        delta = vb - va if va is not None and vb is not None else None
        ratio = vb / va if delta is not None and va != 0 else None
        deltas.append({"quantity": name, "label": label, "unit": unit, "a": va, "b": vb, "delta": delta,
                       "ratio": ratio})
    return PlanDiff(a_name, b_name, "spec" if use_spec else "inputs", chosen, changed, tuple(deltas))
