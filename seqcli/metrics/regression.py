"""Errors of predicted numbers, in the data's units: MSE, MAE and R² (the share of the
variance around the scored set's own mean that the predictions explain, as scikit-learn's
r2_score counts it)."""

from __future__ import annotations

import numpy as np


def regression_errors(actual: np.ndarray, predicted: np.ndarray) -> dict[str, float]:
    residual = predicted - actual
    spread = ((actual - actual.mean()) ** 2).sum()
    # A constant target has no variance to explain: a perfect fit scores 1, any other 0.
    r2 = 1 - (residual**2).sum() / spread if spread > 0 else float(not residual.any())
    return {
        "mse": float((residual**2).mean()),
        "mae": float(np.abs(residual).mean()),
        "r2": float(r2),
    }


def mean_baseline_table(actual: np.ndarray, predicted: np.ndarray, train_mean: float) -> dict:
    """The model's errors beside those of always predicting the training mean."""
    baseline = regression_errors(actual, np.full_like(actual, train_mean))
    rows = [
        ["this model", *regression_errors(actual, predicted).values()],
        [f"always the training mean ({train_mean:.4g})", *baseline.values()],
    ]
    return {"baseline": {"columns": ["predictor", "mse", "mae", "r2"], "rows": rows}}
