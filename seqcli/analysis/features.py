"""The classic search for interpretable units (Karpathy, Johnson & Fei-Fei 2015): simple
features of each input step, and the units whose activation over a text follows one of them
best, by Pearson correlation.

A feature describes the state after reading a step, as the unit's value does: an opening
quote or bracket is already inside, the closing one is outside again.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

EOS = "<eos>"  # a word language model's line end (data/vocab.py)
OPENING, CLOSING = "([{", ")]}"
VOWELS = "aeiou"
FLAT = 1e-9  # a spread this small against the values' size is a constant, not a signal


def position_in_line(steps: Sequence[str]) -> list[float]:
    """A character's index in its line (the newline ends its line)."""
    positions, column = [], 0
    for char in steps:
        positions.append(float(column))
        column = 0 if char == "\n" else column + 1
    return positions


def inside_quotes(steps: Sequence[str]) -> list[float]:
    """Between double quotes: straight ones toggle, typographic ones open and close."""
    inside, flags = False, []
    for char in steps:
        inside = {'"': not inside, "“": True, "”": False}.get(char, inside)
        flags.append(float(inside))
    return flags


def inside_brackets(steps: Sequence[str]) -> list[float]:
    """Inside (), [] or {} at any depth; an unmatched closing bracket is ignored."""
    depth, flags = 0, []
    for char in steps:
        depth += char in OPENING
        depth = max(depth - (char in CLOSING), 0)
        flags.append(float(depth > 0))
    return flags


def word_start(steps: Sequence[str]) -> list[float]:
    """A letter or digit after anything else (or first)."""
    previous, flags = "", []
    for char in steps:
        flags.append(float(char.isalnum() and not previous.isalnum()))
        previous = char
    return flags


def position_of_word(steps: Sequence[str]) -> list[float]:
    """A word's index in its line; <eos> ends the line."""
    positions, index = [], 0
    for word in steps:
        positions.append(float(index))
        index = 0 if word == EOS else index + 1
    return positions


def each(test: Callable[[str], bool]) -> Callable[[Sequence[str]], list[float]]:
    return lambda steps: [float(test(step)) for step in steps]


# Per kind of step (StackInput.kind): feature name -> steps -> one number per step.
FEATURES: dict[str, dict[str, Callable[[Sequence[str]], list[float]]]] = {
    "char": {
        "position in line": position_in_line,
        "inside quotes": inside_quotes,
        "inside brackets": inside_brackets,
        "start of word": word_start,
        "upper case": each(str.isupper),
        "vowel": each(lambda char: char.lower() in VOWELS),
        "digit": each(str.isdigit),
    },
    "word": {
        "position in line": position_of_word,
        "start of line": lambda steps: [float(p == 0) for p in position_of_word(steps)],
        "upper case first letter": each(lambda word: word[:1].isupper()),
        "digit": each(lambda word: any(char.isdigit() for char in word)),
    },
    "values": {"position": lambda steps: [float(t) for t in range(len(steps))]},
}
NOT_APPLICABLE = {
    "word": "quotes, brackets, word starts and vowels are features of characters",
    "values": "the input is numbers: features of text (quotes, case, digits, ...) do not apply",
}


def step_features(steps: Sequence[str], kind: str) -> dict[str, np.ndarray]:
    """Every feature of the kind, (T,) float64 each."""
    return {
        name: np.asarray(make(steps), dtype=np.float64) for name, make in FEATURES[kind].items()
    }


def _centred(values: np.ndarray) -> np.ndarray:
    """Columns minus their means; a constant column becomes NaN, so it correlates with nothing."""
    centred = values - values.mean(axis=0)
    spread = np.sqrt((centred**2).sum(axis=0))
    size = np.abs(values).max(axis=0) * math.sqrt(len(values))
    flat = spread <= FLAT * np.maximum(size, 1.0)
    return np.where(flat, np.nan, centred / np.where(flat, 1.0, spread))


def correlations(units: np.ndarray, features: np.ndarray) -> np.ndarray:
    """(N, K) Pearson r of each unit column of (T, N) with each feature column of (T, K);
    NaN where either is constant over the steps."""
    return _centred(units).T @ _centred(features)


def pearson(a, b) -> float | None:
    """Pearson's r of two equally long series; None if either is constant."""
    columns = (np.asarray(x, dtype=np.float64).reshape(-1, 1) for x in (a, b))
    r = correlations(*columns)[0, 0]
    return None if math.isnan(r) else float(min(max(r, -1.0), 1.0))


def top_units(
    values: dict[str, np.ndarray], steps: Sequence[str], kind: str, *, k: int, directions
) -> dict:
    """Per feature, the k units whose values over the steps follow it best (largest |r|),
    among every record's units of every layer and direction; values: name -> (L, D, T, H)."""
    features = step_features(steps, kind)
    names = list(features)
    matrix = np.stack([features[name] for name in names], axis=1)  # (T, K)
    found: dict[str, list[dict]] = {name: [] for name in names}
    for record, array in values.items():
        shape = (array.shape[0], array.shape[1], array.shape[3])  # (L, D, H)
        columns = array.transpose(2, 0, 1, 3).reshape(array.shape[2], -1)  # (T, L*D*H)
        r = correlations(columns, matrix)  # (L*D*H, K)
        for j, name in enumerate(names):
            scores = np.nan_to_num(np.abs(r[:, j]), nan=-1.0)
            for index in np.argsort(-scores, kind="stable")[:k]:
                if scores[index] < 0:
                    break  # the rest are constant units
                layer, direction, unit = (int(i) for i in np.unravel_index(index, shape))
                row = {"record": record, "layer": layer, "direction": directions[direction]}
                found[name].append({**row, "unit": unit, "r": float(r[index, j])})
    flat = np.isnan(_centred(matrix)).all(axis=0)  # (K,)
    return {
        "features": {
            name: sorted(found[name], key=lambda row: -abs(row["r"]))[:k]
            for name, constant in zip(names, flat, strict=True)
            if not constant
        },
        "constant": [name for name, constant in zip(names, flat, strict=True) if constant],
        "not_applicable": NOT_APPLICABLE.get(kind),
    }
