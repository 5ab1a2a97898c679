"""Writing the page through the write door (seqcli/recipe/outputs.py): checked before any work,
whole or not at all, never through a link, never over a file that is not a report unless
--overwrite says so."""

from __future__ import annotations

from pathlib import Path

from seqcli.errors import UsageError
from seqcli.recipe.outputs import Output, check_output, write_output
from seqcli.report.html import GENERATOR

SNIFF = 4096  # a report names its generator in its first lines
PAGE = Output("--out", suffixes=(".html", ".htm"))


def check_page(path: Path, *, overwrite: bool) -> None:
    """Refuse, before the work, a page that could not be written or must not replace a file."""
    check_output(path, PAGE)
    if path.is_file() and not overwrite and not is_report(path):
        raise UsageError(f"--out {path}: exists and is not a seqcli report; pass --overwrite")


def write_page(path: Path, page: str, *, overwrite: bool) -> Path:
    """Write the page whole; the checks run again, as the file may have appeared meanwhile."""
    check_page(path, overwrite=overwrite)
    return write_output(path, page.encode("utf-8"), PAGE)


def is_report(path: Path) -> bool:
    """The file starts as every page this package writes does."""
    try:
        with path.open("rb") as handle:
            return GENERATOR.encode("utf-8") in handle.read(SNIFF)
    except OSError:
        return False  # unreadable: not ours to replace without --overwrite
