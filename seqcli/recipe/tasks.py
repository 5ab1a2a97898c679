"""One spec per task, without torch: which mapping and data formats make it, what it predicts,
the metrics it reports, the model section it reads, what it refuses and why. The recipe
validates against these; seqcli/tasks/ implements each one under the same name."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from seqcli.recipe.model import (
    ForecasterConfig,
    GeneratorConfig,
    HopfieldConfig,
    LanguageModelConfig,
    ModelConfig,
    ModelSection,
    PooledConfig,
    TaggerConfig,
    TranslatorConfig,
)

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
    generate: tuple[str, ...] = ()  # groups of `seqcli generate` flags it reads
    predicts: bool = False  # `seqcli predict` maps each input line to an answer
    stack_input: bool = False  # `seqcli gates` reads a user's input step by step (Task.stack_input)
    evaluate: tuple[str, ...] = ()  # `seqcli evaluate` flags only it reads
    # False: the data alone makes the model (a Hopfield network stores its patterns), so
    # training takes no optimizer step; it validates once and saves, like any run.
    optimizes: bool = True
    # Why `seqcli export` cannot trace its forward into a fixed graph (torchscript, onnx).
    untraceable: str | None = None


SPECS = {
    spec.name: spec
    for spec in (
        TaskSpec(
            name="language_model",
            title="language model",
            mapping="many_to_many",
            formats=("text",),
            target="the next token",
            metrics=("loss", "perplexity", "bpc", "accuracy"),
            model=LanguageModelConfig,
            unit="tok",
            left_to_right="would let a next-token language model read the token it must predict",
            generate=("prompt", "length", "sampling", "seed", "samples"),
            stack_input=True,
        ),
        TaskSpec(
            name="classifier",
            title="classifier",
            mapping="many_to_one",
            formats=("table", "folder"),
            target="a class",
            metrics=("loss", "accuracy", "macro_f1"),
            model=PooledConfig,
            unit="ex",
            label_type="category",
            predicts=True,
            stack_input=True,
        ),
        TaskSpec(
            name="regressor",
            title="text regressor",
            mapping="many_to_one",
            formats=("table",),
            target="a number",
            metrics=("loss", "mse", "mae", "r2"),
            model=PooledConfig,
            unit="ex",
            label_type="number",
            predicts=True,
            stack_input=True,
        ),
        TaskSpec(
            name="tagger",
            title="tagger",
            mapping="many_to_many",
            formats=("conllu", "columns"),
            target="a label per token",
            # precision/recall/f1 are over labelled spans, reported for BIO/BIOES labels
            metrics=("loss", "accuracy", "f1", "precision", "recall"),
            model=TaggerConfig,
            unit="tok",
            predicts=True,
            stack_input=True,
        ),
        TaskSpec(
            name="translator",
            title="translator",
            mapping="encoder_decoder",
            formats=("pairs",),
            target="a token sequence",
            metrics=("bleu", "loss", "chrf", "exact_match"),
            model=TranslatorConfig,
            unit="tok",
            train_options={"teacher_forcing": 1.0},
            predicts=True,
            generate=("lines", "sampling", "seed", "ending", "search", "attention"),
            stack_input=True,
        ),
        TaskSpec(
            name="conditioned_text",
            title="class-conditioned generator",
            mapping="one_to_many",
            formats=("table", "folder"),
            target="a token sequence",
            metrics=("loss", "perplexity", "accuracy"),
            model=GeneratorConfig,
            unit="tok",
            label_type="category",
            left_to_right=f"would not fit a generator: it {WRITES_AHEAD}",
            generate=("condition", "length", "sampling", "seed", "samples", "ending"),
        ),
        TaskSpec(
            name="conditioned_values",
            title="vector-conditioned generator",
            mapping="one_to_many",
            formats=("vectors",),
            target="a sequence of numbers",
            metrics=("loss", "mae"),
            model=GeneratorConfig,
            unit="values",
            left_to_right=f"would not fit a generator: it {WRITES_AHEAD}",
            generate=("condition", "length"),
        ),
        TaskSpec(
            name="direct_forecaster",
            title="forecaster",
            mapping="many_to_one",
            formats=("series",),
            target="the next horizon rows",
            metrics=FORECAST_METRICS,
            model=ForecasterConfig,
            unit="windows",
            generate=("forecast",),
            predicts=True,
            stack_input=True,
            evaluate=FORECAST_EVALUATE,
        ),
        TaskSpec(
            name="autoregressive_forecaster",
            title="forecaster",
            mapping="many_to_many",
            formats=("series",),
            target="the next row, rolled out",
            metrics=FORECAST_METRICS,
            model=ForecasterConfig,
            unit="windows",
            left_to_right="cannot roll a forecast out one step at a time: the backward pass "
            "would read values not yet forecast (mapping many_to_one, a direct head, takes 'bi')",
            generate=("forecast",),
            predicts=True,
            stack_input=True,
            evaluate=FORECAST_EVALUATE,
        ),
        TaskSpec(
            name="adding",
            title="adding model",
            mapping="many_to_one",
            formats=("synthetic",),
            target="the sum of two marked values",
            metrics=("mse", "loss"),
            model=ModelConfig,
            unit="ex",
            predicts=True,
            stack_input=True,
        ),
        TaskSpec(
            name="copy",
            title="copy-memory model",
            mapping="many_to_many",
            formats=("synthetic",),
            target="a symbol per step",
            metrics=("last10_accuracy", "loss"),
            model=ModelConfig,
            unit="ex",
            predicts=True,
            stack_input=True,
        ),
        TaskSpec(
            name="music",
            title="music model",
            mapping="many_to_many",
            formats=("music",),
            target="the next piano-roll frame",
            metrics=("nll", "loss"),
            model=ModelConfig,
            unit="frames",
            left_to_right="would let a next-frame music model read the frame it must predict",
            generate=("length", "seed"),
        ),
        TaskSpec(
            name="hopfield",
            title="Hopfield network",
            mapping="associative_memory",
            formats=("glyphs", "bipolar"),
            target="the stored pattern nearest a noisy one",
            # accuracy: probes recalled exactly; loss: the share of units recalled wrong
            metrics=("accuracy", "loss"),
            model=HopfieldConfig,
            unit="patterns",
            generate=("recall", "seed"),
            evaluate=("noise", "capacity"),
            optimizes=False,
            untraceable="its recall updates the state until it settles, a number of passes "
            "that a traced graph would fix at the one it saw",
        ),
    )
}
FORMATS = tuple(dict.fromkeys(f for spec in SPECS.values() for f in spec.formats))


def task_of(mapping: str, data_format: str, label_type: str = "category") -> TaskSpec:
    """The task of a mapping and data format, or a ValueError saying what the mapping reads."""
    readers = [s for s in SPECS.values() if s.mapping == mapping]
    if not readers:
        built = sorted({s.mapping for s in SPECS.values()})
        raise ValueError(f"mapping '{mapping}' is not built yet; available: {', '.join(built)}")
    formats = [s for s in readers if data_format in s.formats]
    if not formats:
        names = sorted({f for s in readers for f in s.formats})
        raise ValueError(
            f"mapping '{mapping}' reads data.format {' or '.join(repr(f) for f in names)}, "
            f"not '{data_format}'"
        )
    fitting = [s for s in formats if s.label_type in (None, label_type)]
    if not fitting:
        kinds = " or ".join(sorted({repr(s.label_type) for s in formats}))
        raise ValueError(
            f"data.label_type: mapping '{mapping}' over data.format '{data_format}' reads "
            f"labels of type {kinds}, not '{label_type}'"
        )
    return fitting[0]
