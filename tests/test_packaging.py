"""What the README and the docs say of installing holds for pyproject.toml and LICENSE."""

import re

import pytest

from tests.conftest import ROOT

tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_license_file_is_the_one_pyproject_declares():
    declared = PROJECT["license"]["text"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith(f"{declared} License")


INSTALLING = (ROOT / "README.md", ROOT / "docs" / "getting-started.md")


def named_extras(text: str) -> set[str]:
    named = re.findall(r"seqcli\[(\w+)\]|'\.\[(\w+)\]'", text)
    return {name for pair in named for name in pair if name}


@pytest.mark.parametrize("path", INSTALLING, ids=lambda path: path.name)
def test_every_extra_the_docs_install_exists(path):
    extras = named_extras(path.read_text(encoding="utf-8"))
    assert extras and extras <= set(PROJECT["optional-dependencies"])


def test_getting_started_names_every_extra():
    named = named_extras((ROOT / "docs" / "getting-started.md").read_text(encoding="utf-8"))
    assert set(PROJECT["optional-dependencies"]) - {"dev"} <= named


def test_the_readme_states_the_python_pyproject_requires():
    minimum = PROJECT["requires-python"].removeprefix(">=")
    assert f"Python {minimum} or newer" in (ROOT / "README.md").read_text(encoding="utf-8")
