"""A law as data: the metadata every law file carries, read and validated from YAML.

The maths lives in the kind modules (``allocation.py`` …); this module only knows the schema.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Mapping

from ..config import Fields, load_yaml

SCHEMA_VERSION = 1
VERIFICATION_STATUSES = ("verified: paper", "verified: recomputed", "secondary", "unverified", "fitted")
TOP_LEVEL_KEYS = (
    "schema_version", "name", "category", "kind", "title", "authors", "year", "citation", "url", "form",
    "units", "constants", "constants_source", "fitted_range", "verification", "checks", "notes", "fit",
)


@dataclass(frozen=True)
class Verification:
    status: str
    note: str = ""
    unverified: tuple[str, ...] = ()  # names of constants (or units) not checked against the source

    def label(self) -> str:
        extra = f"; unverified: {', '.join(self.unverified)}" if self.unverified else ""
        return f"{self.status}{extra}"


@dataclass(frozen=True)
class LawSpec:
    """Everything a law file says, validated; ``constants`` are plain floats keyed by symbol."""

    name: str
    category: str
    kind: str
    title: str
    citation: str
    form: str
    units: Mapping[str, str]
    constants: Mapping[str, float]
    fitted_range: Mapping[str, tuple[float, float]]
    verification: Verification
    source: str  # file it came from
    authors: str = ""
    year: int | None = None
    url: str = ""
    constants_source: str = ""
    checks: tuple[Mapping[str, Any], ...] = ()
    notes: tuple[str, ...] = ()
    extra: Mapping[str, Any] = field(default_factory=dict)

    def constant(self, key: str) -> float:
        return self.constants[key]

    def to_dict(self) -> dict:
        return {
            "name": self.name,
            "category": self.category,
            "kind": self.kind,
            "title": self.title,
            "authors": self.authors,
            "year": self.year,
            "citation": self.citation,
            "url": self.url,
            "form": self.form,
            "units": dict(self.units),
            "constants": dict(self.constants),
            "constants_source": self.constants_source,
            "fitted_range": {k: list(v) for k, v in self.fitted_range.items()},
            "verification": {
                "status": self.verification.status,
                "note": self.verification.note,
                "unverified": list(self.verification.unverified),
            },
            "notes": list(self.notes),
        }


def parse_law(data: Any, source: str) -> LawSpec:
    root = Fields(data, source)
    root.check_keys(TOP_LEVEL_KEYS)
    version = root.number("schema_version", SCHEMA_VERSION)
    if version > SCHEMA_VERSION:
        raise root.error("schema_version", f"{version:g} is newer than this scaleplan understands ({SCHEMA_VERSION})")
    units = root.sub("units")
    constants = root.sub("constants")
    constant_values = {str(k): constants.number(str(k)) for k in constants.data}
    if not constant_values:
        raise root.error("constants", "at least one constant is required")
    ranges: dict[str, tuple[float, float]] = {}
    if root.has("fitted_range"):
        fr = root.sub("fitted_range")
        for key, value in fr.data.items():
            if (not isinstance(value, (list, tuple)) or len(value) != 2
                    or any(isinstance(v, bool) or not isinstance(v, (int, float)) for v in value)):
                raise fr.error(str(key), f"expected [low, high] numbers, got {value!r}")
            low, high = float(value[0]), float(value[1])
            if not 0 < low <= high:
                raise fr.error(str(key), f"expected 0 < low <= high, got [{low:g}, {high:g}]")
            ranges[str(key)] = (low, high)
    ver = root.sub("verification")
    status = ver.text("status")
    if status not in VERIFICATION_STATUSES:
        raise ver.error("status", f"must be one of {', '.join(VERIFICATION_STATUSES)}; got {status!r}")
    unverified = ver.raw("unverified", [])
    if not isinstance(unverified, list):
        raise ver.error("unverified", "expected a list of names")
    checks = root.raw("checks", [])
    if not isinstance(checks, list) or not all(isinstance(c, Mapping) for c in checks):
        raise root.error("checks", "expected a list of mappings")
    notes = root.raw("notes", [])
    if isinstance(notes, str):
        notes = [notes]
    year = root.raw("year", None)
    return LawSpec(
        name=root.text("name"),
        category=root.text("category"),
        kind=root.text("kind"),
        title=root.text("title"),
        citation=root.text("citation"),
        form=root.text("form"),
        units={str(k): str(v) for k, v in units.data.items()},
        constants=constant_values,
        fitted_range=ranges,
        verification=Verification(status, str(ver.raw("note", "")), tuple(str(u) for u in unverified)),
        source=source,
        authors=str(root.raw("authors", "")),
        year=int(year) if isinstance(year, (int, float)) and not isinstance(year, bool) else None,
        url=str(root.raw("url", "")),
        constants_source=str(root.raw("constants_source", "")),
        checks=tuple(checks),
        notes=tuple(str(n) for n in notes),
        extra={k: v for k, v in root.data.items() if k == "fit"},
    )


def load_law_file(path: str | Path) -> LawSpec:
    return parse_law(load_yaml(path), str(path))
