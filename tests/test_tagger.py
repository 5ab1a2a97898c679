"""The many_to_many tagger: readers and their errors, span and token metrics by hand, the
baseline, the recipe's rules, and a tiny model that learns what only a bi-LSTM can."""

from __future__ import annotations

import json
import random
from pathlib import Path
from types import SimpleNamespace

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.data.tagged import Sentence, read_columns, read_conllu, split_sentences
from seqcli.errors import DataError, RecipeError, UsageError
from seqcli.metrics.spans import is_span_scheme, micro_scores, span_counts, spans
from seqcli.metrics.tags import baseline_labels, most_frequent_tags
from seqcli.recipe import validate_recipe
from seqcli.tasks.tagger import TaggerTask
from seqcli.tasks.tagger_batches import encode
from seqcli.tasks.tagger_report import BASELINE_TABLE

ROOT = Path(__file__).resolve().parents[1]
SAMPLE = ROOT / "samples" / "ud_ewt_mini"

CONLLU = """\
# sent_id = 1
# text = Don't go.
1-2\tDon't\t_\t_\t_\t_\t_\t_\t_\t_
1\tDo\tdo\tAUX\tVBP\t_\t3\taux\t_\t_
2\tn't\tnot\tPART\tRB\t_\t3\tadvmod\t_\t_
3\tgo\tgo\tVERB\tVB\t_\t0\troot\t_\t_
3.1\tgo\tgo\tVERB\tVB\t_\t_\t_\t3:conj\t_
4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_

# sent_id = 2
1\tHi\thi\tINTJ\tUH\t_\t0\troot\t_\t_
"""

