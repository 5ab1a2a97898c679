"""Data formats of patterns for an associative memory: every pattern in the file is stored,
so there are no splits; validation and evaluate recall each one from noisy copies."""

from __future__ import annotations

from pathlib import Path
from typing import Literal

from pydantic import Field, field_validator, model_validator

from seqcli.recipe.data_base import resolve_path
from seqcli.recipe.schedule import Section


class PatternData(Section):
    path: Path = Field(
        description="the pattern file; a relative path resolves against the recipe file's folder"
    )
    noise: float = Field(
        0.1,
        ge=0,
        le=1,
        description="share of each stored pattern's units flipped in the probes that "
        "validation and seqcli evaluate recall from",
    )
    probes: int = Field(
        10, ge=1, le=10_000, description="noisy probes per stored pattern, each flipped anew"
    )

    _paths = field_validator("path")(resolve_path)


class GlyphsData(PatternData):
    format: Literal["glyphs"] = Field(
        description="glyphs: a text file of ASCII-art patterns, all of one size, separated by "
        "blank lines (associative_memory)"
    )
    # Not `on` and `off`: YAML reads those words as true and false, keys included.
    ink: str = Field("#", pattern=r"^\S$", description="the character that draws a unit at +1")
    paper: str = Field(".", pattern=r"^\S$", description="the character that draws a unit at -1")

    @model_validator(mode="after")
    def _two_characters(self) -> GlyphsData:
        if self.ink == self.paper:
            raise ValueError(f"ink and paper are both {self.ink!r}; a glyph needs two characters")
        return self


class BipolarData(PatternData):
    format: Literal["bipolar"] = Field(
        description="bipolar: a CSV of +1 and -1 values without a header, one pattern per row "
        "(associative_memory)"
    )
