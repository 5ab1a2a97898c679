"""What seqcli init guessed: a recipe's keys, each with why, and what the user should check."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from seqcli.errors import DataError

# The tasks --task names, in the words a newcomer uses (recipe/tasks.py names the specs).
TASK_WORDS = (
    "classifier",
    "regressor",
    "tagger",
    "forecaster",
    "translator",
    "transcriber",
    "language-model",
)
SECTIONS = ("data", "model", "train", "generate")


@dataclass(frozen=True)
class Entry:
    key: str
    value: object
    why: str = ""


IGNORED_SHOWN = 8  # ignored items listed by name


@dataclass
class Draft:
    """A recipe before it is written: sections of commented keys and what to tell the user."""

    task: str  # the --task word, or what the guess makes when no word names it
    mapping: str
    found: str  # one line: what the file holds, as read
    sections: dict[str, list[Entry]] = field(default_factory=lambda: {s: [] for s in SECTIONS})
    ignored: list[str] = field(default_factory=list)  # "id: every value differs (an id)"
    unsure: list[str] = field(default_factory=list)  # a guess, with the key that changes it

    def add(self, section: str, key: str, value: object, why: str = "") -> None:
        self.sections[section].append(Entry(key, value, why))

    def ignored_shown(self) -> list[str]:
        """The first IGNORED_SHOWN of ignored, then how many more: a line of 89,000 numbers
        read as columns once printed each, 5 MB to the terminal and the recipe's header."""
        rest = len(self.ignored) - IGNORED_SHOWN
        return self.ignored[:IGNORED_SHOWN] + ([f"and {rest:,} more"] if rest > 0 else [])


Option = Callable[[], Draft]


def choose(options: dict[str, Option], task: str | None, path: Path, reads_as: str) -> Draft:
    """The draft of the task --task names, else of the first (likeliest) option."""
    if not options:
        raise DataError(
            f"{path}: reads as {reads_as}, but init cannot tell which columns to learn from; "
            "start from the nearest recipe in recipes/"
        )
    if task is None:
        return next(iter(options.values()))()
    if task not in options:
        fits = " or ".join(options) or "no task init knows"
        raise DataError(
            f"{path}: --task {task} does not fit this file: it reads as {reads_as}, which "
            f"makes a {fits}"
        )
    return options[task]()
