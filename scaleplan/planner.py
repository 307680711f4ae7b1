"""Orchestrates the chain: budget -> compute -> (N, D) under a law -> the later stages -> :class:`Plan`."""

from __future__ import annotations

from pathlib import Path

from .errors import InputError
from .laws import registry
from .laws.allocation import Allocation
from .plan import Comparison, LawSummary, Plan
from .units import positive


def allocate_all(flops: float) -> list[Allocation]:
    """Every shipped allocation law's answer for ``flops``, in registry order."""
    return [registry.build(spec).allocate(flops) for spec in registry.all_specs("allocation")]


def optimal(flops: float, law: str | None = None, *, law_file: str | Path | None = None,
            compare: bool = False) -> Plan:
    """The compute-optimal plan for ``flops`` FLOPs under ``law`` (default: epoch-2024)."""
    if law is not None and law_file is not None:
        raise InputError("give either a law name or a law file, not both")
    flops = positive(float(flops), "flops")
    chosen = registry.get_law(law, "allocation", law_file=law_file)
    allocation = chosen.allocate(flops)
    inputs = {"flops": flops, "law": chosen.name}
    if law_file is not None:
        inputs["law_file"] = str(law_file)
    comparison = Comparison.of(allocate_all(flops)) if compare else None
    return Plan(inputs=inputs, law=LawSummary.of(chosen), allocation=allocation,
                warnings=allocation.warnings, comparison=comparison)
