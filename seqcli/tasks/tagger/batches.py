"""Tagged sentences as model batches: the vocabularies a tagger needs (its meta) and padded
word, character and label ids, length-bucketed for training."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

import torch
from pydantic import model_validator

from seqcli.data.forms import Form
from seqcli.data.padding import pad
from seqcli.data.tagged import Sentence
from seqcli.data.vocab import Vocab, VocabForm, build_vocab, token_ids
from seqcli.engine.contract import Batch
from seqcli.metrics.tags import most_frequent_tags
from seqcli.models.tagger import IGNORE
from seqcli.recipe import Recipe

MAX_WORD_CHARS = 24  # web text has 100-character URLs; their first letters say enough
NORMALIZE: dict[bool, Callable[[str], str]] = {False: str, True: str.lower}  # data.lowercase


class TaggerForm(Form):
    words: VocabForm
    labels: list[str]
    chars: VocabForm | None
    lexicon: dict[str, str]
    default_label: str
    lowercase: bool
    features: list[VocabForm] = []  # runs from before feature columns had none

    @model_validator(mode="after")
    def _baseline_tags_are_labels(self) -> TaggerForm:
        known = set(self.labels)
        if self.default_label not in known:
            raise ValueError(f"default_label: {self.default_label!r} is not one of the labels")
        stray = next((word for word, tag in self.lexicon.items() if tag not in known), None)
        if stray is not None:
            raise ValueError(f"lexicon.{stray}: {self.lexicon[stray]!r} is not one of the labels")
        return self


@dataclass(frozen=True)
class TaggerMeta:
    words: Vocab  # normalized training words (min_freq applied), <pad> 0 and <unk> 1
    labels: tuple[str, ...]  # training labels, commonest first; a label's id is its position
    chars: Vocab | None  # characters of training words, when model.char_features is set
    lexicon: dict[str, str]  # the baseline: each training word's commonest label
    default_label: str  # the baseline's label for a word never seen in training
    lowercase: bool  # data.lowercase: how words were normalized before the vocabulary
    features: tuple[Vocab, ...] = ()  # per data.feature_columns column, its training values

    def __post_init__(self) -> None:
        object.__setattr__(self, "label_ids", {label: i for i, label in enumerate(self.labels)})

    def normalize(self, word: str) -> str:
        return NORMALIZE[self.lowercase](word)

    def to_dict(self) -> dict:
        return {
            "words": self.words.to_dict(),
            "labels": list(self.labels),
            "chars": None if self.chars is None else self.chars.to_dict(),
            "lexicon": self.lexicon,
            "default_label": self.default_label,
            "lowercase": self.lowercase,
            "features": [vocab.to_dict() for vocab in self.features],
        }

    @classmethod
    def from_dict(cls, data: dict) -> TaggerMeta:
        form = TaggerForm.read(data)
        chars = None if form.chars is None else Vocab.from_form(form.chars)
        return cls(
            Vocab.from_form(form.words),
            tuple(form.labels),
            chars,
            dict(form.lexicon),
            form.default_label,
            form.lowercase,
            tuple(Vocab.from_form(vocab) for vocab in form.features),
        )

    def summary(self) -> list[tuple[str, str]]:
        chars = "none" if self.chars is None else str(len(self.chars))
        return [
            ("words / labels", f"{len(self.words)} / {len(self.labels)}"),
            ("characters", chars),
            ("feature values", " / ".join(str(len(v)) for v in self.features) or "none"),
        ]


def build_meta(train: Sequence[Sentence], recipe: Recipe) -> TaggerMeta:
    """Vocabularies and the baseline from the training split only, never from held-out data."""
    normalize = NORMALIZE[recipe.data.lowercase]
    words = [[normalize(word) for word in sentence.words] for sentence in train]
    labels = [sentence.labels for sentence in train]
    chars = None
    if recipe.model.char_features is not None:
        chars = build_vocab((word for s in train for word in s.words), tokenizer="char")
    lexicon, default = most_frequent_tags(zip(words, labels, strict=True))
    return TaggerMeta(
        build_vocab(words, tokenizer="word", min_freq=recipe.data.min_freq),
        build_vocab(labels, tokenizer="word", specials=()).tokens,
        chars,
        lexicon,
        default,
        recipe.data.lowercase,
        feature_vocabs(train, len(recipe.data.feature_columns)),
    )


def feature_vocabs(train: Sequence[Sentence], count: int) -> tuple[Vocab, ...]:
    """One vocabulary per feature column (<pad> 0, <unk> 1 for a value training never had)."""
    return tuple(
        build_vocab(([word[i] for word in s.features] for s in train), tokenizer="word")
        for i in range(count)
    )


def char_ids(sentences: Sequence[Sentence], chars: Vocab, lengths: torch.Tensor) -> torch.Tensor:
    """(B, T, L) character ids of every word, the original case kept."""
    words = [token_ids(chars, word[:MAX_WORD_CHARS]) for s in sentences for word in s.words]
    flat, _ = pad(words)  # (N, L)
    out = torch.zeros((len(sentences), int(lengths.max()), flat.shape[1]), dtype=torch.long)
    out[torch.arange(out.shape[1]) < lengths[:, None]] = flat  # row-major, like `words`
    return out


def feature_ids(sentences: Sequence[Sentence], vocabs: Sequence[Vocab]) -> torch.Tensor:
    """(B, T, F) ids of every word's feature values, one vocabulary per column."""
    columns = [
        pad([token_ids(vocab, [word[i] for word in s.features]) for s in sentences])[0]
        for i, vocab in enumerate(vocabs)
    ]  # F x (B, T)
    return torch.stack(columns, dim=-1)


def encode(sentences: Sequence[Sentence], meta: TaggerMeta) -> Batch:
    """Padded ids of a batch; a sentence without labels (predict) gets IGNORE targets."""
    tokens, lengths = pad(
        [token_ids(meta.words, map(meta.normalize, sentence.words)) for sentence in sentences]
    )  # (B, T), (B,)
    inputs = {"tokens": tokens, "lengths": lengths}
    if meta.chars is not None:
        inputs["chars"] = char_ids(sentences, meta.chars, lengths)
    if meta.features:
        inputs["features"] = feature_ids(sentences, meta.features)
    targets = torch.full_like(tokens, IGNORE)  # (B, T)
    for row, sentence in enumerate(sentences):
        labels = [meta.label_ids.get(label, IGNORE) for label in sentence.labels]
        targets[row, : len(labels)] = torch.tensor(labels, dtype=torch.long)
    return Batch(inputs, targets, int(lengths.sum()))
