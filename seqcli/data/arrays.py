"""Sequences of numbers as NumPy arrays: an .npz holding x (N, T, F) floats, y (N,) labels or
numbers or (N, T) labels per step, and optionally lengths (N,) of ragged sequences padded in x. Read
with allow_pickle=False, so no file can run code; every problem is a DataError naming the
file and the array."""

from __future__ import annotations

import zipfile
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from seqcli.data.npz import check_npz
from seqcli.data.numbers import FLOAT32_MAX, BadNumber, parse_number
from seqcli.errors import DataError
from seqcli.recipe.inputs import DATA, open_input

NUMERIC = "iufb"  # numpy kinds x and lengths may hold: ints, unsigned, floats, booleans
LABEL_KINDS = "iubU"  # y's kinds read as labels as they are; integral floats become ints


@dataclass(frozen=True)
class Arrays:
    """Examples as read, in data units: padded steps past an example's length are ignored."""

    x: np.ndarray  # (N, T, F) float32
    y: np.ndarray | None  # (N,) or (N, T) labels as str, or (N,) numbers; None: not read
    lengths: np.ndarray  # (N,) int64, each 1..T
    source: str  # the file, for messages

    def __len__(self) -> int:
        return len(self.x)

    @property
    def mask(self) -> np.ndarray:
        """(N, T) True on real steps."""
        return np.arange(self.x.shape[1]) < self.lengths[:, None]

    def take(self, rows) -> Arrays:
        rows = np.asarray(rows, dtype=np.int64)
        y = None if self.y is None else self.y[rows]
        return Arrays(self.x[rows], y, self.lengths[rows], self.source)


def read_arrays(path: Path, *, target: str | None) -> Arrays:
    """The file's examples, y read as the task's target (TARGETS); None (predict): y unread."""
    contents = _load(path)
    x = _features(contents, path)
    lengths = _lengths(contents, x, path)
    y = None if target is None else _target(contents, x.shape[:2], TARGETS[target], path)
    _check_finite(x, lengths, path)
    return Arrays(x.astype(np.float32), y, lengths, str(path))


def _load(path: Path) -> dict[str, np.ndarray]:
    try:
        with open_input(path, DATA) as handle:
            check_npz(handle, path)
            return _arrays(handle, path)
    except (ValueError, OSError, EOFError, MemoryError, zipfile.BadZipFile) as err:
        if "allow_pickle" in str(err):
            err = "an array of Python objects, which would run code to load; store numbers or text"
        raise DataError(f"{path}: not an .npz file NumPy can read ({err})") from None


def _arrays(handle, path: Path) -> dict[str, np.ndarray]:
    with np.load(handle, allow_pickle=False) as npz:
        if not isinstance(npz, np.lib.npyio.NpzFile):
            raise DataError(f"{path}: holds one array; an arrays file is an .npz of x and y")
        return {name: npz[name] for name in npz.files}


def _array(contents: dict, name: str, path: Path) -> np.ndarray:
    if name not in contents:
        found = ", ".join(contents) or "nothing"
        raise DataError(f"{path}: no '{name}' array (found: {found}); see data.format arrays")
    return contents[name]


def _features(contents: dict, path: Path) -> np.ndarray:
    x = _array(contents, "x", path)
    if x.ndim != 3:
        raise DataError(
            f"{path}: x has shape {x.shape}; expected (N, T, F): examples, steps, "
            "features (one feature: shape (N, T, 1))"
        )
    if x.dtype.kind not in NUMERIC:
        raise DataError(f"{path}: x holds {x.dtype}; expected numbers")
    if 0 in x.shape:
        raise DataError(f"{path}: x has shape {x.shape}; every dimension needs at least one")
    return x


def _lengths(contents: dict, x: np.ndarray, path: Path) -> np.ndarray:
    count, steps = x.shape[:2]
    if "lengths" not in contents:
        return np.full(count, steps, dtype=np.int64)
    lengths = contents["lengths"]
    if lengths.shape != (count,) or lengths.dtype.kind not in "iu":
        raise DataError(
            f"{path}: lengths is {lengths.dtype} {lengths.shape}; expected {count} "
            "integers, one per example"
        )
    bad = np.flatnonzero((lengths < 1) | (lengths > steps))
    if len(bad):
        raise DataError(
            f"{path}: lengths[{bad[0]}] is {lengths[bad[0]]}; each length is 1 to "
            f"T = {steps}, the steps x holds"
        )
    return lengths.astype(np.int64)


