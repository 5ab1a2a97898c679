"""Turn pydantic's validation errors into lines, one a key, that name the key, value and choices."""

from __future__ import annotations

import difflib
import math
import re
import types
import typing

from pydantic import BaseModel, Tag, ValidationError

from seqcli.recipe.model import ModelConfig
from seqcli.recipe.tasks import SPECS

# Endings of pydantic's error kinds that judge the value itself, so the line shows the value.
VALUE_PROBLEMS = ("_type", "_parsing", "than", "_equal", "_long", "_short", "_mismatch", "_number")
SHOWN = 80  # characters of a user's value that an error line echoes


def cut(text: str) -> str:
    """A user's text as one error line echoes it: on one line, and at most SHOWN characters
    with the full length said (a 10 MB value would otherwise be the message)."""
    text = text if text.isprintable() else repr(text)[1:-1]
    return text if len(text) <= SHOWN else f"{text[:SHOWN]}... ({len(text):,} characters)"


def shown(value: object) -> str:
    """A user's value as Python writes it (quotes say it is a string), cut."""
    return cut(repr(value))


def describe_validation_error(
    err: ValidationError, schema: type[BaseModel], source: str, overrides: typing.Sequence[str]
) -> list[str]:
    """A line for each key pydantic found wrong, in the recipe's order: the user fixes them
    all in one go. A key that fails several ways (each member of a union) gets its first."""
    lines: dict[tuple[str, ...], str] = {}
    for problem in err.errors(include_url=False):
        raw_loc = tuple(_key_text(part) for part in problem["loc"])
        loc, _ = resolve(schema, raw_loc)
        key = _key_of(schema, raw_loc)
        if key in lines:
            continue
        where = _where(loc, source, overrides, unknown=problem["type"] == "extra_forbidden")
        # Explainers get pydantic's own location: its union tags pick the right section.
        lines[key] = f"{where}{_explain(problem, schema, raw_loc)}"
    return list(lines.values())


def _key_of(schema: type[BaseModel], raw_loc: tuple[str, ...]) -> tuple[str, ...]:
    """The recipe key a pydantic location is in: past it, pydantic names union members."""
    for end in range(1, len(raw_loc) + 1):
        key, section = resolve(schema, raw_loc[:end])
        if section is None:
            return key
    return resolve(schema, raw_loc)[0]


def _key_text(part: object) -> str:
    # A YAML key can be empty or hold a newline; quoted, it stays visible and on one line.
    text = str(part)
    return cut(text) if text.isprintable() and text.strip() else shown(text)


def _where(
    loc: tuple[str, ...], source: str, overrides: typing.Sequence[str], *, unknown: bool
) -> str:
    key = ".".join(loc)
    for override in overrides:
        target = override.partition("=")[0].strip()
        # An unknown key is also blamed on a --set that runs through it (`modle.layers=2`).
        if key and (target == key or (unknown and target.startswith(f"{key}."))):
            return f"--set {cut(override)}: "
    return f"{source}: {key}: " if key else f"{source}: "


def _explain(problem: dict, schema: type[BaseModel], loc: tuple[str, ...]) -> str:
    kind = problem["type"]
    explain = EXPLAINERS.get(kind)
    if explain is not None:
        return explain(problem, schema, loc)
    message = problem["msg"].removeprefix("Value error, ")
    if kind.endswith(VALUE_PROBLEMS):
        return got(shown(problem["input"]), message)
    return message


def non_finite_name(value: float) -> str:
    """What a non-finite number is, by name: NaN, infinity or minus infinity."""
    if math.isnan(value):
        return "NaN"
    return "infinity" if value > 0 else "minus infinity"


def got(shown: str, message: str) -> str:
    """A refused value and pydantic's reason for refusing it, as every error line words them
    (a recipe key's, a flag's): `got 0; input should be greater than or equal to 1`."""
    return f"got {shown}; {message[0].lower()}{message[1:]}"


def _unknown_key(problem: dict, schema: type[BaseModel], loc: tuple[str, ...]) -> str:
    owners = _other_tasks_option(loc)
    if owners:
        return f"applies to {owners}, not to a {loc[-2]}"
    allowed = allowed_keys(schema, loc[:-1])
    hint = did_you_mean(loc[-1], allowed)
    return f"unknown key{hint}; allowed: {', '.join(allowed)}"


