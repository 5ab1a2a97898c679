"""What every data format shares: a path resolved against the recipe, and its validation and
test splits, each held out of path by a fraction or read from a file of their own."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from seqcli.recipe.schedule import Section

SUBWORD_TOKENIZERS = ("bpe", "unigram")
Tokenizer = Literal["char", "word", "bpe", "unigram"]
TOKENIZER_HELP = (
    "char: one token per Unicode code point; word: whitespace-split words; bpe, unigram: "
    "subwords learned from the training split by sentencepiece (pip install "
    "'seqcli[subwords]'), lossless"
)


def resolve_path(path: Path | None, info: ValidationInfo) -> Path | None:
    """A relative path is relative to the recipe file's folder, not to where seqcli runs."""
    base = (info.context or {}).get("base_dir")
    if path is None or path.is_absolute() or base is None:
        return path
    try:
        return (Path(base) / path).resolve()
    except (RuntimeError, OSError):  # a loop of symbolic links: the reader will name it
        return Path(os.path.abspath(Path(base) / path))


class DataSection(Section):
    path: Path = Field(
        description="the data file (or folder); a relative path resolves against the recipe "
        "file's folder"
    )
    val_path: Path | None = Field(
        None,
        description="a validation file in the same format as path (an official split); "
        "vocabulary, labels and scaling still come from path alone. Not with val_fraction",
    )
    test_path: Path | None = Field(
        None,
        description="a test file in the same format as path; not with test_fraction",
    )
    val_fraction: float = Field(0.1, ge=0, lt=1, description="share held out for validation")
    test_fraction: float = Field(0.0, ge=0, lt=1, description="share held out for test")

    _paths = field_validator("path", "val_path", "test_path")(resolve_path)

    @model_validator(mode="before")
    @classmethod
    def _one_source_per_split(cls, raw: Any) -> Any:
        """A split read from its own file holds nothing out of path: its fraction, unless
        written as 0 (as a stored recipe writes it), is refused, and otherwise set to 0."""
        if not isinstance(raw, dict):
            return raw
        raw = dict(raw)
        for split in SPLIT_FILES:
            if raw.get(f"{split}_path") is None:
                continue
            if raw.get(f"{split}_fraction", 0) != 0:
                raise ValueError(
                    f"{split}_fraction: the {split} split comes from {split}_path; drop "
                    f"{split}_fraction or {split}_path"
                )
            raw[f"{split}_fraction"] = 0.0
        return raw

    @model_validator(mode="after")
    def _room_for_training(self) -> DataSection:
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError(
                f"val_fraction + test_fraction = {self.val_fraction + self.test_fraction:g}"
                " leaves nothing to train on; keep the sum below 1"
            )
        return self


SPLIT_FILES = ("val", "test")  # the held-out splits a file of their own can replace


class SubwordSection(DataSection):
    """The subword knobs every text format shares: a sentencepiece model trained on the
    training split (vocab_size) or loaded (tokenizer_file), kept in the run either way."""

    vocab_size: int | None = Field(
        None,
        ge=2,
        description="pieces a bpe or unigram tokenizer learns (its vocabulary size, before "
        "the task's own markers such as <pad>); only with those tokenizers, not with "
        "tokenizer_file",
    )
    tokenizer_file: Path | None = Field(
        None,
        description="an existing sentencepiece .model file to tokenize with instead of "
        "training one (tokenizer bpe or unigram); stored in the run",
    )

    _tokenizer_file = field_validator("tokenizer_file")(resolve_path)

    @model_validator(mode="after")
    def _subwords_have_a_size(self) -> SubwordSection:
        subwords = self.tokenizer in SUBWORD_TOKENIZERS
        if not subwords and (self.vocab_size or self.tokenizer_file):
            knob = "vocab_size" if self.vocab_size else "tokenizer_file"
            raise ValueError(f"{knob}: needs tokenizer bpe or unigram, not {self.tokenizer}")
        if subwords and (self.vocab_size is None) == (self.tokenizer_file is None):
            raise ValueError(
                f"tokenizer {self.tokenizer}: give vocab_size (train one) or tokenizer_file "
                "(load one), not both"
            )
        if subwords and self.min_freq > 1:
            raise ValueError(
                f"min_freq: does not apply to tokenizer {self.tokenizer} (its pieces are "
                "learned to cover the text; none is dropped as rare)"
            )
        return self
