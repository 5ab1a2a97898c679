"""`seqcli --version` answers from package metadata, without loading torch (which takes
seconds on a busy machine)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

VERSION_WITHOUT_TORCH = """
import sys
from typer.testing import CliRunner
from seqcli.cli import app
result = CliRunner().invoke(app, ["--version"])
assert result.exit_code == 0, result.output
assert result.stdout.startswith("seqcli "), result.stdout
assert "torch" not in sys.modules, "seqcli --version imported torch"
"""


def test_version_does_not_import_torch():
    done = subprocess.run(
        [sys.executable, "-c", VERSION_WITHOUT_TORCH], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr


def test_version_names_the_installed_torch_from_its_metadata():
    from importlib.metadata import version

    from typer.testing import CliRunner

    from seqcli import __version__
    from seqcli.cli import app

    result = CliRunner().invoke(app, ["--version"])
    assert result.stdout == f"seqcli {__version__} (torch {version('torch')})\n"


ENTRY_VERSION = """
import sys
sys.argv = ["seqcli", "--version"]
from seqcli.entry import main
main()
built = sorted(name for name in ("pydantic", "numpy", "torch", "seqcli.cli") if name in sys.modules)
assert not built, f"seqcli --version loaded {built}"
"""


def test_the_command_answers_version_before_building_the_command_line():
    done = subprocess.run(
        [sys.executable, "-c", ENTRY_VERSION], cwd=ROOT, capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    from seqcli.version import version_line

    assert done.stdout == version_line() + "\n"


def test_python_dash_m_seqcli_runs_the_same_entry():
    done = subprocess.run(
        [sys.executable, "-m", "seqcli", "--version"], cwd=ROOT, capture_output=True, text=True
    )
    from seqcli.version import version_line

    assert done.stdout == version_line() + "\n"
