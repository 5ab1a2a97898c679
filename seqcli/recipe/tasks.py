"""Which task a (mapping, data format) pair makes, and the metrics each task reports.

Pure tables, so the recipe can check `train.monitor` without importing torch; the
implementations live in seqcli.tasks under the same names."""

from __future__ import annotations

TASKS = {
    ("many_to_many", "text"): "language_model",
    ("many_to_one", "table"): "classifier",
    ("many_to_one", "folder"): "classifier",
    ("one_to_many", "table"): "conditioned_text",
    ("one_to_many", "folder"): "conditioned_text",
    ("one_to_many", "vectors"): "conditioned_values",
    ("many_to_one", "series"): "direct_forecaster",
    ("many_to_many", "series"): "autoregressive_forecaster",
    ("many_to_many", "conllu"): "tagger",
    ("many_to_many", "columns"): "tagger",
    ("encoder_decoder", "pairs"): "translator",
    ("many_to_one", "synthetic"): "adding",
    ("many_to_many", "synthetic"): "copy",
    ("many_to_many", "music"): "music",
}

# Validation metrics per task; the first is what best.pt follows unless train.monitor says.
METRICS = {
    "language_model": ("loss", "perplexity", "bpc", "accuracy"),
    "classifier": ("loss", "accuracy", "macro_f1"),
    "conditioned_text": ("loss", "perplexity", "accuracy"),
    "conditioned_values": ("loss", "mae"),
    # One-step errors in the data's units; loss is the MSE on scaled values.
    "direct_forecaster": ("loss", "rmse", "mae", "smape", "mase"),
    "autoregressive_forecaster": ("loss", "rmse", "mae", "smape", "mase"),
    # precision/recall/f1 are over labelled spans, reported when the labels are BIO/BIOES
    "tagger": ("loss", "accuracy", "f1", "precision", "recall"),
    "translator": ("bleu", "loss", "chrf", "exact_match"),
    "adding": ("mse", "loss"),
    "copy": ("last10_accuracy", "loss"),
    "music": ("nll", "loss"),
}

# Which way is better, per metric: best.pt, plateau schedules and early stopping read this.
LOWER_IS_BETTER = {
    "loss": True,
    "perplexity": True,
    "bpc": True,
    "accuracy": False,
    "macro_f1": False,
    "rmse": True,
    "mae": True,
    "smape": True,
    "mase": True,
    "f1": False,
    "precision": False,
    "recall": False,
    "bleu": False,
    "chrf": False,
    "exact_match": False,
    "mse": True,
    "last10_accuracy": False,
    "nll": True,
}


def task_of(mapping: str, data_format: str) -> str:
    """The task name, or a ValueError saying which formats the mapping takes."""
    if (mapping, data_format) in TASKS:
        return TASKS[(mapping, data_format)]
    formats = sorted(f for m, f in TASKS if m == mapping)
    if not formats:
        built = sorted({m for m, _ in TASKS})
        raise ValueError(f"mapping '{mapping}' is not built yet; available: {', '.join(built)}")
    raise ValueError(
        f"mapping '{mapping}' reads data.format {' or '.join(repr(f) for f in formats)}, "
        f"not '{data_format}'"
    )
