"""What the README says of installing holds for pyproject.toml and LICENSE."""

import re

import pytest

from tests.conftest import ROOT

tomllib = pytest.importorskip("tomllib")  # Python 3.11 on
PROJECT = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]


def test_the_license_file_is_the_one_pyproject_declares():
    declared = PROJECT["license"]["text"]
    assert (ROOT / "LICENSE").read_text(encoding="utf-8").startswith(f"{declared} License")


def test_every_extra_the_readme_installs_exists():
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"seqcli\[(\w+)\]|'\.\[(\w+)\]'", readme))
    extras = {name for pair in named for name in pair if name}
    assert extras and extras <= set(PROJECT["optional-dependencies"])


def test_the_readme_states_the_python_pyproject_requires():
    minimum = PROJECT["requires-python"].removeprefix(">=")
    assert f"Python {minimum} or newer" in (ROOT / "README.md").read_text(encoding="utf-8")
