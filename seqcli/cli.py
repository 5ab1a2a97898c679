"""The command line: parse, call the library, hand results to ui. Torch loads per command."""

from __future__ import annotations

import functools
import json
import signal
import sys
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.errors import SeqcliError, UsageError

app = typer.Typer(
    help="Train, sample and evaluate recurrent sequence models from a YAML recipe.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
)
recipe_app = typer.Typer(help="Show a resolved recipe or the recipe JSON Schema.")
app.add_typer(recipe_app, name="recipe")

Device = Annotated[str, typer.Option("--device", help="auto | cpu | cuda | mps")]
Overrides = Annotated[
    list[str] | None,
    typer.Option("--set", help="Override a recipe key, e.g. --set model.hidden_size=512."),
]
AsJson = Annotated[bool, typer.Option("--json", help="Machine-readable output on stdout.")]
RunPath = Annotated[Path, typer.Argument(help="Run folder (uses best.pt) or checkpoint file.")]


def friendly(command):
    """Turn a SeqcliError into one red line and exit code 2; anything else is our bug."""

    @functools.wraps(command)
    def wrapper(*args, **kwargs):
        try:
            return command(*args, **kwargs)
        except SeqcliError as err:
            ui.error(str(err))
            raise typer.Exit(2) from None

    return wrapper


@contextmanager
def stop_on_signals(trainer):
    """First Ctrl-C or SIGTERM: save and stop after the current step. A second one: exit now.

    Yields a list that receives the signal number, so the command can exit 128 + signum.
    """
    previous = {sig: signal.getsignal(sig) for sig in (signal.SIGINT, signal.SIGTERM)}
    received: list[int] = []

    def handle(signum, frame):
        received.append(signum)
        trainer.request_stop(f"interrupted by {signal.Signals(signum).name}")
        for sig, handler in previous.items():
            signal.signal(sig, handler)

    for sig in previous:
        signal.signal(sig, handle)
    try:
        yield received
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)


@app.command()
@friendly
def train(
    recipe: Annotated[Path | None, typer.Argument(help="Recipe YAML file.")] = None,
    overrides: Overrides = None,
    out: Annotated[Path | None, typer.Option(help="Run folder (default runs/<name>).")] = None,
    resume: Annotated[Path | None, typer.Option(help="Continue the run in this folder.")] = None,
    init_from: Annotated[
        Path | None, typer.Option(help="Start from this checkpoint's weights only.")
    ] = None,
    overwrite: Annotated[bool, typer.Option(help="Replace a run already in the folder.")] = False,
    device: Device = "auto",
    quiet: Annotated[bool, typer.Option(help="No progress; final summary only.")] = False,
    as_json: AsJson = False,
    tune_allocator: Annotated[
        bool, typer.Option(help="Raise glibc malloc thresholds (faster CPU training).")
    ] = True,
    dry_run: Annotated[
        bool, typer.Option(help="Build data and model, print shapes and memory, then exit.")
    ] = False,
    diagnose: Annotated[
        bool, typer.Option(help="At each validation: gradient flow, saturation, gates.")
    ] = False,
) -> None:
    """Train a model from a recipe, or resume a run."""
    if (recipe is None) == (resume is None):
        raise UsageError("give a RECIPE to start a run, or --resume RUN_DIR to continue one")
    if resume is not None and (overrides or init_from or out):
        raise UsageError("--resume continues a run as it was; drop --set, --init-from and --out")
    from seqcli.engine.allocator import tune_allocator as tune
    from seqcli.engine.run import resolve_device

    if tune_allocator:
        tune()
    target = resolve_device(device)
    if dry_run:
        _dry_run(recipe or resume / "recipe.yaml", overrides or [], target, init_from)
        return
    options = {"out": out, "overwrite": overwrite, "init_from": init_from}
    trainer = _trainer(recipe, resume, overrides or [], target, options)
    view = ui.JsonView() if as_json else ui.TrainView(quiet=quiet)
    exit_code = _watch(trainer, view, diagnose=diagnose)
    if exit_code:
        raise typer.Exit(exit_code)


def _trainer(recipe: Path | None, resume: Path | None, overrides: list[str], device, options):
    from seqcli.engine.start import fresh_training, resumed_training
    from seqcli.recipe import load_recipe

    if resume is not None:
        return resumed_training(resume, device=device)
    return fresh_training(load_recipe(recipe, overrides), device=device, **options)


def _watch(trainer, view, *, diagnose: bool = False) -> int:
    """Render the training; the exit code: 1 if it diverged, 128 + n after signal n, else 0."""
    from seqcli.engine.diagnostics import diagnosed

    try:
        with stop_on_signals(trainer) as received:
            last = view.render(diagnosed(trainer) if diagnose else trainer)
    finally:
        trainer.folder.release()
    if getattr(last, "failed", False):
        return 1
    return 128 + received[0] if received else 0


