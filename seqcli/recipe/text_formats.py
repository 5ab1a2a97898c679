"""Data formats of text examples: labelled lines, tagged sentences, translation pairs."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from seqcli.recipe.data_base import TOKENIZER_HELP, DataSection, SubwordSection, Tokenizer

# The CoNLL-U columns a tagger can read as inputs beside the word (FORM) and its ID.
CONLLU_FEATURES = ("lemma", "upos", "xpos", "feats", "head", "deprel", "deps", "misc")


Column = int | str
# The extensions whose delimiter data.delimiter null can infer (seqcli.data.labelled reads them).
TABLE_EXTENSIONS = (".tsv", ".txt", ".csv")
Quoting = Literal[0, 1, 2, 3]  # csv.QUOTE_*, as typeshed types csv.reader's quoting=


class LabelledData(SubwordSection):
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
    dedupe: bool = Field(
        False,
        description="before splitting, drop repeated examples (the first is kept) and every "
        "example of a text written under two labels; duplicates are warned about either way",
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
    label_type: Literal["category", "number"] = Field(
        "category",
        description="what the label column holds. category: a class (a classifier; a "
        "one_to_many generator's condition); number: a value to predict (many_to_one: a "
        "regressor, scored by mse, mae and r2; splits by a seeded shuffle, not by class)",
    )

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
        if self.label_type == "number" and self.class_weights is not None:
            raise ValueError("class_weights weighs classes; label_type number has none")
        if self.label_type == "number" and self.dedupe:
            raise ValueError("dedupe reads a classifier's data; label_type number is a regressor's")
        return self


class FolderData(LabelledData):
    format: Literal["folder"] = Field(
        description="folder: one UTF-8 .txt file per class (its name is the label), one "
        "example per line (classifier)"
    )


class TaggedData(DataSection):
    """What both token-per-line tagging formats share."""

    val_fraction: float = Field(
        0.1, ge=0, lt=1, description="share of path's sentences held out (at random) for validation"
    )
    test_fraction: float = Field(
        0.0,
        ge=0,
        lt=1,
        description="share of path's sentences held out for test",
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


class ConlluData(TaggedData):
    format: Literal["conllu"] = Field(
        description="conllu: Universal Dependencies CoNLL-U, one word per line (tagger)"
    )
    label_column: Literal["upos", "xpos", "deprel"] = Field(
        "upos",
        description="the CoNLL-U column to predict: upos (universal part of speech), xpos "
        "(language-specific tag) or deprel (dependency relation)",
    )
    feature_columns: tuple[Literal[CONLLU_FEATURES], ...] = Field(
        (),
        description="CoNLL-U columns read as extra inputs beside the word, e.g. [upos] when "
        "predicting xpos or deprel: each gets its own vocabulary and embedding "
        "(model.feature_embedding_size); predict then reads tokens as word|value",
    )

    @model_validator(mode="after")
    def _features_are_inputs(self) -> ConlluData:
        _distinct_features(self.feature_columns, label=self.label_column, token="form")
        return self


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
    feature_columns: tuple[int, ...] = Field(
        (),
        description="0-based columns read as extra inputs beside the token (negative counts "
        "from the end), e.g. [1] for the POS column when chunking CoNLL-2000: each gets its "
        "own vocabulary and embedding (model.feature_embedding_size); predict then reads "
        "tokens as word|value",
    )

    @model_validator(mode="after")
    def _two_columns(self) -> ColumnsData:
        if self.token_column == self.label_column:
            raise ValueError(
                f"token_column and label_column are both {self.token_column}; the label must be "
                "another column than the token"
            )
        _distinct_features(self.feature_columns, label=self.label_column, token=self.token_column)
        return self


def _distinct_features(features: tuple, *, label, token) -> None:
    """A feature column is an input of its own: not the token, not the label, not twice."""
    for column in features:
        if column in (label, token):
            role = "label_column" if column == label else "the token's column"
            raise ValueError(f"feature_columns: {column!r} is {role}; a feature must be another")
    if len(set(features)) < len(features):
        raise ValueError(f"feature_columns: {list(features)} names a column twice")


class PairsData(SubwordSection):
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
        "word",
        description="char: one token per code point; word: whitespace-split words; bpe, "
        "unigram: subwords learned by sentencepiece from the training split, one model per "
        "side (max_length then counts words)",
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
