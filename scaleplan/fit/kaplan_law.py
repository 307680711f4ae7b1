"""The ``kaplan_joint`` allocation kind: Kaplan et al.'s L(N, D) (eq. 1.5) as a law, e.g. from ``scaleplan fit``.

L(N, D) = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D. Under C = 6 N D the loss is minimised where
d/dN [N_c^k N^-k + 6 D_c N / C] = 0, k = alpha_N / alpha_D:

    N_opt = (k N_c^k C / (6 D_c))^(1 / (1 + k)),   D_opt = C / (6 N_opt),

so N_opt ~ C^a with a = alpha_D / (alpha_N + alpha_D). Pure maths, no scipy (this module is on the
``scaleplan optimal`` path). Registered in :data:`scaleplan.laws.allocation.KINDS`.
"""

from __future__ import annotations

import math
from typing import Iterable, Mapping

from ..errors import ConfigError, InputError
from ..laws.allocation import AllocationLaw


def kaplan_optimum(c: Mapping[str, float], flops: float) -> tuple[float, float]:
    """(N_opt, D_opt) of the joint Kaplan form under C = 6 N D, computed in logs (N_c can be ~1e14)."""
    k = c["alpha_N"] / c["alpha_D"]
    log_n = (math.log(k) + k * math.log(c["N_c"]) + math.log(flops) - math.log(6.0 * c["D_c"])) / (1.0 + k)
    params = math.exp(log_n)
    return params, flops / (6.0 * params)


class KaplanJointLaw(AllocationLaw):
    """Allocation and loss from Kaplan's joint L(N, D), with C = 6 N D (not Kaplan's PF-day frontier)."""

    has_loss = True
    required = ("N_c", "D_c", "alpha_N", "alpha_D")

    def _validate(self) -> None:
        super()._validate()
        self._exponents_in_range("alpha_N", "alpha_D")
        for key in self.required:
            if not self.c[key] > 0:
                raise ConfigError(f"{self.spec.source}: constants.{key}: must be positive, got {self.c[key]}")

    @property
    def a(self) -> float:
        return self.c["alpha_D"] / (self.c["alpha_N"] + self.c["alpha_D"])

    @property
    def b(self) -> float:
        return self.c["alpha_N"] / (self.c["alpha_N"] + self.c["alpha_D"])

    def _optimum(self, flops: float) -> tuple[float, float, None]:
        params, tokens = kaplan_optimum(self.c, flops)
        return params, tokens, None

    def compute_for_params(self, params: float) -> float:
        # N_opt^(1+k) = k N_c^k C / (6 D_c)  =>  C = 6 D_c N^(1+k) / (k N_c^k)
        self._check_params(params)
        k = self.c["alpha_N"] / self.c["alpha_D"]
        return math.exp(math.log(6.0 * self.c["D_c"]) + (1.0 + k) * math.log(params)
                        - math.log(k) - k * math.log(self.c["N_c"]))

    def _check_params(self, params: float) -> None:
        if not (math.isfinite(params) and params > 0):
            raise InputError(f"parameter count must be positive and finite, got {params}")

    def loss(self, params: float, tokens: float, unique_tokens: float | None = None) -> float:
        c = self.c
        return ((c["N_c"] / params) ** (c["alpha_N"] / c["alpha_D"]) + c["D_c"] / tokens) ** c["alpha_D"]

    def _notes(self, flops: float, params: float, tokens: float) -> Iterable[str]:
        yield ("Kaplan's joint L(N, D) minimised under C = 6ND (closed form); N in the law's own unit "
               f"({self.params_kind.replace('_', '-')})")
