"""Keep OpenBLAS single-threaded while fitting.

L-BFGS-B (scipy >= 1.15) calls BLAS/LAPACK on 5x5 problems thousands of times per fit; a multi-threaded
OpenBLAS spins up its thread pool for each call and, next to a process pool or on a busy machine, a
bootstrap becomes 10x slower. The parallelism that pays is over refits (processes), not inside them.

:func:`single_threaded_blas` sets every loaded OpenBLAS (numpy's and scipy's wheels each bundle one) to one
thread and restores the previous count on exit; it does nothing where no OpenBLAS is found.
Call it after scipy is imported (the libraries are looked up once).
"""

from __future__ import annotations

import ctypes
import os
from contextlib import contextmanager
from functools import lru_cache
from typing import Iterator

_PREFIXES = ("scipy_openblas_", "openblas_")
_SUFFIXES = ("64_", "_64_", "")


@lru_cache(maxsize=1)
def _openblas_handles() -> tuple:
    paths = set()
    try:
        with open("/proc/self/maps", encoding="utf-8") as maps:
            for line in maps:
                path = line.split()[-1] if line.strip() else ""
                if "openblas" in os.path.basename(path).lower() and ".so" in path:
                    paths.add(path)
    except OSError:  # pragma: no cover - not Linux
        return []
    handles = []
    for path in sorted(paths):
        try:
            lib = ctypes.CDLL(path)
        except OSError:  # pragma: no cover
            continue
        for prefix in _PREFIXES:
            for suffix in _SUFFIXES:
                setter = getattr(lib, f"{prefix}set_num_threads{suffix}", None)
                getter = getattr(lib, f"{prefix}get_num_threads{suffix}", None)
                if setter is not None and getter is not None:
                    getter.restype = ctypes.c_int
                    handles.append((setter, getter))
                    break
            else:
                continue
            break
    return tuple(handles)


@contextmanager
def single_threaded_blas() -> Iterator[None]:
    handles = _openblas_handles()
    previous = []
    for setter, getter in handles:
        try:
            previous.append((setter, int(getter())))
            setter(1)
        except Exception:  # pragma: no cover - an unexpected ABI: leave the library alone
            continue
    try:
        yield
    finally:
        for setter, count in previous:
            try:
                setter(count)
            except Exception:  # pragma: no cover
                pass
