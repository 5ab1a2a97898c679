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
