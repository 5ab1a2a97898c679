"""The LSTM as a learned moving average.

An LSTM's cell state is c_t = f_t * c_{t-1} + i_t * g_t. Were i = 1 - f, c would be an
exponential moving average of the candidates g with a learned, input-dependent rate: what a
GRU is by construction, h_t = z * h_{t-1} + (1 - z) * n_t. How close a trained LSTM comes to
that tie, per layer and direction over every unit and step of a text: the distributions of f,
i and f + i, the correlation of f with 1 - i, and the mean |f + i - 1|.
Any cell whose records include an input_gate and a forget_gate gets these numbers.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from seqcli.analysis.features import pearson

FORGET, INPUT = "forget_gate", "input_gate"
QUANTILES = {"p5": 0.05, "p25": 0.25, "p50": 0.5, "p75": 0.75, "p95": 0.95}
BINS = 20


def distribution(values: np.ndarray, low: float, high: float) -> dict:
    """Mean, deviation, quantiles and a histogram of BINS equal bins over [low, high]."""
    counts, _ = np.histogram(values, bins=BINS, range=(low, high))
    return {
        "mean": float(values.mean()),
        "sd": float(values.std()),
        **{name: float(np.quantile(values, q)) for name, q in QUANTILES.items()},
        "range": [low, high],
        "histogram": counts.tolist(),
    }


def moving_average(values: dict[str, np.ndarray], directions: Sequence[str]) -> list[dict]:
    """One row per layer and direction; none for a cell without input and forget gates.
    values: record name -> (L, D, T, H)."""
    if FORGET not in values or INPUT not in values:
        return []
    rows = []
    layers, count = values[FORGET].shape[:2]
    for layer in range(layers):
        for direction in range(count):
            forget = values[FORGET][layer, direction].ravel()  # (T*H,)
            write = values[INPUT][layer, direction].ravel()
            rows.append(
                {
                    "layer": layer,
                    "direction": directions[direction],
                    "f": distribution(forget, 0.0, 1.0),
                    "i": distribution(write, 0.0, 1.0),
                    "f+i": distribution(forget + write, 0.0, 2.0),
                    # None when either is constant over the text: no correlation to speak of.
                    "corr_f_1_minus_i": pearson(forget, 1.0 - write),
                    "mean_abs_f_plus_i_minus_1": float(np.abs(forget + write - 1.0).mean()),
                }
            )
    return rows
