"""Labelled data quality, told rather than hidden: duplicates, texts under two labels, padded
labels and held-out examples the training split already holds (leakage).

Each finding is one warning line on stderr with its count and a few examples by file:line;
the counts go into the run's meta, so `seqcli inspect` shows what the model was trained on.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from seqcli import ui
from seqcli.data.labelled import READERS, Example, read_examples

SHOWN_PLACES = 3  # file:line examples a warning names before "and N more"
HELD_OUT = ("val", "test")
# Lines already shown by this process: cross-validation and scoring read the same data file
# once per fold, and one finding told K times would bury the rest.
_TOLD: set[str] = set()


def _tell(message: str) -> None:
    if message not in _TOLD:
        _TOLD.add(message)
        ui.warn(message)


@dataclass(frozen=True)
class Findings:
    """What one file's examples hold that a model would silently learn from."""

    duplicates: list[Example]  # a repeat of an earlier example, label and text alike
    conflicts: list[Example]  # every example of a text written under two or more labels
    padded: list[Example]  # labels written with edge whitespace (stripped as they are read)


def findings(examples: Sequence[Example]) -> Findings:
    labels_of: dict[str, set[str]] = {}
    seen: set[tuple[str, str]] = set()
    duplicates = []
    for example in examples:
        labels_of.setdefault(example.text, set()).add(example.label)
        key = (example.label, example.text)
        if key in seen:
            duplicates.append(example)
        seen.add(key)
    conflicts = [e for e in examples if len(labels_of[e.text]) > 1]
    return Findings(duplicates, conflicts, [e for e in examples if e.padded])


def places(examples: Sequence[Example]) -> str:
    """`a.tsv:3, a.tsv:9, a.tsv:20 and 4 more`."""
    named = ", ".join(example.where for example in examples[:SHOWN_PLACES])
    rest = len(examples) - SHOWN_PLACES
    return f"{named} and {rest:,} more" if rest > 0 else named


def _plural(count: int, word: str) -> str:
    return f"{count:,} {word}{'' if count == 1 else 's'}"


def warn_findings(found: Findings, *, dedupe: bool) -> None:
    """One warning line per kind of finding present."""
    fix = "dropped (data.dedupe)" if dedupe else "set data.dedupe: true to drop them"
    if found.duplicates:
        _tell(
            f"{_plural(len(found.duplicates), 'duplicate example')} (label and text of an "
            f"earlier line): {places(found.duplicates)}; {fix}"
        )
    if found.conflicts:
        texts = len({example.text for example in found.conflicts})
        _tell(
            f"{_plural(texts, 'text')} under two or more labels (conflicts, "
            f"{_plural(len(found.conflicts), 'example')}): {places(found.conflicts)}; {fix}"
        )
    if found.padded:
        _tell(
            f"{_plural(len(found.padded), 'label')} with leading or trailing whitespace, "
            f"stripped: {places(found.padded)}"
        )


def deduped(examples: Sequence[Example], found: Findings) -> list[Example]:
    """The first of each duplicate kept; a text under two labels dropped whole, as no one
    label of it can be trusted."""
    conflicting = {example.text for example in found.conflicts}
    repeats = {example.where for example in found.duplicates}
    return [e for e in examples if e.text not in conflicting and e.where not in repeats]


def checked_examples(config) -> tuple[list[Example], dict[str, int]]:
    """The data file's examples, told about (and with data.dedupe, cleaned of) its
    duplicates and conflicts, and the counts of each finding."""
    examples = read_examples(config)
    found = findings(examples)
    warn_findings(found, dedupe=config.dedupe)
    kept = deduped(examples, found) if config.dedupe else examples
    if len(kept) < len(examples):
        _tell(f"{config.path}: data.dedupe dropped {_plural(len(examples) - len(kept), 'example')}")
    return kept, _counts(found, dropped=len(examples) - len(kept))


def _counts(found: Findings, *, dropped: int) -> dict[str, int]:
    return {
        "duplicates": len(found.duplicates),
        "conflicts": len({example.text for example in found.conflicts}),
        "padded_labels": len(found.padded),
        "dropped": dropped,
    }


def held_out_files(config) -> dict[str, list[Example]]:
    """The examples of data.val_path and data.test_path, each told about as the training
    file is (never deduped: a held-out file is the yardstick as given)."""
    read = {}
    for split in HELD_OUT:
        path = getattr(config, f"{split}_path", None)
        if path is not None:
            read[split] = READERS[config.format](config.model_copy(update={"path": path}))
            warn_findings(findings(read[split]), dedupe=False)
    return read


def leaked(train: Iterable[Example], held_out: dict[str, list[Example]]) -> list[Example]:
    """Held-out examples whose text the training split holds: their scores measure memory."""
    seen = {example.text for example in train}
    return [e for split in HELD_OUT for e in held_out.get(split, ()) if e.text in seen]


def warn_leaks(leaks: Sequence[Example]) -> None:
    if leaks:
        _tell(
            f"{_plural(len(leaks), 'validation/test example')} also in the training split "
            f"(leakage: their scores measure memory, not generalisation): {places(leaks)}"
        )
