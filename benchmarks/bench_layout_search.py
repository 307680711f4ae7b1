"""Layout-search speed: the full search for Llama-3.1-405B on 16,384 H100 (target <= 1 s), plus a few more.

Run: python benchmarks/bench_layout_search.py [--repeat 5]
Prints candidates evaluated, feasible layouts and the best / median wall time per search. Not a unit test.
"""

from __future__ import annotations

import argparse
import statistics
import time

from scaleplan.hardware import load_profile
from scaleplan.model.shape import explicit_shape, shape_for_params
from scaleplan.perf import estimate_cost
from scaleplan.perf.layout import search
from scaleplan.perf.settings import efficiency_for, load_defaults, load_precision
from scaleplan.perf.workload import make_workload

CASES = [
    ("405B on 16384 x h100-sxm, seq 8192, 16M batch",
     lambda: explicit_shape(126, 16384, 128, n_kv_heads=8, ffn_hidden=53248, vocab_size=128256, seq_len=8192),
     15.6e12, "h100-sxm", 16384, 16 * 2**20),
    ("70B on 2048 x a100-80gb, seq 4096, 4M batch", lambda: shape_for_params(70e9), 2e12, "a100-80gb", 2048, None),
    ("7B on 512 x h100-sxm, seq 4096, 4M batch", lambda: shape_for_params(7e9), 2e12, "h100-sxm", 512, None),
]


def time_search(shape, tokens, hardware, gpus, batch, repeat):
    defaults = load_defaults()
    profile = load_profile(hardware)
    precision = load_precision("bf16")
    curve = efficiency_for(profile, "bf16")
    workload = make_workload(shape, tokens, defaults, global_batch_tokens=batch)
    search(workload, gpus, profile, precision, curve, defaults)  # warm caches (YAML, imports)
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        result = search(workload, gpus, profile, precision, curve, defaults)
        times.append(time.perf_counter() - start)
    return result, times


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    for label, make_shape, tokens, hardware, gpus, batch in CASES:
        result, times = time_search(make_shape(), tokens, hardware, gpus, batch, args.repeat)
        print(f"{label}: {result.evaluated} candidates, {result.feasible} fit; "
              f"best {min(times) * 1e3:.1f} ms, median {statistics.median(times) * 1e3:.1f} ms")
        print(f"    -> {result.layout.describe()}")
    shape = CASES[0][1]()
    start = time.perf_counter()
    cost = estimate_cost(shape, 15.6e12, "h100-sxm", global_batch_tokens=16 * 2**20)
    print(f"405B with the GPU count chosen (searches every node x 2^k count): {time.perf_counter() - start:.2f} s "
          f"-> {cost.gpus} GPUs, {cost.wall_clock_days:.0f} days, MFU {cost.mfu:.1%}")


if __name__ == "__main__":
    main()
