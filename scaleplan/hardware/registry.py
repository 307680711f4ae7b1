"""Find hardware profiles: the shipped ones in ``configs/hardware/*.yaml`` by name or alias, or a user's file."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from ..config import closest, configs_dir, load_yaml
from ..errors import InputError
from .profile import HardwareProfile, parse_profile

DEFAULT_PROFILE = "h100-sxm"


def hardware_dir() -> Path:
    return configs_dir() / "hardware"


@lru_cache(maxsize=None)
def _load_file(path: str) -> HardwareProfile:
    return parse_profile(load_yaml(path), path)


@lru_cache(maxsize=1)
def _shipped() -> tuple[HardwareProfile, ...]:
    return tuple(_load_file(str(p)) for p in sorted(hardware_dir().glob("*.yaml")))


def list_profiles() -> list[HardwareProfile]:
    """Every shipped profile, sorted by name."""
    return sorted(_shipped(), key=lambda p: p.name)


def _looks_like_path(text: str) -> bool:
    return text.endswith((".yaml", ".yml")) or "/" in text or "\\" in text


def load_profile(name_or_path: str | Path | HardwareProfile | None = None) -> HardwareProfile:
    """A shipped profile by name or alias (case-insensitive), or a profile YAML file by path.

    ``None`` gives the default profile (H100 SXM).
    """
    if isinstance(name_or_path, HardwareProfile):
        return name_or_path
    if name_or_path is None:
        name_or_path = DEFAULT_PROFILE
    text = str(name_or_path).strip()
    if isinstance(name_or_path, Path) or _looks_like_path(text):
        return _load_file(str(Path(text).expanduser()))
    key = text.lower()
    names: dict[str, HardwareProfile] = {}
    for profile in _shipped():
        for alias in (profile.name, *profile.aliases):
            names[alias.lower()] = profile
    if key in names:
        return names[key]
    hint = closest(key, names)
    suggestion = f" (did you mean '{names[hint].name}'?)" if hint else ""
    raise InputError(f"unknown hardware '{text}'{suggestion}; see 'scaleplan hardware list' or pass a profile YAML file")
