"""Gradients over time as one line of block characters, on a log scale."""

from __future__ import annotations

import math
import statistics
from collections.abc import Sequence

SPARKS = "▁▂▃▄▅▆▇█"


def sparkline(
    values: Sequence[float], *, width: int = 48, bounds: tuple[float, float] | None = None
) -> str:
    """A log-scale bar per bucket of steps; share `bounds` (low, high) to compare lines."""
    logs = [math.log10(v) if v > 0 else -math.inf for v in values]
    buckets = [logs[i * len(logs) // width : (i + 1) * len(logs) // width] for i in range(width)]
    # Geometric mean per bucket: an arithmetic mean would let one large step hide the rest.
    levels = [statistics.fmean(b) for b in buckets if b]
    low, high = (math.log10(b) for b in bounds) if bounds else log_range(levels)
    span = max(high - low, 1e-12)
    return "".join(_spark(level, low, span) for level in levels)


def log_range(levels: Sequence[float]) -> tuple[float, float]:
    finite = [level for level in levels if math.isfinite(level)] or [0.0]
    return min(finite), max(finite)


def _spark(level: float, low: float, span: float) -> str:
    if not math.isfinite(level):
        return " "  # an exact zero gradient: nothing flows back to this step
    index = round((level - low) / span * (len(SPARKS) - 1))
    return SPARKS[min(max(index, 0), len(SPARKS) - 1)]
