"""Numeric flags are read the way the recipe reads numbers. A flag that sets what a recipe key
sets (`--temperature`, `--length`, `--seed`, ...) takes that key's own field, so its type and
bounds are declared once; any other flag declares its bounds here in the same terms. Infinity
and NaN are refused everywhere, as in the recipe, and a refusal reads like the recipe's:
`--length: got 0; input should be greater than or equal to 1`."""

from __future__ import annotations

import os
import types
import typing
from collections.abc import Callable
from functools import cache
from typing import Annotated, Any

import typer
from pydantic import BaseModel, Field, TypeAdapter, ValidationError

from seqcli.recipe.errors import got
from seqcli.recipe.schedule import Section

Parser = Callable[[str], Any]


def like(section: type[BaseModel], key: str) -> Parser:
    """A Typer parser for a flag that sets what `key` of a recipe section sets."""
    field = section.model_fields[key]
    kind = _given(field.annotation)
    return _parser(Annotated[(kind, *field.metadata)] if field.metadata else kind)


def option_like(section: type[BaseModel], key: str) -> Any:
    """The annotated Typer option of a flag that sets what `key` of a recipe section sets:
    named after the key, its type and bounds the field's (as `like` parses them), its help
    the field's description. Its default means "not given" (None, or False for a switch), so
    the recipe's value stands unless the flag is typed."""
    field = section.model_fields[key]
    text = field.description or ""
    help_text = f"{text[:1].upper()}{text[1:]}."
    if field.annotation is bool:
        return Annotated[bool, typer.Option(help=help_text)]
    kind = _given(field.annotation)
    return Annotated[kind | None, typer.Option(parser=like(section, key), help=help_text)]


def usable_cores() -> int:
    """The CPU cores this process may run on: more threads or worker processes than these only
    wait on each other (bench/threads.py: 2 threads on 2 busy cores trained several times
    slower than 1), so it bounds --threads and --jobs."""
    if hasattr(os, "sched_getaffinity"):
        return len(os.sched_getaffinity(0))
    return os.cpu_count() or 1


def bounded(kind: type, **bounds) -> Parser:
    """A Typer parser for a number with no recipe twin: pydantic's bounds (ge, gt, le, lt)."""
    return _parser(Annotated[kind, Field(**bounds)])


def _parser(annotation) -> Parser:
    @cache  # built on first use: `seqcli --help` never parses a number
    def adapter() -> TypeAdapter:
        return TypeAdapter(annotation, config=Section.model_config)

    def parse(text: str):
        try:
            return adapter().validate_python(text)
        except ValidationError as err:
            raise typer.BadParameter(got(text, err.errors()[0]["msg"])) from None

    parse.annotation = annotation  # type: ignore[attr-defined]  # its bounds, for the tests
    return parse


def _given(annotation):
    """The type a given flag has: a recipe key's `int | None` less its None ("not set")."""
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        kept = [arg for arg in typing.get_args(annotation) if arg is not type(None)]
        return kept[0] if len(kept) == 1 else typing.Union[tuple(kept)]  # noqa: UP007
    return annotation
