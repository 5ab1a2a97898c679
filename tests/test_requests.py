"""seqcli generate's flags become one typed request: merged over the recipe once, refused where
the task's spec does not read them, files and stdin read before the task sees anything."""

from __future__ import annotations

import io

import pytest
import typer

from seqcli.cli import app
from seqcli.cli.requests import GENERATE_OPTIONS, build_request
from seqcli.decoding.requests import Search
from seqcli.errors import UsageError
from seqcli.recipe.tasks import SPECS
from seqcli.recipe.training import DRAW, Sampling, sampling_keys
from tests.conftest import ROOT
from tests.conftest import shipped_recipe as recipe

EVERY_OPTION = {name for names in GENERATE_OPTIONS.values() for name in names}
VALUES = {"input_file": ROOT / "README.md", "prime_file": ROOT / "README.md"}


@pytest.mark.parametrize("task", sorted(name for name, spec in SPECS.items() if spec.generate))
def test_a_flag_outside_the_specs_groups_is_refused_by_name(task):
    spec = SPECS[task]
    takes = {name for group in spec.generate for name in GENERATE_OPTIONS[group]}
    for option in sorted(EVERY_OPTION - takes):
        flag = "--" + option.replace("_", "-")
        with pytest.raises(UsageError, match=f"^{flag} does not apply to a {spec.title}"):
            build_request(recipe(task), {option: VALUES.get(option, 2), "input": "1"})


@pytest.mark.parametrize("task", sorted(name for name, spec in SPECS.items() if not spec.generate))
def test_a_task_that_generates_nothing_points_elsewhere(task):
    with pytest.raises(UsageError, match="generate does not apply to a .*seqcli predict"):
        build_request(recipe(task), {})


@pytest.mark.parametrize("task", ["language_model", "conditioned_text", "translator"])
def test_flags_override_the_recipes_sampling_keys_and_only_those(task):
    base = recipe(task, "generate.temperature=0.5", "generate.top_p=0.9", "generate.min_length=0")
    extra = {
        "language_model": {},
        "conditioned_text": {"condition": "x"},
        "translator": {"input": "1"},
    }
    request = build_request(base, {"top_k": 3, **extra[task], "temperature": None})
    sampling = request.draw.sampling
    assert (sampling.temperature, sampling.top_p, sampling.top_k) == (0.5, 0.9, 3)


def test_the_translator_searches_with_beams_unless_told_to_pick_token_by_token():
    translator = recipe("translator")
    assert build_request(translator, {"input": "1"}).search.beam_size == 5
    assert build_request(translator, {"input": "1", "greedy": True}).search is None
    assert build_request(translator, {"input": "1", "top_k": 2}).search is None
    assert (
        build_request(recipe("translator", "generate.greedy=true"), {"input": "1"}).search is None
    )
    with pytest.raises(UsageError, match="choose one of --greedy / sampling / beam search"):
        build_request(translator, {"input": "1", "greedy": True, "top_p": 0.5, "n_best": 2})


def test_a_zero_flag_value_is_a_value_not_an_absent_flag():
    request = build_request(recipe("translator"), {"input": "1", "length_penalty": 0.0})
    assert request.search.length_penalty == 0.0


def test_the_prime_comes_from_the_flag_a_file_stdin_or_the_recipe(monkeypatch, tmp_path):
    lm = recipe("language_model")
    assert build_request(lm, {"prime": "a\\nb"}).prompt.text == "a\nb"
    (tmp_path / "p.txt").write_text("from a file", encoding="utf-8")
    assert build_request(lm, {"prime_file": tmp_path / "p.txt"}).prompt.text == "from a file"
    monkeypatch.setattr("sys.stdin", io.StringIO("from stdin"))
    assert build_request(lm, {"prime_file": "-"}).prompt.text == "from stdin"
    prompt = build_request(lm, {}).prompt
    assert (prompt.text, prompt.source) == (lm.generate.prime, "the recipe's generate.prime")


def test_translator_lines_come_from_the_flag_a_file_or_stdin(monkeypatch, tmp_path):
    translator = recipe("translator")
    assert build_request(translator, {"input": "12\n34"}).lines == ("12", "34")
    (tmp_path / "in.txt").write_text("5\n6\n", encoding="utf-8")
    assert build_request(translator, {"input_file": tmp_path / "in.txt"}).lines == ("5", "6")
    monkeypatch.setattr("sys.stdin", io.StringIO("7\n"))
    assert build_request(translator, {}).lines == ("7",)


DRAW_VALUES = {"temperature": 0.5, "top_k": 2, "top_p": 0.5, "typical_p": 0.5}


@pytest.mark.parametrize("key", sampling_keys(DRAW))
def test_every_draw_key_asks_a_translator_to_sample_and_is_refused_beside_beams(key):
    translator = recipe("translator")
    request = build_request(translator, {"input": "1", key: DRAW_VALUES[key]})
    assert request.search is None
    assert getattr(request.draw.sampling, key) == DRAW_VALUES[key]
    with pytest.raises(UsageError, match="choose one of sampling / beam search"):
        build_request(translator, {"input": "1", key: DRAW_VALUES[key], "beam_size": 3})


@pytest.mark.parametrize("section", [Sampling, Search])
def test_generate_has_one_flag_per_key_of_the_sections_it_mirrors_with_the_keys_help(section):
    command = typer.main.get_command(app).commands["generate"]
    options = {param.name: param for param in command.params}
    for key, field in section.model_fields.items():
        assert options[key].opts[0] == "--" + key.replace("_", "-")
        assert field.description.lower() in options[key].help.lower()
