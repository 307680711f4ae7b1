"""Machine-readable forms. JSON is stable: key order is fixed by the producers, floats are repr'd,
and a NaN or infinity is an error rather than an invalid document."""

from __future__ import annotations

import json
import math
from typing import Any, Iterable, Sequence

FORMATS = ("table", "json", "yaml", "markdown")


def _check_finite(value: Any, path: str = "$") -> None:
    if isinstance(value, float) and not math.isfinite(value):
        raise ValueError(f"non-finite number at {path}: {value}")
    if isinstance(value, dict):
        for key, item in value.items():
            _check_finite(item, f"{path}.{key}")
    elif isinstance(value, (list, tuple)):
        for index, item in enumerate(value):
            _check_finite(item, f"{path}[{index}]")


def to_json(data: Any) -> str:
    _check_finite(data)
    return json.dumps(data, indent=2, allow_nan=False) + "\n"


def to_yaml(data: Any) -> str:
    from ..config import dump_yaml

    _check_finite(data)
    return dump_yaml(data)


def to_markdown_table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    def cell(text: str) -> str:
        return str(text).replace("|", "\\|").replace("\n", " ")

    lines = ["| " + " | ".join(cell(h) for h in headers) + " |", "|" + "---|" * len(headers)]
    lines.extend("| " + " | ".join(cell(c) for c in row) + " |" for row in rows)
    return "\n".join(lines) + "\n"
