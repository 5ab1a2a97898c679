"""The README's reference sections match the code they describe."""

from __future__ import annotations

import importlib.util
import re

import pytest
import typer
from typer.core import TyperGroup, TyperOption

from seqcli.cli import app
from tests.conftest import ROOT

README = ROOT / "README.md"


def load_generator(name: str = "recipe_reference"):
    # scripts/ is not a package: load the file, not whatever `scripts` the path may hold.
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def readme_section(title: str) -> str:
    """The text under a `## title` heading, up to the next `## ` heading."""
    text = README.read_text(encoding="utf-8")
    match = re.search(rf"^## {re.escape(title)}\n(.*?)(?=^## |\Z)", text, re.M | re.S)
    assert match, f"README.md has no '## {title}' section"
    return match.group(1)


def subsection(section: str, heading: str) -> str:
    match = re.search(rf"^### {re.escape(heading)}\n(.*?)(?=^### |\Z)", section, re.M | re.S)
    assert match, f"README.md command reference has no '### {heading}'"
    return match.group(1)


def commands(group: TyperGroup, prefix: str = "seqcli") -> dict:
    """Every runnable command by its full name, e.g. 'seqcli recipe show'."""
    found = {}
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            found.update(commands(command, f"{prefix} {name}"))
        else:
            found[f"{prefix} {name}"] = command
    return found


CLI = commands(typer.main.get_command(app))


def test_readme_recipe_reference_matches_the_schema():
    generator = load_generator()
    text = README.read_text(encoding="utf-8")
    start, end = text.find(generator.START), text.find(generator.END)
    assert 0 <= start < end, "README.md lacks the recipe-reference markers"
    in_readme = text[start : end + len(generator.END)]
    assert in_readme == generator.reference(), (
        "README.md's recipe reference is stale: run `.venv/bin/python "
        "scripts/recipe_reference.py --write`"
    )


@pytest.mark.parametrize("name", sorted(CLI))
def test_every_command_has_a_heading_in_the_command_reference(name):
    assert f"### `{name}`" in readme_section("Command reference")


@pytest.mark.parametrize("name", sorted(CLI))
def test_every_flag_is_documented_under_its_command(name):
    text = subsection(readme_section("Command reference"), f"`{name}`")
    options = [param for param in CLI[name].params if isinstance(param, TyperOption)]
    missing = [
        option.opts[0]
        for option in options
        # A switch counts as documented under either spelling (--tune-allocator, --no-...).
        if not any(_mentions(text, flag) for flag in (*option.opts, *option.secondary_opts))
    ]
    assert not missing, f"README.md does not document {', '.join(missing)} under `{name}`"


def _mentions(text: str, flag: str) -> bool:
    return re.search(rf"(?<![\w-]){re.escape(flag)}(?![\w-])", text) is not None


def test_readme_error_catalogue_matches_the_bad_input_tests():
    generator = load_generator("error_catalogue")
    text = README.read_text(encoding="utf-8")
    start, end = text.find(generator.START), text.find(generator.END)
    assert text[start : end + len(generator.END)] == generator.catalogue(), (
        "README.md's error table is stale: run `.venv/bin/python scripts/error_catalogue.py "
        "--write`"
    )
