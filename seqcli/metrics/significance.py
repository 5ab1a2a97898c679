"""Whether one forecast's errors are smaller than another's by more than chance: the
Diebold-Mariano test (1995) with the small-sample correction of Harvey, Leybourne & Newbold
(1997), on the loss differentials over the forecast origins."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

SIGNIFICANCE = 0.05  # a difference counts as a win below this two-sided p-value


@dataclass(frozen=True)
class Comparison:
    mean_difference: float  # mean of loss(first) - loss(second): below zero, first is better
    statistic: float  # the HLN-corrected DM statistic
    p_value: float  # two-sided, Student t with n - 1 degrees of freedom

    @property
    def significant(self) -> bool:
        return self.p_value < SIGNIFICANCE


def long_run_variance(differences: np.ndarray, lags: int) -> float:
    """gamma_0 + 2 (gamma_1 + ... + gamma_lags), each autocovariance divided by n (as
    Diebold & Mariano and R's forecast::dm.test do). A forecast h steps ahead from
    consecutive origins shares h - 1 steps with its neighbours, so h - 1 lags are kept."""
    n = len(differences)
    centred = differences - differences.mean()
    gammas = [float(centred[k:] @ centred[: n - k]) / n for k in range(min(lags, n - 1) + 1)]
    variance = gammas[0] + 2 * sum(gammas[1:])
    # The truncated sum can go negative on short series; the lag-0 variance still bounds it.
    return variance if variance > 0 else gammas[0]


def diebold_mariano(first: np.ndarray, second: np.ndarray, *, horizon: int) -> Comparison:
    """Test equal expected loss of two forecasts from n origins, given their (n,) losses, for
    forecasts `horizon` steps ahead (horizon - 1 autocovariance lags)."""
    from scipy.stats import t as student_t

    differences = np.asarray(first, np.float64) - np.asarray(second, np.float64)
    n, mean = len(differences), float(differences.mean())
    variance = long_run_variance(differences, horizon - 1)
    if n < 2 or mean == 0:  # one origin, or no difference on average: no evidence
        return Comparison(mean, 0.0, 1.0)
    if variance <= 0:  # the same difference at every origin: as certain as it gets
        return Comparison(mean, float(np.sign(mean) * np.inf), 0.0)
    statistic = mean / np.sqrt(variance / n)
    statistic *= np.sqrt((n + 1 - 2 * horizon + horizon * (horizon - 1) / n) / n)
    p_value = float(2 * student_t.sf(abs(statistic), df=n - 1))
    return Comparison(mean, float(statistic), p_value)
