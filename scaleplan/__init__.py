"""scaleplan: turn a training budget into a complete, costed plan under published scaling laws."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__", "optimal"]


def optimal(flops: float, law: str | None = None, **kwargs):
    """The compute-optimal :class:`~scaleplan.plan.Plan` for ``flops`` FLOPs.

    >>> plan = optimal(flops=1e23, law="epoch-2024")   # doctest: +SKIP
    >>> plan.allocation.params, plan.allocation.tokens  # doctest: +SKIP
    """
    from .planner import optimal as _optimal  # lazy: keeps `import scaleplan` cheap

    return _optimal(flops, law, **kwargs)
