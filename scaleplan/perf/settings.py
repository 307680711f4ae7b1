"""Cost-model settings from ``configs/perf/*.yaml``: defaults, precisions, efficiency curves.

Nothing numeric about the cost model lives in code; these frozen dataclasses are the typed view of the
YAML files, loaded once.
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache

from ..config import Fields, configs_dir, load_yaml
from ..errors import InputError
from ..hardware import HardwareProfile

RECOMPUTE = ("none", "selective", "full")


@dataclass(frozen=True)
class Precision:
    name: str
    peak: str
    weight_bytes: float
    grad_bytes: float
    optimizer_bytes: float
    activation_bytes: float
    fsdp_reduce_bytes: float
    cast_bytes: float
    elementwise_bytes: float    # bytes per element moved by the non-GEMM (memory-bound) kernels
    source: str


@dataclass(frozen=True)
class EfficiencyCurve:
    """Achievable fractions for one accelerator (see configs/perf/efficiency.yaml)."""

    name: str
    matmul_max: float
    matmul_half_flops: float
    attention_max: float
    memory_bandwidth: float
    scale_up: float
    scale_out: float
    calibrated: bool
    source: str


@dataclass(frozen=True)
class PerfDefaults:
    goodput: float
    goodput_source: str
    pue: float
    pue_source: str
    power_fraction: float
    power_source: str
    batch_tokens: float
    batch_source: str
    target_days: float
    min_doubling_speedup: float
    deadline_scan_slack: float
    max_gpus: int
    gpu_rule_source: str
    reserved_bytes: float
    fragmentation: float
    logits_bytes: float
    tensor_parallel: tuple[int, ...]
    micro_batch: tuple[int, ...]
    virtual_stages: tuple[int, ...]
    zero_stages: tuple[int, ...]
    recompute: tuple[str, ...]
    batch_tolerance: float
    ew_hidden: float
    ew_attention: float
    ew_kv: float
    ew_ffn: float
    ew_ffn_gelu: float
    ew_backward: float
    unfused_softmax_bytes: float
    flash_causal_fraction: float
    ce_bytes: float
    optimizer_bytes: float
    overlap_dp: float
    overlap_fsdp: float
    overlap_tp: float
    overlap_tp_pipelined: float
    overlap_pp: float
    max_params: float
    min_params: float
    max_tokens: float
    min_tokens: float
    max_seq_len: int


@lru_cache(maxsize=None)
def _perf_file(name: str) -> Fields:
    path = configs_dir() / "perf" / f"{name}.yaml"
    return Fields(load_yaml(path), str(path))


def _ints(block: Fields, key: str) -> tuple[int, ...]:
    value = block.raw(key)
    if not isinstance(value, list) or not value or not all(isinstance(v, int) and v >= 0 for v in value):
        raise block.error(key, "expected a non-empty list of whole numbers")
    return tuple(value)


@lru_cache(maxsize=1)
def load_defaults() -> PerfDefaults:
    root = _perf_file("defaults")
    goodput, pue, power = root.sub("goodput"), root.sub("pue"), root.sub("power")
    batch, gpus, mem = root.sub("batch"), root.sub("gpu_count"), root.sub("memory")
    search, ew, opt = root.sub("search"), root.sub("elementwise"), root.sub("optimizer")
    overlap, limits = root.sub("overlap"), root.sub("validation")
    recompute = tuple(search.raw("recompute"))
    for mode in recompute:
        if mode not in RECOMPUTE:
            raise search.error("recompute", f"unknown mode {mode!r} (expected {', '.join(RECOMPUTE)})")
    g = goodput.number("default", positive=True)
    if g > 1:
        raise goodput.error("default", f"a fraction must be <= 1, got {g}")
    return PerfDefaults(
        goodput=g, goodput_source=goodput.text("source"),
        pue=pue.number("default", positive=True), pue_source=pue.text("source"),
        power_fraction=power.number("utilisation_of_rated", positive=True), power_source=power.text("source"),
        batch_tokens=batch.number("default_tokens", positive=True), batch_source=batch.text("source"),
        target_days=gpus.number("target_days", positive=True),
        min_doubling_speedup=gpus.number("min_doubling_speedup", positive=True),
        deadline_scan_slack=gpus.number("deadline_scan_slack", positive=True), max_gpus=int(gpus.number("max_gpus", positive=True)),
        gpu_rule_source=gpus.text("source"),
        reserved_bytes=mem.number("reserved_gib") * 2**30, fragmentation=mem.number("fragmentation"),
        logits_bytes=mem.number("logits_bytes_per_element", positive=True),
        tensor_parallel=_ints(search, "tensor_parallel"), micro_batch=_ints(search, "micro_batch"),
        virtual_stages=_ints(search, "virtual_stages"), zero_stages=_ints(search, "zero_stages"), recompute=recompute,
        batch_tolerance=search.number("batch_tolerance"),
        ew_hidden=ew.number("per_hidden"), ew_attention=ew.number("per_attention_width"), ew_kv=ew.number("per_kv_width"),
        ew_ffn=ew.number("per_ffn"), ew_ffn_gelu=ew.number("per_ffn_gelu"), ew_backward=ew.number("backward_factor"),
        unfused_softmax_bytes=ew.number("unfused_softmax_bytes_per_score"),
        flash_causal_fraction=ew.number("flash_causal_fraction", positive=True), ce_bytes=ew.number("logits_bytes_per_element"),
        optimizer_bytes=opt.number("bytes_per_param", positive=True),
        overlap_dp=overlap.number("data_parallel"), overlap_fsdp=overlap.number("fsdp"),
        overlap_tp=overlap.number("tensor_parallel"), overlap_pp=overlap.number("pipeline_p2p"),
        overlap_tp_pipelined=overlap.number("tensor_parallel_pipelined"),
        max_params=limits.number("max_params", positive=True), min_params=limits.number("min_params", positive=True),
        max_tokens=limits.number("max_tokens", positive=True), min_tokens=limits.number("min_tokens", positive=True),
        max_seq_len=int(limits.number("max_seq_len", positive=True)),
    )


@lru_cache(maxsize=1)
def _precisions() -> dict[str, Precision]:
    root = _perf_file("precision").sub("precisions")
    out = {}
    for name in root.data:
        p = root.sub(str(name))
        out[str(name)] = Precision(
            name=str(name), peak=p.text("peak"), weight_bytes=p.number("weight_bytes", positive=True),
            grad_bytes=p.number("grad_bytes", positive=True), optimizer_bytes=p.number("optimizer_bytes", positive=True),
            activation_bytes=p.number("activation_bytes", positive=True),
            fsdp_reduce_bytes=p.number("fsdp_reduce_bytes", positive=True),
            cast_bytes=p.number("cast_bytes_per_gemm_input"), source=p.text("source"),
            elementwise_bytes=p.number("elementwise_bytes", positive=True),
        )
    return out


def load_precision(name: str) -> Precision:
    table = _precisions()
    key = str(name).lower()
    if key not in table:
        raise InputError(f"--precision: unknown precision '{name}' (choose from {', '.join(table)})")
    return table[key]


def _curve(block: Fields, name: str, matmul_max: float, calibrated: bool) -> EfficiencyCurve:
    fractions = {}
    for key in ("attention_max", "memory_bandwidth", "scale_up", "scale_out"):
        value = block.number(key, positive=True)
        if value > 1:
            raise block.error(key, f"a fraction must be <= 1, got {value}")
        fractions[key] = value
    return EfficiencyCurve(
        name=name, matmul_max=matmul_max, matmul_half_flops=block.number("matmul_half_gflop", positive=True) * 1e9,
        calibrated=calibrated, source=block.text("source"), **fractions,
    )


def efficiency_for(profile: HardwareProfile, precision: str = "bf16") -> EfficiencyCurve:
    """The curve named by the profile, or one derived from its MAMF when the accelerator is uncalibrated."""
    root = _perf_file("efficiency")
    curves = root.sub("curves")
    if profile.efficiency:
        if not curves.has(profile.efficiency):
            raise curves.error(profile.efficiency, f"no efficiency curve named '{profile.efficiency}' "
                                                   f"(used by hardware profile {profile.path})")
        block = curves.sub(profile.efficiency)
        matmul_max = block.number("matmul_max", positive=True)
        bf16_ceiling = profile.mamf.get("bf16")
        if bf16_ceiling is not None and matmul_max > bf16_ceiling:
            raise block.error("matmul_max", f"{matmul_max} exceeds the measured bf16 matmul ceiling "
                                            f"(MAMF {bf16_ceiling}) of {profile.name}")
        # The curve is fitted in bf16; other precisions scale by the ratio of their measured ceilings.
        if precision != "bf16" and bf16_ceiling and profile.mamf.get(precision):
            matmul_max *= profile.mamf[precision] / bf16_ceiling
        return _curve(block, profile.efficiency, matmul_max, True)
    block = root.sub("uncalibrated")
    mamf = profile.mamf.get(precision) or profile.mamf.get("bf16")
    matmul_max = (mamf * block.number("mamf_ratio", positive=True) if mamf is not None
                  else block.number("fallback_matmul_max", positive=True))
    return _curve(block, "uncalibrated", matmul_max, False)
