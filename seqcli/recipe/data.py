"""The recipe's data section, one class per data format, chosen by `format`."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, ValidationInfo, field_validator, model_validator

from seqcli.recipe.schedule import Section

Tokenizer = Literal["char", "word"]
TOKENIZER_HELP = "char: one token per Unicode code point; word: whitespace-split words"


def resolve_path(path: Path | None, info: ValidationInfo) -> Path | None:
    """A relative path is relative to the recipe file's folder, not to where seqcli runs."""
    base = (info.context or {}).get("base_dir")
    if path is None or path.is_absolute() or base is None:
        return path
    return (Path(base) / path).resolve()


class DataSection(Section):
    path: Path = Field(
        description="the data file (or folder); a relative path resolves against the recipe "
        "file's folder"
    )
    val_fraction: float = Field(0.1, ge=0, lt=1, description="share held out for validation")
    test_fraction: float = Field(0.0, ge=0, lt=1, description="share held out for test")

    _paths = field_validator("path")(resolve_path)

    @model_validator(mode="after")
    def _room_for_training(self) -> DataSection:
        if self.val_fraction + self.test_fraction >= 1:
            raise ValueError(
                f"val_fraction + test_fraction = {self.val_fraction + self.test_fraction:g}"
                " leaves nothing to train on; keep the sum below 1"
            )
        return self


class TextData(DataSection):
    format: Literal["text"] = Field(
        "text", description="text: one corpus for next-token prediction (language model)"
    )
    tokenizer: Tokenizer = Field(
        "char",
        description="char: one token per Unicode code point, newlines included; "
        "word: whitespace-split words, <eos> at each line end",
    )
    val_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of tokens for validation, just before the test split"
    )
    test_fraction: float = Field(
        0.0, ge=0, lt=1, description="share of tokens for test, at the very end of the file"
    )


class PairsData(DataSection):
    format: Literal["pairs"] = Field(
        description="pairs: source<TAB>target lines for an encoder_decoder (translator)"
    )
    path: Path = Field(
        description="a .tsv/.txt file, or a .zip read in place; relative paths resolve against "
        "the recipe file's folder"
    )
    member: str | None = Field(
        None,
        description="the file inside a .zip; null: its one member not named _* "
        "(so a dataset's _about.txt is skipped)",
    )
    source_column: int = Field(0, ge=0, description="0-based tab-separated column of the source")
    target_column: int = Field(1, ge=0, description="0-based tab-separated column of the target")
    tokenizer: Tokenizer = Field(
        "word", description="char: one token per code point; word: whitespace-split words"
    )
    normalize: Literal["tutorial", "none"] = Field(
        "tutorial",
        description="tutorial: the PyTorch seq2seq tutorial's (lowercase, accents stripped, "
        ".!? split off, other non-letters to spaces); none: the text as written",
    )
    max_length: int | None = Field(
        None, ge=1, description="keep pairs whose both sides have at most this many tokens"
    )
    source_prefixes: list[str] | None = Field(
        None,
        description="keep pairs whose normalized source starts with one of these; null: all",
    )
    min_freq: int = Field(1, ge=1, description="a token seen fewer times in training becomes <unk>")
    val_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of pairs for validation (seeded shuffle)"
    )
    test_fraction: float = Field(
        0.0, ge=0, lt=1, description="share of pairs for test (seeded shuffle)"
    )

    @model_validator(mode="after")
    def _two_columns(self) -> PairsData:
        if self.source_column == self.target_column:
            raise ValueError(
                f"source_column and target_column are both {self.source_column}; "
                "a pair needs two different columns"
            )
        return self


# Each format adds its class here; pydantic picks the class by the `format` key.
Data = Annotated[TextData | PairsData, Field(discriminator="format")]


def fill_format(raw: Any) -> Any:
    """A data section without a format is text, as before formats existed."""
    if isinstance(raw, dict) and "format" not in raw:
        return {**raw, "format": "text"}
    return raw
