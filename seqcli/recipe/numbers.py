"""Numbers in a recipe are numbers: YAML's true and false are not 1 and 0.

pydantic's lax mode turns True into 1 for an int and 1.0 for a float, so `--set
train.steps=true` would train one step. Every section (schedule.Section) swaps such a
boolean for a NotANumber before its fields are checked, so the field's own type check fails
at the field's own key. Everything else lax mode does stays: YAML reads `1e-3` as a string,
and only lax mode turns it into the number a person meant."""

from __future__ import annotations

import types
import typing
from typing import Any

NUMBERS = {int, float}


class NotANumber:
    """A boolean where a number belongs; fails every number check and reads as YAML wrote it."""

    def __init__(self, value: bool):
        self.value = value

    def __repr__(self) -> str:
        return "true" if self.value else "false"


def no_booleans_for_numbers(raw: Any, fields: dict) -> Any:
    """The raw section with each boolean given for a number (also as an item of a list or a
    dict's value) replaced by a NotANumber."""
    if not isinstance(raw, dict):
        return raw
    return {
        key: _swap(fields[key].annotation, value) if key in fields else value
        for key, value in raw.items()
    }


def _swap(annotation: Any, value: Any) -> Any:
    if isinstance(value, bool):
        kinds = _kinds(annotation)
        return NotANumber(value) if kinds & NUMBERS and bool not in kinds else value
    if isinstance(value, dict):
        inner = _items(annotation, dict)
        return {key: _swap(inner, item) for key, item in value.items()} if inner else value
    if isinstance(value, list | tuple):
        inner = _items(annotation, list) or _items(annotation, tuple)
        return type(value)(_swap(inner, item) for item in value) if inner else value
    return value


def _kinds(annotation: Any) -> set:
    """The plain types an annotation admits, through Annotated and unions: dict for
    dict[str, float], int for int | None."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _kinds(typing.get_args(annotation)[0])
    if origin in (typing.Union, types.UnionType):
        return set().union(*(_kinds(arg) for arg in typing.get_args(annotation)))
    return {origin or annotation}


def _items(annotation: Any, container: type) -> Any:
    """The annotation of a `container`'s items (a dict's values) where the annotation admits
    one, else None."""
    origin = typing.get_origin(annotation)
    if origin is typing.Annotated:
        return _items(typing.get_args(annotation)[0], container)
    if origin in (typing.Union, types.UnionType):
        found = [_items(arg, container) for arg in typing.get_args(annotation)]
        return next((item for item in found if item is not None), None)
    args = [arg for arg in typing.get_args(annotation) if arg is not Ellipsis]
    return args[-1] if origin is container and args else None