def _other_tasks_option(loc: tuple[str, ...]) -> str:
    """The tasks whose model section has this key, when loc is (model, task, key)."""
    if len(loc) != 3 or loc[0] != "model" or loc[1] not in SPECS:
        return ""
    if loc[2] in ModelConfig.model_fields:  # cell, layers, ...: a dozen names say less
        return "every recurrent task"
    return " and ".join(name for name, spec in SPECS.items() if loc[2] in spec.model.model_fields)


def _not_a_choice(problem: dict, schema: type[BaseModel], loc: tuple[str, ...]) -> str:
    choices = re.findall(r"'([^']*)'", problem["ctx"]["expected"])
    value = problem["input"]
    return f"{shown(value)} is not one of {', '.join(choices)}{did_you_mean(str(value), choices)}"


def _unknown_tag(problem: dict, schema: type[BaseModel], loc: tuple[str, ...]) -> str:
    ctx = problem["ctx"]
    choices = re.findall(r"'([^']*)'", ctx["expected_tags"])
    return (
        f"{ctx['discriminator'].strip(chr(39))} {shown(ctx['tag'])} is not one of "
        f"{', '.join(choices)}{did_you_mean(str(ctx['tag']), choices)}"
    )


def _missing(problem: dict, schema: type[BaseModel], loc: tuple[str, ...]) -> str:
    return "required key is missing"


def _not_a_section(problem: dict, schema: type[BaseModel], loc: tuple[str, ...]) -> str:
    return f"expected a section of keys, got {shown(problem['input'])}"


EXPLAINERS = {
    "extra_forbidden": _unknown_key,
    "literal_error": _not_a_choice,
    "union_tag_invalid": _unknown_tag,
    "missing": _missing,
    "model_type": _not_a_section,
    "model_attributes_type": _not_a_section,
}


def did_you_mean(word: str, choices: typing.Sequence[str], *, prefix: str = "") -> str:
    """` (did you mean 'x'?)` for the closest choice, if one is close; else nothing. A prefix
    every choice shares (a flag's `--`) is left out of the comparison, where it would make
    any two names look alike."""
    bare = {choice.removeprefix(prefix): choice for choice in choices}
    close = difflib.get_close_matches(word.removeprefix(prefix), list(bare), n=1, cutoff=0.5)
    return f" (did you mean '{bare[close[0]]}'?)" if close else ""


def allowed_keys(schema: type[BaseModel], loc: tuple[str, ...]) -> list[str]:
    """The keys a section accepts."""
    _, model = resolve(schema, loc)
    return list(model.model_fields) if model is not None else []


def resolve(
    schema: type[BaseModel], loc: tuple[str, ...]
) -> tuple[tuple[str, ...], type[BaseModel] | None]:
    """Follow a pydantic error location to its section, dropping discriminated-union tags."""
    model: type[BaseModel] | None = schema
    clean, parts = [], list(loc)
    while parts:
        part = parts.pop(0)
        clean.append(part)
        field = model.model_fields.get(part) if model is not None else None
        members = _model_members(field.annotation) if field is not None else []
        if len(members) > 1 and parts:
            tag = parts.pop(0)
            members = [(tags, m) for tags, m in members if tag in tags] or members
        model = members[0][1] if members else None
    return tuple(clean), model


def _literal_tags(member: type[BaseModel]) -> tuple:
    """The discriminator values a union member accepts: its `name` or `format` Literal."""
    fields = [member.model_fields.get(key) for key in ("name", "format")]
    return tuple(tag for f in fields if f is not None for tag in typing.get_args(f.annotation))


def _model_members(annotation: object, tags: tuple = ()) -> list[tuple[tuple, type[BaseModel]]]:
    """(tags, section) for each section an annotation may hold; a union member's tags are
    its Tag, or the values of its name or format Literal."""
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [(tags or _literal_tags(annotation), annotation)]
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        inner, *extras = typing.get_args(annotation)
        tags = tags + tuple(extra.tag for extra in extras if isinstance(extra, Tag))
        return _model_members(inner, tags)
    if origin in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _model_members(arg)]
    return []
