"""Read training runs from CSV or JSON Lines, validated, with errors that name the file, row and column.

Columns are matched by name, case- and punctuation-insensitively (``Model Size`` = ``model_size``):

- N: ``N``, ``params``, ``parameters``, ``model_size``, ``n_params`` (total parameters unless declared
  otherwise), or ``N_non_embedding`` / ``non_embedding_params`` (declares non-embedding);
- D: ``D``, ``tokens``, ``training_tokens``; or C: ``C``, ``flops``, ``compute``, ``training_flop``
  (then D = C / (6 N));
- loss: ``loss``, ``final_loss``, ``eval_loss``, ``val_loss``;
- optional ``weight`` (non-negative) and ``seed`` (any text: runs of one (N, D) that differ only by seed are
  resampled together by the bootstrap).

Counts accept the usual spellings (``7e9``, ``7B``, ``2T``).
"""

from __future__ import annotations

import csv
import io as _io
import json
import math
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Iterable, Mapping, Sequence

import numpy as np

from ..errors import InputError
from ..units import parse_quantity
from ..config import read_text_file

PARAMS_KINDS = ("total", "non_embedding")

N_NAMES = ("n", "params", "parameters", "model_size", "modelsize", "n_params", "num_params", "n_total",
           "total_params")
N_NON_EMBEDDING_NAMES = ("n_non_embedding", "non_embedding_params", "n_nonembedding", "nonembedding_params")
D_NAMES = ("d", "tokens", "training_tokens", "n_tokens", "num_tokens")
C_NAMES = ("c", "flops", "flop", "compute", "training_flop", "training_flops")
LOSS_NAMES = ("loss", "final_loss", "eval_loss", "val_loss", "validation_loss")
WEIGHT_NAMES = ("weight", "weights", "w")
SEED_NAMES = ("seed", "run_seed")


def normalise(name: str) -> str:
    return re.sub(r"[^a-z0-9]+", "_", str(name).strip().lower()).strip("_")


@dataclass(frozen=True)
class Table:
    """Raw rows of one file: ``columns`` in file order, each row a mapping column -> cell, 1-based rows."""

    source: str
    columns: tuple[str, ...]
    rows: tuple[Mapping[str, Any], ...]
    row_numbers: tuple[int, ...]

    def find(self, names: Iterable[str]) -> str | None:
        wanted = set(names)
        for column in self.columns:
            if normalise(column) in wanted:
                return column
        return None

    def require(self, names: Sequence[str], what: str) -> str:
        column = self.find(names)
        if column is None:
            raise InputError(f"{self.source}: no column for {what} (looked for {', '.join(names[:4])}, ...; "
                             f"found {', '.join(self.columns) or 'none'})")
        return column

    def _cell(self, index: int, column: str) -> Any:
        return self.rows[index].get(column)

    def _where(self, index: int, column: str) -> str:
        return f"{self.source}: row {self.row_numbers[index]}, column '{column}'"

    def numbers(self, column: str, *, positive: bool = True, count: bool = False,
                default: float | None = None) -> np.ndarray:
        """One numeric column; empty cells take ``default`` (an error when there is none)."""
        out = np.empty(len(self.rows))
        for i in range(len(self.rows)):
            cell = self._cell(i, column)
            if cell is None or (isinstance(cell, str) and not cell.strip()):
                if default is None:
                    raise InputError(f"{self._where(i, column)}: value is missing")
                out[i] = default
                continue
            if isinstance(cell, bool):
                raise InputError(f"{self._where(i, column)}: expected a number, got {cell!r}")
            try:
                value = parse_quantity(cell, "") if count else float(cell)
            except (InputError, ValueError, TypeError):
                raise InputError(f"{self._where(i, column)}: cannot read {cell!r} as a number") from None
            if not math.isfinite(value):
                raise InputError(f"{self._where(i, column)}: must be finite, got {cell!r}")
            if positive and value <= 0:
                raise InputError(f"{self._where(i, column)}: must be positive, got {cell!r}")
            if not positive and value < 0:
                raise InputError(f"{self._where(i, column)}: must not be negative, got {cell!r}")
            out[i] = value
        return out

    def texts(self, column: str) -> list[str]:
        return ["" if self._cell(i, column) is None else str(self._cell(i, column)).strip()
                for i in range(len(self.rows))]


