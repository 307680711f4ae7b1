"""Parse and format quantities: ``1e23``, ``7B``, ``70b``, ``2T``, ``1.5M``, ``500k``, ``$2e6``, ``30d``.

Pure functions; every parse error is an :class:`InputError` with a one-line message.
"""

from __future__ import annotations

import math
import re

from .errors import InputError

# Count suffixes (case-insensitive, so ``70b`` and ``70B`` agree; ``m`` is million, as in "125m").
# No "e" (exa): "1e" is a truncated exponent far more often than 1e18, so it is refused.
_COUNT_SUFFIX = {"": 1.0, "k": 1e3, "m": 1e6, "b": 1e9, "g": 1e9, "t": 1e12, "p": 1e15}
# Duration suffixes, to hours.
_DURATION_HOURS = {"s": 1 / 3600, "min": 1 / 60, "m": 1 / 60, "h": 1.0, "d": 24.0, "w": 168.0}
_NUMBER = r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?"
_QUANTITY_RE = re.compile(rf"^\s*({_NUMBER})\s*([a-zA-Z]*)\s*$")
_DURATION_RE = re.compile(rf"^\s*({_NUMBER})\s*([a-zA-Z]*)\s*$")

_SI_STEPS = ((1e15, "P"), (1e12, "T"), (1e9, "B"), (1e6, "M"), (1e3, "k"))


def _finite(value: float, text: str, what: str) -> float:
    if math.isnan(value):
        raise InputError(f"{what}: '{text}' is not a number")
    if math.isinf(value):
        raise InputError(f"{what}: '{text}' is out of range (not finite)")
    return value


def parse_quantity(text: str | float | int, what: str = "quantity") -> float:
    """Parse a count: ``1e23``, ``3.8e25``, ``7e9``, ``7B``, ``70b``, ``2T``, ``1.5M``, ``500k``, ``1_000``.

    Returns a finite float. Sign is not checked here (see :func:`positive`).
    """
    if isinstance(text, bool):
        raise InputError(f"{what}: expected a number, got {text!r}")
    if isinstance(text, (int, float)):
        try:
            return _finite(float(text), str(text)[:40], what)
        except OverflowError:
            raise InputError(f"{what}: {str(text)[:20]}... is out of range (not finite)") from None
    raw = str(text)
    cleaned = raw.replace("_", "").replace(",", "")
    match = _QUANTITY_RE.match(cleaned)
    if not match:
        low = cleaned.strip().lower()
        if low in {"nan", "+nan", "-nan"}:
            raise InputError(f"{what}: '{raw}' is not a number")
        if low in {"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"}:
            raise InputError(f"{what}: '{raw}' is out of range (not finite)")
        raise InputError(f"{what}: cannot read '{raw}' as a quantity (examples: 1e23, 7e9, 7B, 2T, 1.5M, 500k)")
    number, suffix = match.groups()
    key = suffix.lower()
    if key not in _COUNT_SUFFIX:
        raise InputError(f"{what}: unknown suffix '{suffix}' in '{raw}' (use k, M, B, T, P)")
    try:
        value = float(number) * _COUNT_SUFFIX[key]
    except OverflowError:  # pragma: no cover - float() does not raise, but be explicit
        value = math.inf
    return _finite(value, raw, what)


def parse_money(text: str | float | int, what: str = "amount") -> float:
    """Parse dollars: ``$2e6``, ``2e6``, ``$1.5M``, ``2M USD``."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return parse_quantity(text, what)
    raw = str(text).strip()
    body = raw
    if body.startswith("$"):
        body = body[1:]
    if body.upper().endswith("USD"):
        body = body[:-3]
    try:
        return parse_quantity(body, what)
    except InputError:
        raise InputError(f"{what}: cannot read '{raw}' as dollars (examples: $2e6, 2e6, $1.5M)") from None


def parse_duration_hours(text: str | float | int, what: str = "duration") -> float:
    """Parse a duration to hours: ``30d``, ``720h``, ``2w``, ``90min``; a bare number is days."""
    if isinstance(text, (int, float)) and not isinstance(text, bool):
        return _finite(float(text), str(text), what) * 24.0
    raw = str(text)
    match = _DURATION_RE.match(raw.replace("_", ""))
    if not match:
        raise InputError(f"{what}: cannot read '{raw}' as a duration (examples: 30d, 720h, 2w)")
    number, suffix = match.groups()
    key = suffix.lower() or "d"
    if key not in _DURATION_HOURS:
        raise InputError(f"{what}: unknown unit '{suffix}' in '{raw}' (use h, d or w)")
    return _finite(float(number) * _DURATION_HOURS[key], raw, what)


def positive(value: float, what: str) -> float:
    """Return ``value`` if finite and > 0, else raise an :class:`InputError` naming ``what``."""
    if not math.isfinite(value):
        raise InputError(f"{what}: must be a finite number, got {value}")
    if value <= 0:
        raise InputError(f"{what}: must be positive, got {format_number(value)}")
    return value


def format_number(value: float, sig: int = 3) -> str:
    """Compact scientific/plain form with ``sig`` significant digits: 1.00e+23 -> ``1e23``-like ``1.00e23``."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    if value == 0:
        return "0"
    magnitude = abs(value)
    if 1e-3 <= magnitude < 1e5:
        return f"{value:.{sig}g}"
    mantissa, exponent = f"{value:.{sig - 1}e}".split("e")
    return f"{mantissa}e{int(exponent)}"


def format_si(value: float, sig: int = 3, unit: str = "") -> str:
    """Format a count with an SI-style suffix: 7.3e10 -> ``73.0B``; 1.34e12 -> ``1.34T``."""
    if value is None:
        return "-"
    if not math.isfinite(value):
        return str(value)
    magnitude = abs(value)
    if magnitude >= 1e18 * 0.9995:  # past P: scientific (no "E" suffix: it reads as a truncated exponent)
        return f"{format_number(value, sig)}{unit}"
    for scale, suffix in _SI_STEPS:
        if magnitude >= scale * 0.9995:
            return f"{_sig(value / scale, sig)}{suffix}{unit}"
    return f"{_sig(value, sig)}{unit}"


def format_money(value: float, sig: int = 3) -> str:
    """Dollars: 1.6e6 -> ``$1.60M``."""
    if value is None:
        return "-"
    sign = "-" if value < 0 else ""
    return f"{sign}${format_si(abs(value), sig)}"


def format_flops(value: float, sig: int = 3) -> str:
    """FLOPs in scientific notation, the field's convention: ``1.00e23 FLOP``."""
    return f"{format_number(value, sig)} FLOP"


def format_duration_hours(hours: float) -> str:
    if hours is None:
        return "-"
    if hours >= 48:
        return f"{_sig(hours / 24.0, 3)} days"
    if hours >= 1:
        return f"{_sig(hours, 3)} h"
    return f"{_sig(hours * 60.0, 3)} min"


def _sig(value: float, sig: int) -> str:
    """``sig`` significant digits, keeping trailing zeros (73.0, 1.34, 120)."""
    value = float(f"{value:.{sig}g}")  # round first: 0.99995 -> 1.00, not 1.000
    if value == 0:
        return "0"
    digits = sig - 1 - int(math.floor(math.log10(abs(value))))
    digits = max(digits, 0)
    return f"{value:.{digits}f}"
