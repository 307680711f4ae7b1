"""Budget limits: the ``budget:`` section of a spec and the ``--max-*``/``--min-*`` flags of ``check``.

Each limit reads one value from the plan document (``Plan.to_dict()``) by a documented dotted path.
``{tier}`` in a path is the price tier with underscores (``on_demand``, ``reserved``, ``spot``).
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

from ..config import Fields
from ..errors import ConfigError, InputError
from ..units import parse_duration_hours, parse_money, parse_quantity


@dataclass(frozen=True)
class Limit:
    name: str  # key in budget: and the flag (--max-usd)
    kind: str  # "max": pass if value <= threshold; "min": pass if value >= threshold
    path: str  # where the value lives in the plan document
    unit: str  # USD, GPU-h, days, kWh, loss, tokens/param, fraction, params, tokens
    parse: str  # money | quantity | days | number | fraction
    help: str
    hint: str  # how to get the value when the plan lacks it

    @property
    def flag(self) -> str:
        return "--" + self.name.replace("_", "-")


_COST_HINT = "add hardware.profile and hardware.gpus to the spec so the planner can cost the plan"
LIMITS: tuple[Limit, ...] = (
    Limit("max_usd", "max", "cost.usd.{tier}", "USD", "money", "Most dollars at the plan's price tier.", _COST_HINT),
    Limit("max_gpu_hours", "max", "cost.gpu_hours", "GPU-h", "quantity", "Most accelerator-hours.", _COST_HINT),
    Limit("max_days", "max", "cost.days", "days", "days", "Longest wall-clock training time (45, 45d, 1080h).",
          _COST_HINT),
    Limit("max_energy_kwh", "max", "cost.energy_kwh", "kWh", "quantity", "Most energy.", _COST_HINT),
    Limit("max_memory_fraction", "max", "cost.memory_fraction", "fraction", "fraction",
          "Largest fraction of accelerator memory used (0-1].", _COST_HINT),
    Limit("max_loss", "max", "allocation.loss", "loss", "number", "Highest predicted loss (in the law's own units).",
          "choose a law that predicts loss, e.g. law.allocation: epoch-2024"),
    Limit("min_tokens_per_param", "min", "allocation.tokens_per_param", "tokens/param", "number",
          "Fewest training tokens per parameter (D/N).", "the plan has no allocation"),
    Limit("max_tokens_per_param", "max", "allocation.tokens_per_param", "tokens/param", "number",
          "Most training tokens per parameter (D/N).", "the plan has no allocation"),
    Limit("max_params", "max", "allocation.params", "params", "quantity", "Largest model size N.",
          "the plan has no allocation"),
    Limit("min_tokens", "min", "allocation.tokens", "tokens", "quantity", "Fewest training tokens D.",
          "the plan has no allocation"),
)
LIMITS_BY_NAME = {limit.name: limit for limit in LIMITS}


def parse_limit(limit: Limit, raw: Any, where: str) -> float:
    """One threshold; must be finite and positive. ``where`` names the file/key or the flag."""
    if isinstance(raw, bool) or isinstance(raw, (Mapping, list, tuple)) or raw is None:
        raise InputError(f"{where}: expected a number, got {raw!r}")
    if limit.parse == "money":
        value = parse_money(raw, where)
    elif limit.parse == "days":
        value = parse_duration_hours(raw, where) / 24.0
    elif limit.parse == "quantity":
        value = parse_quantity(raw, where)
    else:
        if isinstance(raw, str):
            try:
                raw = float(raw.strip())
            except ValueError:
                raise InputError(f"{where}: expected a number, got '{raw}'") from None
        if not isinstance(raw, (int, float)):
            raise InputError(f"{where}: expected a number, got {raw!r}")
        value = float(raw)
    if not math.isfinite(value):
        raise InputError(f"{where}: must be finite, got {raw}")
    if value <= 0:
        raise InputError(f"{where}: a limit must be positive, got {raw}")
    if limit.parse == "fraction" and value > 1:
        raise InputError(f"{where}: a fraction must be at most 1, got {raw}")
    return value


def parse_limits(fields: Fields) -> dict[str, float]:
    """The ``budget:`` section (of a spec, or of ``spec:`` in a plan file) as {limit name: threshold}."""
    fields.check_keys(LIMITS_BY_NAME)
    out: dict[str, float] = {}
    for limit in LIMITS:
        if fields.has(limit.name):
            where = f"{fields.source}: {fields._key(limit.name)}"
            try:
                out[limit.name] = parse_limit(limit, fields.data[limit.name], where)
            except InputError as exc:
                raise ConfigError(str(exc)) from None
    return out
