"""Tokenizers and the vocabulary that maps their tokens to ids."""

from __future__ import annotations

import base64
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import field_validator, model_validator

from seqcli.data.forms import Form
from seqcli.data.subwords import (
    SUBWORDS,
    processor,
    read_model,
    subword_piece,
    subword_pieces,
    train_subwords,
)
from seqcli.errors import DataError
from seqcli.recipe.errors import shown

EOS = "<eos>"


def char_tokens(line: str) -> list[str]:
    """Unicode code points, newline included, so decoding is exact."""
    return list(line)


def word_tokens(line: str) -> list[str]:
    """Whitespace-split words; the line end becomes <eos> as in word_language_model."""
    return [*line.split(), EOS] if line.endswith("\n") else line.split()


def char_piece(token: str) -> str:
    return token


def word_piece(token: str) -> str:
    return "\n" if token == EOS else f"{token} "


def word_length(token: str) -> int:
    """A word's characters and the space or line end after it (so <eos> adds none)."""
    return 0 if token == EOS else len(token) + 1


def subword_length(token: str) -> int:
    return 1 if token == "<unk>" else len(subword_piece(token))  # <unk> stood for a character


def subword_text(tokens: Iterable[str]) -> str:
    return "".join(subword_piece(token) for token in tokens)


TOKENIZERS = {"char": char_tokens, "word": word_tokens}
# A sentence's tokens back to its text (a translation, a generated name): the exact inverse
# of splitting it, so subword pieces join with no space invented between them.
JOINERS = {"char": "".join, "word": " ".join} | {kind: subword_text for kind in SUBWORDS}
# The text one token stands for, so output can stream token by token.
PIECES = {"char": char_piece, "word": word_piece} | {kind: subword_piece for kind in SUBWORDS}
# The characters of text one token covers, so bits per character compare across tokenizers.
LENGTHS = {"char": len, "word": word_length} | {kind: subword_length for kind in SUBWORDS}


def detokenize(tokens: Iterable[str], tokenizer: str) -> str:
    return JOINERS[tokenizer](tokens)


class VocabForm(Form):
    """A vocabulary as a checkpoint keeps it."""

    tokenizer: Literal[tuple(PIECES)]
    tokens: list[str]
    model: str | None = None  # a subword model's bytes, base64

    @field_validator("model")
    @classmethod
    def _a_sentencepiece_model(cls, model: str | None) -> str | None:
        if model is not None:
            try:
                processor(base64.b64decode(model, validate=True))
            except (ValueError, RuntimeError):  # binascii.Error is a ValueError
                raise ValueError("not a sentencepiece model in base64") from None
        return model

    @model_validator(mode="after")
    def _subwords_have_a_model(self) -> VocabForm:
        if (self.tokenizer in SUBWORDS) != (self.model is not None):
            raise ValueError(f"model: a {self.tokenizer} vocabulary has no subword model")
        return self

    @model_validator(mode="after")
    def _distinct(self) -> VocabForm:
        seen: set[str] = set()
        for token in self.tokens:
            if token in seen:  # a token's id is its position: it has one
                raise ValueError(f"tokens: {token!r} appears twice")
            seen.add(token)
        return self


@dataclass(frozen=True)
class Vocab:
    """An ordered token list; a token's id is its position."""

    tokens: tuple[str, ...]
    tokenizer: str
    model: bytes | None = None  # a subword tokenizer's sentencepiece model (bpe, unigram)

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", {token: i for i, token in enumerate(self.tokens)})
        loaded = None if self.model is None else processor(self.model)
        object.__setattr__(self, "processor", loaded)

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def index(self) -> dict[str, int]:
        return self._ids

    def tokenize(self, text: str) -> list[str]:
        if self.processor is not None:  # a character it never saw comes back as itself
            return self.processor.encode(text, out_type=str)
        tokenize = TOKENIZERS[self.tokenizer]
        return [token for line in text.splitlines(keepends=True) for token in tokenize(line)]

    def unknown(self, tokens: Iterable[str]) -> list[str]:
        return sorted({token for token in tokens if token not in self._ids})

    def encode(self, text: str, *, what: str, skip_unknown: bool = False) -> list[int]:
        """Ids of the text's tokens; unknown tokens are an error naming them unless skipped."""
        tokens = self.tokenize(text)
        missing = self.unknown(tokens)
        if missing and not skip_unknown:
            listed = ", ".join(shown(token) for token in missing[:10])
            more = f" and {len(missing) - 10} more" if len(missing) > 10 else ""
            raise DataError(
                f"{what}: {len(missing)} token(s) not in the model's vocabulary: {listed}{more}"
            )
        return [self._ids[token] for token in tokens if token in self._ids]

    def piece(self, token_id: int) -> str:
        return PIECES[self.tokenizer](self.tokens[token_id])

    def char_lengths(self) -> list[int]:
        """Characters per token id (see LENGTHS)."""
        return [LENGTHS[self.tokenizer](token) for token in self.tokens]

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.piece(i) for i in ids)

    def to_dict(self) -> dict:
        stored = {"tokenizer": self.tokenizer, "tokens": list(self.tokens)}
        if self.model is not None:
            stored["model"] = base64.b64encode(self.model).decode("ascii")
        return stored

    @classmethod
    def from_dict(cls, data: dict) -> Vocab:
        return cls.from_form(VocabForm.read(data))

    @classmethod
    def from_form(cls, form: VocabForm) -> Vocab:
        model = None if form.model is None else base64.b64decode(form.model)
        return cls(tokens=tuple(form.tokens), tokenizer=form.tokenizer, model=model)

    def summary(self) -> list[tuple[str, str]]:
        return [("tokenizer / vocab", f"{self.tokenizer} / {len(self)}")]


PAD = "<pad>"
UNK = "<unk>"
BOS = "<bos>"


def build_vocab(
    sequences: Iterable[Iterable[str]],
    *,
    tokenizer: str,
    min_freq: int = 1,
    specials: tuple[str, ...] = (PAD, UNK),
) -> Vocab:
    """A vocabulary of example tokens: specials first (so <pad> is id 0), then tokens seen at
    least min_freq times, most frequent first and ties in first-seen order (deterministic)."""
    counts: dict[str, int] = {}
    for sequence in sequences:
        for token in sequence:
            counts[token] = counts.get(token, 0) + 1
    kept = sorted(
        (t for t, n in counts.items() if n >= min_freq and t not in specials),
        key=lambda t: -counts[t],
    )
    return Vocab(tokens=(*specials, *kept), tokenizer=tokenizer)


def token_ids(vocab: Vocab, tokens: Iterable[str]) -> list[int]:
    """Ids of already-split tokens; a token outside the vocabulary becomes <unk>."""
    unk = vocab.index[UNK]
    return [vocab.index.get(token, unk) for token in tokens]


def subword_vocab(config, lines: Iterable[str], *, what: str, specials: tuple = ()) -> Vocab:
    """The recipe's subword model, loaded from tokenizer_file or trained on lines (the training
    split's text only, so no held-out word is learned as a piece). The task's specials come
    first, so <pad> stays id 0; sentencepiece's own <unk> is one of them when they hold it."""
    if config.tokenizer_file is not None:
        model = read_model(config.tokenizer_file)
    else:
        size = config.vocab_size
        model = train_subwords(lines, kind=config.tokenizer, vocab_size=size, what=what)
    pieces = (piece for piece in subword_pieces(model) if piece not in specials)
    return Vocab((*specials, *pieces), config.tokenizer, model)
