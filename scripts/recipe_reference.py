"""Build the docs' recipe reference (docs/reference/recipe.md) from the schema in seqcli/recipe/.

One Markdown table per recipe section (key | type | default | meaning), read from the
pydantic fields, so the reference cannot say something the schema does not.

    python scripts/recipe_reference.py          # print the block
    python scripts/recipe_reference.py --write  # splice it into the page between the markers
    python scripts/recipe_reference.py --check  # exit 1 if the page is out of date
"""

from __future__ import annotations

import argparse
import html
import json
import sys
import types
import typing
from pathlib import Path

import annotated_types
from pydantic import BaseModel
from pydantic.fields import FieldInfo

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's schema, not an installed seqcli's

from seqcli.recipe import Recipe  # noqa: E402
from seqcli.recipe.model import ModelConfig, ModelSection  # noqa: E402
from seqcli.recipe.tasks import SPECS  # noqa: E402

SHARED = (ModelConfig,)  # a section whose keys its subclasses' tables leave out
PAGE = ROOT / "docs" / "reference" / "recipe.md"
START = "<!-- recipe-reference:start -->"
END = "<!-- recipe-reference:end -->"
NOTE = "<!-- Generated from seqcli/recipe/ by scripts/recipe_reference.py; do not edit. -->"
PYTHON_TYPES = {int: "int", float: "float", bool: "bool", str: "string", Path: "path"}
BOUNDS = (  # metadata class, attribute, whether it is a lower bound, symbol
    (annotated_types.Ge, "ge", True, "≤"),
    (annotated_types.Gt, "gt", True, "<"),
    (annotated_types.Le, "le", False, "≤"),
    (annotated_types.Lt, "lt", False, "<"),
)


def reference() -> str:
    """The whole generated block, markers included."""
    tables = [_table(title, prefix, model) for title, prefix, model in _sections(Recipe, "")]
    return "\n".join([START, NOTE, "", "\n\n".join(tables), END])


def _sections(model: type[BaseModel], prefix: str, title: str = "top level"):
    """(title, key prefix, model) for a section and, depth first, every section inside it."""
    yield title, prefix, model
    for name, field in model.model_fields.items():
        key = f"{prefix}{name}"
        members = _section_members(field.annotation)
        tag = field.discriminator
        if _per_task(members):  # the model section: one class per kind of task
            yield from _task_sections(members, key)
            continue
        for member in members:
            if tag is None:
                yield from _sections(member, f"{key}.", f"`{key}`")
            else:
                value = _literal_choices(member.model_fields[tag].annotation)[0]
                yield from _sections(member, f"{key}.", f"`{key}` with `{tag}: {value}`")


def _per_task(members: list[type[BaseModel]]) -> bool:
    return len(members) > 1 and all(issubclass(m, ModelSection) for m in members)


def _task_sections(members: list[type[BaseModel]], key: str):
    """The keys every recurrent task's section shares, then each task section's own keys:
    besides the shared ones, or alone for a task without a recurrent stack."""
    shared, *own = dict.fromkeys(members)  # the first member is the shared base
    yield f"`{key}`, every recurrent task", f"{key}.", shared
    for section in own:
        tasks = [spec.title for spec in SPECS.values() if spec.model is section]
        besides = ", besides the keys above" if issubclass(section, shared) else ""
        title = f"`{key}` of a {' or '.join(dict.fromkeys(tasks))}{besides}"
        yield title, f"{key}.", section


def _table(title: str, prefix: str, model: type[BaseModel]) -> str:
    lines = [f"## {title}", "", "| key | type | default | meaning |", "|---|---|---|---|"]
    base = next((b for b in model.__mro__[1:] if b in SHARED), None)
    for name, field in model.model_fields.items():
        if base is not None and name in base.model_fields:
            continue
        meaning = html.escape(field.description or "", quote=False)  # <eos> is not a tag
        cells = (f"`{prefix}{name}`", _type(field), _default(field), meaning)
        lines.append("| " + " | ".join(cell.replace("|", "\\|") for cell in cells) + " |")
    return "\n".join(lines)