COLUMNS = """\
-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# Readers


def test_conllu_skips_comments_multiword_ranges_and_empty_nodes(tmp_path):
    sentences = read_conllu(write(tmp_path, "a.conllu", CONLLU), label_column="upos")
    assert sentences == [
        Sentence(("Do", "n't", "go", "."), ("AUX", "PART", "VERB", "PUNCT")),
        Sentence(("Hi",), ("INTJ",)),
    ]


def test_conllu_label_column_is_chosen_by_name(tmp_path):
    sentences = read_conllu(write(tmp_path, "a.conllu", CONLLU), label_column="xpos")
    assert sentences[0].labels == ("VBP", "RB", "VB", ".")


def test_conllu_wrong_column_count_names_file_and_line(tmp_path):
    path = write(tmp_path, "a.conllu", CONLLU.replace("3\tgo\tgo\tVERB\tVB\t_\t0", "3\tgo\t0"))
    with pytest.raises(DataError, match=r"a.conllu:6: 6 tab-separated columns; CoNLL-U"):
        read_conllu(path, label_column="upos")


def test_conllu_empty_label_column_names_file_and_line(tmp_path):
    path = write(tmp_path, "a.conllu", CONLLU.replace("\tVBP\t", "\t_\t"))
    with pytest.raises(DataError, match=r"a.conllu:4: the xpos column is empty"):
        read_conllu(path, label_column="xpos")


def test_columns_skip_docstart_and_split_at_blank_lines(tmp_path):
    sentences = read_columns(write(tmp_path, "a.txt", COLUMNS), token_column=0, label_column=-1)
    assert sentences == [
        Sentence(("EU", "rejects", "German"), ("B-ORG", "O", "B-MISC")),
        Sentence(("Peter", "Blackburn"), ("B-PER", "I-PER")),
    ]


def test_columns_label_column_counts_from_zero(tmp_path):
    sentences = read_columns(write(tmp_path, "a.txt", COLUMNS), token_column=0, label_column=2)
    assert sentences[1].labels == ("B-NP", "I-NP")


def test_columns_wrong_column_count_names_file_and_line(tmp_path):
    path = write(tmp_path, "a.txt", COLUMNS.replace("rejects VBZ B-VP O", "rejects O"))
    with pytest.raises(DataError, match=r"a.txt:4: 2 columns, but line 3 has 4"):
        read_columns(path, token_column=0, label_column=-1)


def test_columns_missing_label_column_names_file_and_line(tmp_path):
    path = write(tmp_path, "a.txt", COLUMNS)
    with pytest.raises(DataError, match=r"a.txt:3: data.label_column 4 is missing"):
        read_columns(path, token_column=0, label_column=4)


def test_a_byte_order_mark_is_not_part_of_the_first_token(tmp_path):
    path = write(tmp_path, "a.txt", "\ufeffEU B-ORG\n")
    assert read_columns(path, token_column=0, label_column=1)[0].words == ("EU",)


def test_columns_token_column_picks_the_token(tmp_path):
    sentences = read_columns(write(tmp_path, "a.txt", COLUMNS), token_column=1, label_column=-1)
    assert sentences[1].words == ("NNP", "NNP")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_a_file_without_sentences_is_an_error(tmp_path, text):
    with pytest.raises(DataError, match=r"e.conllu: no sentences"):
        read_conllu(write(tmp_path, "e.conllu", text), label_column="upos")


def test_split_holds_out_seeded_disjoint_sentences():
    sentences = [Sentence((str(i),), ("X",)) for i in range(100)]
    splits = split_sentences(sentences, val_fraction=0.1, test_fraction=0.2, seed=3)
    sizes = {name: len(part) for name, part in splits.items()}
    assert sizes == {"val": 10, "test": 20, "train": 70}
    assert len({s.words for part in splits.values() for s in part}) == 100
    again = split_sentences(sentences, val_fraction=0.1, test_fraction=0.2, seed=3)
    assert again == splits


# Spans, by hand


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["B-PER", "I-PER", "O", "B-LOC"], [("PER", 0, 1), ("LOC", 3, 3)]),
        (["O", "I-PER", "I-PER", "O"], [("PER", 1, 2)]),  # I- without B- opens a span
        (["I-PER"], [("PER", 0, 0)]),
        (["B-PER", "I-LOC"], [("PER", 0, 0), ("LOC", 1, 1)]),  # a type change splits
        (["B-PER", "B-PER"], [("PER", 0, 0), ("PER", 1, 1)]),
        (["S-PER", "B-LOC", "E-LOC", "S-ORG"], [("PER", 0, 0), ("LOC", 1, 2), ("ORG", 3, 3)]),
        (["B-PER", "E-PER", "I-PER"], [("PER", 0, 1), ("PER", 2, 2)]),  # E- closes
        (["O", "E-PER", "O"], [("PER", 1, 1)]),  # E- without B- is a one-word span
        (["B-PER", "I-PER"], [("PER", 0, 1)]),  # the sentence end closes the last span
    ],
)
def test_spans_follow_conlleval(labels, expected):
    assert spans(labels) == expected


def test_span_scores_of_the_seqeval_example_are_one_half():
    gold = [["O", "O", "O", "B-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    predicted = [["O", "O", "B-MISC", "I-MISC", "I-MISC", "I-MISC", "O"], ["B-PER", "I-PER", "O"]]
    scores = micro_scores(span_counts(gold, predicted))
    assert scores == pytest.approx({"precision": 0.5, "recall": 0.5, "f1": 0.5})


def test_span_scores_by_hand_with_unequal_counts():
    # gold: PER 0-1, LOC 3, ORG 5; predicted: PER 0 (wrong end), LOC 3 (right)
    gold = [["B-PER", "I-PER", "O", "B-LOC", "O", "S-ORG"]]
    predicted = [["B-PER", "O", "O", "B-LOC", "O", "O"]]
    scores = micro_scores(span_counts(gold, predicted))
    # precision 1/2, recall 1/3, F1 = 2 * (1/2 * 1/3) / (1/2 + 1/3) = 0.4
    assert scores == pytest.approx({"precision": 0.5, "recall": 1 / 3, "f1": 0.4})


def test_span_scores_without_predictions_are_zero():
    assert micro_scores(span_counts([["B-PER"]], [["O"]])) == {
        "precision": 0.0,
        "recall": 0.0,
        "f1": 0.0,
    }


@pytest.mark.parametrize(
    ("labels", "expected"),
    [
        (["O", "B-PER", "I-PER"], True),
        (["S-LOC", "E-LOC", "O"], True),
        (["NOUN", "VERB"], False),
        (["O"], False),
        (["O", "B-"], False),
    ],
)
def test_span_scheme_is_o_and_typed_bies_tags(labels, expected):
    assert is_span_scheme(labels) is expected


# Baseline


def test_most_frequent_tag_baseline_by_hand():
    train = [(["the", "duck", "swims"], ["DET", "NOUN", "VERB"]), (["duck", "!"], ["VERB", "X"])]
    train.append((["a", "duck"], ["DET", "NOUN"]))
    lexicon, default = most_frequent_tags(train)
    assert lexicon["duck"] == "NOUN" and default == "DET"  # duck: NOUN 2, VERB 1
    assert baseline_labels(["the", "duck", "flies"], lexicon, default) == ["DET", "NOUN", "DET"]


# Recipe rules


def tagger_recipe(path: Path, **model) -> dict:
    return {
        "name": "t",
        "seed": 1,
        "data": {"format": "columns", "path": str(path), "val_fraction": 0.25},
        "model": {"cell": "lstm", "direction": "bi", "hidden_size": 16, "embedding_size": 8,
                  **model},
        "train": {"batch_size": 8, "steps": 60, "lr": 0.02, "monitor": "accuracy"},
    }  # fmt: skip


def test_recipe_takes_bi_and_stacked_layers_for_a_tagger(tmp_path):
    recipe = validate_recipe(tagger_recipe(tmp_path / "x", layers=2, char_features=4), source="r")
    assert recipe.task == "tagger" and recipe.model.direction == "bi"


def test_char_features_are_rejected_for_a_language_model(tmp_path):
    raw = {"name": "lm", "data": {"path": str(tmp_path)}, "model": {"char_features": 8}}
    with pytest.raises(RecipeError, match="char_features"):
        validate_recipe(raw, source="r")


def test_tie_weights_are_rejected_for_a_tagger(tmp_path):
    raw = tagger_recipe(tmp_path / "x", tie_weights=True, embedding_size=32)
    with pytest.raises(RecipeError, match="tie_weights: a tagger's head predicts labels"):
        validate_recipe(raw, source="r")


def test_test_fraction_with_test_path_is_rejected(tmp_path):
    raw = tagger_recipe(tmp_path / "x")
    raw["data"].update(test_path=str(tmp_path / "y"), test_fraction=0.1)
    with pytest.raises(RecipeError, match="test_fraction"):
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
    recipe = validate_recipe(tagger_recipe(next_word_corpus(tmp_path / "n.txt"), layers=2,
                                           char_features=4), source="r")  # fmt: skip
    task = TaggerTask()
    data = task.prepare(recipe)
    model = task.build_model(recipe, data.meta).eval()
    run = SimpleNamespace(recipe=recipe, meta=data.meta, model=model, device=torch.device("cpu"))
    short, long = Sentence(("a", "b"), ("B", "END")), Sentence(("c",) * 7, ("C",) * 7)
    alone = model(**encode([short], run.meta).inputs).out  # (1, 2, L)
    padded = model(**encode([short, long], run.meta).inputs).out  # (2, 7, L)
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
    torch.save({"meta": task.meta_to_dict(meta)}, tmp_path / "m.pt")
    loaded = torch.load(tmp_path / "m.pt", weights_only=True)["meta"]
    assert task.meta_from_dict(loaded) == meta


def test_generate_is_refused_with_a_pointer_to_predict():
    with pytest.raises(UsageError, match="use seqcli predict"):
        TaggerTask().generate(None, {})


# The bundled recipe through the command line


@pytest.fixture(scope="module")
def pos_run(tmp_path_factory) -> Path:
    """recipes/pos-tagging.yaml trained for a few steps by `seqcli train`."""
    out = tmp_path_factory.mktemp("pos") / "run"
    recipe = ROOT / "recipes" / "pos-tagging.yaml"
    cli("train", recipe, "--out", out, "--quiet", "--set", "train.epochs=null",
        "--set", "train.steps=6", "--set", "train.eval_every=3")  # fmt: skip
    return out


def cli(*args, input: str | None = None):
    result = CliRunner().invoke(app, [str(arg) for arg in args], input=input)
    assert result.exit_code == 0, f"{result.stderr}\n{result.exception!r}"
    return result


def test_evaluate_on_the_test_file_prints_metrics_and_the_baseline(pos_run):
    report = json.loads(cli("evaluate", pos_run, "--split", "test", "--json").stdout)
    assert report["details"][BASELINE_TABLE]["rows"][0][1] == 1187  # words in test.conllu
    assert 0 <= report["accuracy"] <= 1


def test_predict_prints_a_token_and_a_tag_per_line(pos_run):
    lines = cli("predict", pos_run, "--file", "-", input="I saw her duck .\nHi there\n").stdout
    sentences = lines.rstrip("\n").split("\n\n")
    assert [len(s.splitlines()) for s in sentences] == [5, 2]
    assert sentences[0].splitlines()[3].startswith("duck\t")


def test_dry_run_reports_the_packed_recurrent_output():
    result = cli("train", ROOT / "recipes" / "pos-tagging.yaml", "--dry-run")
    assert "chars.conv" in result.stderr and "rnn" in result.stderr
