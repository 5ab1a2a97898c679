"""The language model's data format: one corpus, its tokenizer (characters, words or learned
subwords) and its split."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from seqcli.recipe.data_base import DataSection, resolve_path


class TextData(DataSection):
    format: Literal["text"] = Field(
        "text", description="text: one corpus for next-token prediction (language model)"
    )
    tokenizer: Literal["char", "word", "bpe", "unigram"] = Field(
        "char",
        description="char: one token per Unicode code point, newlines included; "
        "word: whitespace-split words, <eos> at each line end; bpe, unigram: subwords "
        "learned from the training split by sentencepiece (pip install 'seqcli[subwords]'), "
        "lossless, a newline a piece of its own",
    )
    vocab_size: int | None = Field(
        None,
        ge=2,
        description="pieces a bpe or unigram tokenizer learns (its vocabulary size); only "
        "with those tokenizers, not with tokenizer_file",
    )
    tokenizer_file: Path | None = Field(
        None,
        description="an existing sentencepiece .model file to tokenize with instead of "
        "training one (tokenizer bpe or unigram); stored in the run",
    )
    min_freq: int = Field(
        1,
        ge=1,
        description="tokenizer word: words seen fewer times in the training split become "
        "<unk> (1: every word of the file, no <unk>)",
    )
    val_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of tokens for validation, just before the test split"
    )
    test_fraction: float = Field(
        0.0, ge=0, lt=1, description="share of tokens for test, at the very end of the file"
    )

    _tokenizer_file = field_validator("tokenizer_file")(resolve_path)

    @model_validator(mode="after")
    def _subwords_have_a_size(self) -> TextData:
        subwords = self.tokenizer in ("bpe", "unigram")
        if self.min_freq > 1 and self.tokenizer != "word":
            raise ValueError(f"min_freq: needs tokenizer word, not {self.tokenizer}")
        if not subwords and (self.vocab_size or self.tokenizer_file):
            knob = "vocab_size" if self.vocab_size else "tokenizer_file"
            raise ValueError(f"{knob}: needs tokenizer bpe or unigram, not {self.tokenizer}")
        if subwords and (self.vocab_size is None) == (self.tokenizer_file is None):
            raise ValueError(
                f"tokenizer {self.tokenizer}: give vocab_size (train one) or tokenizer_file "
                "(load one), not both"
            )
        return self
