"""Cold start of `scaleplan optimal` against `python -c "import numpy"`.

Targets: the laws-only plan (`--no-cost`, issue 2) median <= 0.20 s; a dollar budget, solved through the cost
model (`--budget-usd`, issue 5) <= 1 s. The default `optimal --flops 1e23` prints the full costed plan.

Run: python benchmarks/bench_cold_start.py [--runs 21]
Uses the `scaleplan` console script next to this interpreter (the installed entry point users run).
"""

from __future__ import annotations

import argparse
import shutil
import statistics
import subprocess
import sys
import time
from pathlib import Path


def time_command(cmd: list[str], runs: int) -> list[float]:
    subprocess.run(cmd, check=True, capture_output=True)  # warm the OS file cache once
    samples = []
    for _ in range(runs):
        start = time.perf_counter()
        subprocess.run(cmd, check=True, capture_output=True)
        samples.append(time.perf_counter() - start)
    return samples


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=21)
    args = parser.parse_args()
    script = Path(sys.executable).with_name("scaleplan")
    scaleplan = [str(script)] if script.exists() else [shutil.which("scaleplan") or "scaleplan"]
    cases = {
        "python -c 'import numpy'": [sys.executable, "-c", "import numpy"],
        "scaleplan optimal --flops 1e23": scaleplan + ["optimal", "--flops", "1e23"],
        "scaleplan optimal --flops 1e23 --json": scaleplan + ["optimal", "--flops", "1e23", "--json"],
        "scaleplan optimal --flops 1e23 --no-cost": scaleplan + ["optimal", "--flops", "1e23", "--no-cost"],
        "scaleplan optimal --budget-usd 2e6 --json": scaleplan + ["optimal", "--budget-usd", "2e6", "--json"],
    }
    print(f"{'command':42s} {'median s':>9s} {'min s':>7s} {'max s':>7s}  (runs={args.runs})")
    for name, cmd in cases.items():
        samples = time_command(cmd, args.runs)
        print(f"{name:42s} {statistics.median(samples):9.3f} {min(samples):7.3f} {max(samples):7.3f}")


if __name__ == "__main__":
    main()
