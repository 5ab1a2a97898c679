"""Write a recipe only when it passes the schema, atomically, and never over another file
unless asked."""

from __future__ import annotations

from pathlib import Path

import yaml

from seqcli.errors import UsageError
from seqcli.recipe import validate_recipe
from seqcli.recipe.outputs import Output, write_output


def check_out(out: Path, *, overwrite: bool) -> None:
    """Refuse before any reading: an existing recipe without --overwrite, a missing folder."""
    if out.exists() and not overwrite:
        raise UsageError(
            f"{out}: exists; seqcli init never overwrites a file: pass --overwrite, or "
            "--out another file"
        )
    if out.is_dir():
        raise UsageError(f"{out}: is a folder; --out names the recipe file to write")
    if not out.parent.is_dir():
        raise UsageError(f"{out}: the folder {out.parent} does not exist")


def write_recipe(text: str, out: Path, *, overwrite: bool) -> None:
    """Validate the text as the recipe it will be, then put it in place in one step, through
    the write door: without --overwrite it is linked in, which fails if the name appeared
    since check_out, so nothing is overwritten."""
    validate_recipe(yaml.safe_load(text), source=str(out), base_dir=out.parent)
    write_output(out, text.encode("utf-8"), Output("--out", replace=overwrite))
