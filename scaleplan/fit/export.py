"""Turn a fit (and its bootstrap) into a law file in the schema of ``configs/laws/allocation/*.yaml``.

The document is checked with :func:`scaleplan.laws.spec.parse_law` and built into a law object before it
is written, so whatever ``scaleplan fit`` writes, ``optimal --law-file`` reads.
"""

from __future__ import annotations

import datetime as _dt
import math
from pathlib import Path
from typing import Any

import numpy as np

from ..errors import InputError
from .bootstrap import BootstrapResult
from .io import Runs

FORMS = {
    "chinchilla": ("L(N, D) = E + A / N^alpha + B / D^beta; optimum under C = 6 N D: "
                   "N = G (C/6)^a, D = (C/6)^b / G, G = (alpha A / (beta B))^(1/(alpha+beta))"),
    "kaplan": ("L(N, D) = [(N_c / N)^(alpha_N / alpha_D) + D_c / D]^alpha_D; optimum under C = 6 N D: "
               "N = (k N_c^k C / (6 D_c))^(1/(1+k)), k = alpha_N / alpha_D"),
}


def _clean(value: Any) -> Any:
    """Plain Python types for YAML/JSON (numpy scalars and arrays become floats and lists)."""
    if isinstance(value, dict):
        return {str(k): _clean(v) for k, v in value.items()}
    if isinstance(value, (list, tuple, np.ndarray)):
        return [_clean(v) for v in value]
    if isinstance(value, (np.integer,)):
        return int(value)
    if isinstance(value, (float, np.floating)):
        value = float(value)
        return value if math.isfinite(value) else None
    return value


def fit_summary(fit, runs: Runs, boot: BootstrapResult | None, *, level: float = 0.95,
                flops: float | None = None) -> dict:
    """The ``fit:`` block: method, objective, residuals, derived exponents, bootstrap intervals."""
    residuals = np.asarray(fit.residuals)
    block: dict[str, Any] = {
        "method": (f"Huber (delta = {fit.delta:g}) on log loss, summed over runs; multi-start grid; L-BFGS-B "
                   "with bounds " + ("0 <= E <= min loss, alpha, beta in (0, 2]" if fit.form == "chinchilla"
                                     else "alpha_N, alpha_D in (0, 2]")),
        "form": fit.form,
        "data": runs.source,
        "runs": len(runs),
        "tokens": "D = C / (6 N) from the file's compute column" if runs.tokens_from_compute else "D from the file",
        "overprediction_penalty": fit.penalty,
        "objective": fit.objective,
        "converged": fit.converged,
        "starts": fit.starts,
        "residuals_log": {"rms": float(np.sqrt(np.mean(residuals**2))), "max_abs": float(np.max(np.abs(residuals)))},
        "derived": {"a": fit.a, "b": fit.b},
    }
    if flops:
        n_opt, d_opt = fit.optimum(flops)
        block["budget"] = {"flops": flops, "N_opt": n_opt, "D_opt": d_opt}
    if boot is not None:
        block["bootstrap"] = {
            "n": boot.n, "failed": boot.failed, "seed": boot.seed, "level": level,
            "method": "percentile intervals over refits on runs resampled with replacement",
            "intervals": {name: stats["interval"] for name, stats in boot.summary(level).items()},
            "se": {name: stats["se"] for name, stats in boot.summary(level).items()},
        }
    return _clean(block)


def law_document(fit, runs: Runs, boot: BootstrapResult | None, *, name: str, level: float = 0.95,
                 flops: float | None = None) -> dict:
    """The whole law file as a mapping (schema_version 1, category allocation, status ``fitted``)."""
    today = _dt.date.today().isoformat()
    summary = fit_summary(fit, runs, boot, level=level, flops=flops)
    constants = {k: float(v) for k, v in fit.constants.items()}
    intervals = summary.get("bootstrap", {}).get("intervals", {})
    notes = [f"Fitted by scaleplan on {today} to {len(runs)} runs from {runs.source}.",
             f"Allocation exponents a = {fit.a:.4f}, b = {fit.b:.4f} (N_opt ~ C^a, D_opt ~ C^b)."]
    if "a" in intervals:
        low, high = intervals["a"]
        notes.append(f"Bootstrap {level:.0%} interval for a: [{low:.4f}, {high:.4f}] ({boot.n} refits).")
    notes.append("Outside the fitted range the law is an extrapolation; optimal/plan will say so.")
    doc = {
        "schema_version": 1,
        "name": name,
        "category": "allocation",
        "kind": fit.kind,
        "title": f"{'Chinchilla' if fit.form == 'chinchilla' else 'Kaplan'} form fitted to {Path(runs.source).name}",
        "authors": "",
        "year": _dt.date.today().year,
        "citation": f"scaleplan fit of {runs.source} ({len(runs)} runs, {today})",
        "form": FORMS[fit.form],
        "units": {
            "N": runs.params_kind,
            "D": "tokens",
            "C": "6ND",
            "loss": f"as in {Path(runs.source).name} (nats/token if the runs report nats)",
        },
        "constants": constants,
        "constants_source": "scaleplan fit (Huber on log loss, L-BFGS-B); see fit:",
        "fitted_range": runs.fitted_range(),
        "verification": {"status": "fitted", "note": "fitted by scaleplan to the user's runs; not a published law"},
        "notes": notes,
        "fit": summary,
    }
    return _clean(doc)


def check_document(doc: dict, source: str) -> None:
    """Parse the document as a law file and build it: what we write must load."""
    from ..laws.registry import build
    from ..laws.spec import parse_law

    try:
        build(parse_law(doc, source))
    except Exception as exc:  # pragma: no cover - a bug here must not write a broken file
        raise InputError(f"{source}: internal error: the fitted law does not load back: {exc}") from None


def write_yaml(doc: dict, path: str | Path) -> None:
    from ..config import dump_yaml

    path = Path(path)
    try:
        path.write_text(dump_yaml(doc), encoding="utf-8")
    except OSError as exc:
        raise InputError(f"{path}: cannot write: {exc.strerror or exc}") from None