def _is_jsonl(path: Path, text: str) -> bool:
    if path.suffix.lower() in (".jsonl", ".ndjson", ".json"):
        return True
    if path.suffix.lower() in (".csv", ".tsv", ".txt"):
        return False
    return text.lstrip().startswith("{")


def read_table(path: str | Path) -> Table:
    path = Path(path)
    source = str(path)
    text = read_text_file(path, "a CSV or JSON Lines file", encoding="utf-8-sig")
    if not text.strip():
        raise InputError(f"{source}: the file is empty (expected a header and one row per run)")
    if _is_jsonl(path, text):
        return _read_jsonl(text, source)
    return _read_csv(text, source, "\t" if path.suffix.lower() == ".tsv" else ",")


def _read_csv(text: str, source: str, delimiter: str) -> Table:
    try:
        reader = csv.reader(_io.StringIO(text), delimiter=delimiter)
        lines = [(n, row) for n, row in enumerate(reader, start=1) if any(cell.strip() for cell in row)]
    except csv.Error as exc:
        raise InputError(f"{source}: malformed CSV: {exc}") from None
    header = [cell.strip() for cell in lines[0][1]]
    if len(set(header)) != len(header):
        duplicate = next(h for h in header if header.count(h) > 1)
        raise InputError(f"{source}: column '{duplicate}' appears twice in the header")
    rows, numbers = [], []
    for number, row in lines[1:]:
        if len(row) > len(header):
            raise InputError(f"{source}: row {number} has {len(row)} cells but the header has {len(header)}")
        rows.append(dict(zip(header, row)))
        numbers.append(number)
    return Table(source, tuple(header), tuple(rows), tuple(numbers))


def _read_jsonl(text: str, source: str) -> Table:
    columns: dict[str, None] = {}
    rows, numbers = [], []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.strip():
            continue
        try:
            record = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{source}: line {number}: not valid JSON ({exc.msg})") from None
        if not isinstance(record, dict):
            raise InputError(f"{source}: line {number}: expected one JSON object per line")
        for key in record:
            columns.setdefault(str(key))
        rows.append({str(k): v for k, v in record.items()})
        numbers.append(number)
    return Table(source, tuple(columns), tuple(rows), tuple(numbers))


@dataclass(frozen=True)
class Runs:
    """Validated runs: N (in ``params_kind``), D tokens, loss, weights (mean 1), bootstrap groups."""

    source: str
    N: np.ndarray
    D: np.ndarray
    loss: np.ndarray
    weight: np.ndarray
    groups: np.ndarray  # integer label per run; the bootstrap resamples whole groups
    params_kind: str = "total"
    tokens_from_compute: bool = False

    def __len__(self) -> int:
        return len(self.loss)

    @property
    def C(self) -> np.ndarray:
        return 6.0 * self.N * self.D

    def take(self, index: np.ndarray) -> "Runs":
        return Runs(self.source, self.N[index], self.D[index], self.loss[index], self.weight[index],
                    self.groups[index], self.params_kind, self.tokens_from_compute)

    def fitted_range(self) -> dict[str, list[float]]:
        return {key: [float(values.min()), float(values.max())]
                for key, values in (("N", self.N), ("D", self.D), ("C", self.C))}


def make_runs(N: Sequence[float], D: Sequence[float], loss: Sequence[float], *, weight: Sequence[float] | None = None,
              seeds: Sequence[str] | None = None, params_kind: str = "total", source: str = "<runs>",
              tokens_from_compute: bool = False) -> Runs:
    """Build :class:`Runs` from arrays (library use); the same checks as for a file."""
    N, D, loss = (np.asarray(x, dtype=float).ravel() for x in (N, D, loss))
    if not len(N) == len(D) == len(loss):
        raise InputError(f"{source}: N, D and loss have different lengths ({len(N)}, {len(D)}, {len(loss)})")
    if params_kind not in PARAMS_KINDS:
        raise InputError(f"params kind must be one of {', '.join(PARAMS_KINDS)}; got {params_kind!r}")
    for name, values in (("N", N), ("D", D), ("loss", loss)):
        bad = np.flatnonzero(~np.isfinite(values) | (values <= 0))
        if bad.size:
            raise InputError(f"{source}: {name} must be positive and finite; run {bad[0] + 1} has {values[bad[0]]:g}")
    w = np.ones_like(loss) if weight is None else np.asarray(weight, dtype=float).ravel()
    if len(w) != len(loss) or not np.all(np.isfinite(w)) or np.any(w < 0) or not np.any(w > 0):
        raise InputError(f"{source}: weights must be finite, non-negative and not all zero")
    w = w / w.mean()
    if seeds is not None and any(seeds):
        keys = [(n, d) for n, d in zip(N.tolist(), D.tolist())]
    else:
        keys = list(range(len(loss)))
    labels: dict[Any, int] = {}
    groups = np.array([labels.setdefault(k, len(labels)) for k in keys], dtype=int)
    return Runs(source, N, D, loss, w, groups, params_kind, tokens_from_compute)


