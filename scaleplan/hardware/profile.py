"""The hardware profile schema: one accelerator, its node and its prices, parsed from a YAML mapping.

Every figure is per accelerator (per GPU / chip / GCD as the profile says). Peaks are DENSE (no
structured sparsity); a profile whose dense peak exceeds the vendor's sparse figure for the same dtype
is rejected, since that is the classic "sparse peak used as dense" mistake. Errors name the file and
the key path (see :class:`scaleplan.config.Fields`).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Mapping

from ..config import Fields
from ..errors import InputError

DTYPES = ("fp32", "tf32", "bf16", "fp16", "fp8", "fp4")
PRICE_TIERS = ("on-demand", "reserved", "spot")
_TOP_KEYS = ("schema_version", "name", "title", "vendor", "aliases", "efficiency", "peak_dense_tflops",
             "peak_sparse_tflops", "mamf", "memory", "intra_node", "scale_out", "power", "prices", "notes")


@dataclass(frozen=True)
class Price:
    """USD per accelerator-hour for one tier; ``usd_per_hour`` is None when no public price is known."""

    tier: str
    usd_per_hour: float | None
    as_of: str
    source: str
    note: str = ""

    def to_dict(self) -> dict:
        return {"tier": self.tier, "usd_per_accelerator_hour": self.usd_per_hour, "as_of": self.as_of,
                "source": self.source, "note": self.note}


@dataclass(frozen=True)
class HardwareProfile:
    name: str
    title: str
    vendor: str
    aliases: tuple[str, ...]
    efficiency: str                       # key in configs/perf/efficiency.yaml ("" = uncalibrated)
    peak_dense_tflops: Mapping[str, float]  # dtype -> dense TFLOP/s (1e12 FLOP/s), only supported dtypes
    peak_sparse_tflops: Mapping[str, float]
    mamf: Mapping[str, float]             # dtype -> measured max-achievable matmul fraction of the dense peak
    memory_gib: float
    memory_bandwidth_tbps: float          # TB/s = 1e12 B/s
    intra_node_gbytes_per_direction: float  # GB/s = 1e9 B/s, per accelerator, one direction
    accelerators_per_node: int
    scale_up_domain: int                  # accelerators sharing the intra-node fabric (NVL72: 72, TPU pod)
    intra_node_fabric: str
    scale_out_gbps: float                 # Gb/s per accelerator (NIC bandwidth / accelerators per node)
    scale_out_assumed: bool
    power_watts: float | None
    power_term: str
    prices: Mapping[str, Price]
    sources: Mapping[str, str] = field(default_factory=dict)
    notes: tuple[str, ...] = ()
    path: str = ""

    # -- derived, in SI units ----------------------------------------------------------------------
    def peak_flops(self, dtype: str) -> float:
        """Dense peak in FLOP/s for ``dtype``; a clear error when the accelerator has no such peak."""
        if dtype not in self.peak_dense_tflops:
            have = ", ".join(k for k in DTYPES if k in self.peak_dense_tflops)
            raise InputError(f"{self.name} has no dense {dtype} peak (supported: {have}); "
                             f"choose another --precision or another --hardware")
        return self.peak_dense_tflops[dtype] * 1e12

    @property
    def memory_bytes(self) -> float:
        return self.memory_gib * 2**30

    @property
    def memory_bandwidth(self) -> float:
        return self.memory_bandwidth_tbps * 1e12

    @property
    def intra_node_bandwidth(self) -> float:
        return self.intra_node_gbytes_per_direction * 1e9

    @property
    def scale_out_bandwidth(self) -> float:
        """Bytes/s per accelerator per direction."""
        return self.scale_out_gbps * 1e9 / 8

    def price(self, tier: str) -> Price:
        if tier not in PRICE_TIERS:
            raise InputError(f"--price: unknown tier '{tier}' (choose from {', '.join(PRICE_TIERS)})")
        return self.prices[tier]

    def to_dict(self) -> dict:
        return {
            "name": self.name, "title": self.title, "vendor": self.vendor, "aliases": list(self.aliases),
            "efficiency_curve": self.efficiency or "uncalibrated",
            "peak_dense_tflops": dict(self.peak_dense_tflops), "peak_sparse_tflops": dict(self.peak_sparse_tflops),
            "mamf": dict(self.mamf), "memory_gib": self.memory_gib, "memory_bandwidth_tbps": self.memory_bandwidth_tbps,
            "intra_node": {"fabric": self.intra_node_fabric, "gbytes_per_direction": self.intra_node_gbytes_per_direction,
                           "accelerators_per_node": self.accelerators_per_node, "scale_up_domain": self.scale_up_domain},
            "scale_out": {"gbps_per_accelerator": self.scale_out_gbps, "assumed": self.scale_out_assumed},
            "power": {"watts": self.power_watts, "term": self.power_term},
            "prices": {tier: p.to_dict() for tier, p in self.prices.items()},
            "sources": dict(self.sources), "notes": list(self.notes), "file": self.path,
        }


# -- parsing ---------------------------------------------------------------------------------------
def _provenance(block: Fields, what: str) -> str:
    """Every numeric block needs a source and a date; return 'source (as of date)'."""
    source = block.raw("source")
    as_of = block.raw("as_of")
    if not isinstance(source, str) or not source.strip():
        raise block.error("source", f"{what} needs a source (text)")
    return f"{source} (as of {as_of})"


def _peaks(block: Fields, *, required: tuple[str, ...]) -> dict[str, float]:
    block.check_keys(DTYPES + ("source", "as_of", "note"))
    peaks: dict[str, float] = {}
    for dtype in DTYPES:
        if dtype in required or block.has(dtype):
            peaks[dtype] = block.number(dtype, positive=True)
    return peaks


def _price(block: Fields, tier: str) -> Price:
    block.check_keys(("usd_per_hour", "as_of", "source", "note", "verification"))
    usd = block.number("usd_per_hour", None, positive=True)
    note = str(block.raw("note", ""))
    if usd is None and not note:
        raise block.error("usd_per_hour", "missing: give a price or a note saying why there is none")
    return Price(tier=tier, usd_per_hour=usd, as_of=str(block.raw("as_of")), source=str(block.raw("source")),
                 note=note)


def parse_profile(data: Any, source: str) -> HardwareProfile:
    """Validate one profile mapping; raise :class:`ConfigError` naming ``source`` and the field."""
    root = Fields(data, source)
    root.check_keys(_TOP_KEYS)
    version = root.number("schema_version")
    if version != 1:
        raise root.error("schema_version", f"unsupported version {version:g} (expected 1)")
    name = root.text("name")

    dense_block = root.sub("peak_dense_tflops")
    dense = _peaks(dense_block, required=("bf16",))
    sparse_block = root.sub("peak_sparse_tflops", {})
    sparse = _peaks(sparse_block, required=()) if sparse_block.data else {}
    for dtype, value in dense.items():
        if dtype in sparse and value >= sparse[dtype]:
            # Structured sparsity always doubles (2:4) or quadruples (4:1) the headline; a dense figure that
            # is not below it is the sparse one.
            raise dense_block.error(dtype, f"dense peak {value:g} TFLOP/s is not below the vendor's sparse figure "
                                           f"{sparse[dtype]:g}: this looks like a sparse ('with sparsity') peak; "
                                           "use the dense figure (usually half)")
    sources = {"compute": _provenance(dense_block, "peak_dense_tflops")}

    mamf_block = root.sub("mamf", {})
    mamf: dict[str, float] = {}
    if mamf_block.data:
        mamf_block.check_keys(DTYPES + ("source", "as_of", "note"))
        for dtype in DTYPES:
            if mamf_block.has(dtype):
                value = mamf_block.number(dtype, positive=True)
                if value > 1:
                    raise mamf_block.error(dtype, f"a fraction of the dense peak must be <= 1, got {value:g}")
                mamf[dtype] = value
        sources["mamf"] = _provenance(mamf_block, "mamf")

    memory = root.sub("memory")
    memory.check_keys(("capacity_gib", "bandwidth_tbps", "type", "source", "as_of", "note"))
    sources["memory"] = _provenance(memory, "memory")

    intra = root.sub("intra_node")
    intra.check_keys(("fabric", "per_direction_gbytes", "accelerators_per_node", "scale_up_domain", "source",
                      "as_of", "note"))
    node = intra.number("accelerators_per_node", positive=True)
    if node != int(node):
        raise intra.error("accelerators_per_node", f"must be a whole number, got {node:g}")
    domain = intra.number("scale_up_domain", node, positive=True)
    if domain < node or domain != int(domain):
        raise intra.error("scale_up_domain", f"must be a whole number >= accelerators_per_node, got {domain:g}")
    sources["intra_node"] = _provenance(intra, "intra_node")

    scale_out = root.sub("scale_out")
    scale_out.check_keys(("per_accelerator_gbps", "assumed", "source", "as_of", "note"))
    sources["scale_out"] = _provenance(scale_out, "scale_out")

    power = root.sub("power")
    power.check_keys(("watts", "term", "source", "as_of", "note"))
    sources["power"] = _provenance(power, "power")

    prices_block = root.sub("prices")
    prices_block.check_keys(PRICE_TIERS)
    prices = {tier: _price(prices_block.sub(tier), tier) for tier in PRICE_TIERS}

    aliases = root.raw("aliases", [])
    if not isinstance(aliases, list) or not all(isinstance(a, str) for a in aliases):
        raise root.error("aliases", "expected a list of names")
    notes = root.raw("notes", [])
    if isinstance(notes, str):
        notes = [notes]
    efficiency = str(root.raw("efficiency", ""))
    return HardwareProfile(
        name=name, title=root.text("title"), vendor=root.text("vendor"), aliases=tuple(aliases),
        efficiency=efficiency, peak_dense_tflops=dense, peak_sparse_tflops=sparse, mamf=mamf,
        memory_gib=memory.number("capacity_gib", positive=True),
        memory_bandwidth_tbps=memory.number("bandwidth_tbps", positive=True),
        intra_node_gbytes_per_direction=intra.number("per_direction_gbytes", positive=True),
        accelerators_per_node=int(node), scale_up_domain=int(domain), intra_node_fabric=str(intra.raw("fabric", "")),
        scale_out_gbps=scale_out.number("per_accelerator_gbps", positive=True),
        scale_out_assumed=bool(scale_out.raw("assumed", False)),
        power_watts=power.number("watts", None, positive=True), power_term=str(power.raw("term", "")),
        prices=prices, sources=sources, notes=tuple(str(n) for n in notes), path=source,
    )


