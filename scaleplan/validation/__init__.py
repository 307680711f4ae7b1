"""Reference checks against published tables: ``scaleplan validate`` runs every provider below.

A provider is a function returning :class:`CaseResult` objects. Later capabilities (hyperparameter laws,
the cost model, ...) add one line to :data:`PROVIDERS`.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping

PROVIDERS: list[str] = [
    "scaleplan.validation.law_checks:cases",
    "scaleplan.validation.calibration_checks:cases",
    "scaleplan.validation.hparam_checks:cases",
    "scaleplan.validation.planner_law_checks:cases",
]


@dataclass(frozen=True)
class CaseResult:
    group: str
    case: str
    quantity: str
    expected: float
    got: float
    tolerance: float  # relative
    source: str
    must_differ: bool = False  # the check passes when the error EXCEEDS the tolerance
    note: str = ""             # why a failing case is a documented known miss ("" = not one)

    @property
    def error(self) -> float:
        if self.expected == 0:
            return abs(self.got)
        return (self.got - self.expected) / abs(self.expected)

    @property
    def passed(self) -> bool:
        if not math.isfinite(self.got):
            return False
        within = abs(self.error) <= self.tolerance
        return not within if self.must_differ else within

    def to_dict(self) -> dict:
        data = asdict(self)
        data.update(error=self.error, passed=self.passed)
        return data


def stored_checks(category: str, evaluate: Callable[[Any, Mapping[str, Any]], Mapping[str, float]],
                  outputs: tuple[str, ...]) -> Iterator[CaseResult]:
    """Cases from the ``checks:`` lists of every law file of ``category``: ``evaluate(law, inputs)`` gives the
    quantities a check may name in ``expect``."""
    from ..errors import ConfigError
    from ..laws import registry

    for spec in registry.all_specs(category):
        law = registry.build(spec)
        for check in spec.checks:
            got = evaluate(law, check["input"])
            for quantity, expected in check["expect"].items():
                if quantity not in outputs or quantity not in got:
                    raise ConfigError(f"{spec.source}: checks.{check['id']}.expect.{quantity}: not an output of this law")
                yield CaseResult(
                    group=spec.name, case=str(check["id"]), quantity=quantity, expected=float(expected),
                    got=float(got[quantity]), tolerance=float(check["rel_tol"]), source=str(check.get("source", "")),
                    must_differ=bool(check.get("must_differ", False)),
                )


def run_all(providers: Iterable[str] | None = None) -> list[CaseResult]:
    results: list[CaseResult] = []
    for target in providers or PROVIDERS:
        module_name, func_name = target.split(":")
        module = __import__(module_name, fromlist=[func_name])
        results.extend(getattr(module, func_name)())
    return results
