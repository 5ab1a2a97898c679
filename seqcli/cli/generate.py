"""seqcli generate: every task's flags in one command; the task's spec says which it reads."""

from __future__ import annotations

import inspect
import typing
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Annotated

import typer
from pydantic import BaseModel

from seqcli import ui
from seqcli.cli.app import Device, Precision, RunPath, Threads, app, friendly, place
from seqcli.cli.choices import offer
from seqcli.cli.numbers import bounded, like, option_like
from seqcli.cli.requests import UNKNOWN
from seqcli.decoding.requests import Search
from seqcli.errors import UsageError
from seqcli.recipe import GenerateConfig, Recipe, SeriesData
from seqcli.recipe.pattern_formats import PatternData
from seqcli.recipe.training import Sampling

Text = Annotated[str | None, typer.Option(help="Text to start from.")]
PrimeFile = Annotated[Path | None, typer.Option(help="Read the prime from a file ('-': stdin).")]
Length = Annotated[
    int | None,
    typer.Option(parser=like(GenerateConfig, "length"), help="Tokens (or steps) to generate."),
]
Samples = Annotated[
    int | None, typer.Option(parser=bounded(int, ge=1), help="Independent samples.")
]
Seed = Annotated[int | None, typer.Option(parser=like(Recipe, "seed"), help="Sampling seed (0).")]
Unknown = Annotated[
    str | None,
    typer.Option(
        autocompletion=offer(tuple(UNKNOWN)), help="Prime tokens outside the vocab: error | skip."
    ),
]
Horizon = Annotated[
    int | None, typer.Option(parser=like(SeriesData, "horizon"), help="Forecast: steps ahead.")
]
Series = Annotated[
    str | None,
    typer.Option(help="Forecast: the series of several to continue (default the last)."),
]
Future = Annotated[
    Path | None,
    typer.Option(help="Forecast: CSV of data.future_columns' values after the series' end."),
]
Input = Annotated[str | None, typer.Option(help="translator: the sentence(s) to translate.")]
Output = Annotated[Path | None, typer.Option(help="Forecast: write the CSV here, not to stdout.")]
Plot = Annotated[Path | None, typer.Option(help="Forecast: draw history and forecast (PNG).")]
Condition = Annotated[str | None, typer.Option(help="one_to_many: a class, or numbers 'a,b,...'.")]
InputFile = Annotated[
    Path | None,
    typer.Option(
        help="translator: sentences, one per line (default stdin); "
        "forecast: continue this CSV instead of the training data; "
        "Hopfield: patterns to recall from, in the run's data format."
    ),
]
Noise = Annotated[
    float | None,
    typer.Option(parser=like(PatternData, "noise"), help="Hopfield: share of units to flip."),
]
Pattern = Annotated[
    int | None,
    typer.Option(parser=bounded(int, ge=0), help="Hopfield: stored pattern to recall."),
]
Attention = Annotated[
    Path | None, typer.Option(help="translator: write attention weights (.json or .png).")
]


def options_like(section: type[BaseModel]) -> dict:
    """One flag per key of a section (Sampling, Search), declared by the key's field."""
    return {key: option_like(section, key) for key in section.model_fields}


# generate's flags in the order --help lists them. The sampling and beam flags are the
# Sampling and Search sections' fields: a new key there is a new flag here, with no edit.
FLAGS = {
    "prime": Text,
    "prime_file": PrimeFile,
    "length": Length,
    **options_like(Sampling),
    "num_samples": Samples,
    "seed": Seed,
    "unknown": Unknown,
    "horizon": Horizon,
    "series": Series,
    "future": Future,
    "input": Input,
    "output": Output,
    "plot": Plot,
    "condition": Condition,
    "input_file": InputFile,
    **options_like(Search),
    "attention": Attention,
    "noise": Noise,
    "pattern": Pattern,
}


def _signature() -> inspect.Signature:
    """generate's parameters as Typer reads them: the run, FLAGS, then where to compute."""
    keyword = inspect.Parameter.KEYWORD_ONLY
    flags = [
        inspect.Parameter(name, keyword, default=_not_given(kind), annotation=kind)
        for name, kind in FLAGS.items()
    ]
    placing = [
        inspect.Parameter("device", keyword, default="auto", annotation=Device),
        inspect.Parameter("threads", keyword, default=None, annotation=Threads),
        inspect.Parameter("precision", keyword, default=None, annotation=Precision),
    ]
    run = inspect.Parameter("run", inspect.Parameter.POSITIONAL_OR_KEYWORD, annotation=RunPath)
    return inspect.Signature([run, *flags, *placing], return_annotation=None)


def _not_given(kind) -> bool | None:
    """A switch left off is False, any other flag None: build_request reads both as absent."""
    return False if typing.get_args(kind)[0] is bool else None


@app.command()
@friendly
def generate(run: Path, *, device: str, threads: int | None, precision: str | None, **flags):
    """Generate from a trained model: sample text, translate, condition, forecast, recall."""
    _generate(run, flags, device=place(device, threads), precision=precision)


generate.__signature__ = _signature()  # Typer reads the flags from here


def _generate(run: Path, options: dict, *, device, precision: str | None) -> None:
    from seqcli.cli.requests import build_request
    from seqcli.engine.precision import run_precision
    from seqcli.engine.run import load_run
    from seqcli.tasks import TASKS

    loaded = load_run(run, device, TASKS)
    _writable_outputs(options)
    request = build_request(loaded.recipe, options)  # refuses flags before any work
    with run_precision(loaded, precision, "--precision"):
        generated = loaded.task.generate(loaded, request)  # lazy: it runs as it is written
        if generated.note:
            ui.warn(generated.note)
        files = {name: options[name] for name in ("output", "plot", "attention")}
        write_generated(generated, **files)


def _writable_outputs(options: dict) -> None:
    """Every file the flags name, checked before the model runs (seqcli.recipe.outputs)."""
    from seqcli.recipe.outputs import Output, check_output
    from seqcli.ui.figures import figure_output
    from seqcli.ui.files import ATTENTION_WRITERS

    path = options["attention"]
    if path is not None and path.suffix.lower() not in ATTENTION_WRITERS:
        raise UsageError(f"--attention {path}: write .json or .png")
    outputs = {"output": Output("--output"), "plot": figure_output("--plot")}
    for name, output in {**outputs, "attention": Output("--attention")}.items():
        if options[name] is not None:
            check_output(options[name], output)


def write_generated(generated, *, output: Path | None, plot: Path | None, attention: Path | None):
    """The text to stdout (or --output), then the pictures the flags ask for."""
    from seqcli.ui import figures, files

    text = Watched(generated.chunks)
    if output is None:
        for chunk in text:
            ui.write_stdout(chunk)
    else:
        files.write_file(output, "".join(text), flag="--output")
    if text.blank:  # exit 0 with nothing to read looked like success (eng-fra, issue 22)
        ui.warn(EMPTY)
    if plot is not None:
        figures.plot_forecast(generated.figure, plot)
    if attention is not None:
        files.ATTENTION_WRITERS[attention.suffix.lower()](generated.attention, attention)


EMPTY = (
    "the output is empty (nothing but whitespace): the model ended or padded at once, "
    "as one trained too briefly does"
)


class Watched:
    """Generated chunks as they stream, noting whether any held more than whitespace."""

    def __init__(self, chunks: Iterable[str]):
        self.chunks, self.blank = chunks, True

    def __iter__(self) -> Iterator[str]:
        for chunk in self.chunks:
            self.blank = self.blank and not chunk.strip()
            yield chunk
