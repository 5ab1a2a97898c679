"""Shell completion offers the values of every closed choice (`seqcli train r.yaml --device
<TAB>` gives auto cpu cuda mps), through click's completion API as a shell calls it, without
importing torch; the copies of choices whose home imports torch match that home."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
import typer
from typer._click.shell_completion import get_completion_class

from seqcli.cli import app
from seqcli.cli.choices import DEVICES, EXPORT_FORMATS, GATE_DIRECTIONS

ROOT = Path(__file__).resolve().parents[1]


def completions(line: str, incomplete: str = "") -> list[str]:
    """What bash would be offered after `seqcli <line> <incomplete><TAB>`."""
    bash = get_completion_class("bash")(
        typer.main.get_command(app), {}, "seqcli", "_SEQCLI_COMPLETE"
    )
    return [item.value for item in bash.get_completions(line.split(), incomplete)]


CLOSED = [
    ("train r.yaml --device", ["auto", "cpu", "cuda", "mps"]),
    ("evaluate run --device", ["auto", "cpu", "cuda", "mps"]),
    ("generate run --precision", ["fp32", "bf16", "fp16"]),
    ("evaluate run --split", ["val", "test"]),
    ("generate run --unknown", ["error", "skip"]),
    ("export run --format", ["torchscript", "onnx", "safetensors"]),
    ("gates run --direction", ["forward", "backward", "both"]),
    ("plot run --x-axis", ["step", "epoch", "time"]),
    ("compare-cells r.yaml --cells", ["rnn", "lstm", "gru", "leaky"]),
    ("compare-cells r.yaml --direction", ["uni", "bi"]),
    ("compare-cells r.yaml --gate-activation", ["sigmoid", "hard_sigmoid"]),
]


@pytest.mark.parametrize(("line", "choices"), CLOSED, ids=[line for line, _ in CLOSED])
def test_a_closed_choice_completes_to_its_values(line, choices):
    assert completions(line) == choices


def test_completion_keeps_the_values_that_fit_what_is_typed():
    assert completions("generate run --device", "c") == ["cpu", "cuda"]


def test_a_list_of_choices_completes_its_last_item():
    assert completions("compare-cells r.yaml --cells", "rnn,l") == ["rnn,lstm", "rnn,leaky"]


def option_choices() -> list[tuple[str, str]]:
    """(command, flag) of every option whose help lists its values (`a | b`) or whose metavar
    does ([a|b])."""
    found = []
    for name, command in typer.main.get_command(app).commands.items():
        for param in getattr(command, "params", []):
            shown = f"{param.metavar or ''} {getattr(param, 'help', '') or ''}"
            if re.search(r"\w \| \w|\[\w+\|", shown):
                found.append((name, param.opts[0]))
    return found


@pytest.mark.parametrize(("command", "flag"), option_choices())
def test_every_option_that_lists_its_values_completes_them(command, flag):
    assert completions(f"{command} x {flag}"), f"seqcli {command} {flag} <TAB> offers nothing"


COMPLETE_WITHOUT_TORCH = """
import sys
from typer.testing import CliRunner
from seqcli.cli import app
env = {"_SEQCLI_COMPLETE": "complete_bash", "COMP_WORDS": "seqcli train r.yaml --device ",
       "COMP_CWORD": "4"}
result = CliRunner().invoke(app, [], env=env, prog_name="seqcli")
assert result.stdout.split() == ["auto", "cpu", "cuda", "mps"], result.output
assert "torch" not in sys.modules, "completion imported torch"
"""


def test_the_shell_protocol_completes_a_device_without_importing_torch():
    done = subprocess.run(
        [sys.executable, "-c", COMPLETE_WITHOUT_TORCH],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env={**os.environ, "PYTHONPATH": str(ROOT)},
    )
    assert done.returncode == 0, done.stderr


def test_the_choices_spelled_for_completion_match_their_homes():
    from seqcli.analysis.gates import DIRECTIONS
    from seqcli.engine.run import DEVICE_PROBES
    from seqcli.export.exporters import EXPORTERS

    assert set(DEVICES) == {"auto", *DEVICE_PROBES}
    assert EXPORT_FORMATS == tuple(EXPORTERS)
    assert GATE_DIRECTIONS == (*DIRECTIONS, "both")
