"""scaleplan: turn a training budget into a complete, costed plan under published scaling laws."""

from __future__ import annotations

__version__ = "0.1.0"
__all__ = ["__version__", "optimal", "plan_fixed"]


def optimal(flops: float | None = None, law: str | None = None, **kwargs):
    """The :class:`~scaleplan.plan.Plan` for a budget: ``flops=``, ``budget_usd=``, ``gpu_hours=`` or
    ``gpus=`` with ``days=`` (see :func:`scaleplan.planner.optimal` for every option).

    >>> plan = optimal(flops=1e23, law="epoch-2024")   # doctest: +SKIP
    >>> plan.allocation.params, plan.section("cost").gpu_hours  # doctest: +SKIP
    """
    from .planner import optimal as _optimal  # lazy: keeps `import scaleplan` cheap

    return _optimal(flops, law, **kwargs)


def plan_fixed(params: float, tokens: float, law: str | None = None, **kwargs):
    """The plan for a model whose total N and D are fixed (see :func:`scaleplan.planner.plan_fixed`)."""
    from .planner import plan_fixed as _plan_fixed

    return _plan_fixed(params, tokens, law, **kwargs)
