"""The law registry: every ``configs/laws/**/*.yaml`` file, indexed by name, plus user law files.

Categories map to builders (``allocation`` -> :func:`build_allocation_law`); later categories
(hyperparameter laws, …) register theirs in :data:`BUILDERS`.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Any, Callable

from ..config import closest, configs_dir
from ..errors import ConfigError, InputError
from .spec import LawSpec, load_law_file

DEFAULT_ALLOCATION_LAW = "epoch-2024"

# category -> "module:function" building the law object from a LawSpec (imported on first use).
BUILDERS: dict[str, str] = {
    "allocation": "scaleplan.laws.allocation:build_allocation_law",
    "hyperparameter": "scaleplan.laws.hparams_laws:build_hparam_law",
    "precision": "scaleplan.laws.precision:build_precision_law",
    "moe": "scaleplan.laws.moe:build_moe_law",
    "vocabulary": "scaleplan.laws.vocabulary:build_vocabulary_law",
}


def laws_dir() -> Path:
    return configs_dir() / "laws"


@lru_cache(maxsize=1)
def _index() -> dict[str, LawSpec]:
    index: dict[str, LawSpec] = {}
    for path in sorted(laws_dir().rglob("*.yaml")):
        spec = load_law_file(path)
        if spec.name in index:
            raise ConfigError(f"{path}: name: '{spec.name}' is already defined in {index[spec.name].source}")
        index[spec.name] = spec
    return index


def all_specs(category: str | None = None) -> list[LawSpec]:
    return [s for s in _index().values() if category is None or s.category == category]


def law_names(category: str | None = None) -> list[str]:
    return [s.name for s in all_specs(category)]


def get_spec(name: str, category: str | None = None) -> LawSpec:
    index = {s.name: s for s in all_specs(category)}
    if name in index:
        return index[name]
    hint = closest(name, index)
    suggestion = f"; did you mean '{hint}'?" if hint else ""
    kind = f"{category} law" if category else "law"
    raise InputError(f"unknown {kind} '{name}'{suggestion} (known: {', '.join(sorted(index))})")


def _builder(category: str, source: str) -> Callable[[LawSpec], Any]:
    target = BUILDERS.get(category)
    if target is None:
        raise ConfigError(f"{source}: category: unknown category {category!r} (known: {', '.join(sorted(BUILDERS))})")
    module_name, func_name = target.split(":")
    module = __import__(module_name, fromlist=[func_name])
    return getattr(module, func_name)


def build(spec: LawSpec) -> Any:
    return _builder(spec.category, spec.source)(spec)


def get_law(name: str | None = None, category: str = "allocation", law_file: str | Path | None = None) -> Any:
    """The law object for ``name`` (or the law in ``law_file``), checked to be of ``category``."""
    if law_file is not None:
        spec = load_law_file(law_file)
        if spec.category != category:
            raise InputError(f"{law_file}: holds a {spec.category} law, expected a {category} law")
        return build(spec)
    if name is None:
        if category != "allocation":
            raise InputError(f"no default {category} law")
        name = DEFAULT_ALLOCATION_LAW
    return build(get_spec(name, category))


def clear_cache() -> None:
    _index.cache_clear()