def _target(contents: dict, shape: tuple[int, int], target: Target, path: Path) -> np.ndarray:
    y = _array(contents, "y", path)
    wanted = shape if target.per_step else shape[:1]
    if y.shape != wanted:
        swapped = {1: "one value per sequence", 2: "a label per step"}.get(y.ndim)
        hint = ""
        if swapped and y.ndim != len(wanted):
            hint = f" (that is {swapped}: check the recipe's mapping)"
        raise DataError(
            f"{path}: y has shape {y.shape}; x makes it {'(N, T)' if target.per_step else '(N,)'}"
            f" = {wanted}, {target.meaning}{hint}"
        )
    return target.read(y, path)


def _as_labels(y: np.ndarray, path: Path) -> np.ndarray:
    if y.dtype.kind == "f" and np.isfinite(y).all() and (y == np.round(y)).all():
        y = y.astype(np.int64)  # 0.0, 1.0, ... as a table library writes class ids
    if y.dtype.kind not in LABEL_KINDS:
        raise DataError(
            f"{path}: y holds {y.dtype}; labels are integers or strings (numbers to predict: "
            "data.label_type number)"
        )
    return y.astype(str)


def _as_numbers(y: np.ndarray, path: Path) -> np.ndarray:
    if y.dtype.kind not in "iuf":
        raise DataError(f"{path}: y holds {y.dtype}; data.label_type number needs numbers")
    values = y.astype(np.float64)
    bad = np.flatnonzero(~np.isfinite(values) | (np.abs(np.nan_to_num(values)) > FLOAT32_MAX))
    if len(bad):
        raise DataError(
            f"{path}: y[{bad[0]}] is {values[bad[0]]}; the values to predict must be finite "
            "and within float32's range"
        )
    return values


@dataclass(frozen=True)
class Target:
    """What y holds for a task: a value per sequence or per step, and how it is read."""

    per_step: bool
    meaning: str
    read: Callable[[np.ndarray, Path], np.ndarray]


TARGETS = {
    "class": Target(False, "a label per sequence", _as_labels),
    "step": Target(True, "a label per step", _as_labels),
    "number": Target(False, "a number per sequence", _as_numbers),
    "sequence": Target(False, "a label sequence (text) per sequence", _as_labels),
}


def _check_finite(x: np.ndarray, lengths: np.ndarray, path: Path) -> None:
    """Every real step's features are numbers float32 holds; padding may hold anything."""
    mask = np.arange(x.shape[1]) < lengths[:, None]  # (N, T)
    real = x[mask].astype(np.float64)  # (M, F)
    bad = ~np.isfinite(real) | (np.abs(np.nan_to_num(real)) > FLOAT32_MAX)
    if bad.any():
        row = np.flatnonzero(bad.any(1))[0]
        example, step = np.argwhere(mask)[row]
        feature = int(np.flatnonzero(bad[row])[0])
        raise DataError(
            f"{path}: x[{example}, {step}, {feature}] is {x[example, step, feature]}; every "
            "real step needs finite numbers within float32's range"
        )


def padded(sequences: list[np.ndarray]) -> Arrays:
    """Unlabelled examples from (T_i, F) sequences, zero-padded to the longest."""
    lengths = np.asarray([len(s) for s in sequences], dtype=np.int64)
    x = np.zeros((len(sequences), lengths.max(), sequences[0].shape[1]), dtype=np.float32)
    for row, sequence in enumerate(sequences):
        x[row, : len(sequence)] = sequence
    return Arrays(x, None, lengths, "input")


def parse_steps(text: str, *, features: int, source: str) -> np.ndarray:
    """(T, F) from text: steps separated by whitespace or newlines, a step's features by
    commas ("0.1,2 0.3,4" is two steps of two features)."""
    steps = text.split()
    if not steps:
        raise DataError(f"{source}: no steps; write steps apart, a step's features with commas")
    rows = []
    for number, step in enumerate(steps, start=1):
        cells = step.split(",")
        if len(cells) != features:
            raise DataError(
                f"{source}: step {number} ({step[:40]}) has {len(cells)} feature(s); "
                f"the run reads {features}, comma-separated"
            )
        rows.append([_number(cell, number, source) for cell in cells])
    return np.asarray(rows, dtype=np.float32)


def _number(cell: str, step: int, source: str) -> float:
    try:
        return parse_number(cell)
    except BadNumber as err:
        raise DataError(f"{source}: step {step}: {cell[:40]!r} {err}") from None
