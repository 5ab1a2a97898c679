"""data.feature_columns: extra input columns for the tagger, each with its own vocabulary and
embedding (model.feature_embedding_size), read alike by train, evaluate and predict."""

from __future__ import annotations

import random
import re

import pytest
import torch

from seqcli.data.tagged import read_columns, read_conllu
from seqcli.engine import events
from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training
from seqcli.errors import DataError, RecipeError
from seqcli.models.tagger import Tagger
from seqcli.recipe import validate_recipe
from seqcli.recipe.model import TaggerConfig
from seqcli.tasks import TASKS, task_for
from seqcli.tasks.tagger.batches import TaggerMeta
from tests.test_tagged_data import COLUMNS, CONLLU, write

CPU = torch.device("cpu")


def test_columns_read_feature_values_per_word(tmp_path):
    path = write(tmp_path, "a.txt", COLUMNS)
    first = read_columns(path, token_column=0, label_column=-1, feature_columns=(1, 2))[0]
    assert first.words == ("EU", "rejects", "German")
    assert first.features == (("NNP", "B-NP"), ("VBZ", "B-VP"), ("JJ", "B-NP"))


def test_conllu_reads_named_columns_as_features(tmp_path):
    path = write(tmp_path, "a.conllu", CONLLU)
    first = read_conllu(path, label_column="xpos", feature_columns=("upos",))[0]
    assert first.labels == ("VBP", "RB", "VB", ".")
    assert first.features == (("AUX",), ("PART",), ("VERB",), ("PUNCT",))


@pytest.mark.parametrize(
    ("features", "message"),
    [
        ((7,), "a.txt:3: data.feature_columns 7 is missing; lines have 4 columns (0 to 3)"),
        ((3,), "a.txt:3: data.feature_columns 3 is the same column as data.label_column -1"),
    ],
    ids=["out-of-range", "label-counted-from-the-end"],
)
def test_a_feature_column_the_file_lacks_or_shares_is_refused_naming_the_line(
    tmp_path, features, message
):
    path = write(tmp_path, "a.txt", COLUMNS)
    with pytest.raises(DataError, match=re.escape(message)):
        read_columns(path, token_column=0, label_column=-1, feature_columns=features)


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({"format": "conllu", "label_column": "xpos", "feature_columns": ["xpos"]}, "label"),
        ({"format": "columns", "token_column": 0, "feature_columns": [0]}, "token"),
        ({"format": "columns", "feature_columns": [1, 1]}, "names a column twice"),
    ],
)
def test_a_feature_column_that_is_no_new_input_is_refused(tmp_path, data, message):
    raw = {"name": "r", "mapping": "many_to_many", "data": {"path": str(tmp_path / "x"), **data}}
    with pytest.raises(RecipeError, match=f"feature_columns.*{message}"):
        validate_recipe(raw, source="r.yaml")


def hidden_tags(tmp_path, count=160):
    """Random words whose tag only the middle column tells: a tagger must read it."""
    rng = random.Random(0)
    words, cues = [f"w{i}" for i in range(40)], {"c1": "A", "c2": "B", "c3": "C"}
    lines = []
    for _ in range(count):
        pairs = [(rng.choice(words), rng.choice(list(cues))) for _ in range(6)]
        lines.append("\n".join(f"{w} {c} {cues[c]}" for w, c in pairs) + "\n")
    return write(tmp_path, "hidden.txt", "\n".join(lines))


def train_tagger(path, out, **data):
    recipe = validate_recipe(
        {
            "name": "features",
            "seed": 1,
            "data": {"format": "columns", "path": str(path), "val_fraction": 0.2, **data},
            "model": {"hidden_size": 16, "embedding_size": 8, "feature_embedding_size": 4},
            "train": {"batch_size": 16, "steps": 40, "eval_every": 40, "lr": 0.03},
        },
        source="test",
    )
    trainer = fresh_training(recipe, task_for(recipe), device=CPU, out=out)
    try:
        stream = list(trainer)
    finally:
        trainer.folder.release()
    return [e for e in stream if isinstance(e, events.Evaluated)][-1].metrics["accuracy"]


def test_a_feature_column_feeds_the_model_what_the_words_cannot(tmp_path):
    path = hidden_tags(tmp_path)
    assert train_tagger(path, tmp_path / "with", feature_columns=[1]) > 0.95
    assert train_tagger(path, tmp_path / "without") < 0.6


def test_predict_reads_word_bar_value_and_refuses_a_bare_word(tmp_path):
    path = hidden_tags(tmp_path)
    train_tagger(path, tmp_path / "run", feature_columns=[1])
    run = load_run(tmp_path / "run", CPU, TASKS)
    (row,) = run.task.predict(run, ["w1|c1 w1|c3 a|b|c2"])
    assert row == {"tokens": ["w1", "w1", "a|b"], "labels": ["A", "C", "B"]}
    with pytest.raises(DataError, match=r"input line 1: 'w2' has no feature values; .* word\|1"):
        run.task.predict(run, ["w1|c1 w2"])


def test_a_meta_stored_before_feature_columns_loads_without_any():
    meta = TaggerMeta.from_dict(
        {
            "words": {"tokenizer": "word", "tokens": ["<pad>", "<unk>", "a"]},
            "labels": ["X"],
            "chars": None,
            "lexicon": {"a": "X"},
            "default_label": "X",
            "lowercase": False,
        }
    )
    assert meta.features == ()


def test_feature_embedding_size_sets_each_columns_width():
    config = TaggerConfig(hidden_size=5, embedding_size=3, feature_embedding_size=7)
    model = Tagger(config, labels=["A", "B"], num_words=9, feature_values=[4, 6])
    assert [embed.weight.shape for embed in model.features] == [(4, 7), (6, 7)]
    x = torch.ones((2, 3), dtype=torch.long)
    out = model(x, torch.tensor([3, 2]), features=torch.stack([x, x], dim=-1)).out
    assert model.rnn.input_size == 3 + 2 * 7 and out.shape == (2, 3, 2)
