"""Benchmark: ``scaleplan.frontier.frontier`` over 1e6 log-spaced budgets for every allocation law.

Target (issue 5): <= 1 s per library call. Run: ``python benchmarks/bench_frontier.py [--points N] [--repeat R]``.
Prints the best of R timings per law (the first call per process also builds caches, e.g. DeepSeek's shape table;
it is reported separately as "cold").
"""

from __future__ import annotations

import argparse
import sys
import time

TARGET_SECONDS = 1.0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--points", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)

    from scaleplan.frontier import budgets, frontier
    from scaleplan.laws import get_law
    from scaleplan.laws.registry import law_names

    c = budgets(1e20, 1e26, args.points)
    worst = 0.0
    print(f"frontier over {args.points:,} budgets (1e20..1e26), best of {args.repeat}; target <= {TARGET_SECONDS:g} s")
    for name in law_names("allocation"):
        law = get_law(name)
        start = time.perf_counter()
        frontier(c, law)
        cold = time.perf_counter() - start
        times = []
        for _ in range(args.repeat):
            start = time.perf_counter()
            frontier(c, law)
            times.append(time.perf_counter() - start)
        best = min(times)
        worst = max(worst, best, cold)
        print(f"  {name:24s} {law.spec.kind:11s} best {best:7.3f} s   cold {cold:7.3f} s   "
              f"{'ok' if max(best, cold) <= TARGET_SECONDS else 'SLOW'}")
    print(f"slowest: {worst:.3f} s -> {'PASS' if worst <= TARGET_SECONDS else 'FAIL'}")
    return 0 if worst <= TARGET_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
