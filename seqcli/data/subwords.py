"""Subword tokenizers (BPE, unigram) by sentencepiece: trained in memory on the training
text, kept as the model's bytes, so a checkpoint reproduces the tokenization exactly."""

from __future__ import annotations

import io
from collections.abc import Iterable
from pathlib import Path

from seqcli.errors import DataError, RecipeError
from seqcli.recipe.inputs import TOKENIZER, open_input, read_bounded

SUBWORDS = ("bpe", "unigram")
NEWLINE = "\n"  # a piece of its own: sentencepiece trains on lines, a corpus keeps its line ends
SPACE = "\u2581"  # how sentencepiece writes a space inside a piece
# Lossless: no normalization, spaces kept as written, no space invented before a line, so a
# piece's text is its surface and generated text streams back with its spaces. One thread
# makes training deterministic; the model is written to memory, never to a file.
TRAINING = {
    "normalization_rule_name": "identity",
    "remove_extra_whitespaces": False,
    "add_dummy_prefix": False,
    "user_defined_symbols": [NEWLINE],
    "character_coverage": 1.0,
    "bos_id": -1,
    "eos_id": -1,
    "num_threads": 1,
    "minloglevel": 2,
}


def sentencepiece():
    """The sentencepiece module, or a one-line error naming the extra that installs it."""
    try:
        import sentencepiece as module
    except ImportError:
        raise RecipeError(
            "data.tokenizer: bpe and unigram need sentencepiece; pip install 'seqcli[subwords]'"
        ) from None
    return module


def train_subwords(lines: Iterable[str], *, kind: str, vocab_size: int, what: str) -> bytes:
    """A model trained on the lines (without their line ends); a vocab_size the text cannot
    fill, or one below its distinct characters, is a one-line error."""
    model = io.BytesIO()
    try:
        sentencepiece().SentencePieceTrainer.train(
            sentence_iterator=iter(lines),
            model_writer=model,
            model_type=kind,
            vocab_size=vocab_size,
            **TRAINING,
        )
    except RuntimeError as err:
        # sentencepiece says "INTERNAL: file(line) [check] Reason. Advice about its flags."
        reason = str(err).splitlines()[0].rsplit("] ", 1)[-1].split(" Increase")[0]
        raise DataError(
            f"data.vocab_size: {vocab_size} does not fit the training text of {what} ({reason})"
        ) from None
    return model.getvalue()


def read_model(path: Path) -> bytes:
    """A sentencepiece model file's bytes, read through the door (sentencepiece never sees the
    path: a FIFO would hang it) and checked by loading them (parsing, no code runs)."""
    label = f"data.tokenizer_file: {path}"
    with open_input(path, TOKENIZER, label=label) as handle:
        model = read_bounded(handle, label, TOKENIZER)
    assert isinstance(model, bytes)  # open_input reads bytes
    try:
        processor(model)
    except RuntimeError:
        empty = " (it is empty)" if not model else ""
        raise DataError(
            f"data.tokenizer_file: {path} is not a sentencepiece model (.model file){empty}"
        ) from None
    return model


def processor(model: bytes):
    """The model's processor; RuntimeError if the bytes hold none (sentencepiece's own
    constructor quietly loads nothing from no bytes, and fails at the first use)."""
    loaded = sentencepiece().SentencePieceProcessor()
    loaded.LoadFromSerializedProto(model)
    return loaded


def subword_pieces(model: bytes) -> tuple[str, ...]:
    """The model's pieces in id order: a token's id is its position, as in every vocabulary."""
    loaded = processor(model)
    return tuple(loaded.id_to_piece(i) for i in range(loaded.get_piece_size()))


def subword_piece(token: str) -> str:
    return token.replace(SPACE, " ")
