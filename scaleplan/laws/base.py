"""What every law object shares: built from a :class:`LawSpec`, its required constants checked once."""

from __future__ import annotations

from typing import Any, Mapping

from ..errors import ConfigError
from .spec import LawSpec


class Law:
    """Base of every law kind: ``spec``, ``c`` (constants by symbol), ``name``, ``params_kind``.

    Subclasses list the constants they need in ``required``; a missing one is a ConfigError naming the file
    and the key.
    """

    required: tuple[str, ...] = ()

    def __init__(self, spec: LawSpec) -> None:
        missing = [k for k in self.required if k not in spec.constants]
        if missing:
            raise ConfigError(f"{spec.source}: constants.{missing[0]}: required key is missing for kind '{spec.kind}'")
        self.spec = spec
        self.c = dict(spec.constants)

    @property
    def name(self) -> str:
        return self.spec.name

    @property
    def params_kind(self) -> str:
        return self.spec.units.get("N", "total")


def build_kind(spec: LawSpec, kinds: Mapping[str, Any], category: str) -> Any:
    """The law object for ``spec.kind`` from a kind table; a value "module:Class" is imported on first use
    (kinds defined outside laws/, e.g. fitted Kaplan-form laws). An unknown kind names the file and the key."""
    try:
        cls = kinds[spec.kind]
    except KeyError:
        raise ConfigError(f"{spec.source}: kind: unknown {category} law kind {spec.kind!r} "
                          f"(known: {', '.join(sorted(kinds))})") from None
    if isinstance(cls, str):
        module_name, class_name = cls.split(":")
        cls = getattr(__import__(module_name, fromlist=[class_name]), class_name)
    return cls(spec)
