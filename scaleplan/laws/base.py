"""What every law object shares: built from a :class:`LawSpec`, its required constants checked once."""

from __future__ import annotations

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
