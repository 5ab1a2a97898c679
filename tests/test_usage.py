"""The command line's own mistakes read like every other error, and numbers are bounded the same
way whether a flag or the recipe gives them. (Each kind of usage error is also a row of
tests/test_bad_input.py's catalogue.)"""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.errors import RecipeError
from seqcli.recipe import validate_recipe
from tests.conftest import tiny_recipe


def invoke(*args: str):
    return CliRunner().invoke(app, list(args))


@pytest.mark.parametrize("args", [[], ["recipe"]], ids=["seqcli", "seqcli-recipe"])
def test_a_command_line_without_a_command_prints_help_on_stderr_and_exits_2(args):
    result = invoke(*args)
    assert result.exit_code == 2
    assert result.stdout == ""  # stdout carries data only
    assert "Usage:" in result.stderr and "Commands" in result.stderr


@pytest.mark.parametrize("args", [["--help"], ["-h"], ["train", "-h"], ["recipe", "show", "-h"]])
def test_help_asked_for_still_goes_to_stdout_with_exit_0(args):
    result = invoke(*args)
    assert result.exit_code == 0 and "Usage:" in result.stdout


def test_the_version_names_seqcli_and_torch():
    import torch

    from seqcli import __version__

    result = invoke("--version")
    assert result.exit_code == 0
    assert result.stdout == f"seqcli {__version__} (torch {torch.__version__})\n"


def recipe_says(section: str | None, key: str, value) -> str:
    """What the recipe's error line says of this value, after its `file: key: ` part."""
    raw = tiny_recipe(Path("corpus.txt"))
    (raw if section is None else raw[section])[key] = value
    with pytest.raises(RecipeError) as refused:
        validate_recipe(raw, source="r.yaml")
    where = f"r.yaml: {key if section is None else f'{section}.{key}'}: "
    assert str(refused.value).startswith(where), str(refused.value)
    return str(refused.value).removeprefix(where)


# (command, flag, text given, the recipe key it mirrors, the value a recipe would hold)
MIRRORED = [
    ("generate", "--temperature", "inf", ("generate", "temperature"), float("inf")),
    ("generate", "--temperature", "0", ("generate", "temperature"), 0),
    ("generate", "--length", "0", ("generate", "length"), 0),
    ("generate", "--top-k", "0", ("generate", "top_k"), 0),
    ("generate", "--top-p", "1.5", ("generate", "top_p"), 1.5),
    ("generate", "--repetition-penalty", "nan", ("generate", "repetition_penalty"), float("nan")),
    ("generate", "--min-length", "-1", ("generate", "min_length"), -1),
    ("generate", "--seed", str(2**70), (None, "seed"), 2**70),
    ("evaluate", "--max-batches", "0", ("train", "eval_batches"), 0),
    ("compare-cells", "--steps", "0", ("train", "steps"), 0),
]


@pytest.mark.parametrize(("command", "flag", "text", "key", "value"), MIRRORED)
def test_a_flag_refuses_a_value_in_the_words_of_the_recipe_key_it_mirrors(
    command, flag, text, key, value
):
    # The value is refused while the command line is read: no run is ever opened.
    result = invoke(command, "nowhere", flag, text)
    assert result.exit_code == 2
    assert result.stderr.strip() == f"error: {flag}: {recipe_says(*key, value)}"


@pytest.mark.parametrize("flag", ["--length-penalty", "--noise"])
def test_no_float_flag_takes_infinity_or_nan(flag):
    for text in ("inf", "-inf", "nan"):
        result = invoke("generate", "nowhere", flag, text)
        assert result.exit_code == 2
        assert f"error: {flag}: got {text}; input should be a finite number" in result.stderr


def test_did_you_mean_looks_among_the_commands_own_flags():
    assert "(did you mean '--top-units'?)" in invoke("gates", "x", "--top-unit", "3").stderr
    # evaluate has no --length: no guess from another command's flags, nor from `--help`.
    assert "did you mean" not in invoke("evaluate", "x", "--lenght", "3").stderr


VERBS = ["train", "compare-cells", "generate", "evaluate", "predict", "gates"]


@pytest.mark.parametrize("verb", [*VERBS, "inspect", "plot", "export", "recipe show"])
def test_help_names_what_to_type_not_typers_type_placeholders(verb):
    """--device [auto|cpu|cuda|mps], --set KEY=VALUE, --steps INT; a flag shows nothing."""
    import re

    shown = CliRunner().invoke(app, [*verb.split(), "--help"], env={"COLUMNS": "200"})
    text = shown.stdout + shown.stderr
    options = [line for line in text.splitlines() if re.search(r"│ +(-\w|--[\w-]+)", line)]
    assert options and not [
        line for line in options if re.search(r"<(?!name>)[a-z][\w\[\], ]*>", line)
    ]
    if verb in VERBS:
        assert "[auto|cpu|cuda|mps]" in text


def test_shell_completion_is_offered():
    text = invoke("--help").stdout
    assert "--install-completion" in text and "--show-completion" in text