def _dry_run(recipe_path: Path, overrides: list[str], device, init_from: Path | None) -> None:
    from seqcli.engine.dryrun import dry_run
    from seqcli.engine.start import fresh_run
    from seqcli.recipe import load_recipe

    run, data = fresh_run(load_recipe(recipe_path, overrides), device=device, init_from=init_from)
    ui.dry_run_report(dry_run(run, data))


@app.command("compare-cells")
@friendly
def compare_cells(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")],
    cells: Annotated[str | None, typer.Option(help="Cells, e.g. rnn,lstm,gru.")] = None,
    layers: Annotated[str | None, typer.Option(help="Depths, e.g. 1,2 (recipe's).")] = None,
    direction: Annotated[str | None, typer.Option(help="uni,bi (recipe's).")] = None,
    seeds: Annotated[str | None, typer.Option(help="Seeds, e.g. 0,1,2 (recipe's).")] = None,
    match_params: Annotated[
        bool, typer.Option(help="Size each cell to the first cell's parameter count (2%).")
    ] = False,
    steps: Annotated[int | None, typer.Option(min=1, help="Steps per variant.")] = None,
    target: Annotated[
        float | None, typer.Option(help="Report the step the monitored metric reached this.")
    ] = None,
    out: Annotated[Path | None, typer.Option(help="Folder (default runs/<name>-cells).")] = None,
    jobs: Annotated[int, typer.Option(min=1, help="Variants trained at once.")] = 1,
    overrides: Overrides = None,
    device: Device = "auto",
) -> None:
    """Train rnn, lstm and gru variants of a recipe side by side, with gradient diagnostics."""
    flags = {k: v for k, v in locals().items() if k not in ("recipe", "out", "jobs", "device")}
    from seqcli.compare import parse_grid, run_grid
    from seqcli.engine.run import resolve_device
    from seqcli.recipe import load_recipe

    loaded = load_recipe(recipe, overrides or [])
    grid = parse_grid(loaded, flags)
    folder = out or Path("runs") / f"{loaded.name}-cells"
    stream = run_grid(loaded, grid, folder, device=resolve_device(device), jobs=jobs)
    ui.CompareView().render(stream)


@app.command()
@friendly
def generate(
    run: RunPath,
    prime: Annotated[str | None, typer.Option(help="Text to start from.")] = None,
    prime_file: Annotated[
        Path | None, typer.Option(help="Read the prime from a file ('-' for stdin).")
    ] = None,
    length: Annotated[int | None, typer.Option(min=1, help="Tokens to generate.")] = None,
    temperature: Annotated[float | None, typer.Option(min=1e-6, help="Softmax temp.")] = None,
    top_k: Annotated[int | None, typer.Option(min=1, help="Sample among the k likeliest.")] = None,
    top_p: Annotated[float | None, typer.Option(min=1e-6, max=1.0, help="Nucleus mass.")] = None,
    greedy: Annotated[bool, typer.Option(help="Always take the likeliest token.")] = False,
    num_samples: Annotated[int | None, typer.Option(min=1, help="Independent samples.")] = None,
    seed: Annotated[int | None, typer.Option(help="Sampling seed (default 0).")] = None,
    unknown: Annotated[
        str | None, typer.Option(help="Prime tokens outside the vocab: error | skip.")
    ] = None,
    horizon: Annotated[int | None, typer.Option(min=1, help="Forecast: steps ahead.")] = None,
    input: Annotated[
        str | None, typer.Option(help="translator: the sentence(s) to translate.")
    ] = None,
    output: Annotated[
        Path | None, typer.Option(help="Forecast: write the CSV here, not to stdout.")
    ] = None,
    plot: Annotated[
        Path | None, typer.Option(help="Forecast: draw history and forecast (PNG).")
    ] = None,
    condition: Annotated[
        str | None, typer.Option(help="one_to_many: a class, or numbers 'a,b,...'.")
    ] = None,
    input_file: Annotated[
        Path | None,
        typer.Option(
            help="translator: sentences, one per line (default stdin); "
            "forecast: continue this CSV instead of the training data."
        ),
    ] = None,
    beam_size: Annotated[int | None, typer.Option(min=1, help="translator: beams (5).")] = None,
    n_best: Annotated[
        int | None, typer.Option(min=1, help="translator: best translations per line.")
    ] = None,
    length_penalty: Annotated[
        float | None, typer.Option(min=0.0, help="translator: GNMT alpha (0.6).")
    ] = None,
    attention: Annotated[
        Path | None, typer.Option(help="translator: write attention weights (.json or .png).")
    ] = None,
    device: Device = "auto",
) -> None:
    """Generate from a trained model: sample text, translate, condition, forecast."""
    flags = {name: value for name, value in locals().items() if name not in ("run", "device")}
    from seqcli.engine.run import load_run, resolve_device

    loaded = load_run(run, resolve_device(device))
    given = {name: value for name, value in flags.items() if value not in (None, False)}
    for chunk in loaded.task.generate(loaded, given):
        ui.write_stdout(chunk)


