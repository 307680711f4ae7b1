"""Learning-rate and batch-size power laws from a hyperparameter sweep (the Step Law recipe, Li et al. 2025).

For each (N, D) keep the runs whose loss is within ``tolerance`` (relative; Step Law uses 0.25 %) of the
best loss at that (N, D), then fit by least squares in log space

    log eta = log a + b log N + c log D,        log B = log d + e log D,

and bootstrap by resampling whole (N, D) groups. Columns: N (or N_non_embedding), D (or C), loss, ``lr``
(``learning_rate``, ``eta``), ``batch`` (``batch_size``, ``bs``, ``batch_tokens``; unit declared with
``batch_unit``).
"""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..errors import InputError
from .io import C_NAMES, D_NAMES, LOSS_NAMES, N_NAMES, N_NON_EMBEDDING_NAMES, read_table

LR_NAMES = ("lr", "learning_rate", "eta", "peak_lr", "max_lr")
BATCH_NAMES = ("batch", "batch_size", "bs", "batch_tokens", "global_batch_size")
DEFAULT_TOLERANCE = 0.0025
NAMES = ("a", "b", "c", "d", "e")


@dataclass(frozen=True)
class Sweep:
    source: str
    N: np.ndarray
    D: np.ndarray
    lr: np.ndarray
    batch: np.ndarray
    loss: np.ndarray
    params_kind: str

    def __len__(self) -> int:
        return len(self.loss)


def read_sweep(path: str | Path, *, params_kind: str | None = None) -> Sweep:
    table = read_table(path)
    if not table.rows:
        raise InputError(f"{table.source}: no runs (only a header)")
    n_col = table.find(N_NON_EMBEDDING_NAMES)
    kind = "non_embedding" if n_col is not None else (params_kind or "total")
    if n_col is None:
        n_col = table.require(N_NAMES, "N (parameters)")
    elif params_kind not in (None, "non_embedding"):
        raise InputError(f"{table.source}: column '{n_col}' holds non-embedding parameters but --params-kind is {params_kind}")
    N = table.numbers(n_col, count=True)
    d_col = table.find(D_NAMES)
    if d_col is not None:
        D = table.numbers(d_col, count=True)
    else:
        c_col = table.require(C_NAMES, "D (tokens) or C (FLOPs)")
        D = table.numbers(c_col, count=True) / (6.0 * N)
    return Sweep(table.source, N, D, table.numbers(table.require(LR_NAMES, "the learning rate")),
                 table.numbers(table.require(BATCH_NAMES, "the batch size"), count=True),
                 table.numbers(table.require(LOSS_NAMES, "loss")), kind)


def near_best(sweep: Sweep, tolerance: float) -> tuple[np.ndarray, np.ndarray]:
    """(mask of kept runs, group label per run): loss <= (1 + tolerance) x best loss of its (N, D)."""
    keys = list(zip(np.round(np.log(sweep.N), 9).tolist(), np.round(np.log(sweep.D), 9).tolist()))
    labels: dict = {}
    groups = np.array([labels.setdefault(k, len(labels)) for k in keys])
    best = np.array([sweep.loss[groups == g].min() for g in range(len(labels))])
    return sweep.loss <= best[groups] * (1.0 + tolerance), groups


def _lstsq(design: np.ndarray, target: np.ndarray) -> np.ndarray:
    return np.linalg.lstsq(design, target, rcond=None)[0]


def _fit_vector(lnN, lnD, lnlr, lnB) -> np.ndarray:
    eta = _lstsq(np.column_stack([np.ones_like(lnN), lnN, lnD]), lnlr)
    bat = _lstsq(np.column_stack([np.ones_like(lnD), lnD]), lnB)
    return np.array([np.exp(eta[0]), eta[1], eta[2], np.exp(bat[0]), bat[1]])


@dataclass(frozen=True)
class HparamFit:
    a: float
    b: float
    c: float
    d: float
    e: float
    kept: int
    total: int
    groups: int
    tolerance: float
    rms_log_lr: float
    rms_log_batch: float
    samples: np.ndarray | None  # bootstrap (n, 5); NaN rows failed
    seed: int

    @property
    def constants(self) -> dict[str, float]:
        return {k: float(getattr(self, k)) for k in NAMES}

    def lr(self, N: float, D: float) -> float:
        return self.a * N**self.b * D**self.c

    def batch(self, D: float) -> float:
        return self.d * D**self.e

    def intervals(self, level: float = 0.95) -> dict[str, list[float]]:
        if self.samples is None:
            return {}
        good = self.samples[np.all(np.isfinite(self.samples), axis=1)]
        if len(good) < 2:
            return {}
        tail = 50.0 * (1.0 - level)
        return {k: [float(v) for v in np.percentile(good[:, i], [tail, 100.0 - tail])] for i, k in enumerate(NAMES)}


