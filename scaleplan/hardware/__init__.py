"""Accelerator / node profiles from ``configs/hardware/*.yaml``, validated (dense peaks only)."""

from .profile import DTYPES, PRICE_TIERS, HardwareProfile, Price, parse_profile
from .registry import DEFAULT_PROFILE, list_profiles, load_profile

__all__ = ["DTYPES", "PRICE_TIERS", "DEFAULT_PROFILE", "HardwareProfile", "Price", "parse_profile",
           "list_profiles", "load_profile"]
