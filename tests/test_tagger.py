"""The many_to_many tagger: the recipe's rules, vocabularies, a tiny model that learns what
only a bi-LSTM can, predict, and the bundled recipe through the command line."""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.cli.requests import build_request
from seqcli.data.tagged import Sentence
from seqcli.errors import DataError, RecipeError, UsageError
from seqcli.recipe import validate_recipe
from seqcli.tasks.tagger.batches import encode
from seqcli.tasks.tagger.report import BASELINE_TABLE
from seqcli.tasks.tagger.task import TaggerTask
from tests.test_tagged_data import COLUMNS, write

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "ud_ewt_mini"


# Recipe rules


def tagger_recipe(path: Path, **model) -> dict:
    return {
        "name": "t",
        "seed": 1,
        "data": {"format": "columns", "path": str(path), "val_fraction": 0.25},
        "model": {
            "cell": "lstm",
            "direction": "bi",
            "hidden_size": 16,
            "embedding_size": 8,
            **model,
        },
        "train": {"batch_size": 8, "steps": 60, "lr": 0.02, "monitor": "accuracy"},
    }


def test_recipe_takes_bi_and_stacked_layers_for_a_tagger(tmp_path):
    recipe = validate_recipe(tagger_recipe(tmp_path / "x", layers=2, char_features=4), source="r")
    assert recipe.task == "tagger" and recipe.model.direction == "bi"


def test_char_features_are_rejected_for_a_language_model(tmp_path):
    raw = {"name": "lm", "data": {"path": str(tmp_path)}, "model": {"char_features": 8}}
    with pytest.raises(RecipeError, match="char_features"):
        validate_recipe(raw, source="r")


def test_tie_weights_are_rejected_for_a_tagger(tmp_path):
    raw = tagger_recipe(tmp_path / "x", tie_weights=True, embedding_size=32)
    with pytest.raises(
        RecipeError, match="model.tie_weights: applies to language_model, not to a tagger"
    ):
        validate_recipe(raw, source="r")


def test_test_fraction_with_test_path_is_rejected(tmp_path):
    raw = tagger_recipe(tmp_path / "x")
    raw["data"].update(test_path=str(tmp_path / "y"), test_fraction=0.1)
    with pytest.raises(RecipeError, match="test_fraction"):
        validate_recipe(raw, source="r")


def test_token_and_label_columns_must_differ(tmp_path):
    raw = tagger_recipe(tmp_path / "x")
    raw["data"].update(token_column=1, label_column=1)
    with pytest.raises(RecipeError, match="token_column and label_column are both 1"):
        validate_recipe(raw, source="r")


def test_monitoring_f1_without_span_labels_is_a_data_error(tmp_path):
    raw = tagger_recipe(SAMPLE / "train.conllu")
    raw["data"]["format"] = "conllu"
    raw["train"]["monitor"] = "f1"
    with pytest.raises(DataError, match="scores BIO/BIOES spans"):
        TaggerTask().prepare(validate_recipe(raw, source="r"))


# Vocabularies


def sample_recipe(model: dict | None = None, **data):
    raw = tagger_recipe(SAMPLE / "train.conllu", **(model or {}))
    raw["data"].update(format="conllu", **data)
    return validate_recipe(raw, source="r")


def sample_meta(**data):
    return TaggerTask().prepare(sample_recipe(**data)).meta


def test_min_freq_sends_rare_words_to_unk():
    everything, frequent = sample_meta(), sample_meta(min_freq=2)
    assert set(frequent.words.tokens) < set(everything.words.tokens)


def test_lowercase_merges_case_variants_and_applies_when_encoding():
    cased, lowered = sample_meta(), sample_meta(lowercase=True)
    assert "The" in cased.words.index and "The" not in lowered.words.index
    tokens = encode([Sentence(("The",), ("DET",))], lowered).inputs["tokens"]
    assert tokens.item() == lowered.words.index["the"]


def test_char_features_add_a_character_encoder_only_when_set():
    task = TaggerTask()
    plain, with_chars = sample_recipe(), sample_recipe({"char_features": 6})
    plain_model = task.build_model(plain, task.prepare(plain).meta)
    chars_model = task.build_model(with_chars, task.prepare(with_chars).meta)
    assert plain_model.chars is None and plain_model.rnn.input_size == 8
    assert chars_model.chars is not None and chars_model.rnn.input_size == 8 + 6


# The model


def next_word_corpus(path: Path, sentences: int = 160) -> Path:
    """Each word's label is the word after it: only a model that reads right to left learns."""
    rng = random.Random(0)
    lines = []
    for _ in range(sentences):
        words = [rng.choice("abcd") for _ in range(rng.randint(3, 8))]
        labels = [*(w.upper() for w in words[1:]), "END"]
        lines += [f"{w} {label}" for w, label in zip(words, labels, strict=True)] + [""]
    return write(path.parent, path.name, "\n".join(lines))


def trained(recipe_dict: dict, steps: int):
    task, recipe = TaggerTask(), validate_recipe(recipe_dict, source="r")
    data = task.prepare(recipe)
    torch.manual_seed(0)
    model = task.build_model(recipe, data.meta)
    run = SimpleNamespace(recipe=recipe, meta=data.meta, model=model, device=torch.device("cpu"))
    batches, optimizer = task.batches(data, recipe), torch.optim.Adam(model.parameters(), 0.02)
    for _ in range(steps):
        model.train()
        batch = next(batches)
        optimizer.zero_grad()
        model(**batch.inputs, targets=batch.targets).loss.backward()
        optimizer.step()
    return task, run, data


