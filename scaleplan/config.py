"""Safe YAML loading and the location of the shipped ``configs/`` folder.

PyYAML's safe loader reads ``1e23`` as a *string* (YAML 1.1 wants a dot in floats); :class:`_Loader`
adds a resolver so that every float spelling users write (``1e23``, ``3.8e25``, ``.5``) is a number.
Errors name the file and the key path.
"""

from __future__ import annotations

import difflib
import math
import re
from functools import lru_cache
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from .errors import ConfigError

try:  # the C loader is ~10x faster; it shares the Python resolver, so the float fix applies to both
    _Base = yaml.CSafeLoader
except AttributeError:  # pragma: no cover - PyYAML built without libyaml
    _Base = yaml.SafeLoader


class _Loader(_Base):  # type: ignore[misc, valid-type]
    pass


_FLOAT_RE = re.compile(
    r"""^(?:[-+]?(?:[0-9][0-9_]*)\.[0-9_]*(?:[eE][-+]?[0-9]+)?
    |[-+]?(?:[0-9][0-9_]*)(?:[eE][-+]?[0-9]+)
    |\.[0-9_]+(?:[eE][-+][0-9]+)?
    |[-+]?\.(?:inf|Inf|INF)
    |\.(?:nan|NaN|NAN))$""",
    re.X,
)
_Loader.add_implicit_resolver("tag:yaml.org,2002:float", _FLOAT_RE, list("-+0123456789."))


def _mapping_without_duplicates(loader: _Loader, node: yaml.MappingNode, deep: bool = False) -> dict:
    """YAML allows a repeated key (the last wins); in a plan or a law that is always a mistake."""
    seen: dict = {}
    for key_node, _ in node.value:
        key = loader.construct_object(key_node, deep=deep)
        try:
            hash(key)
        except TypeError:
            raise yaml.constructor.ConstructorError(None, None, "a mapping key must be a plain value",
                                                    key_node.start_mark) from None
        if key in seen:
            raise yaml.constructor.ConstructorError(
                None, None, f"duplicate key '{key}'", key_node.start_mark)
        seen[key] = True
    return yaml.constructor.SafeConstructor.construct_mapping(loader, node, deep=deep)


_Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, _mapping_without_duplicates)


def load_yaml_text(text: str, source: str = "<string>") -> Any:
    try:
        return yaml.load(text, Loader=_Loader)  # noqa: S506 - _Loader is a SafeLoader subclass
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" (line {mark.line + 1}, column {mark.column + 1})" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        raise ConfigError(f"{source}: malformed YAML{where}: {problem}") from None


def read_text_file(path: str | Path, expected: str = "a YAML file", encoding: str = "utf-8") -> str:
    """A text file's content; a missing file, a directory or undecodable bytes is a one-line ConfigError."""
    path = Path(path)
    try:
        return path.read_text(encoding=encoding)
    except FileNotFoundError:
        raise ConfigError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise ConfigError(f"{path}: is a directory, expected {expected}") from None
    except (OSError, UnicodeDecodeError) as exc:
        raise ConfigError(f"{path}: cannot read: {exc}") from None


def load_yaml(path: str | Path) -> Any:
    return load_yaml_text(read_text_file(path), str(path))


def dump_yaml(data: Any) -> str:
    return yaml.safe_dump(data, sort_keys=False, allow_unicode=True, width=100)


@lru_cache(maxsize=1)
def configs_dir() -> Path:
    """The ``configs/`` folder: the repository's in a source checkout, else the copy inside the wheel."""
    package = Path(__file__).resolve().parent
    for candidate in (package.parent / "configs", package / "_configs"):
        if (candidate / "laws").is_dir():
            return candidate
    raise ConfigError(f"{package}: the shipped configs/ folder is missing (reinstall scaleplan)")


def closest(name: str, choices: Iterable[str]) -> str | None:
    matches = difflib.get_close_matches(name, list(choices), n=1, cutoff=0.4)
    return matches[0] if matches else None


class Fields:
    """Typed access to one mapping of a YAML file; every error names the file and the key path.

    >>> Fields({"a": 1}, "x.yaml").number("a")
    1.0
    """

    def __init__(self, data: Any, source: str, path: str = "") -> None:
        if not isinstance(data, Mapping):
            where = f"{path}: " if path else ""
            raise ConfigError(f"{source}: {where}expected a mapping, got {type(data).__name__}")
        self.data = data
        self.source = source
        self.path = path

    def _key(self, key: str) -> str:
        return f"{self.path}.{key}" if self.path else key

    def error(self, key: str, message: str) -> ConfigError:
        return ConfigError(f"{self.source}: {self._key(key)}: {message}")

    def has(self, key: str) -> bool:
        return key in self.data and self.data[key] is not None

    def raw(self, key: str, default: Any = ...) -> Any:
        if key not in self.data or self.data[key] is None:
            if default is ...:
                raise self.error(key, "required key is missing")
            return default
        return self.data[key]

    def text(self, key: str, default: Any = ...) -> str:
        value = self.raw(key, default)
        if value is default and default is not ...:
            return value
        if not isinstance(value, str):
            raise self.error(key, f"expected text, got {value!r}")
        return value

    def number(self, key: str, default: Any = ..., *, positive: bool = False) -> float:
        value = self.raw(key, default)
        if value is default and default is not ...:
            return value
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise self.error(key, f"expected a number, got {value!r}")
        try:
            value = float(value)
        except OverflowError:
            raise self.error(key, "number too large") from None
        if not math.isfinite(value):
            raise self.error(key, f"must be finite, got {value}")
        if positive and value <= 0:
            raise self.error(key, f"must be positive, got {value}")
        return value

    def sub(self, key: str, default: Any = ...) -> "Fields":
        value = self.raw(key, {} if default is not ... else default)
        return Fields(value, self.source, self._key(key))

    def check_keys(self, allowed: Iterable[str]) -> None:
        allowed = list(allowed)
        for key in self.data:
            if key not in allowed:
                hint = closest(str(key), allowed)
                suggestion = f" (did you mean '{hint}'?)" if hint else ""
                raise self.error(str(key), f"unknown key{suggestion}")