@app.command()
@friendly
def evaluate(
    run: RunPath,
    data: Annotated[Path | None, typer.Option(help="Score this data file instead.")] = None,
    split: Annotated[str, typer.Option(help="val | test (of the recipe's data).")] = "val",
    max_batches: Annotated[int | None, typer.Option(min=1, help="Cap on batches.")] = None,
    device: Device = "auto",
    as_json: AsJson = False,
) -> None:
    """Score a model on a split or a file with its task's metrics (and baselines, if any)."""
    if split not in ("val", "test"):
        raise UsageError(f"--split {split}: choose val or test")
    from seqcli.engine.run import load_run, resolve_device

    loaded = load_run(run, resolve_device(device))
    task = loaded.task
    if data is not None:
        examples, name = task.examples_from_file(loaded, data), str(data)
    else:
        examples, name = task.prepare(loaded.recipe, loaded.meta).splits[split], split
        if not len(examples):
            raise UsageError(
                f"--split {split}: the {split} split is empty; raise data.{split}_fraction"
            )
    metrics = task.evaluate(loaded, examples, max_batches=max_batches)
    details = metrics.pop("details", {})
    if as_json:
        ui.print_json({"data": name, **metrics, "details": details})
        return
    ui.metrics_table(f"{loaded.recipe.name} on {name}", metrics)
    ui.detail_tables(details)


@app.command()
@friendly
def predict(
    run: RunPath,
    text: Annotated[
        list[str] | None, typer.Option("--text", help="An input (repeat for several).")
    ] = None,
    file: Annotated[
        Path | None, typer.Option("--file", help="One input per line ('-' for stdin).")
    ] = None,
    device: Device = "auto",
    as_json: AsJson = False,
) -> None:
    """Predict for each input line: a label, a tag per token, a translation."""
    lines = _input_lines(text, file)
    from seqcli.engine.run import load_run, resolve_device

    loaded = load_run(run, resolve_device(device))
    task = loaded.task
    if not hasattr(task, "predict"):
        raise UsageError(
            f"predict does not apply to a {loaded.recipe.task.replace('_', ' ')}; "
            "use seqcli generate or seqcli evaluate"
        )
    rows = task.predict(loaded, lines)
    if as_json:
        for row in rows:
            ui.print_json(row)
        return
    for line in task.prediction_lines(rows):
        ui.write_stdout(line + "\n")


def _input_lines(text: list[str] | None, file: Path | None) -> list[str]:
    """The inputs of --text, of --file (one per line, blank lines skipped), or of piped stdin."""
    if text is not None and file is not None:
        raise UsageError("give --text (repeatable) or --file, not both")
    if text is not None:
        return text
    if file is None and sys.stdin.isatty():
        raise UsageError("give --text (repeatable) or --file, or pipe lines into stdin")
    source = "stdin" if file is None or str(file) == "-" else f"--file {file}"
    try:
        content = sys.stdin.read() if source == "stdin" else file.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        raise UsageError(f"{source}: cannot read ({err})") from None
    lines = [line for line in content.splitlines() if line.strip()]
    if not lines:
        raise UsageError(f"{source}: holds no input lines")
    return lines


@app.command()
@friendly
def inspect(
    checkpoint: RunPath,
    as_json: AsJson = False,
) -> None:
    """Summarize a checkpoint: recipe, parameters per layer and gate, steps, best metric."""
    from seqcli.engine.checkpoint import load_checkpoint, resolve_checkpoint
    from seqcli.engine.inspect import parameter_rows, summary_rows
    from seqcli.engine.run import stored_recipe
    from seqcli.tasks import task_for

    # last.pt knows the steps trained and the best value seen, and whether it can resume.
    path = resolve_checkpoint(checkpoint, prefer=("last.pt", "best.pt"))
    payload = load_checkpoint(path)
    recipe = stored_recipe(payload, path)
    summary = summary_rows(payload, task_for(recipe).meta_summary(payload["meta"]))
    rows = parameter_rows(payload["model"], recipe.model.cell)
    if as_json:
        ui.print_json(
            {"summary": dict(summary), "recipe": payload["recipe"],
             "parameters": [{"tensor": t, "block": b, "count": c} for t, b, c in rows]}
        )  # fmt: skip
        return
    ui.key_value_table(str(checkpoint), summary)
    ui.parameter_table(rows)
    ui.info(f"total parameters: {sum(count for _, _, count in rows):,}")


@recipe_app.command("show")
@friendly
def recipe_show(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")],
    overrides: Overrides = None,
) -> None:
    """Print the recipe with every default filled in and every override applied."""
    from seqcli.recipe import load_recipe, recipe_to_yaml

    ui.write_stdout(recipe_to_yaml(load_recipe(recipe, overrides or [])))


@recipe_app.command("schema")
def recipe_schema() -> None:
    """Print the recipe JSON Schema (for editor completion and validation)."""
    from seqcli.recipe import recipe_json_schema

    ui.write_stdout(json.dumps(recipe_json_schema(), indent=2) + "\n")


def main() -> None:
    app()
