"""Planner defaults from configs/planner.yaml (throughput band, precision candidates, solver settings)."""

from __future__ import annotations

from functools import lru_cache

from .config import Fields, configs_dir, load_yaml


@lru_cache(maxsize=1)
def planner_settings() -> dict:
    path = configs_dir() / "planner.yaml"
    root = Fields(load_yaml(path), str(path))
    return {
        "default_hardware": root.text("default_hardware"),
        "band": root.sub("throughput_band").number("relative", positive=True),
        "precisions": tuple(root.sub("precision").raw("candidates")),
        "precision_loss_law": root.sub("precision").text("loss_law_fallback"),
        "rel_tol": root.sub("solver").number("rel_tol", positive=True),
        "first_guess": root.sub("solver").number("first_guess_flops", positive=True),
        "probe_factors": tuple(float(f) for f in root.sub("solver").raw("probe_factors")),
    }
