"""The language model's data format: one corpus, its tokenizer (characters, words or learned
subwords) and its split."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from seqcli.recipe.data_base import SubwordSection


class TextData(SubwordSection):
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
    min_freq: int = Field(
        1,
        ge=1,
        description="tokenizer word: words seen fewer times in the training split become "
        "<unk>, as do words only in validation/test",
    )
    val_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of tokens for validation, just before the test split"
    )
    test_fraction: float = Field(
        0.0, ge=0, lt=1, description="share of tokens for test, at the very end of the file"
    )

    @model_validator(mode="after")
    def _min_freq_counts_words(self) -> TextData:
        if self.min_freq > 1 and self.tokenizer != "word":
            raise ValueError(f"min_freq: needs tokenizer word, not {self.tokenizer}")
        return self