def fit_hparams(sweep: Sweep, *, tolerance: float = DEFAULT_TOLERANCE, n_boot: int = 200, seed: int = 0) -> HparamFit:
    if not 0 <= tolerance < 1:
        raise InputError(f"--tolerance must be in [0, 1) (a fraction of the best loss; 0.0025 = 0.25 %), got {tolerance:g}")
    if len(sweep) < 2:
        raise InputError(f"{sweep.source}: only {len(sweep)} run; a hyperparameter law needs a sweep at several (N, D)")
    mask, groups = near_best(sweep, tolerance)
    lnN, lnD = np.log(sweep.N[mask]), np.log(sweep.D[mask])
    lnlr, lnB = np.log(sweep.lr[mask]), np.log(sweep.batch[mask])
    kept_groups = groups[mask]
    n_groups = len(np.unique(kept_groups))
    if len(np.unique(np.round(lnN, 9))) < 2:
        raise InputError(f"{sweep.source}: all runs have the same N; the N exponent of eta = a N^b D^c cannot be "
                         "identified (sweep at least two model sizes)")
    if len(np.unique(np.round(lnD, 9))) < 2:
        raise InputError(f"{sweep.source}: all runs have the same D; the D exponents of eta and B cannot be "
                         "identified (sweep at least two token counts)")
    design = np.column_stack([np.ones_like(lnN), lnN - lnN.mean(), lnD - lnD.mean()])
    sv = np.linalg.svd(design / np.linalg.norm(design, axis=0), compute_uv=False)
    if n_groups < 3 or sv[-1] / sv[0] < 1e-3:
        raise InputError(f"{sweep.source}: N and D vary together in this sweep; eta = a N^b D^c cannot separate the "
                         "N and D exponents (add (N, D) points off that line)")
    point = _fit_vector(lnN, lnD, lnlr, lnB)
    rms_lr = float(np.sqrt(np.mean((np.log(point[0]) + point[1] * lnN + point[2] * lnD - lnlr) ** 2)))
    rms_b = float(np.sqrt(np.mean((np.log(point[3]) + point[4] * lnD - lnB) ** 2)))
    samples = None
    if n_boot > 0:
        rng = np.random.default_rng(seed)
        labels = np.unique(kept_groups)
        members = {g: np.flatnonzero(kept_groups == g) for g in labels}
        samples = np.full((n_boot, 5), np.nan)
        for i in range(n_boot):
            idx = np.concatenate([members[g] for g in rng.choice(labels, size=len(labels), replace=True)])
            if len(np.unique(lnN[idx])) < 2 or len(np.unique(lnD[idx])) < 2:
                continue  # a resample with one N or one D identifies nothing: counted as failed
            samples[i] = _fit_vector(lnN[idx], lnD[idx], lnlr[idx], lnB[idx])
    return HparamFit(*point.tolist(), kept=int(mask.sum()), total=len(sweep), groups=n_groups, tolerance=tolerance,
                     rms_log_lr=rms_lr, rms_log_batch=rms_b, samples=samples, seed=seed)


def hparam_document(fit: HparamFit, sweep: Sweep, *, name: str, batch_unit: str = "tokens",
                    level: float = 0.95) -> dict:
    """A law file (category ``hyperparameter``) for the fitted eta and B laws, with bootstrap intervals."""
    today = _dt.date.today().isoformat()
    ranges = {"N": [float(sweep.N.min()), float(sweep.N.max())], "D": [float(sweep.D.min()), float(sweep.D.max())]}
    boot = None
    if fit.samples is not None:
        failed = int(np.sum(~np.all(np.isfinite(fit.samples), axis=1)))
        good = fit.samples[np.all(np.isfinite(fit.samples), axis=1)]
        boot = {"n": len(fit.samples), "failed": failed, "seed": fit.seed, "level": level,
                "method": "percentile intervals over refits on (N, D) groups resampled with replacement",
                "intervals": fit.intervals(level),
                "se": {k: float(np.std(good[:, i], ddof=1)) for i, k in enumerate(NAMES)} if len(good) > 1 else {}}
    return {
        "schema_version": 1,
        "name": name,
        "category": "hyperparameter",
        "kind": "lr_batch_power_law",
        "title": f"Learning-rate and batch-size power laws fitted to {Path(sweep.source).name}",
        "authors": "",
        "year": _dt.date.today().year,
        "citation": f"scaleplan fit --hparams of {sweep.source} ({fit.total} runs, {today})",
        "form": "eta = a N^b D^c; B = d D^e (Step Law form, Li et al. 2025)",
        "units": {"N": sweep.params_kind, "D": "tokens", "B": batch_unit, "eta": "peak learning rate"},
        "constants": fit.constants,
        "constants_source": "scaleplan fit --hparams (least squares in log space on near-best runs); see fit:",
        "fitted_range": ranges,
        "verification": {"status": "fitted", "note": "fitted by scaleplan to the user's sweep; not a published law"},
        "notes": [f"Runs within {fit.tolerance:.4%} of the best loss at each (N, D) were kept: {fit.kept} of "
                  f"{fit.total}, at {fit.groups} (N, D) points."],
        "fit": {
            "method": "least squares on log eta and log B over near-best runs",
            "data": sweep.source,
            "runs": fit.total,
            "kept": fit.kept,
            "points": fit.groups,
            "tolerance": fit.tolerance,
            "residuals_log": {"lr_rms": fit.rms_log_lr, "batch_rms": fit.rms_log_batch},
            **({"bootstrap": boot} if boot else {}),
        },
    }
