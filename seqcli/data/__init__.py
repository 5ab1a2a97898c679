"""From the recipe's data section to token splits, a vocabulary and the spec models need."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from seqcli.data.batching import CarriedWindows, RandomWindows
from seqcli.data.corpus import load_corpus
from seqcli.data.pieces import training_lines
from seqcli.data.subwords import SUBWORDS
from seqcli.data.vocab import UNK, Vocab, subword_vocab
from seqcli.errors import DataError
from seqcli.recipe import TextData, TrainConfig
from seqcli.recipe.errors import shown


@dataclass(frozen=True)
class DataBundle:
    vocab: Vocab
    splits: dict[str, np.ndarray]  # split name -> token ids (memory-mapped views)


def split_ids(ids: np.ndarray, *, val_fraction: float, test_fraction: float) -> dict:
    """Contiguous splits: train first, then validation, then test at the very end."""
    n = len(ids)
    test_start = n - round(n * test_fraction)
    val_start = test_start - round(n * val_fraction)
    return {"train": ids[:val_start], "val": ids[val_start:test_start], "test": ids[test_start:]}


def build_data(config: TextData, *, vocab: Vocab | None = None) -> DataBundle:
    """Tokenize (or reuse the cache for) the corpus and split it; a given vocab must cover it."""
    if config.tokenizer in SUBWORDS:
        vocab = vocab or corpus_subwords(config)
        ids, _ = load_corpus(config.path, config.tokenizer, fixed=vocab)
        return DataBundle(vocab, split_ids(ids, **_fractions(config)))
    ids, corpus_vocab = load_corpus(config.path, config.tokenizer)
    if vocab is None and config.tokenizer in TRAINING_VOCAB:
        train = split_ids(ids, **_fractions(config))["train"]
        vocab = frequent_words(corpus_vocab, train, config.min_freq)
    if vocab is not None and vocab != corpus_vocab:
        ids = _reindex(ids, corpus_vocab, vocab, what=str(config.path))
    vocab = vocab or corpus_vocab
    return DataBundle(vocab, split_ids(ids, **_fractions(config)))


# A word seen only in validation/test must be <unk> there, or held-out perplexity is flattered
# by a row the model never trained (Keras TextVectorization and OpenNMT-py do the same).
# Characters keep the whole file's set, as char-rnn does: they have no <unk> to map to.
TRAINING_VOCAB = {"word"}


def frequent_words(vocab: Vocab, train: np.ndarray, min_freq: int) -> Vocab:
    """<unk> and the words seen at least min_freq times in the training split."""
    counts = np.bincount(train, minlength=len(vocab))  # ids < len(vocab): one count each
    pairs = zip(vocab.tokens, counts, strict=True)
    kept = (token for token, count in pairs if count >= min_freq and token != UNK)
    return Vocab((UNK, *kept), vocab.tokenizer)


def _fractions(config: TextData) -> dict:
    return {"val_fraction": config.val_fraction, "test_fraction": config.test_fraction}


def corpus_subwords(config: TextData) -> Vocab:
    """The corpus's subword model, learned from the text before the held-out splits."""
    share = 1 - config.val_fraction - config.test_fraction
    return subword_vocab(config, training_lines(config.path, share), what=str(config.path))


def load_ids(path, vocab: Vocab) -> np.ndarray:
    """Every token of a file as ids of an existing vocabulary (for evaluation on new text)."""
    if vocab.model is not None:
        return load_corpus(path, vocab.tokenizer, fixed=vocab)[0]
    ids, file_vocab = load_corpus(path, vocab.tokenizer)
    return ids if file_vocab == vocab else _reindex(ids, file_vocab, vocab, what=str(path))


def _reindex(ids: np.ndarray, source: Vocab, target: Vocab, *, what: str) -> np.ndarray:
    """Map ids of one vocabulary to another: a token the target lacks is its <unk>, or an
    error naming it when it has none."""
    missing, unk = target.unknown(source.tokens), target.index.get(UNK)
    if missing and unk is None:
        listed = ", ".join(shown(token) for token in missing[:10])
        raise DataError(f"{what}: {len(missing)} token(s) the model never saw: {listed}")
    table = np.array([target.index.get(token, unk) for token in source.tokens], dtype=np.int64)
    return table[np.asarray(ids)]


def training_windows(ids: np.ndarray, train: TrainConfig, *, seed: int, what: str):
    """The recipe's window scheme over the training split."""
    return WINDOWS[train.windows](ids, train, seed, what)


WINDOWS = {
    "carried": lambda ids, train, seed, what: CarriedWindows(
        ids, batch_size=train.batch_size, seq_len=train.seq_len, what=what
    ),
    "random": lambda ids, train, seed, what: RandomWindows(
        ids, batch_size=train.batch_size, seq_len=train.seq_len, seed=seed, what=what
    ),
}
