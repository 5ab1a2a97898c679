"""Wall-clock durations in a recipe: `90s`, `10m`, `2h`, `1h30m`, or a number of seconds."""

from __future__ import annotations

import re
from typing import Annotated

from pydantic import BeforeValidator, Field, PlainSerializer, WithJsonSchema

UNITS = {"h": 3600, "m": 60, "s": 1}
# Hours, minutes and seconds in that order, each at most once, at least one of them.
SPOKEN = re.compile(
    r"(?:(?P<h>\d+(?:\.\d+)?)h)?(?:(?P<m>\d+(?:\.\d+)?)m)?(?:(?P<s>\d+(?:\.\d+)?)s)?"
)
EXAMPLES = "90s, 10m, 2h or 1h30m"


def seconds(value: object) -> object:
    """A duration's seconds; a number is seconds already; anything not a string is left for
    the field's type check to refuse."""
    if not isinstance(value, str):
        return value
    text = value.strip().lower()
    if re.fullmatch(r"\d+(\.\d+)?", text):  # seconds, as a YAML number would be
        return float(text)
    spoken = SPOKEN.fullmatch(text)
    if not text or spoken is None:
        raise ValueError(f"not a duration; write it as {EXAMPLES}")
    amounts = zip(UNITS.values(), spoken.groups(), strict=True)  # hours, minutes, seconds
    return sum(size * float(amount) for size, amount in amounts if amount)


def spoken(total: float) -> str:
    """Seconds as the recipe writes them: 5400.0 -> '1h30m', 90.0 -> '1m30s'."""
    parts = []
    rest = total
    for unit, size in UNITS.items():
        amount = rest // size if unit != "s" else rest
        if amount:
            parts.append(f"{amount:g}{unit}")
        rest -= amount * size
    return "".join(parts) or "0s"


# Editors completing a recipe from `seqcli recipe schema` accept both spellings.
SCHEMA = {
    "anyOf": [
        {"type": "number", "exclusiveMinimum": 0},
        {"type": "string", "pattern": "^" + SPOKEN.pattern + "$"},
    ]
}
Duration = Annotated[
    float,
    BeforeValidator(seconds),
    Field(gt=0),
    PlainSerializer(spoken, return_type=str),
    WithJsonSchema(SCHEMA),
]
