"""Spec files: the inputs of a plan and the ``budget:`` limits it must stay within.

- :mod:`.schema` -- the keys, their types, loading and validation (:func:`load_spec`)
- :mod:`.build` -- spec -> planner call (:func:`planner_kwargs`, :func:`run_planner`)
- :mod:`.limits` -- the limits, their plan paths and parsing
- :mod:`.diff` -- two plan documents -> changed inputs and deltas
"""

from .build import PlannerCall, planner_kwargs, run_planner
from .limits import LIMITS, LIMITS_BY_NAME, Limit
from .schema import SPEC_KEYS, SPEC_VERSION, Spec, load_spec, parse_spec

__all__ = ["LIMITS", "LIMITS_BY_NAME", "Limit", "PlannerCall", "SPEC_KEYS", "SPEC_VERSION", "Spec", "load_spec",
           "parse_spec", "planner_kwargs", "run_planner"]
