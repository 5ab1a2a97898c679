"""A number in a data file, read once for every reader: finite, and within float32, the
precision the models compute in (a value past 3.4e38 would reach them as infinity, and the
run would stop as if it had diverged, advising a lower learning rate)."""

from __future__ import annotations

import math

import numpy as np

FLOAT32_MAX = float(np.finfo(np.float32).max)


class BadNumber(ValueError):
    """Why a cell is not a number a model can read; readers put it after the cell's text."""


def parse_number(text: str) -> float:
    """The cell's number, or BadNumber saying what is wrong with it."""
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if math.isnan(value):
        raise BadNumber("is not a number")
    if math.isinf(value):
        raise BadNumber("is not a finite number")
    if abs(value) > FLOAT32_MAX:
        raise BadNumber(f"is beyond float32's range (±{FLOAT32_MAX:.2g}), which the models use")
    return value