def _type(field: FieldInfo) -> str:
    """The annotation in recipe words: choices, `null` when allowed, then any bounds."""
    parts = _type_parts(field.annotation)
    members, tag = _section_members(field.annotation), field.discriminator
    if _per_task(members):
        return "section; the task adds its own keys (tables below)"
    if members and tag is not None:
        names = [_literal_choices(member.model_fields[tag].annotation)[0] for member in members]
        return f"section, one of `{' | '.join(names)}` by `{tag}`"
    if members:
        return "section" + (" or `null`" if "null" in parts else "")
    text = f"`{' | '.join(parts)}`"
    bounds = _bounds(field)
    return f"{text}, {bounds}" if bounds else text


def _type_parts(annotation: object) -> list[str]:
    if annotation is type(None):
        return ["null"]
    if typing.get_origin(annotation) is typing.Literal:
        return [str(choice) for choice in typing.get_args(annotation)]
    if typing.get_origin(annotation) is typing.Annotated:  # a constrained member of a union
        return _type_parts(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [part for arg in typing.get_args(annotation) for part in _type_parts(arg)]
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return ["section"]
    return [PYTHON_TYPES.get(annotation, getattr(annotation, "__name__", str(annotation)))]


def _section_members(annotation: object) -> list[type[BaseModel]]:
    if isinstance(annotation, type) and issubclass(annotation, BaseModel):
        return [annotation]
    if typing.get_origin(annotation) is typing.Annotated:
        return _section_members(typing.get_args(annotation)[0])
    if typing.get_origin(annotation) in (typing.Union, types.UnionType):
        return [m for arg in typing.get_args(annotation) for m in _section_members(arg)]
    return []


def _literal_choices(annotation: object) -> tuple:
    return typing.get_args(annotation) if typing.get_origin(annotation) is typing.Literal else ()


def _bounds(field: FieldInfo) -> str:
    """Numeric limits as `0 ≤ x < 1`, `x ≥ 1` or `x > 0`."""
    lower = upper = None
    for item in field.metadata:
        for kind, attribute, is_lower, symbol in BOUNDS:
            if isinstance(item, kind):
                bound = (_number(getattr(item, attribute)), symbol)
                lower, upper = (bound, upper) if is_lower else (lower, bound)
    if lower and upper:
        return f"{lower[0]} {lower[1]} x {upper[1]} {upper[0]}"
    if lower:
        return f"x {'≥' if lower[1] == '≤' else '>'} {lower[0]}"
    if upper:
        return f"x {upper[1]} {upper[0]}"
    return ""


def _number(value: float) -> str:
    # 2**63 - 1 reads better than nineteen digits.
    if isinstance(value, int) and value >= 2**31 and (value + 1).bit_count() == 1:
        return f"2^{(value + 1).bit_length() - 1}-1"
    return json.dumps(value)


def _default(field: FieldInfo) -> str:
    """The default as YAML would spell it; `{}` is a section with every key at its default."""
    if field.is_required():
        return "required"
    if field.default_factory is not None:
        value = field.default_factory()
        tag = field.discriminator
        return f"`{{{tag}: {getattr(value, tag)}}}`" if tag else "`{}`"
    if isinstance(field.default, str) and field.default in _type_parts(field.annotation):
        return f"`{field.default}`"  # a choice, spelled as in the type column
    return f"`{json.dumps(field.default, ensure_ascii=False)}`"


def splice(page: str, block: str) -> str:
    """The page with the text between the markers (markers included) replaced by block."""
    start, end = page.find(START), page.find(END)
    if start < 0 or end < start:
        raise SystemExit(f"{PAGE.name}: markers {START} ... {END} not found in order")
    return page[:start] + block + page[end + len(END) :]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    action = parser.add_mutually_exclusive_group()
    action.add_argument("--write", action="store_true", help="update the page in place")
    action.add_argument("--check", action="store_true", help="exit 1 if the page is stale")
    args = parser.parse_args()
    block = reference()
    if not (args.write or args.check):
        sys.stdout.write(block + "\n")
        return
    current = PAGE.read_text(encoding="utf-8")
    updated = splice(current, block)
    if args.check:
        if updated != current:
            sys.exit(f"{PAGE}: the recipe reference is stale; run this script with --write")
        return
    PAGE.write_text(updated, encoding="utf-8")


if __name__ == "__main__":
    main()
