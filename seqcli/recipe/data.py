"""The recipe's data section: one class per data format, chosen by `format`."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import Field

from seqcli.recipe.audio_format import AudioData
from seqcli.recipe.corpus_format import TextData
from seqcli.recipe.numeric_formats import (
    SYNTHETIC_MAPPINGS,
    ArraysData,
    MusicData,
    SeriesData,
    SyntheticData,
    VectorsData,
)
from seqcli.recipe.pattern_formats import BipolarData, GlyphsData
from seqcli.recipe.text_formats import (
    ColumnsData,
    ConlluData,
    FolderData,
    PairsData,
    TableData,
)

__all__ = [
    "ArraysData",
    "AudioData",
    "SYNTHETIC_MAPPINGS",
    "BipolarData",
    "ColumnsData",
    "ConlluData",
    "Data",
    "FolderData",
    "GlyphsData",
    "MusicData",
    "PairsData",
    "SeriesData",
    "SyntheticData",
    "TableData",
    "TextData",
    "VectorsData",
    "fill_format",
]

# Each format adds its class here; pydantic picks the class by the `format` key.
Data = Annotated[
    TextData
    | TableData
    | FolderData
    | VectorsData
    | SeriesData
    | ArraysData
    | ConlluData
    | ColumnsData
    | PairsData
    | SyntheticData
    | MusicData
    | GlyphsData
    | BipolarData
    | AudioData,
    Field(discriminator="format"),
]


def fill_format(raw: Any) -> Any:
    """A data section without a format is text, as before formats existed."""
    if isinstance(raw, dict) and "format" not in raw:
        return {**raw, "format": "text"}
    return raw
