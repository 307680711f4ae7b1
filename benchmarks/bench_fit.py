"""Benchmark ``scaleplan fit``: 1000 bootstrap refits of the 240 Chinchilla Figure 4 points (target <= 60 s on
2 cores), and, when it can be installed, the ``chinchilla`` package (kyo-takano) fitting the same data.

    python benchmarks/bench_fit.py [--n 1000] [--workers N] [--data PATH] [--no-peer]

The peer package is never a dependency of scaleplan: it is installed into its own virtual environment
(/tmp/peer-venv, created on first use) and run there in a subprocess. Without ../shared/data (the Epoch
extraction) the script falls back to 240 synthetic points from the Epoch law.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import textwrap
import time
from pathlib import Path

import numpy as np

REPO = Path(__file__).resolve().parents[1]
DATA = REPO.parent / "shared" / "data" / "chinchilla-fig4-extracted.csv"
PEER_VENV = Path("/tmp/peer-venv")


def load_runs(path: Path):
    from scaleplan.fit.io import make_runs, read_runs

    if path.is_file():
        runs = read_runs(path)
        keep = np.sort(np.argsort(runs.loss, kind="stable")[:-5])  # drop the 5 highest losses, as Epoch did
        return runs.take(keep), f"{path.name} (5 highest-loss points dropped)"
    rng = np.random.default_rng(0)
    C = np.exp(rng.uniform(np.log(1e18), np.log(1e22), 240))
    N = np.sqrt(C / 120) * np.exp(rng.uniform(-2, 2, 240))
    D = C / (6 * N)
    loss = (1.817 + 482.0 / N**0.348 + 2085.4 / D**0.366) * np.exp(rng.normal(0, 0.01, 240))
    return make_runs(N, D, loss, source="synthetic"), "240 synthetic points from the Epoch law"


def bench_scaleplan(runs, n: int, workers: int | None) -> dict:
    from scaleplan.fit.bootstrap import bootstrap, default_workers
    from scaleplan.fit.chinchilla import fit_chinchilla

    t0 = time.perf_counter()
    point = fit_chinchilla(runs)
    t1 = time.perf_counter()
    boot = bootstrap("chinchilla", runs, point, n=n, flops=1e23, workers=workers)
    t2 = time.perf_counter()
    return {
        "constants": point.constants, "objective": point.objective, "fit_seconds": t1 - t0,
        "bootstrap_seconds": t2 - t1, "refits": n, "failed": boot.failed,
        "workers": workers or default_workers(),
        "intervals": {k: boot.interval(k) for k in ("E", "A", "B", "alpha", "beta", "a")},
    }


PEER_SCRIPT = textwrap.dedent("""
    import json, sys, tempfile, time
    import numpy as np, pandas as pd
    from chinchilla import Chinchilla
    data = json.load(open(sys.argv[1]))
    df = pd.DataFrame({"N": data["N"], "D": data["D"], "loss": data["loss"]})
    df.insert(0, "C", 6 * df.N * df.D)
    project = tempfile.mkdtemp()
    df.to_csv(project + "/df.csv", index=False)

    def log_huber(y_true, y_pred, delta=1e-3):  # the same objective as scaleplan (Huber on log loss)
        r = np.log(y_pred) - np.log(y_true)
        return np.where(np.abs(r) <= delta, 0.5 * r * r, delta * (np.abs(r) - 0.5 * delta))

    # 3^5 = 243 starts over Hoffmann et al.'s ranges (e and log A, log B as logs: keys e, a, b)
    grid = dict(e=np.linspace(-1, 1, 3), a=np.linspace(0, 25, 3), b=np.linspace(0, 25, 3),
                alpha=np.linspace(0, 2, 3), beta=np.linspace(0, 2, 3))
    cc = Chinchilla(project, param_grid=grid, seed_ranges=dict(C=(1e18, 1e22), N_to_D=(10, 100)),
                    loss_fn=log_huber, log_level=40)
    t = time.perf_counter()
    cc.fit()
    seconds = time.perf_counter() - t
    print(json.dumps({"seconds": seconds, "grid_points": 3 ** 5,
                      "constants": {k: float(getattr(cc, k)) for k in ("E", "A", "B", "alpha", "beta")}}))
