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


class TaggedData(DataSection):
    """What both token-per-line tagging formats share."""

    test_path: Path | None = Field(
        None,
        description="a separate test file in the same format (UD treebanks ship one); "
        "null: hold out test_fraction of path",
    )
    val_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of path's sentences held out (at random) for validation"
    )
    test_fraction: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="share of path's sentences held out for test; only without test_path",
    )
    min_freq: int = Field(
        1,
        ge=1,
        description="training words seen fewer times become <unk>, so the model learns what "
        "to do with words it has never seen",
    )
    lowercase: bool = Field(
        False,
        description="lowercase words before the vocabulary (character features still see the case)",
    )

    _test_paths = field_validator("test_path")(resolve_path)

    @model_validator(mode="after")
    def _one_test_source(self) -> TaggedData:
        if self.test_path is not None and self.test_fraction > 0:
            raise ValueError(
                "test_fraction: the test split comes from test_path; set test_fraction to 0 "
                "or drop test_path"
            )
        return self


class ConlluData(TaggedData):
    format: Literal["conllu"] = Field(
        description="conllu: Universal Dependencies CoNLL-U, one word per line (tagger)"
    )
    label_column: Literal["upos", "xpos", "feats", "deprel"] = Field(
        "upos",
        description="the CoNLL-U column to predict: upos (universal part of speech), xpos "
        "(language-specific tag), feats (morphology) or deprel (dependency relation)",
    )


class ColumnsData(TaggedData):
    format: Literal["columns"] = Field(
        description="columns: whitespace-separated columns, a token per line, a blank line "
        "between sentences, -DOCSTART- lines skipped (CoNLL-2000/2003; tagger)"
    )
    token_column: int = Field(0, description="0-based column of the token")
    label_column: int = Field(
        -1,
        description="0-based column of the label; negative counts from the end (-1: the "
        "last column, where CoNLL-2003 keeps its NER tags)",
    )


# Each format adds its class here; pydantic picks the class by the `format` key.
Data = Annotated[TextData | ConlluData | ColumnsData, Field(discriminator="format")]


def fill_format(raw: Any) -> Any:
    """A data section without a format is text, as before formats existed."""
    if isinstance(raw, dict) and "format" not in raw:
        return {**raw, "format": "text"}
    return raw
