"""What a study leaves in its folder: tune.json (every trial, the best, the gain over the
recipe's own values), best.yaml (the best trial's recipe, for `seqcli train`) and figures."""

from __future__ import annotations

import json
import math
from pathlib import Path

from seqcli.recipe import recipe_to_yaml
from seqcli.recipe.tasks import METRICS
from seqcli.runs.runfolder import RunFolder
from seqcli.tune.study import Request, optuna_module


def trial_rows(study) -> list[dict]:
    """Each trial as tune.json and the table show it."""
    return [
        {
            "number": trial.number,
            "state": trial.state.name.lower(),
            "params": trial.params,
            "value": _finite(trial.value if trial.values else _last(trial)),
            "pruned_step": trial.user_attrs.get("pruned_step"),
            "folder": f"trials/{trial.user_attrs['folder']}"
            if "folder" in trial.user_attrs
            else None,
            "baseline": bool(trial.user_attrs.get("baseline")),
            "retries": trial.system_attrs.get("failed_trial"),
        }
        for trial in study.get_trials(deepcopy=False)
    ]


def _last(trial) -> float | None:
    """A pruned trial's value: its last report."""
    steps = trial.intermediate_values
    return steps[max(steps)] if steps else None


def _finite(value) -> float | None:
    return value if isinstance(value, int | float) and math.isfinite(value) else None


def summarize(study, monitor: str) -> dict:
    """tune.json: the study's trials, its best, and how far the best beat the baseline (the
    recipe's own values, the study's first trial)."""
    rows = trial_rows(study)
    complete = [row for row in rows if row["state"] == "complete" and row["value"] is not None]
    lower = METRICS[monitor].lower_is_better
    best = (min if lower else max)(complete, key=lambda row: row["value"]) if complete else None
    baseline = next((row for row in complete if row["baseline"]), None)
    gain = None
    if best is not None and baseline is not None:
        gain = (baseline["value"] - best["value"]) * (1 if lower else -1)
    states = [row["state"] for row in rows]
    return {
        "study": study.study_name,
        "monitor": monitor,
        "direction": "minimize" if lower else "maximize",
        "counts": {state: states.count(state) for state in sorted(set(states))},
        "best": best,
        "baseline": baseline,
        "gain": gain,  # better than the baseline by this much (positive: better)
        "trials": rows,
    }


def importances(study) -> dict[str, float]:
    """Optuna's parameter importances (fANOVA), or none while too few trials finished."""
    optuna = optuna_module()
    finished = study.get_trials(deepcopy=False, states=(optuna.trial.TrialState.COMPLETE,))
    if len(finished) < 3:
        return {}
    try:
        return dict(optuna.importance.get_param_importances(study))
    except (RuntimeError, ValueError):  # every finished trial scored the same, say
        return {}


def write_outputs(storage, request: Request) -> tuple[dict, list[Path]]:
    """tune.json, best.yaml and the PNG figures, from the study in `storage` (an Optuna
    storage); the summary and the files written."""
    from seqcli.ui.tune import plot_study

    out = RunFolder(request.base.out)
    plot_study(_final(storage, request), {p.key: p.log for p in request.space}, out.path)
    # Another process may have ended a trial while the figures were drawn: best.yaml and
    # tune.json come from the storage as it is now, so the last process to end writes it whole.
    summary = _final(storage, request)
    files = []
    if summary["best"] is not None:
        recipe = request.base.recipe_with(summary["best"]["params"])
        out.write_text("best.yaml", recipe_to_yaml(recipe))
        files.append(out.path / "best.yaml")
    out.write_text("tune.json", json.dumps(summary, indent=1) + "\n")
    files.append(out.path / "tune.json")
    return summary, files


def _final(storage, request: Request) -> dict:
    """The summary of the study read afresh from its storage (no trial cached from before)."""
    study = optuna_module().load_study(study_name=request.name, storage=storage)
    summary = summarize(study, request.base.monitor)
    summary["storage"] = request.storage or "study.db"
    summary["importances"] = importances(study) if summary["best"] else {}
    return summary
