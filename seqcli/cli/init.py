"""seqcli init: a commented recipe from a sample of the user's own data."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from seqcli import ui
from seqcli.cli.app import app, friendly
from seqcli.errors import UsageError
from seqcli.recipe.errors import did_you_mean
from seqcli.scaffold.draft import TASK_WORDS

TASK_HELP = f"The task to make: {', '.join(TASK_WORDS[:-1])} or {TASK_WORDS[-1]}; default: guessed."


@app.command()
@friendly
def init(
    data: Annotated[
        Path, typer.Argument(help="Your data: a file, or a folder of class files or recordings.")
    ],
    task: Annotated[
        str | None,
        typer.Option(metavar="TASK", help=TASK_HELP),
    ] = None,
    out: Annotated[
        Path | None,
        typer.Option(help="The recipe to write; default: DATA's name with .yaml, here."),
    ] = None,
    overwrite: Annotated[
        bool, typer.Option("--overwrite", help="Replace --out if it exists.")
    ] = False,
) -> None:
    """Write a commented recipe for DATA: guess the task, the columns and the sizes."""
    from seqcli.scaffold.guess import check_out, default_out, draft_recipe, render, write_recipe

    if task is not None and task not in TASK_WORDS:
        raise UsageError(
            f"--task {task}: choose {', '.join(TASK_WORDS)}{did_you_mean(task, TASK_WORDS)}"
        )
    out = out or default_out(data)
    if out.resolve() == data.resolve():
        raise UsageError(f"--out {out}: is DATA itself; name another file for the recipe")
    check_out(out, overwrite=overwrite)
    draft = draft_recipe(data, out=out, task=task)
    name = default_out(data).stem
    write_recipe(render(draft, name=name, data=str(data), out=str(out)), out, overwrite=overwrite)
    report(draft, out)


def report(draft, out: Path) -> None:
    """Two lines to check (what was read, what was not), then each guess with its key."""
    ui.info(f"wrote {out}: a {draft.task}. Found {draft.found}")
    ui.info(f"ignored: {'; '.join(draft.ignored_shown()) or 'nothing'}")
    for line in draft.unsure:
        ui.warn(f"guess: {line}")
    ui.info(f"next: seqcli train {out}")
