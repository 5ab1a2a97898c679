"""compare-cells: the same task trained with each cell (and depth, direction, seed) side by
side."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.app import Device, Overrides, Threads, app, friendly, place
from seqcli.cli.choices import literal, offer_each
from seqcli.cli.numbers import bounded, like, usable_cores
from seqcli.cli.training import out_folder
from seqcli.recipe import ModelConfig, TrainConfig


def _each(field: str):
    """Completion of a comma-separated list of the values model.<field> takes."""
    return offer_each(literal(ModelConfig, field))


Cells = Annotated[
    str | None,
    typer.Option(autocompletion=_each("cell"), help="Cells, e.g. rnn,lstm,gru (default) or leaky."),
]
Memory = Annotated[
    str | None,
    typer.Option(
        autocompletion=_each("memory"), help="rnn forms, e.g. before_activation,after_activation."
    ),
]
GateActivation = Annotated[
    str | None,
    typer.Option(
        autocompletion=_each("gate_activation"),
        help="lstm/gru gate forms, e.g. sigmoid,hard_sigmoid.",
    ),
]
Layers = Annotated[str | None, typer.Option(help="Depths, e.g. 1,2 (recipe's).")]
Directions = Annotated[
    str | None, typer.Option(autocompletion=_each("direction"), help="uni,bi (recipe's).")
]
Seeds = Annotated[str | None, typer.Option(help="Seeds, e.g. 0,1,2 (recipe's).")]
MatchParams = Annotated[
    bool, typer.Option(help="Size each cell to the first cell's parameter count (2%).")
]
Target = Annotated[
    float | None,
    typer.Option(parser=bounded(float), help="Report the step the monitored metric reached this."),
]
Steps = Annotated[
    int | None, typer.Option(parser=like(TrainConfig, "steps"), help="Steps per variant.")
]
Jobs = Annotated[
    int,
    typer.Option(
        parser=bounded(int, ge=1, le=usable_cores()),
        help="Variants trained at once, at most the cores.",
    ),
]
Overwrite = Annotated[
    bool, typer.Option(help="Replace variants' runs of another recipe in the folder.")
]


@app.command("compare-cells")
@friendly
def compare_cells(
    recipe: Annotated[Path, typer.Argument(help="Recipe YAML file.")],
    cells: Cells = None,
    memory: Memory = None,
    gate_activation: GateActivation = None,
    layers: Layers = None,
    direction: Directions = None,
    seeds: Seeds = None,
    match_params: MatchParams = False,
    steps: Steps = None,
    target: Target = None,
    out: Annotated[
        str | None, typer.Option(metavar="DIR", help="Folder (default runs/<name>-cells).")
    ] = None,
    jobs: Jobs = 1,
    overwrite: Overwrite = False,
    overrides: Overrides = None,
    device: Device = "auto",
    threads: Threads = None,
) -> None:
    """Train rnn, lstm and gru variants of a recipe side by side, with gradient diagnostics."""
    flags = {
        k: v
        for k, v in locals().items()
        if k not in ("recipe", "out", "jobs", "overwrite", "device", "threads")
    }
    from seqcli.compare import parse_grid, run_grid
    from seqcli.recipe import load_recipe

    loaded = load_recipe(recipe, overrides or [])
    grid = parse_grid(loaded, flags)
    folder = out_folder(out) or Path("runs") / f"{loaded.name}-cells"
    machine = {"device": place(device, threads), "threads": threads}
    stream = run_grid(loaded, grid, folder, jobs=jobs, overwrite=overwrite, **machine)
    from seqcli.ui.compare import CompareView

    CompareView().render(stream)
    ui.info(f"all variants on one page: seqcli report {folder}")
