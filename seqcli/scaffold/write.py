"""Write a recipe only when it passes the schema, atomically, and never over another file
unless asked."""

from __future__ import annotations

import contextlib
import os
import tempfile
from pathlib import Path

import yaml

from seqcli.errors import UsageError
from seqcli.recipe import validate_recipe


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
    """Validate the text as the recipe it will be, then put it in place in one step."""
    validate_recipe(yaml.safe_load(text), source=str(out), base_dir=out.parent)
    handle, temporary = tempfile.mkstemp(dir=out.parent, prefix=f".{out.name}.", suffix=".tmp")
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as stream:
            stream.write(text)
            stream.flush()
            os.fsync(stream.fileno())
        publish(Path(temporary), out, overwrite=overwrite)
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(temporary)


def publish(temporary: Path, out: Path, *, overwrite: bool) -> None:
    if overwrite:
        os.replace(temporary, out)
        return
    try:  # a link fails if the name appeared since check_out: nothing is overwritten
        os.link(temporary, out)
    except FileExistsError:
        check_out(out, overwrite=False)
    except OSError:  # no hard links on this file system: replace, having looked just before
        check_out(out, overwrite=False)
        os.replace(temporary, out)