""")


def bench_peer(runs) -> dict:
    """Install ``chinchilla`` into /tmp/peer-venv (once) and time one fit of the same data there."""
    python = PEER_VENV / "bin" / "python"
    try:
        if not python.exists():
            subprocess.run([sys.executable, "-m", "venv", str(PEER_VENV)], check=True, capture_output=True, timeout=300)
        probe = subprocess.run([str(python), "-c", "import chinchilla"], capture_output=True)
        if probe.returncode != 0:
            subprocess.run([str(python), "-m", "pip", "install", "-q", "chinchilla"], check=True,
                           capture_output=True, text=True, timeout=900)
    except (subprocess.SubprocessError, OSError) as exc:
        detail = getattr(exc, "stderr", "") or str(exc)
        return {"error": f"could not install chinchilla in {PEER_VENV}: {str(detail).strip().splitlines()[-1:]}"}
    with tempfile.TemporaryDirectory() as tmp:
        data = Path(tmp) / "runs.json"
        data.write_text(json.dumps({"N": runs.N.tolist(), "D": runs.D.tolist(), "loss": runs.loss.tolist()}))
        script = Path(tmp) / "peer.py"
        script.write_text(PEER_SCRIPT)
        try:
            done = subprocess.run([str(python), str(script), str(data)], capture_output=True, text=True, timeout=3600,
                                  cwd=tmp)
        except subprocess.TimeoutExpired:
            return {"error": "the chinchilla fit took more than an hour"}
    if done.returncode != 0:
        return {"error": "chinchilla failed: " + (done.stderr.strip().splitlines() or ["?"])[-1]}
    return json.loads(done.stdout.strip().splitlines()[-1])


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=1000, help="bootstrap refits (default 1000)")
    parser.add_argument("--workers", type=int, default=None, help="processes (default: all cores)")
    parser.add_argument("--data", type=Path, default=DATA)
    parser.add_argument("--no-peer", action="store_true", help="skip the chinchilla package")
    args = parser.parse_args()

    runs, label = load_runs(args.data)
    print(f"data: {len(runs)} points, {label}; cores available: {len(os.sched_getaffinity(0))}")
    ours = bench_scaleplan(runs, args.n, args.workers)
    c = ours["constants"]
    print(f"scaleplan fit: E={c['E']:.4f} A={c['A']:.2f} B={c['B']:.2f} alpha={c['alpha']:.4f} beta={c['beta']:.4f} "
          f"(objective {ours['objective']:.6g}) in {ours['fit_seconds']:.2f} s")
    verdict = "OK" if ours["bootstrap_seconds"] <= 60 else "SLOWER THAN TARGET"
    print(f"scaleplan bootstrap: {ours['refits']} refits ({ours['failed']} failed) on {ours['workers']} workers in "
          f"{ours['bootstrap_seconds']:.1f} s [{verdict}: target <= 60 s]; "
          f"{1000 * ours['bootstrap_seconds'] / max(ours['refits'], 1):.1f} ms per refit wall-clock")
    for key, (low, high) in ours["intervals"].items():
        print(f"  95% interval {key}: [{low:.4g}, {high:.4g}]")
    if args.no_peer:
        return
    peer = bench_peer(runs)
    if "error" in peer:
        print(f"chinchilla (kyo-takano): not run: {peer['error']}")
        return
    p = peer["constants"]
    print(f"chinchilla (kyo-takano, {PEER_VENV}): one fit over its {peer['grid_points']}-point grid in "
          f"{peer['seconds']:.1f} s: " + " ".join(f"{k}={v:.4g}" for k, v in p.items()))
    print(f"  (fitted with the same Huber-on-log-loss objective; it has no bootstrap: 1000 refits at this speed "
          f"would take ~{1000 * peer['seconds'] / 60:.0f} min, its fit already using every core)")


if __name__ == "__main__":
    main()
