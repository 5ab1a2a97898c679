"""One spec per task, without torch: which mapping and data formats make it, what it predicts,
the metrics it reports, the model section it reads, what it refuses and why. The recipe
validates against these; seqcli/tasks/ implements each one under the same name."""

from __future__ import annotations

from seqcli.recipe.model import (
    ForecasterConfig,
    GeneratorConfig,
    HopfieldConfig,
    LanguageModelConfig,
    ModelConfig,
    PooledConfig,
    TaggerConfig,
    TextPooledConfig,
    TranslatorConfig,
)
from seqcli.recipe.task_spec import (
    ACCURACY,
    BLEU,
    BPC,
    CHRF,
    EXACT_MATCH,
    F1,
    FORECAST_EVALUATE,
    FORECAST_METRICS,
    LAST10_ACCURACY,
    LOSS,
    MACRO_F1,
    MAE,
    MAPPINGS,
    MSE,
    NLL,
    PERPLEXITY,
    PRECISION,
    R2,
    RECALL,
    WRITES_AHEAD,
    Mapping,
    MetricSpec,
    TaskSpec,
)

__all__ = [
    "FORMATS",
    "MAPPINGS",
    "METRICS",
    "SPECS",
    "Mapping",
    "MetricSpec",
    "TaskSpec",
    "task_of",
]

SPECS = {
    spec.name: spec
    for spec in (
        TaskSpec(
            name="language_model",
            title="language model",
            mapping="many_to_many",
            formats=("text",),
            target="the next token",
            metrics=(LOSS, PERPLEXITY, BPC, ACCURACY),
            model=LanguageModelConfig,
            unit="tok",
            left_to_right="would let a next-token language model read the token it must predict",
            train_options={"seq_len": 128, "windows": "carried"},
            generate=("prompt", "length", "sampling", "seed", "samples"),
        ),
        TaskSpec(
            name="classifier",
            title="classifier",
            mapping="many_to_one",
            formats=("table", "folder"),
            target="a class",
            metrics=(LOSS, ACCURACY, MACRO_F1),
            model=TextPooledConfig,
            unit="ex",
            label_type="category",
            data_options=("class_weights",),
            folds=True,
        ),
        TaskSpec(
            name="regressor",
            title="text regressor",
            mapping="many_to_one",
            formats=("table",),
            target="a number",
            metrics=(LOSS, MSE, MAE, R2),
            model=TextPooledConfig,
            unit="ex",
            label_type="number",
            folds=True,
        ),
        TaskSpec(
            name="tagger",
            title="tagger",
            mapping="many_to_many",
            formats=("conllu", "columns"),
            target="a label per token",
            # precision/recall/f1 are over labelled spans, reported for BIO/BIOES labels
            metrics=(LOSS, ACCURACY, F1, PRECISION, RECALL),
            model=TaggerConfig,
            unit="tok",
        ),
        TaskSpec(
            name="array_classifier",
            title="classifier of arrays",
            mapping="many_to_one",
            formats=("arrays",),
            target="a class per sequence of numbers",
            metrics=(LOSS, ACCURACY, MACRO_F1),
            model=PooledConfig,
            unit="ex",
            label_type="category",
            predict_files=(".npz",),
        ),
        TaskSpec(
            name="array_tagger",
            title="tagger of arrays",
            mapping="many_to_many",
            formats=("arrays",),
            target="a label per step of a sequence of numbers",
            metrics=(LOSS, ACCURACY, MACRO_F1),
            model=ModelConfig,
            unit="steps",
            label_type="category",
            predict_files=(".npz",),
        ),
        TaskSpec(
            name="array_regressor",
            title="regressor of arrays",
            mapping="many_to_one",
            formats=("arrays",),
            target="a number per sequence of numbers",
            metrics=(LOSS, MSE, MAE, R2),
            model=PooledConfig,
            unit="ex",
            label_type="number",
            predict_files=(".npz",),
        ),
        TaskSpec(
            name="translator",
            title="translator",
            mapping="encoder_decoder",
            formats=("pairs",),
            target="a token sequence",
            metrics=(BLEU, LOSS, CHRF, EXACT_MATCH),
            model=TranslatorConfig,
            unit="tok",
            train_options={"teacher_forcing": 1.0},
            generate=("lines", "sampling", "seed", "ending", "search", "attention"),
        ),
        TaskSpec(
            name="conditioned_text",
            title="class-conditioned generator",
            mapping="one_to_many",
            formats=("table", "folder"),
            target="a token sequence",
            metrics=(LOSS, PERPLEXITY, ACCURACY),
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
            metrics=(LOSS, MAE),
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
            evaluate=FORECAST_EVALUATE,
        ),
        TaskSpec(
            name="adding",
            title="adding model",
            mapping="many_to_one",
            formats=("synthetic",),
            target="the sum of two marked values",
            metrics=(MSE, LOSS),
            model=ModelConfig,
            unit="ex",
        ),
        TaskSpec(
            name="copy",
            title="copy-memory model",
            mapping="many_to_many",
            formats=("synthetic",),
            target="a symbol per step",
            metrics=(LAST10_ACCURACY, LOSS),
            model=ModelConfig,
            unit="ex",
        ),
        TaskSpec(
            name="music",
            title="music model",
            mapping="many_to_many",
            formats=("music",),
            target="the next piano-roll frame",
            metrics=(NLL, LOSS),
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
            metrics=(ACCURACY, LOSS),
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
# Every metric some task reports, by name: what train.monitor may name, and which way is better.
METRICS = {metric.name: metric for spec in SPECS.values() for metric in spec.metrics}


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
