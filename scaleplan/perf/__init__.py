"""The training cost model: memory, parallel layout search, step time, GPU-hours, dollars, energy.

Public entry points: :func:`estimate_cost` (one costed run, a plan ``Section``) and :func:`best_throughput`
(cheap tokens/s for a shape on G GPUs). See docs/cost-model.md.

The names below load on first use (PEP 562), so ``import scaleplan.perf.settings`` does not pull in numpy.
"""

from importlib import import_module

_EXPORTS = {
    "Cost": ".cost", "TierCost": ".cost", "best_throughput": ".cost", "estimate_cost": ".cost",
    "hardware_flops_per_token": ".cost", "Layout": ".layout", "LayoutSpec": ".layout",
}
__all__ = sorted(_EXPORTS)


def __getattr__(name: str):
    if name in _EXPORTS:
        return getattr(import_module(_EXPORTS[name], __name__), name)
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
