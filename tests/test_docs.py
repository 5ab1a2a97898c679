"""The docs site builds strict, its generated pages match the code, and every flag, recipe key
and error line the pages and the README quote is one the code has."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys

import pytest
import yaml

from seqcli.recipe import validate_recipe
from tests.conftest import ROOT
from tests.docs_quotes import (
    COMMANDS,
    EVERY_FLAG,
    KEY_PATHS,
    RUNNABLE,
    commands_in,
    error_quotes,
    flags_in,
    key_paths_in,
    produced,
    quoted_code,
    repository_paths,
    yaml_blocks,
)

DOCS = ROOT / "docs"
PAGES = sorted(DOCS.rglob("*.md"))
QUOTING = [ROOT / "README.md", *PAGES]
GENERATED_ERRORS = DOCS / "reference" / "errors.md"  # its rows are the errors themselves
# Files a page asks the reader to write, not files of the repository.
READERS_FILES = {
    "recipes/word-gru.yaml",
    "sales/north.csv",
}


def load_generator(name: str):
    # scripts/ is not a package: load the file, not whatever `scripts` the path may hold.
    spec = importlib.util.spec_from_file_location(name, ROOT / "scripts" / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def between_markers(text: str, generator) -> str:
    start, end = text.find(generator.START), text.find(generator.END)
    assert 0 <= start < end, f"the markers {generator.START} ... {generator.END} are missing"
    return text[start : end + len(generator.END)]


def test_the_recipe_reference_page_matches_the_schema():
    generator = load_generator("recipe_reference")
    page = generator.PAGE.read_text(encoding="utf-8")
    assert between_markers(page, generator) == generator.reference(), (
        "docs/reference/recipe.md is stale: run `.venv/bin/python scripts/recipe_reference.py "
        "--write`"
    )


def test_the_error_catalogue_page_matches_the_bad_input_tests():
    generator = load_generator("error_catalogue")
    page = generator.PAGE.read_text(encoding="utf-8")
    assert between_markers(page, generator) == generator.catalogue(), (
        "docs/reference/errors.md is stale: run `.venv/bin/python scripts/error_catalogue.py "
        "--write`"
    )


def test_the_command_reference_page_matches_the_app():
    generator = load_generator("command_reference")
    assert generator.PAGE.read_text(encoding="utf-8") == generator.page(), (
        "docs/reference/commands.md is stale: run `.venv/bin/python "
        "scripts/command_reference.py --write`"
    )


@pytest.mark.parametrize("name", sorted(RUNNABLE))
def test_every_command_and_flag_is_in_the_command_reference(name):
    page = (DOCS / "reference" / "commands.md").read_text(encoding="utf-8")
    assert f"## `{name}`" in page
    section = page.split(f"## `{name}`\n", 1)[1].split("\n## ", 1)[0]
    for flag in RUNNABLE[name]:
        assert f"`{flag}`" in section, f"{flag} of {name} is missing from the reference"


def test_the_site_builds_strict(tmp_path):
    """A broken link or anchor, a page missing from the nav or a nav entry without its page
    fails the build (mkdocs.yml's validation settings warn, and strict turns them into errors)."""
    if not all(importlib.util.find_spec(name) for name in ("mkdocs", "material")):
        pytest.skip("mkdocs or its Material theme is not installed: pip install 'seqcli[docs]'")
    built = subprocess.run(
        [sys.executable, "-m", "mkdocs", "build", "--strict", "--site-dir", str(tmp_path)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "NO_MKDOCS_2_WARNING": "1"},  # Material's notice, not a warning
    )
    assert built.returncode == 0, built.stderr[-3000:]
    assert (tmp_path / "reference" / "commands" / "index.html").is_file()


@pytest.mark.parametrize("path", QUOTING, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_quoted_flag_exists_on_its_command(path):
    wrong = [
        problem
        for code in quoted_code(path.read_text(encoding="utf-8"))
        for command, rest in commands_in(code)
        for problem in _unknown(code, command, rest)
    ]
    assert not wrong, "\n".join(wrong)


def _unknown(code: str, command: str | None, rest: str) -> list[str]:
    """What is wrong with a quoted command: no such command, or flags it lacks (any command's
    flags, for a flag quoted alone)."""
    known = COMMANDS.get(command) if command else EVERY_FLAG
    if known is None:
        return [f"{code!r}: seqcli has no command {command!r}"]
    return [f"{code!r}: {flag} is not a flag of {command}" for flag in flags_in(rest, known)]


@pytest.mark.parametrize("path", QUOTING, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_quoted_recipe_key_exists(path):
    if path == GENERATED_ERRORS:
        pytest.skip("the error catalogue quotes wrong keys on purpose (model.hiden_size)")
    text = path.read_text(encoding="utf-8")
    quoted = {key for code in quoted_code(text) for key in key_paths_in(code)}
    quoted |= {key for block in yaml_blocks(text) for key in key_paths_in(block, whole=True)}
    unknown = sorted(quoted - KEY_PATHS)
    assert not unknown, f"{path.name} quotes recipe keys the schema lacks: {unknown}"


@pytest.mark.parametrize("path", QUOTING, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_whole_recipe_quoted_validates(path):
    for block in yaml_blocks(path.read_text(encoding="utf-8")):
        raw = yaml.safe_load(block)
        if isinstance(raw, dict) and {"name", "data"} <= set(raw):
            validate_recipe(raw, source=f"{path.name}: the recipe of {raw['name']!r}")


@pytest.mark.parametrize("path", QUOTING, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_quoted_error_line_is_one_the_code_writes(path):
    text = path.read_text(encoding="utf-8")
    if path == GENERATED_ERRORS:  # its rows are checked by tests/test_bad_input.py
        text = text.split("<!-- error-catalogue:end -->", 1)[1]
    stale = [quote for quote in error_quotes(text) if not produced(quote)]
    assert not stale, f"{path.name} quotes error lines seqcli does not write: {stale}"


@pytest.mark.parametrize("path", QUOTING, ids=lambda p: str(p.relative_to(ROOT)))
def test_every_repository_file_quoted_exists(path):
    """A module moved or renamed leaves the pages naming it behind; this names them."""
    quoted = repository_paths(path.read_text(encoding="utf-8")) - READERS_FILES
    missing = sorted(
        p for p in quoted if not (ROOT / p).exists() and not (ROOT / "seqcli" / p).exists()
    )
    assert not missing, f"{path.name} names files the repository lacks: {missing}"
