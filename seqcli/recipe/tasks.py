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
    FORECAST_EVALUATE,
    FORECAST_METRICS,
    LOWER_IS_BETTER,
    MAPPINGS,
    WRITES_AHEAD,
    Mapping,
    TaskSpec,
)

__all__ = ["FORMATS", "LOWER_IS_BETTER", "MAPPINGS", "SPECS", "Mapping", "TaskSpec", "task_of"]

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
            train_options={"seq_len": 128, "windows": "carried"},
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
            model=TextPooledConfig,
            unit="ex",
            label_type="category",
            data_options=("class_weights",),
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
            model=TextPooledConfig,
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
            name="array_classifier",
            title="classifier of arrays",
            mapping="many_to_one",
            formats=("arrays",),
            target="a class per sequence of numbers",
            metrics=("loss", "accuracy", "macro_f1"),
            model=PooledConfig,
            unit="ex",
            label_type="category",
            predicts=True,
            stack_input=True,
            predict_files=(".npz",),
        ),
        TaskSpec(
            name="array_tagger",
            title="tagger of arrays",
            mapping="many_to_many",
            formats=("arrays",),
            target="a label per step of a sequence of numbers",
            metrics=("loss", "accuracy", "macro_f1"),
            model=ModelConfig,
            unit="steps",
            label_type="category",
            predicts=True,
            stack_input=True,
            predict_files=(".npz",),
        ),
        TaskSpec(
            name="array_regressor",
            title="regressor of arrays",
            mapping="many_to_one",
            formats=("arrays",),
            target="a number per sequence of numbers",
            metrics=("loss", "mse", "mae", "r2"),
            model=PooledConfig,
            unit="ex",
            label_type="number",
            predicts=True,
            stack_input=True,
            predict_files=(".npz",),
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
