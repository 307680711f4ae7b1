"""Plan files: what ``scaleplan plan`` writes and ``check``/``diff`` read.

A plan file is ``Plan.to_dict()`` (schema_version, scaleplan_version, inputs, law, allocation, the
sections, warnings) plus ``spec:`` -- the spec it came from (source, name, inputs as given, and its
``budget:`` limits) -- so that ``check plan.yaml`` applies the same limits as ``check spec.yaml``.

Writing is atomic: the text goes to a temporary file in the target's directory, is flushed and
fsynced, then renamed over the target; an existing file is never replaced without ``force``.
"""

from __future__ import annotations

import os
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Mapping

from .config import Fields, load_yaml
from .errors import ConfigError, InputError
from .plan import SCHEMA_VERSION


@dataclass(frozen=True)
class Source:
    """A loaded spec or plan file, as a plan document ready for ``check``/``diff``."""

    path: str
    kind: str  # "spec" or "plan"
    document: Mapping[str, Any]  # the plan document (planned now for a spec)
    budget: Mapping[str, float]  # limits from the file
    spec: Any = None  # scaleplan.spec.Spec for a spec file

    @property
    def name(self) -> str | None:
        spec = self.document.get("spec")
        return spec.get("name") if isinstance(spec, Mapping) else None


def plan_document(plan: Any, spec: Any = None) -> dict:
    """The plan file's content: the plan's versioned dict with the spec recorded after the header."""
    data = plan.to_dict()
    if spec is None:
        return data
    out: dict = {}
    for key, value in data.items():
        out[key] = value
        if key == "scaleplan_version":
            out["spec"] = spec.to_dict()
    out.setdefault("spec", spec.to_dict())
    return out


def validate_plan(data: Any, source: str) -> dict[str, float]:
    """Check a plan document's version and required keys; returns its ``spec.budget`` limits."""
    from .spec.limits import parse_limits

    top = Fields(data, source)
    version = top.raw("schema_version")
    if isinstance(version, bool) or not isinstance(version, int) or version < 1:
        raise top.error("schema_version", f"expected a positive whole number, got {version!r}")
    if version > SCHEMA_VERSION:
        raise top.error("schema_version", f"{version} is newer than this scaleplan reads ({SCHEMA_VERSION}); "
                                          "upgrade scaleplan or re-run 'scaleplan plan' with this version")
    top.sub("inputs")
    top.sub("law")
    allocation = top.sub("allocation")
    for key in ("params", "tokens", "tokens_per_param"):
        allocation.number(key, positive=True)
    if allocation.has("loss"):
        allocation.number("loss")
    budget: dict[str, float] = {}
    if top.has("spec"):
        spec = top.sub("spec")
        if spec.has("budget"):
            budget = parse_limits(spec.sub("budget"))
    return budget


def is_plan_document(data: Any) -> bool:
    return isinstance(data, Mapping) and "schema_version" in data


def load_source(path: str | Path) -> Source:
    """Load a spec (and plan it) or a plan file (and validate it)."""
    from .spec import load_spec, run_planner

    text_path = str(path)
    data = load_yaml(path)
    if is_plan_document(data):
        budget = validate_plan(data, text_path)
        return Source(text_path, "plan", data, budget)
    if data is not None and not isinstance(data, Mapping):
        raise ConfigError(f"{text_path}: expected a spec or a plan (a mapping), got {type(data).__name__}")
    spec = load_spec(path)
    plan = run_planner(spec)
    return Source(text_path, "spec", plan_document(plan, spec), dict(spec.budget), spec)


def write_atomic(path: str | Path, text: str, *, force: bool = False) -> Path:
    """Write ``text`` to ``path`` atomically; refuse to replace an existing file unless ``force``."""
    target = Path(path)
    if target.is_dir():
        raise InputError(f"{target}: is a directory, expected a file name")
    parent = target.parent
    if not parent.is_dir():
        raise InputError(f"{target}: directory {parent} does not exist")
    if target.exists() and not target.is_file():
        raise InputError(f"{target}: exists and is not a regular file; refusing to replace it")
    if target.exists() and not force:
        raise InputError(f"{target}: already exists (use --force to overwrite)")
    try:
        fd, tmp_name = tempfile.mkstemp(prefix=f".{target.name}.", suffix=".tmp", dir=parent)
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    tmp = Path(tmp_name)
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp creates 0600; a plan file is a normal file
        with os.fdopen(fd, "w", encoding="utf-8", newline="\n") as handle:
            handle.write(text)
            handle.flush()
            os.fsync(handle.fileno())
        if force:
            os.replace(tmp, target)
        else:
            _link_no_clobber(tmp, target)
    except FileExistsError:
        raise InputError(f"{target}: already exists (use --force to overwrite)") from None
    except OSError as exc:
        raise InputError(f"{target}: cannot write: {exc.strerror or exc}") from None
    finally:
        if tmp.exists():
            tmp.unlink()
    return target


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


def _link_no_clobber(tmp: Path, target: Path) -> None:
    """Publish ``tmp`` as ``target`` only if ``target`` does not exist (atomic where hard links work)."""
    try:
        os.link(tmp, target)  # fails with FileExistsError if another writer got there first
    except FileExistsError:
        raise
    except OSError:  # file systems without hard links: check, then rename
        if target.exists():
            raise FileExistsError(str(target)) from None
        os.replace(tmp, target)