@pytest.mark.parametrize(("direction", "floor", "ceiling"), [("bi", 0.95, 1.0), ("uni", 0, 0.5)])
def test_only_a_bidirectional_tagger_learns_the_next_word(tmp_path, direction, floor, ceiling):
    path = next_word_corpus(tmp_path / "next.txt")
    task, run, data = trained(tagger_recipe(path, direction=direction), steps=80)
    accuracy = task.evaluate(run, data.splits["val"])["accuracy"]
    assert floor <= accuracy <= ceiling


def test_padding_does_not_change_a_sentences_tags(tmp_path):
    recipe = validate_recipe(
        tagger_recipe(next_word_corpus(tmp_path / "n.txt"), layers=2, char_features=4), source="r"
    )
    task = TaggerTask()
    data = task.prepare(recipe)
    model = task.build_model(recipe, data.meta).eval()
    short, long = Sentence(("a", "b"), ("B", "END")), Sentence(("c",) * 7, ("C",) * 7)
    alone = model(**encode([short], data.meta).inputs).out  # (1, 2, L)
    padded = model(**encode([short, long], data.meta).inputs).out  # (2, 7, L)
    torch.testing.assert_close(alone[0], padded[0, :2])


def test_evaluate_reports_the_baseline_and_span_scores(tmp_path):
    path = write(tmp_path, "ner.txt", COLUMNS * 4)
    raw = tagger_recipe(path)
    task, run, data = trained(raw, steps=30)
    metrics = task.evaluate(run, data.splits["train"])
    assert {"loss", "accuracy", "f1", "precision", "recall"} <= set(metrics)
    details = metrics["details"]
    assert details[BASELINE_TABLE]["rows"][0][3] == 1.0  # each word has one tag here
    span_types = {row[0] for row in details["labelled spans (conlleval)"]["rows"]}
    assert span_types >= {"ORG", "MISC", "PER", "all", "all, baseline"}


def test_predict_tags_each_line_and_keeps_empty_lines(tmp_path):
    task, run, _ = trained(tagger_recipe(next_word_corpus(tmp_path / "n.txt")), steps=80)
    rows = task.predict(run, ["a b c", "", "d zzz"])
    assert rows[0] == {"tokens": ["a", "b", "c"], "labels": ["B", "C", "END"]}
    assert rows[1] == {"tokens": [], "labels": []}
    assert len(rows[2]["labels"]) == 2


def test_prediction_lines_are_token_tab_label_with_blank_lines_between():
    rows = [{"tokens": ["a", "b"], "labels": ["X", "Y"]}, {"tokens": ["c"], "labels": ["Z"]}]
    assert list(TaggerTask().prediction_lines(rows)) == ["a\tX", "b\tY", "", "c\tZ"]


def test_training_batches_resume_exactly(tmp_path):
    recipe = validate_recipe(tagger_recipe(next_word_corpus(tmp_path / "n.txt")), source="r")
    task = TaggerTask()
    data = task.prepare(recipe)
    first = task.batches(data, recipe)
    for _ in range(25):  # past the end of the first epoch
        next(first)
    second = task.batches(data, recipe)
    second.load_state_dict(first.state_dict())
    assert torch.equal(next(first).inputs["tokens"], next(second).inputs["tokens"])


def test_meta_survives_a_weights_only_checkpoint(tmp_path):
    raw = tagger_recipe(SAMPLE / "train.conllu", char_features=8)
    raw["data"]["format"] = "conllu"
    task = TaggerTask()
    meta = task.prepare(validate_recipe(raw, source="r")).meta
    torch.save({"meta": meta.to_dict()}, tmp_path / "m.pt")
    loaded = torch.load(tmp_path / "m.pt", weights_only=True)["meta"]
    assert task.meta.from_dict(loaded) == meta


def test_generate_is_refused_with_a_pointer_to_predict():
    recipe = validate_recipe(tagger_recipe(SAMPLE / "train.conllu"), source="r")
    with pytest.raises(UsageError, match="use seqcli predict"):
        build_request(recipe, {})


# The bundled recipe through the command line


@pytest.fixture(scope="module")
def pos_run(tmp_path_factory) -> Path:
    """recipes/pos-tagging.yaml trained for a few steps by `seqcli train`."""
    out = tmp_path_factory.mktemp("pos") / "run"
    recipe = ROOT / "recipes" / "pos-tagging.yaml"
    cli(
        "train",
        recipe,
        "--out",
        out,
        "--quiet",
        "--set",
        "train.epochs=null",
        "--set",
        "train.steps=6",
        "--set",
        "train.eval_every=3",
    )
    return out


def cli(*args, input: str | None = None):
    result = CliRunner().invoke(app, [str(arg) for arg in args], input=input)
    assert result.exit_code == 0, f"{result.stderr}\n{result.exception!r}"
    return result


def test_evaluate_on_the_test_file_prints_metrics_and_the_baseline(pos_run):
    report = json.loads(cli("evaluate", pos_run, "--split", "test", "--json").stdout)
    baseline = report["details"]["accuracy_against_the_most_frequent_tag_baseline"]
    assert baseline["title"] == BASELINE_TABLE and baseline["rows"][0][1] == 1187  # test words
    assert 0 <= report["accuracy"] <= 1


def test_predict_prints_a_token_and_a_tag_per_line(pos_run):
    lines = cli("predict", pos_run, "--file", "-", input="I saw her duck .\nHi there\n").stdout
    sentences = lines.rstrip("\n").split("\n\n")
    assert [len(s.splitlines()) for s in sentences] == [5, 2]
    assert sentences[0].splitlines()[3].startswith("duck\t")


def test_dry_run_reports_the_packed_recurrent_output():
    result = cli("train", ROOT / "recipes" / "pos-tagging.yaml", "--dry-run")
    assert "chars.conv" in result.stderr and "rnn" in result.stderr
