"""The training cost model: memory, parallel layout search, step time, GPU-hours, dollars, energy.

Public entry points: :func:`estimate_cost` (one costed run, a plan ``Section``) and :func:`best_throughput`
(cheap tokens/s for a shape on G GPUs). See docs/cost-model.md.
"""

from .cost import Cost, TierCost, best_throughput, estimate_cost, hardware_flops_per_token
from .layout import Layout, LayoutSpec

__all__ = ["Cost", "TierCost", "Layout", "LayoutSpec", "best_throughput", "estimate_cost",
           "hardware_flops_per_token"]
