"""seqcli generate: every task's flags in one command; the task's spec says which it reads."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.app import Device, Precision, RunPath, Threads, app, friendly, place
from seqcli.cli.choices import offer
from seqcli.cli.numbers import bounded, like
from seqcli.cli.requests import UNKNOWN
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
Temperature = Annotated[
    float | None, typer.Option(parser=like(Sampling, "temperature"), help="Softmax temperature.")
]
TopK = Annotated[
    int | None, typer.Option(parser=like(Sampling, "top_k"), help="Sample among the k likeliest.")
]
TopP = Annotated[float | None, typer.Option(parser=like(Sampling, "top_p"), help="Nucleus mass.")]
Greedy = Annotated[bool, typer.Option(help="Always take the likeliest token.")]
Penalty = Annotated[
    float | None,
    typer.Option(
        parser=like(Sampling, "repetition_penalty"),
        help="Scores of tokens already written / this (CTRL).",
    ),
]
MinLength = Annotated[
    int | None,
    typer.Option(parser=like(Sampling, "min_length"), help="Tokens before the end may come."),
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
BeamSize = Annotated[
    int | None, typer.Option(parser=bounded(int, ge=1), help="translator: beams (5).")
]
NBest = Annotated[
    int | None,
    typer.Option(parser=bounded(int, ge=1), help="translator: best translations per line."),
]
LengthPenalty = Annotated[
    float | None,
    typer.Option(parser=bounded(float, ge=0), help="translator: GNMT alpha (0.6)."),
]
Attention = Annotated[
    Path | None, typer.Option(help="translator: write attention weights (.json or .png).")
]


@app.command()
@friendly
def generate(
    run: RunPath,
    prime: Text = None,
    prime_file: PrimeFile = None,
    length: Length = None,
    temperature: Temperature = None,
    top_k: TopK = None,
    top_p: TopP = None,
    greedy: Greedy = False,
    repetition_penalty: Penalty = None,
    min_length: MinLength = None,
    num_samples: Samples = None,
    seed: Seed = None,
    unknown: Unknown = None,
    horizon: Horizon = None,
    series: Series = None,
    input: Input = None,
    output: Output = None,
    plot: Plot = None,
    condition: Condition = None,
    input_file: InputFile = None,
    beam_size: BeamSize = None,
    n_best: NBest = None,
    length_penalty: LengthPenalty = None,
    attention: Attention = None,
    noise: Noise = None,
    pattern: Pattern = None,
    device: Device = "auto",
    threads: Threads = None,
    precision: Precision = None,
) -> None:
    """Generate from a trained model: sample text, translate, condition, forecast, recall."""
    options = {
        k: v for k, v in locals().items() if k not in ("run", "device", "threads", "precision")
    }
    _generate(run, options, device=place(device, threads), precision=precision)


def _generate(run: Path, options: dict, *, device, precision: str | None) -> None:
    from seqcli.cli.requests import build_request
    from seqcli.engine.precision import run_precision
    from seqcli.engine.run import load_run
    from seqcli.tasks import TASKS

    loaded = load_run(run, device, TASKS)
    _writable_attention(options["attention"])
    request = build_request(loaded.recipe, options)  # refuses flags before any work
    with run_precision(loaded, precision, "--precision"):
        generated = loaded.task.generate(loaded, request)  # lazy: it runs as it is written
        if generated.note:
            ui.warn(generated.note)
        files = {name: options[name] for name in ("output", "plot", "attention")}
        write_generated(generated, **files)


def _writable_attention(path: Path | None) -> None:
    from seqcli.ui.files import ATTENTION_WRITERS

    if path is not None and path.suffix.lower() not in ATTENTION_WRITERS:
        raise UsageError(f"--attention {path}: write .json or .png")


def write_generated(generated, *, output: Path | None, plot: Path | None, attention: Path | None):
    """The text to stdout (or --output), then the pictures the flags ask for."""
    from seqcli.ui import figures, files

    if output is None:
        for chunk in generated.chunks:
            ui.write_stdout(chunk)
    else:
        files.write_file(output, "".join(generated.chunks), flag="--output")
    if plot is not None:
        figures.plot_forecast(generated.figure, plot)
    if attention is not None:
        files.ATTENTION_WRITERS[attention.suffix.lower()](generated.attention, attention)
