"""What a task is, without torch: the TaskSpec record recipe/tasks.py fills one of per task,
the mappings, and which way each metric is better."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from seqcli.recipe.model import ModelSection

Mapping = Literal[
    "many_to_many", "many_to_one", "one_to_many", "encoder_decoder", "associative_memory"
]
MAPPINGS = Mapping.__args__

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
    "mse": True,
    "r2": False,
    "f1": False,
    "precision": False,
    "recall": False,
    "bleu": False,
    "chrf": False,
    "exact_match": False,
    "last10_accuracy": False,
    "nll": True,
}
WRITES_AHEAD = "writes left to right and cannot read what it has not written yet"
# Errors in the data's units, each the mean over the steps of data.horizon forecast from every
# origin of the split; loss is the training loss on scaled values.
FORECAST_METRICS = ("loss", "rmse", "mae", "smape", "mase")
FORECAST_EVALUATE = ("horizon", "backtest", "stride")


@dataclass(frozen=True)
class TaskSpec:
    name: str
    title: str  # how a message names it: "a {title}"
    mapping: Mapping
    formats: tuple[str, ...]  # data formats it reads
    target: str  # what it predicts
    metrics: tuple[str, ...]  # validation metrics; train.monitor must be one
    model: type[ModelSection]  # its model section
    unit: str  # what its training speed counts
    label_type: str | None = None  # what a table's label column must hold for this task
    left_to_right: str | None = None  # why direction bi would be wrong for it
    train_options: dict[str, object] = field(default_factory=dict)  # train keys only it reads
    data_options: tuple[str, ...] = ()  # keys of a data format it shares that only it reads
    generate: tuple[str, ...] = ()  # groups of `seqcli generate` flags it reads
    predicts: bool = False  # `seqcli predict` maps each input line to an answer
    stack_input: bool = False  # `seqcli gates` reads a user's input step by step (Task.stack_input)
    evaluate: tuple[str, ...] = ()  # `seqcli evaluate` flags only it reads
    predict_files: tuple[str, ...] = ()  # `predict --file` suffixes read whole (predict_file)
    # False: the data alone makes the model (a Hopfield network stores its patterns), so
    # training takes no optimizer step; it validates once and saves, like any run.
    optimizes: bool = True
    # Why `seqcli export` cannot trace its forward into a fixed graph (torchscript, onnx).
    untraceable: str | None = None
