"""One way to write each kind of number, so a metric reads the same in every table (evaluate,
compare-cells, folds, backtest, inspect, the training lines): a share of items as a fraction
with four decimals, a percentage with its % sign, any other value to four significant digits.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

SIGNIFICANT = 4  # digits of a value: 152.2, 1.130, 0.003142
SPREAD = 2  # digits of a standard deviation beside its mean


def significant(value: float, digits: int = SIGNIFICANT) -> str:
    """Plain notation (no exponent) with `digits` significant digits, trailing zeros kept."""
    if not math.isfinite(value) or value == 0:
        return f"{value:g}"
    decimals = max(0, digits - 1 - math.floor(math.log10(abs(value))))
    return f"{value:.{decimals}f}"


@dataclass(frozen=True)
class Kind:
    scale: float = 1.0  # 100: a share shown as a percentage
    suffix: str = ""
    decimals: int | None = None  # fixed decimals; None: significant digits

    def text(self, value: float, digits: int = SIGNIFICANT) -> str:
        scaled = value * self.scale
        if self.decimals is not None and digits == SIGNIFICANT:
            return f"{scaled:.{self.decimals}f}{self.suffix}"
        return f"{significant(scaled, digits)}{self.suffix}"


KINDS = {
    "fraction": Kind(decimals=4),  # a share of items right, 0..1
    "percent": Kind(suffix="%"),  # a metric already in percent (sMAPE)
    "share": Kind(scale=100, suffix="%"),  # a share shown as a percentage (interval coverage)
    "value": Kind(),  # losses, errors in data units, scores
}
# Metric (or table column) -> its kind; a name not here is a value.
KIND_OF = {
    **dict.fromkeys(
        ("accuracy", "macro_f1", "f1", "precision", "recall", "exact_match", "last10_accuracy")
        + ("cer", "wer"),
        "fraction",
    ),
    "smape": "percent",
    "coverage": "share",
    "p": "fraction",  # a test's p-value: 0.0000 reads as "far below any threshold"
}


def kind_of(name: str) -> Kind:
    """The kind of a metric, or of a column titled by one ('val accuracy', 'its mase')."""
    words = name.split("@")[0].split()  # rmse@1 is an rmse
    return KINDS[KIND_OF.get(name, KIND_OF.get(words[-1] if words else "", "value"))]


def metric_text(name: str, value: float) -> str:
    return kind_of(name).text(value)


def spread_text(name: str, mean: float, std: float) -> str:
    """'0.7512 ± 0.031', '47.37% ± 1.2%': a mean over seeds or folds and its spread."""
    if math.isnan(mean):
        return "n/a"
    kind = kind_of(name)
    return f"{kind.text(mean)} ± {kind.text(std, SPREAD)}"
