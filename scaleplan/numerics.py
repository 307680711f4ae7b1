"""Small numerical helpers in pure Python, for code on the CLI's start-up path (scipy costs ~0.4 s to import)."""

from __future__ import annotations

import math
from typing import Callable


def bisect_sign_change(f: Callable[[float], float], low: float, high: float, *, rel_tol: float = 1e-15,
                       max_iter: int = 400) -> float:
    """The root of ``f`` in [low, high] (0 < low < high, f(low) and f(high) of opposite signs), by bisection
    on log x: slower than Brent but exact to ``rel_tol`` and dependency-free."""
    f_low = f(low)
    if f_low == 0:
        return low
    if f_low * f(high) > 0:
        raise ValueError("f(low) and f(high) must have opposite signs")
    for _ in range(max_iter):
        mid = math.sqrt(low * high)
        f_mid = f(mid)
        if f_mid == 0:
            return mid
        if (f_mid < 0) == (f_low < 0):
            low, f_low = mid, f_mid
        else:
            high = mid
        if high - low <= rel_tol * high:
            break
    return 0.5 * (low + high)
