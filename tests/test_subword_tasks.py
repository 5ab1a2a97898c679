"""Subword tokenizers beyond the language model: a classifier, a regressor and a translator
learn their pieces from the training split only, keep them in the run and read new text the
same way after a reload; translations come back as text, pieces joined."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.data.subwords import SPACE, subword_pieces, train_subwords
from seqcli.data.vocab import detokenize
from seqcli.engine import events
from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS, task_for

ROOT = Path(__file__).resolve().parents[1]
SMS = ROOT / "samples/sms_spam/sms.tsv"
ENG_FRA = ROOT / "samples/eng_fra_mini/eng-fra.tsv"


def invoke(*args):
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, f"{result.stderr}\n{result.exception!r}"
    return result


def train(raw: dict, out: Path) -> list[float]:
    """Validation losses of a short run written to out."""
    recipe = validate_recipe(raw, source="test")
    trainer = fresh_training(recipe, task_for(recipe), device=torch.device("cpu"), out=out)
    try:
        return [e.metrics["loss"] for e in trainer if isinstance(e, events.Evaluated)]
    finally:
        trainer.folder.release()


def classifier_recipe(path: Path, **data) -> dict:
    return {
        "name": "bpe-spam",
        "seed": 3,
        "mapping": "many_to_one",
        "data": {"format": "table", "path": str(path), "tokenizer": "bpe", "vocab_size": 300}
        | data,
        "model": {"cell": "gru", "hidden_size": 32, "embedding_size": 16, "pooling": "mean"},
        "train": {"batch_size": 32, "steps": 150, "eval_every": 50, "lr": 0.01},
    }


@pytest.fixture(scope="module")
def classifier_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bpe-classifier") / "run"
    losses = train(classifier_recipe(SMS, lowercase=True), out)
    assert losses[-1] < losses[0]  # it learns
    return out


def test_a_bpe_classifier_keeps_its_pieces_and_reads_new_text_the_same_after_reload(
    classifier_run,
):
    run = load_run(classifier_run, torch.device("cpu"), TASKS)
    vocab = run.meta.vocab
    assert vocab.tokenizer == "bpe" and vocab.tokens[0] == "<pad>"  # padding stays id 0
    assert len(vocab) == 300 + 1  # the pieces and <pad> (sentencepiece brings <unk>)
    text = "claim your free prize now"
    pieces = vocab.tokenize(text)
    assert detokenize(pieces, "bpe") == text  # lossless
    assert len(pieces) < len(text)  # subwords, not characters
    again = load_run(classifier_run, torch.device("cpu"), TASKS).meta.vocab
    assert again.tokenize(text) == pieces and again.tokens == vocab.tokens


def test_predict_after_reload_gives_the_same_labels_as_the_trained_model(classifier_run):
    texts = ["WINNER! Claim your free prize now, text WIN to 80086", "see you at lunch?"]
    args = ["predict", classifier_run, "--json", *(a for t in texts for a in ("--text", t))]
    first = [json.loads(line) for line in invoke(*args).stdout.splitlines()]
    second = [json.loads(line) for line in invoke(*args).stdout.splitlines()]
    assert first == second and len(first) == 2
    assert [row["label"] for row in first] == ["spam", "ham"]


def test_the_classifier_learns_no_piece_from_the_validation_file(tmp_path):
    rows = [f"a\tred apples and red pears {i}" for i in range(40)]
    rows += [f"b\tgreen grapes and green figs {i}" for i in range(40)]
    (tmp_path / "fruit.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    # A made-up word said over and over, but only in the validation file.
    held_out = [f"{c}\tzyzzogeton zyzzogeton {c}{i}" for c in "ab" for i in range(9)]
    (tmp_path / "val.tsv").write_text("\n".join(held_out) + "\n", encoding="utf-8")
    raw = classifier_recipe(tmp_path / "fruit.tsv", vocab_size=100, val_path="val.tsv")
    recipe = validate_recipe(raw, source="test", base_dir=tmp_path)
    data = task_for(recipe).prepare(recipe)
    assert not any("zyz" in piece for piece in data.meta.vocab.tokens)
    # Learned from both files, the word is a piece: the check above can fail.
    texts = [row.split("\t")[1] for row in rows + held_out]
    both = train_subwords(texts, kind="bpe", vocab_size=100, what="")
    assert any("zyz" in piece for piece in subword_pieces(both))


def translator_recipe(**data) -> dict:
    return {
        "name": "bpe-fra",
        "seed": 0,
        "mapping": "encoder_decoder",
        "data": {"format": "pairs", "path": str(ENG_FRA), "tokenizer": "bpe", "vocab_size": 400}
        | data,
        "model": {"cell": "gru", "hidden_size": 48, "embedding_size": 32, "attention": "dot"},
        "train": {"batch_size": 32, "steps": 60, "eval_every": 30, "lr": 0.01},
    }


@pytest.fixture(scope="module")
def translator_run(tmp_path_factory) -> Path:
    out = tmp_path_factory.mktemp("bpe-translator") / "run"
    losses = train(translator_recipe(max_length=6), out)
    assert losses[-1] < losses[0]  # it learns
    return out


def test_a_bpe_translator_keeps_one_model_per_side(translator_run):
    meta = load_run(translator_run, torch.device("cpu"), TASKS).meta
    assert meta.source.model != meta.target.model  # English and French pieces apart
    assert meta.source.tokens[:4] == ("<pad>", "<unk>", "<bos>", "<eos>")
    assert len(meta.source) == len(meta.target) == 400 + 3  # <unk> is sentencepiece's own
    sentence = "elle est tres grande ."
    assert detokenize(meta.target.tokenize(sentence), "bpe") == sentence


def test_translations_are_text_with_no_piece_markers(translator_run):
    out = invoke("predict", translator_run, "--text", "i am cold .", "--text", "she is tall .")
    lines = out.stdout.splitlines()
    assert len(lines) == 2 and all(line.strip() for line in lines)
    assert not any(SPACE in line for line in lines)
    assert all("  " not in line for line in lines)  # pieces joined, not spaced apart
    metrics = json.loads(invoke("evaluate", translator_run, "--json").stdout)
    assert 0 <= metrics["bleu"] <= 100 and 0 < metrics["chrf"] <= 100  # scored as text


def test_a_bpe_name_generator_writes_names_with_their_pieces_joined(tmp_path):
    raw = {
        "name": "bpe-names",
        "seed": 0,
        "mapping": "one_to_many",
        "data": {
            "format": "folder",
            "path": str(ROOT / "samples/names"),
            "tokenizer": "unigram",
            "vocab_size": 300,
        },
        "model": {"cell": "gru", "hidden_size": 32, "embedding_size": 16},
        "train": {"batch_size": 32, "steps": 40, "eval_every": 20, "lr": 0.01},
    }
    losses = train(raw, tmp_path / "run")
    assert losses[-1] < losses[0]
    args = ["generate", tmp_path / "run", "--condition", "Italian", "--num-samples", "6"]
    names = invoke(*args, "--seed", "3").stdout.splitlines()
    assert len(names) == 6 and all(names)
    assert not any(SPACE in name or "<" in name for name in names)


def test_a_bpe_text_regressor_learns_and_keeps_its_model(tmp_path):
    # The value is the number of "la"s in the text: a piece count, learnable from pieces.
    rows = [f"{n}\t{'la ' * n}song {i}" for i in range(30) for n in (1, 2, 3, 4)]
    (tmp_path / "songs.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    raw = classifier_recipe(tmp_path / "songs.tsv", label_type="number", vocab_size=40)
    losses = train(raw, tmp_path / "run")
    assert losses[-1] < losses[0] / 2
    vocab = load_run(tmp_path / "run", torch.device("cpu"), TASKS).meta.vocab
    assert vocab.tokenizer == "bpe" and vocab.model is not None
