"""JSON for scripts: stable snake_case keys, numbers as numbers, seqcli's version beside.

The terminal tables are titled for people ("confusion (rows: true class, columns:
predicted)", "steps trained"); a script reads the same figures under a key derived from the
title once (`confusion`, `steps_trained`), with the title kept beside where there is one. A
title that holds data ("... from 54 origins") goes in the table's "title" under a short key
of its own (`per_step`), so a script's key never changes with the data."""

from __future__ import annotations

import re
from collections.abc import Iterable

from seqcli import __version__

BOOLEANS = {"yes": True, "no": False}


def machine_key(title: str) -> str:
    """'confusion (rows: ...)' -> 'confusion'; 'tokenizer / vocab' -> 'tokenizer_vocab'."""
    return re.sub(r"[^a-z0-9]+", "_", title.split(" (")[0].lower()).strip("_")


def machine_value(text: object) -> object:
    """'1,621' -> 1621, '0.4643' -> 0.4643, 'yes' -> True; other text as it is."""
    if not isinstance(text, str):
        return text
    plain = text.replace(",", "")
    for number in (int, float):
        try:
            return number(plain)
        except ValueError:
            pass
    return BOOLEANS.get(text, text)


def machine_rows(rows: Iterable[tuple[str, object]]) -> dict:
    return {machine_key(label): machine_value(value) for label, value in rows}


def machine_details(details: dict) -> dict:
    """A task's titled tables keyed by short names, each with its title kept."""
    return {machine_key(key): {"title": key, **table} for key, table in details.items()}


def versioned(data: dict) -> dict:
    return {"seqcli_version": __version__, **data}
