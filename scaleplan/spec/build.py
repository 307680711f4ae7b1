"""Spec -> planner call. The one place that knows how spec keys map to planner keywords.

Only keys the user set are passed, so a spec written for a newer planner fails with one clear line
("spec key hardware.profile is not supported by this scaleplan") instead of a traceback, and a spec
that uses only what today's planner knows keeps working as the planner grows.

=====================  ==========================  =====================================
spec key               planner keyword             note
=====================  ==========================  =====================================
compute.flops          flops                       optimal(); FLOP
compute.usd            budget_usd                  dollars
compute.gpu_hours      gpu_hours
compute.days           days                        days (30d, 720h and 30 all read as 30)
model.params           params (1st positional)     with model.tokens -> plan_fixed()
model.tokens           tokens (2nd positional)
model.seq_len          seq_len
model.moe.experts      moe_experts
model.moe.active       moe_active
law.allocation         law
law.file               law_file                    resolved relative to the spec
law.hyperparameters    hparam_law
law.compare            compare
hardware.profile       hardware                    a name, or a path resolved relative to the spec
hardware.gpus          gpus
hardware.price         price                       on-demand | reserved | spot
hardware.precision     precision
hardware.goodput       goodput
data.unique_tokens     unique_tokens
data.inference_tokens  inference_tokens
=====================  ==========================  =====================================
"""

from __future__ import annotations

import inspect
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Mapping

from ..errors import InputError, ScaleplanError
from .schema import SPEC_KEYS, Spec

FIXED_POSITIONAL = ("params", "tokens")


@dataclass(frozen=True)
class PlannerCall:
    """Which planner function to call, with which keywords, and where each keyword came from."""

    function: str  # "optimal" or "plan_fixed"
    args: tuple[Any, ...]
    kwargs: Mapping[str, Any]
    origins: Mapping[str, str] = field(default_factory=dict)  # keyword -> spec key path


def _is_path(value: str) -> bool:
    return "/" in value or "\\" in value or value.endswith((".yaml", ".yml"))


def planner_kwargs(spec: Spec) -> PlannerCall:
    """Map a validated spec to a planner call; only keys the user set appear in ``kwargs``."""
    kwargs: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for key in SPEC_KEYS:
        if not spec.has(key.path) or key.kwarg is None:
            continue
        value = spec.value(key.path)
        if key.kind == "file" or (key.kind == "profile" and _is_path(value)):
            value = str(spec.base_dir / Path(value).expanduser()) if not Path(value).expanduser().is_absolute() \
                else str(Path(value).expanduser())
        kwargs[key.kwarg] = value
        origins[key.kwarg] = key.path
    if "params" in kwargs:
        args = tuple(kwargs.pop(name) for name in FIXED_POSITIONAL)
        for name in FIXED_POSITIONAL:
            origins.pop(name)
        return PlannerCall("plan_fixed", args, kwargs, origins)
    return PlannerCall("optimal", (), kwargs, origins)


def _unsupported(spec: Spec, path: str, why: str = "") -> InputError:
    return InputError(f"{spec.source}: spec key {path} is not supported by this scaleplan{why}")


def _accepts(fn: Callable, call: PlannerCall, spec: Spec) -> None:
    try:
        signature = inspect.signature(fn)
    except (TypeError, ValueError):  # pragma: no cover - builtins; let the call decide
        return
    params = signature.parameters
    if any(p.kind is inspect.Parameter.VAR_KEYWORD for p in params.values()):
        return
    for kwarg in call.kwargs:
        p = params.get(kwarg)
        if p is None or p.kind is inspect.Parameter.POSITIONAL_ONLY:
            raise _unsupported(spec, call.origins.get(kwarg, kwarg))


_UNEXPECTED = re.compile(r"unexpected keyword argument '(\w+)'")


def run_planner(spec: Spec):
    """Plan a spec with the installed planner; returns its :class:`~scaleplan.plan.Plan`."""
    from .. import planner

    call = planner_kwargs(spec)
    fn = getattr(planner, call.function, None)
    if fn is None:
        raise _unsupported(spec, "model.params", " (this planner cannot plan a fixed N and D yet)")
    _accepts(fn, call, spec)
    try:
        return fn(*call.args, **call.kwargs)
    except TypeError as exc:
        match = _UNEXPECTED.search(str(exc))
        if match and match.group(1) in call.kwargs:
            raise _unsupported(spec, call.origins.get(match.group(1), match.group(1))) from None
        if "required positional argument: 'flops'" in str(exc):
            given = ", ".join(call.origins.values()) or "nothing"
            raise InputError(f"{spec.source}: this scaleplan needs compute.flops (the spec gives {given})") from None
        raise
    except ScaleplanError as exc:
        text = str(exc)
        prefix = "" if text.startswith(spec.source) else f"{spec.source}: "
        raise type(exc)(prefix + text) from None
