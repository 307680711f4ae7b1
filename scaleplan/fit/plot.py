"""``--plot``: the runs and the fitted law. matplotlib is an optional extra, imported only here, on demand.

Left: loss vs C, the runs coloured by N, the fitted curve of each model size (L(N, C / 6N)) and the
compute-optimal frontier L(N_opt(C), D_opt(C)). Right: IsoFLOP profiles, loss vs N at a few budgets, with
each budget's fitted optimum marked.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from ..errors import InputError
from .io import Runs

INSTALL_HINT = "--plot needs matplotlib, which is not installed (pip install 'scaleplan[plot]')"


def require_matplotlib():
    """Import matplotlib with a non-interactive backend, or raise a one-line InputError."""
    try:
        import matplotlib

        matplotlib.use("Agg")
        import matplotlib.pyplot as plt
    except ImportError:
        raise InputError(INSTALL_HINT) from None
    return plt


def plot_fit(runs: Runs, fit, path: str | Path, *, budgets: int = 5) -> Path:
    plt = require_matplotlib()
    path = Path(path)
    C = runs.C
    fig, (left, right) = plt.subplots(1, 2, figsize=(12, 5), constrained_layout=True)
    colour = plt.get_cmap("viridis")
    log_n = np.log10(runs.N)
    span = max(float(np.ptp(log_n)), 1e-9)

    left.scatter(C, runs.loss, c=(log_n - log_n.min()) / span, cmap=colour, s=14, label="runs")
    grid_c = np.logspace(np.log10(C.min()) - 0.3, np.log10(C.max()) + 0.5, 200)
    for n in np.unique(runs.N):
        mask = runs.N == n
        cs = np.logspace(np.log10(C[mask].min()) - 0.2, np.log10(C[mask].max()) + 0.2, 50)
        left.plot(cs, fit.predict(n, cs / (6.0 * n)), color=colour((np.log10(n) - log_n.min()) / span),
                  lw=0.8, alpha=0.6)
    frontier = np.array([fit.optimum(c) for c in grid_c])
    left.plot(grid_c, fit.predict(frontier[:, 0], frontier[:, 1]), "k--", lw=1.5, label="compute-optimal frontier")
    left.set(xscale="log", yscale="log", xlabel="C = 6ND (FLOP)", ylabel="loss", title=f"{fit.form} fit: loss vs compute")
    left.legend(loc="upper right")

    budgets_c = np.logspace(np.log10(C.min()), np.log10(C.max()), budgets)
    for i, c in enumerate(budgets_c):
        n_opt, d_opt = fit.optimum(c)
        ns = n_opt * np.logspace(-1.0, 1.0, 100)
        tint = colour(i / max(budgets - 1, 1))
        right.plot(ns, fit.predict(ns, c / (6.0 * ns)), color=tint, label=f"C = {c:.2g}")
        right.plot([n_opt], [fit.predict(n_opt, d_opt)], "o", color=tint)
    right.set(xscale="log", xlabel="N (parameters)", ylabel="loss", title=f"IsoFLOP profiles (a = {fit.a:.3f})")
    right.legend(loc="upper right", fontsize="small")
    try:
        fig.savefig(path, dpi=120)
    except (OSError, ValueError) as exc:
        raise InputError(f"{path}: cannot write the plot: {exc}") from None
    finally:
        plt.close(fig)
    return path
