"""What a task is, without torch: the TaskSpec record recipe/tasks.py fills one of per task,
the mappings, and the metrics, each with the way it is better."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal, get_args

from seqcli.recipe.model import ModelSection

Mapping = Literal[
    "many_to_many", "many_to_one", "one_to_many", "encoder_decoder", "associative_memory"
]
MAPPINGS = get_args(Mapping)


@dataclass(frozen=True)
class MetricSpec:
    """A validation metric: its key in a task's evaluate results, and which way is better
    (best.pt, plateau schedules, early stopping and compare-cells read it)."""

    name: str
    lower_is_better: bool


LOSS = MetricSpec("loss", lower_is_better=True)  # each task's training objective
PERPLEXITY = MetricSpec("perplexity", lower_is_better=True)
BPC = MetricSpec("bpc", lower_is_better=True)
ACCURACY = MetricSpec("accuracy", lower_is_better=False)
MACRO_F1 = MetricSpec("macro_f1", lower_is_better=False)
RMSE = MetricSpec("rmse", lower_is_better=True)
MAE = MetricSpec("mae", lower_is_better=True)
SMAPE = MetricSpec("smape", lower_is_better=True)
MASE = MetricSpec("mase", lower_is_better=True)
MSE = MetricSpec("mse", lower_is_better=True)
R2 = MetricSpec("r2", lower_is_better=False)
F1 = MetricSpec("f1", lower_is_better=False)
PRECISION = MetricSpec("precision", lower_is_better=False)
RECALL = MetricSpec("recall", lower_is_better=False)
BLEU = MetricSpec("bleu", lower_is_better=False)
CHRF = MetricSpec("chrf", lower_is_better=False)
EXACT_MATCH = MetricSpec("exact_match", lower_is_better=False)
LAST10_ACCURACY = MetricSpec("last10_accuracy", lower_is_better=False)
NLL = MetricSpec("nll", lower_is_better=True)
CER = MetricSpec("cer", lower_is_better=True)  # character error rate of transcripts
WER = MetricSpec("wer", lower_is_better=True)  # word error rate of transcripts
WRITES_AHEAD = "writes left to right and cannot read what it has not written yet"
# Errors in the data's units, each the mean over the steps of data.horizon forecast from every
# origin of the split; loss is the training loss on scaled values.
FORECAST_METRICS = (LOSS, RMSE, MAE, SMAPE, MASE)
# Those a forecaster also reports at one step h of the horizon, monitored as "rmse@1".
FORECAST_STEP_METRICS = ("rmse", "mae", "smape", "mase")
FORECAST_EVALUATE = ("horizon", "backtest", "stride")


@dataclass(frozen=True)
class TaskSpec:
    name: str
    title: str  # how a message names it: "a {title}"
    mapping: Mapping
    formats: tuple[str, ...]  # data formats it reads
    target: str  # what it predicts
    metrics: tuple[MetricSpec, ...]  # validation metrics; train.monitor must be one
    model: type[ModelSection]  # its model section
    unit: str  # what its training speed counts
    label_type: str | None = None  # what a table's label column must hold for this task
    left_to_right: str | None = None  # why direction bi would be wrong for it
    train_options: dict[str, object] = field(default_factory=dict)  # train keys only it reads
    data_options: tuple[str, ...] = ()  # keys of a data format it shares that only it reads
    # Groups of `seqcli generate` flags it reads; the task is Generates (engine/contract.py).
    generate: tuple[str, ...] = ()
    evaluate: tuple[str, ...] = ()  # `seqcli evaluate` flags only it reads
    # `predict --file` suffixes read whole; the task is PredictsFiles (engine/contract.py).
    predict_files: tuple[str, ...] = ()
    # False: the data alone makes the model (a Hopfield network stores its patterns), so
    # training takes no optimizer step; it validates once and saves, like any run.
    optimizes: bool = True
    # train.folds deals its examples into k folds (a classifier's by class, a text regressor's
    # as blocks of a seeded shuffle); other tasks validate on their own split.
    folds: bool = False
    # Why `seqcli export` cannot trace its forward into a fixed graph (torchscript, onnx).
    untraceable: str | None = None
    # Metrics train.monitor may read at one step h of data.horizon, as NAME@h.
    step_metrics: tuple[str, ...] = ()

    def __post_init__(self) -> None:
        # A bare name would reach train.monitor with no direction for best.pt to follow.
        bare = [metric for metric in self.metrics if not isinstance(metric, MetricSpec)]
        assert not bare, f"{self.name}: give {bare} as MetricSpecs, each with its direction"

    @property
    def metric_names(self) -> tuple[str, ...]:
        return tuple(metric.name for metric in self.metrics)
