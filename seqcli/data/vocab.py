"""Tokenizers and the vocabulary that maps their tokens to ids."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Literal

from pydantic import model_validator

from seqcli.data.forms import Form
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


TOKENIZERS = {"char": char_tokens, "word": word_tokens}
# The text one token stands for, so output can stream token by token.
PIECES = {"char": char_piece, "word": word_piece}


class VocabForm(Form):
    """A vocabulary as a checkpoint keeps it."""

    tokenizer: Literal[tuple(TOKENIZERS)]
    tokens: list[str]

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

    def __post_init__(self) -> None:
        object.__setattr__(self, "_ids", {token: i for i, token in enumerate(self.tokens)})

    def __len__(self) -> int:
        return len(self.tokens)

    @property
    def index(self) -> dict[str, int]:
        return self._ids

    def tokenize(self, text: str) -> list[str]:
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

    def decode(self, ids: Iterable[int]) -> str:
        return "".join(self.piece(i) for i in ids)

    def to_dict(self) -> dict:
        return {"tokenizer": self.tokenizer, "tokens": list(self.tokens)}

    @classmethod
    def from_dict(cls, data: dict) -> Vocab:
        return cls.from_form(VocabForm.read(data))

    @classmethod
    def from_form(cls, form: VocabForm) -> Vocab:
        return cls(tokens=tuple(form.tokens), tokenizer=form.tokenizer)

    def summary(self) -> list[tuple[str, str]]:
        return [("tokenizer / vocab", f"{self.tokenizer} / {len(self)}")]


PAD, UNK, BOS = "<pad>", "<unk>", "<bos>"


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
