"""The model among the baselines, and a verdict that calls a difference a win only when the
Diebold-Mariano test (HLN-corrected) finds it at 5%: over the origins, on each origin's
absolute scaled error (the terms of MASE), at each step of the horizon and for their mean."""

from __future__ import annotations

import numpy as np

from seqcli.metrics.significance import Comparison, diebold_mariano
from seqcli.ui.numbers import metric_text

MODEL = "model"
# A baseline's result against the model, by the sign of its mean loss difference when the
# difference is significant.
OUTCOMES = {-1.0: "wins", 1.0: "loses"}


def scaled_losses(forecasts: dict, actual: np.ndarray, scale: np.ndarray) -> dict:
    """Name -> (P, H) each origin's absolute error over its series' MASE scale, averaged over
    the value columns: their mean over the origins is MASE at each step."""
    return {
        name: (np.abs(forecast - actual) / scale[:, None]).mean(axis=2)
        for name, forecast in forecasts.items()
    }


def against_model(losses: dict, name: str, step: int | None = None) -> Comparison:
    """The DM test of a baseline's losses against the model's: at step index `step` (with
    step lags), or over the horizon's mean loss (with H - 1 lags)."""
    ours, theirs = losses[name], losses[MODEL]
    if step is None:
        return diebold_mariano(ours.mean(axis=1), theirs.mean(axis=1), horizon=ours.shape[1])
    return diebold_mariano(ours[:, step], theirs[:, step], horizon=step + 1)


def outcome(comparison: Comparison) -> str:
    """'wins', 'loses' or 'ties': a baseline's result against the model."""
    if not comparison.significant:
        return "ties"
    return OUTCOMES[float(np.sign(comparison.mean_difference))]


def p_text(comparison: Comparison) -> str:
    p = comparison.p_value
    return "p < 0.001" if p < 0.001 else f"p = {p:.3f}"


def ranking_table(means: dict, losses: dict) -> dict:
    """The model and baselines ranked by the mean MASE over the horizon, each baseline's
    result against the model, and the verdict beneath."""
    order = sorted(means, key=lambda name: means[name]["mase"])
    tests = {name: against_model(losses, name) for name in order if name != MODEL}
    rows = []
    for rank, name in enumerate(order, 1):
        found = tests.get(name)
        against = [outcome(found), found.p_value] if found else ["-", "-"]
        rows.append([rank, name, *means[name].values(), *against])
    steps = next(iter(losses.values())).shape[1]
    title = f"model and baselines ranked by MASE, each the mean over h = 1..{steps}"
    columns = ["rank", "forecast", *means[MODEL], "vs model", "p"]
    note = verdict(order, means, tests)
    return {"ranking": {"title": title, "columns": columns, "rows": rows, "note": note}}


def verdict(order: list[str], means: dict, tests: dict[str, Comparison]) -> str:
    """One plain sentence: whether the model wins, ties or loses, by the DM test at 5%."""
    baselines = [name for name in order if name != MODEL]
    by = {word: [b for b in baselines if outcome(tests[b]) == word] for word in OUTCOMES.values()}
    model, count = _mase(means[MODEL]), len(baselines)
    if by["wins"]:
        best = by["wins"][0]
        return (
            f"a baseline wins: {best} scores MASE {_mase(means[best])} against the model's "
            f"{model} ({p_text(tests[best])}); {len(by['wins'])} of {count} baselines beat "
            "the model (DM test, 5%)"
        )
    if len(by["loses"]) == count:
        best = baselines[0] if baselines else None
        beaten = (
            f" (next: {best}, MASE {_mase(means[best])}, {p_text(tests[best])})" if best else ""
        )
        return f"the model beats every baseline: MASE {model}{beaten}"
    tied = [name for name in baselines if name not in by["loses"]][0]
    return (
        f"the model ties {tied} ({p_text(tests[tied])}): MASE {model} against "
        f"{_mase(means[tied])}; it beats {len(by['loses'])} of {count} baselines (DM test, 5%)"
    )


def step_verdicts(losses: dict) -> list[list]:
    """Per step of the horizon: the baseline with the lowest MASE there, and its result
    against the model at that step."""
    baselines = [name for name in losses if name != MODEL]
    rows = []
    for step in range(losses[MODEL].shape[1]):
        if not baselines:
            rows.append(["-", "-"])
            continue
        best = min(baselines, key=lambda name: losses[name][:, step].mean())
        found = against_model(losses, best, step)
        rows.append([best, f"{outcome(found)} ({p_text(found)})"])
    return rows


def _mase(errors: dict) -> str:
    return metric_text("mase", errors["mase"])
