"""Evaluate budget limits against a plan document. Pure: no I/O, no printing.

The result's JSON form (:meth:`CheckReport.to_dict`) is versioned by ``CHECK_SCHEMA_VERSION`` and
documented in ``docs/check-schema.json``; key order and content depend only on the inputs.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from .errors import InputError
from .spec.limits import LIMITS, LIMITS_BY_NAME, Limit

CHECK_SCHEMA_VERSION = 1
DEFAULT_TIER = "on-demand"


@dataclass(frozen=True)
class LimitResult:
    limit: Limit
    path: str  # the resolved path the value was read from
    threshold: float
    value: float
    origin: str  # "file" or "flag"

    @property
    def margin(self) -> float:
        """Headroom in the limit's unit; negative when violated."""
        return self.threshold - self.value if self.limit.kind == "max" else self.value - self.threshold

    @property
    def margin_fraction(self) -> float:
        return self.margin / self.threshold

    @property
    def passed(self) -> bool:
        return self.margin >= 0

    def to_dict(self) -> dict:
        return {
            "limit": self.limit.name,
            "kind": self.limit.kind,
            "path": self.path,
            "unit": self.limit.unit,
            "threshold": self.threshold,
            "value": self.value,
            "margin": self.margin,
            "margin_fraction": self.margin_fraction,
            "origin": self.origin,
            "passed": self.passed,
        }


@dataclass(frozen=True)
class CheckReport:
    source: str
    source_kind: str  # "spec" or "plan"
    name: str | None
    tier: str
    plan: Mapping[str, Any]
    results: tuple[LimitResult, ...]

    @property
    def passed(self) -> bool:
        return all(r.passed for r in self.results)

    @property
    def failed(self) -> tuple[LimitResult, ...]:
        return tuple(r for r in self.results if not r.passed)

    def to_dict(self) -> dict:
        allocation = self.plan.get("allocation", {})
        law = self.plan.get("law", {})
        return {
            "check_schema_version": CHECK_SCHEMA_VERSION,
            "scaleplan_version": _version(),
            "source": {"path": self.source, "kind": self.source_kind, "name": self.name},
            "plan": {
                "schema_version": self.plan.get("schema_version"),
                "law": law.get("name") if isinstance(law, Mapping) else None,
                "params": allocation.get("params"),
                "tokens": allocation.get("tokens"),
                "compute_flops": allocation.get("compute_flops"),
                "loss": allocation.get("loss"),
                "price_tier": self.tier,
            },
            "passed": self.passed,
            "summary": {"total": len(self.results), "passed": len(self.results) - len(self.failed),
                        "failed": len(self.failed)},
            "results": [r.to_dict() for r in self.results],
        }


def _version() -> str:
    from . import __version__

    return __version__


def tier_key(tier: str) -> str:
    return tier.replace("-", "_")


def lookup(document: Mapping[str, Any], path: str) -> Any:
    node: Any = document
    for part in path.split("."):
        if not isinstance(node, Mapping) or part not in node:
            return None
        node = node[part]
    return node


def read_value(document: Mapping[str, Any], limit: Limit, tier: str, source: str) -> tuple[str, float]:
    """The plan's value for ``limit`` and the path it came from; an :class:`InputError` if absent."""
    path = limit.path.replace("{tier}", tier_key(tier))
    value = lookup(document, path)
    if value is None and "{tier}" in limit.path:  # a plan with a single dollar figure
        flat = limit.path.split(".{tier}")[0]
        if isinstance(lookup(document, flat), (int, float)):
            path, value = flat, lookup(document, flat)
    if value is None:
        raise InputError(f"{source}: {limit.name} needs {path}, which this plan does not have: {limit.hint}")
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(float(value)):
        raise InputError(f"{source}: {path}: expected a finite number in the plan, got {value!r}")
    return path, float(value)


def evaluate(document: Mapping[str, Any], file_limits: Mapping[str, float], flag_limits: Mapping[str, float], *,
             source: str, source_kind: str = "plan", name: str | None = None,
             tier: str | None = None) -> CheckReport:
    """Apply limits (flags win over the file's) to a plan document, in the fixed order of :data:`LIMITS`."""
    for name_ in list(file_limits) + list(flag_limits):
        if name_ not in LIMITS_BY_NAME:
            raise InputError(f"unknown limit '{name_}'")
    if not file_limits and not flag_limits:
        flags = ", ".join(limit.flag for limit in LIMITS[:3])
        raise InputError(f"{source}: no limits to check (add a budget: section to the spec or pass {flags}, ...)")
    chosen_tier = tier or _plan_tier(document) or DEFAULT_TIER
    results = []
    for limit in LIMITS:
        if limit.name in flag_limits:
            threshold, origin = flag_limits[limit.name], "flag"
        elif limit.name in file_limits:
            threshold, origin = file_limits[limit.name], "file"
        else:
            continue
        path, value = read_value(document, limit, chosen_tier, source)
        results.append(LimitResult(limit, path, float(threshold), value, origin))
    return CheckReport(source, source_kind, name, chosen_tier, document, tuple(results))


def _plan_tier(document: Mapping[str, Any]) -> str | None:
    for path in ("spec.inputs.hardware.price", "inputs.price"):
        value = lookup(document, path)
        if isinstance(value, str) and value:
            return value.replace("_", "-")
    return None
