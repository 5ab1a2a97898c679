"""Subword tokenizers (bpe, unigram): learned from the training split only, stored in the run,
and the same ids after a run is loaded again. And <unk> for word language models."""

from __future__ import annotations

import json
import math
import sys
from pathlib import Path

import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.data import build_data, corpus_subwords
from seqcli.data.pieces import training_lines
from seqcli.data.subwords import subword_pieces, train_subwords
from seqcli.engine import events
from seqcli.engine.run import load_run
from seqcli.engine.start import fresh_training
from seqcli.errors import SeqcliError
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS, task_for
from tests.conftest import tiny_recipe, write_corpus

BPE = {"format": "text", "tokenizer": "bpe", "vocab_size": 200}
TEXT = "First Citizen:\nBefore we  proceed any further, hear me speak.\n"


def train(corpus: Path, out: Path, **data):
    recipe = validate_recipe(tiny_recipe(corpus, data=data), source="test")
    trainer = fresh_training(recipe, task_for(recipe), device=torch.device("cpu"), out=out)
    try:
        return list(trainer)
    finally:
        trainer.folder.release()


def invoke(*args):
    result = CliRunner().invoke(app, [str(arg) for arg in args])
    assert result.exit_code == 0, f"{result.stderr}\n{result.exception!r}"
    return result


@pytest.fixture(scope="module")
def bpe_run(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("bpe")
    corpus = folder / "corpus.txt"
    write_corpus(corpus)
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("SEQCLI_CACHE", str(folder / "cache"))
        losses = [
            e.metrics["loss"]
            for e in train(corpus, folder / "run", **BPE)
            if isinstance(e, events.Evaluated)
        ]
    assert losses[-1] < losses[0]  # it learns
    return folder / "run"


def test_a_bpe_language_model_tokenizes_the_same_after_reload(bpe_run):
    run = load_run(bpe_run, torch.device("cpu"), TASKS)
    vocab = run.meta
    assert vocab.tokenizer == "bpe" and len(vocab) == 200
    ids = vocab.encode(TEXT, what="text")
    assert vocab.decode(ids) == TEXT  # lossless: both spaces come back
    assert max(len(token) for token in vocab.tokens) > 1  # pieces, not characters
    again = load_run(bpe_run, torch.device("cpu"), TASKS).meta
    assert again.encode(TEXT, what="text") == ids and again.model == vocab.model


def test_generate_prints_the_prime_and_text_from_the_stored_tokenizer(bpe_run):
    text = invoke("generate", bpe_run, "--prime", "ROMEO:", "--length", "20").stdout
    assert text.startswith("ROMEO:") and len(text) > len("ROMEO:") + 20  # pieces of >1 char


def test_evaluate_reports_bits_per_character_of_the_text(bpe_run):
    metrics = json.loads(invoke("evaluate", bpe_run, "--json").stdout)
    # A BPE token covers more than one character: bpc is below loss / ln 2.
    assert 0 < metrics["bpc"] < metrics["loss"] / math.log(2)


def test_the_tokenizer_learns_nothing_from_the_validation_split(tmp_path, corpus):
    # A word repeated through the held-out tail only: trained on every line, it becomes a
    # piece; trained on the training split, no piece holds it.
    text = corpus.read_text(encoding="utf-8")
    corpus.write_text(text + "zyzzogeton " * 30 + "\n" * 10 + "Qxv " * 20, encoding="utf-8")
    everything = train_subwords(training_lines(corpus, 1.0), kind="bpe", vocab_size=300, what="")
    config = validate_recipe(tiny_recipe(corpus, data={**BPE, "vocab_size": 300}), source="t")
    trained = corpus_subwords(config.data)
    assert config.data.val_fraction == 0.1
    assert any("zyzz" in piece for piece in subword_pieces(everything))
    assert not any("zyzz" in piece for piece in trained.tokens)


def test_tokenizer_file_loads_an_existing_model(tmp_path, corpus):
    model = train_subwords(training_lines(corpus, 0.9), kind="unigram", vocab_size=150, what="")
    (tmp_path / "shared.model").write_bytes(model)
    data = {
        "format": "text",
        "tokenizer": "unigram",
        "tokenizer_file": str(tmp_path / "shared.model"),
    }
    train(corpus, tmp_path / "run", **data, path=str(corpus))
    run = load_run(tmp_path / "run", torch.device("cpu"), TASKS)
    assert run.meta.model == model and len(run.meta) == 150


def test_word_min_freq_sends_rare_and_held_out_words_to_unk(tmp_path):
    corpus = tmp_path / "words.txt"
    corpus.write_text("the cat sat\n" * 8 + "the dog sat\n" + "the cat ran\n", encoding="utf-8")
    data = {"format": "text", "tokenizer": "word", "min_freq": 2, "val_fraction": 0.1}
    config = validate_recipe(tiny_recipe(corpus, data=data), source="test").data
    bundle = build_data(config)
    vocab, unk = bundle.vocab, bundle.vocab.index["<unk>"]
    assert "dog" not in vocab.index and "ran" not in vocab.index  # once in training; held out
    assert {"the", "cat", "sat", "<eos>"} <= set(vocab.index)
    assert list(bundle.splits["train"][-4:-1]) == [vocab.index["the"], unk, vocab.index["sat"]]
    assert unk in bundle.splits["val"].tolist()  # "ran" is only in the validation split
    again = build_data(config, vocab=vocab)  # as a loaded run reads it
    assert again.splits["val"].tolist() == bundle.splits["val"].tolist()


def test_without_sentencepiece_the_error_names_the_extra(monkeypatch, corpus):
    monkeypatch.setitem(sys.modules, "sentencepiece", None)  # import now raises ImportError
    config = validate_recipe(tiny_recipe(corpus, data=BPE), source="test").data
    with pytest.raises(SeqcliError, match=r"pip install 'seqcli\[subwords\]'"):
        corpus_subwords(config)


def test_a_damaged_stored_tokenizer_is_one_error_line(bpe_run, tmp_path):
    import base64

    payload = torch.load(bpe_run / "best.pt", weights_only=True)
    payload["meta"]["model"] = base64.b64encode(b"not a model").decode()
    torch.save(payload, tmp_path / "damaged.pt")
    result = CliRunner().invoke(app, ["inspect", str(tmp_path / "damaged.pt")])
    assert result.exit_code == 2
    assert "damaged.pt" in result.stderr and "not a sentencepiece model" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
