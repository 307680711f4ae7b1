"""The central value object: an immutable :class:`Plan`, and the :class:`Section` protocol.

Everything the CLI prints is a view of a Plan. Later stages of the chain (model shape, hyperparameters,
cost, precision, ...) attach themselves as *sections*: each knows its JSON form and its table rows, so
the renderers never need to learn a new field. The JSON form is versioned (``schema_version``).
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field
from typing import Any, Mapping, Protocol, runtime_checkable

from .laws.allocation import Allocation

SCHEMA_VERSION = 1


@runtime_checkable
class Section(Protocol):
    """One block of a plan: ``key`` in the JSON document, ``title`` in the table."""

    key: str
    title: str

    def to_dict(self) -> dict: ...

    def rows(self) -> list[tuple[str, str, str]]:
        """(quantity, value with unit, note/source) for the human table."""
        ...


@dataclass(frozen=True)
class LawSummary:
    name: str
    title: str
    citation: str
    verification: str
    params_kind: str
    compute_convention: str
    has_loss: bool

    @classmethod
    def of(cls, law: Any) -> "LawSummary":
        spec = law.spec
        return cls(spec.name, spec.title, spec.citation, spec.verification.label(), law.params_kind,
                   getattr(law, "compute_convention", spec.units.get("C", "6ND")), getattr(law, "has_loss", True))

    def to_dict(self) -> dict:
        return dataclasses.asdict(self)


@dataclass(frozen=True)
class Comparison:
    """Every law's answer for the same budget, and how far apart they are."""

    rows: tuple[Allocation, ...]
    params_spread: float
    tokens_spread: float
    loss_range: tuple[float, float] | None

    @classmethod
    def of(cls, rows: list[Allocation]) -> "Comparison":
        params = [r.params for r in rows]
        tokens = [r.tokens for r in rows]
        losses = [r.loss for r in rows if r.loss is not None]
        return cls(tuple(rows), max(params) / min(params), max(tokens) / min(tokens),
                   (min(losses), max(losses)) if losses else None)

    def to_dict(self) -> dict:
        return {
            "laws": [r.to_dict() for r in self.rows],
            "spread": {
                "params_max_over_min": self.params_spread,
                "tokens_max_over_min": self.tokens_spread,
                "loss_min_max": list(self.loss_range) if self.loss_range else None,
                "note": "N is in each law's own unit (see params_kind); losses are on each law's own data and "
                        "tokenizer and are not comparable across laws",
            },
        }


@dataclass(frozen=True)
class Plan:
    inputs: Mapping[str, Any]
    law: LawSummary
    allocation: Allocation
    warnings: tuple[str, ...] = ()
    comparison: Comparison | None = None
    sections: tuple[Section, ...] = field(default=())

    def with_section(self, section: Section) -> "Plan":
        kept = tuple(s for s in self.sections if s.key != section.key)
        return dataclasses.replace(self, sections=kept + (section,))

    def with_warnings(self, *warnings: str) -> "Plan":
        new = tuple(w for w in warnings if w not in self.warnings)
        return dataclasses.replace(self, warnings=self.warnings + new)

    def section(self, key: str) -> Section | None:
        return next((s for s in self.sections if s.key == key), None)

    def to_dict(self) -> dict:
        from . import __version__

        data: dict[str, Any] = {
            "schema_version": SCHEMA_VERSION,
            "scaleplan_version": __version__,
            "inputs": dict(self.inputs),
            "law": self.law.to_dict(),
            "allocation": self.allocation.to_dict(),
        }
        for section in self.sections:
            data[section.key] = section.to_dict()
        if self.comparison is not None:
            data["comparison"] = self.comparison.to_dict()
        data["warnings"] = list(self.warnings)
        return data
