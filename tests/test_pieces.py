"""A corpus read in pieces tokenizes exactly as read whole, wherever the pieces are cut."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from seqcli.data import pieces
from seqcli.data.corpus import load_corpus
from seqcli.data.vocab import TOKENIZERS
from seqcli.engine.optim import validation_batches
from seqcli.recipe import TrainConfig

# Lines, spaces, a carriage return, and characters of 1 to 4 UTF-8 bytes to cut through.
TEXT = st.text(alphabet=st.sampled_from(list("ab \n\r\té€𝄞")), max_size=200)


def whole_file_tokens(text: str, tokenizer: str) -> list[str]:
    """What reading the file line by line gives: lines end at "\\n" only."""
    lines = text.split("\n")
    with_ends = [line + "\n" for line in lines[:-1]] + ([lines[-1]] if lines[-1] else [])
    return [token for line in with_ends for token in TOKENIZERS[tokenizer](line)]


@settings(max_examples=150, deadline=None)
@given(text=TEXT, block=st.integers(1, 9), tokenizer=st.sampled_from(["char", "word"]))
def test_pieces_tokenize_as_the_whole_file_does(tmp_path_factory, text, block, tokenizer):
    path = tmp_path_factory.mktemp("c") / "corpus.txt"
    path.write_bytes(text.encode("utf-8"))
    previous, pieces.BLOCK = pieces.BLOCK, block
    try:
        read = list(pieces.read_pieces(path))
        tokens, count = pieces.SCANS[tokenizer](path)
    finally:
        pieces.BLOCK = previous
    expected = whole_file_tokens(text, tokenizer)
    assert "".join(read) == text
    assert tokens == sorted(set(expected)) and count == len(expected)


def test_ids_of_a_corpus_without_newlines_are_its_characters_ranks(tmp_path, monkeypatch):
    monkeypatch.setenv("SEQCLI_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(pieces, "BLOCK", 7)  # many cuts through one line
    text = "zebra€ apple 𝄞 " * 50
    (tmp_path / "c.txt").write_text(text, encoding="utf-8")
    ids, vocab = load_corpus(tmp_path / "c.txt", "char")
    assert vocab.tokens == tuple(sorted(set(text)))
    assert np.array_equal(np.asarray(ids), [vocab.tokens.index(c) for c in text])


def test_validation_reads_the_whole_small_split_and_a_bounded_share_of_a_large_one():
    assert validation_batches(TrainConfig(eval_every=100)) == 50
    assert validation_batches(TrainConfig(eval_every=1000)) == 250
    assert validation_batches(TrainConfig(eval_every=1000, eval_batches=7)) == 7
