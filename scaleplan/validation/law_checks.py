"""Check values stored with each allocation law (``checks:`` in configs/laws/allocation/*.yaml)."""

from __future__ import annotations

from typing import Any, Iterator, Mapping

from ..errors import ConfigError
from . import CaseResult, stored_checks

_OUTPUTS = ("params", "tokens", "tokens_per_param", "loss", "flops", "flops_per_token_times_tokens")


def evaluate(law: Any, inputs: Mapping[str, float]) -> dict[str, float]:
    """The quantities a check can name, for one check's inputs."""
    keys = set(inputs)
    if keys == {"flops"}:
        alloc = law.allocate(float(inputs["flops"]))
    elif keys == {"params"}:
        alloc = law.allocate(law.compute_for_params(float(inputs["params"])))
    elif keys in ({"params", "tokens"}, {"params", "tokens", "unique_tokens"}):
        unique = inputs.get("unique_tokens")
        loss = law.loss(float(inputs["params"]), float(inputs["tokens"]),
                        None if unique is None else float(unique))
        return {"loss": loss}
    else:
        raise ConfigError(f"{law.spec.source}: checks: unsupported inputs {sorted(keys)}")
    out = {
        "params": alloc.params, "tokens": alloc.tokens, "tokens_per_param": alloc.tokens_per_param,
        "flops": alloc.compute_flops,
    }
    if alloc.loss is not None:
        out["loss"] = alloc.loss
    if alloc.flops_per_token is not None:
        out["flops_per_token_times_tokens"] = alloc.flops_per_token * alloc.tokens
    return out


def cases() -> Iterator[CaseResult]:
    return stored_checks("allocation", evaluate, _OUTPUTS)
