"""Scaling laws as data (configs/laws/) plus the small pure functions that evaluate them."""

from .registry import DEFAULT_ALLOCATION_LAW, all_specs, get_law, get_spec, law_names

__all__ = ["DEFAULT_ALLOCATION_LAW", "all_specs", "get_law", "get_spec", "law_names"]