def read_runs(path: str | Path, *, params_kind: str | None = None) -> Runs:
    """Runs for a loss-law fit: N, D (or C), loss, optional weight and seed."""
    table = read_table(path)
    if not table.rows:
        raise InputError(f"{table.source}: no runs (only a header)")
    declared = None
    n_col = table.find(N_NON_EMBEDDING_NAMES)
    if n_col is not None:
        declared = "non_embedding"
    else:
        n_col = table.require(N_NAMES + N_NON_EMBEDDING_NAMES, "N (parameters)")
    if params_kind is not None and declared is not None and params_kind != declared:
        raise InputError(f"{table.source}: column '{n_col}' holds {declared} parameters but --params-kind is {params_kind}")
    kind = params_kind or declared or "total"
    N = table.numbers(n_col, count=True)
    d_col = table.find(D_NAMES)
    from_compute = d_col is None
    if from_compute:
        c_col = table.find(C_NAMES)
        if c_col is None:
            raise InputError(f"{table.source}: no column for D (tokens) or C (FLOPs) (looked for D, tokens, C, "
                             f"flops, ...; found {', '.join(table.columns)})")
        D = table.numbers(c_col, count=True) / (6.0 * N)
    else:
        D = table.numbers(d_col, count=True)
    loss = table.numbers(table.require(LOSS_NAMES, "loss"))
    w_col = table.find(WEIGHT_NAMES)
    weight = None if w_col is None else table.numbers(w_col, positive=False, default=1.0)
    s_col = table.find(SEED_NAMES)
    seeds = None if s_col is None else table.texts(s_col)
    return make_runs(N, D, loss, weight=weight, seeds=seeds, params_kind=kind, source=table.source,
                     tokens_from_compute=from_compute)


def check_identifiable(runs: Runs, n_constants: int, form: str) -> None:
    """Refuse data from which a two-variable law cannot be identified, saying why."""
    source = runs.source
    if len(runs) < 2:
        raise InputError(f"{source}: only {len(runs)} run; a {form} fit needs runs at several N and D "
                         f"(at least {n_constants + 1})")
    n_distinct = len(np.unique(np.round(np.log(runs.N), 6)))
    d_distinct = len(np.unique(np.round(np.log(runs.D), 6)))
    if n_distinct < 2:
        raise InputError(f"{source}: all runs have the same N ({runs.N[0]:.3g}); the N term of the {form} form "
                         "cannot be identified (train at least two model sizes)")
    if d_distinct < 2:
        raise InputError(f"{source}: all runs have the same D ({runs.D[0]:.3g}); the D term of the {form} form "
                         "cannot be identified (train at least two token counts)")
    points = len(set(zip(np.round(np.log(runs.N), 6).tolist(), np.round(np.log(runs.D), 6).tolist())))
    if points <= n_constants:
        raise InputError(f"{source}: {points} distinct (N, D) points for {n_constants} constants; the {form} form "
                         f"cannot be identified (need at least {n_constants + 1})")
    x, y = np.log(runs.N), np.log(runs.D)
    design = np.column_stack([np.ones_like(x), x - x.mean(), y - y.mean()])
    singular = np.linalg.svd(design / np.linalg.norm(design, axis=0), compute_uv=False)
    if singular[-1] / singular[0] < 1e-3:
        raise InputError(f"{source}: N and D vary together (a fixed D/N ratio); the N and D terms of the {form} "
                         "form cannot be separated (add runs at other tokens-per-parameter ratios)")
