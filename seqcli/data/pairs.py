"""Sentence pairs for a translator: read a TSV (or a zip holding one), normalize, filter,
split with a seeded shuffle, and build one vocabulary per side."""

from __future__ import annotations

import re
import unicodedata
import zipfile
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

import numpy as np

from seqcli.data.corpus import open_data
from seqcli.data.labelled import decoded_lines, text_lines
from seqcli.data.packing import check_packing
from seqcli.data.subwords import SUBWORDS
from seqcli.data.vocab import BOS, EOS, PAD, UNK, Vocab, build_vocab, detokenize, subword_vocab
from seqcli.errors import DataError
from seqcli.recipe.data import PairsData
from seqcli.recipe.errors import cut, shown
from seqcli.recipe.inputs import size_text

SPECIALS = (PAD, UNK, BOS, EOS)  # <pad> first: id 0 is what padding and the loss ignore
# A zip member is read only if it unpacks to at most this, and packs as data.packing allows
# (Tatoeba's fra.txt: 10 MB at 3.4 to 1).
MAX_MEMBER_BYTES = 2 << 30
# What zipfile raises on a damaged archive, also while unpacking (bad CRC, broken deflate
# stream); RuntimeError is its word for an encrypted member.
ZIP_ERRORS = (OSError, EOFError, zipfile.BadZipFile, zlib.error, NotImplementedError, RuntimeError)


@dataclass(frozen=True)
class Pair:
    source: tuple[str, ...]  # tokens after normalization
    target: tuple[str, ...]
    line: int  # 1-based line in the file, for messages


def tutorial_normalize(text: str) -> str:
    """The PyTorch seq2seq tutorial's normalizeString: lowercase, accents stripped, .!? split
    off, every other non-letter a space. So "I'm" becomes "i m", as in the tutorial."""
    text = "".join(
        c
        for c in unicodedata.normalize("NFD", text.lower().strip())
        if unicodedata.category(c) != "Mn"
    )
    text = re.sub(r"([.!?])", r" \1", text)
    return re.sub(r"[^a-zA-Z.!?]+", " ", text).strip()


def no_normalize(text: str) -> str:
    return text.strip()


NORMALIZERS = {"tutorial": tutorial_normalize, "none": no_normalize}
SPLITTERS = {"char": list, "word": str.split}
# bpe and unigram read pairs as words: the filters and the split need tokens before the
# model exists that learns its pieces from the training split; words become pieces after.
READ_AS = {"char": "char", "word": "word"} | {kind: "word" for kind in SUBWORDS}


def tokenize(text: str, config: PairsData) -> tuple[str, ...]:
    """A sentence as read tokens (characters or words): normalized, then split."""
    return tuple(SPLITTERS[READ_AS[config.tokenizer]](NORMALIZERS[config.normalize](text)))


def sentence(tokens, config: PairsData) -> str:
    """Read tokens back to the normalized sentence."""
    return detokenize(tokens, READ_AS[config.tokenizer])


def pieces(tokens, vocab: Vocab) -> tuple[str, ...]:
    """Read tokens as the vocabulary's tokens: a subword model splits the words' text into
    its pieces; characters and words are the tokens already."""
    if vocab.model is None:
        return tuple(tokens)
    return tuple(vocab.tokenize(" ".join(tokens)))


def read_lines(path: Path, member: str | None) -> Iterator[str]:
    """The file's lines, streamed; a .zip is read in place (the real dataset ships zipped)."""
    if path.suffix.lower() != ".zip":
        yield from decoded_lines(path)
        return
    with open_data(path) as handle, _zip_member(handle, path, member) as (name, stream):
        yield from text_lines(stream, f"{path}:{name}")


@contextmanager
def _zip_member(handle, path: Path, member: str | None) -> Iterator[tuple[str, BinaryIO]]:
    """The member's name and its unpacked bytes, streamed; a broken zip is one DataError."""
    try:
        with zipfile.ZipFile(handle) as archive:
            info = _member_info(archive, path, member)
            check_member(info, path)
            with archive.open(info) as stream:
                yield info.filename, stream
    except ZIP_ERRORS as err:
        raise DataError(f"{path}: cannot read the zip ({err})") from None


def _member_info(archive: zipfile.ZipFile, path: Path, member: str | None) -> zipfile.ZipInfo:
    names = [n for n in archive.namelist() if not n.endswith("/")]
    if member is None:
        data_members = [n for n in names if not Path(n).name.startswith("_")]
        if len(data_members) != 1:
            raise DataError(
                f"{path}: holds {len(data_members)} data members ({cut(', '.join(data_members))});"
                " name one with data.member"
            )
        member = data_members[0]
    if member not in names:
        raise DataError(f"{path}: has no member {shown(member)}; it holds {cut(', '.join(names))}")
    return archive.getinfo(member)


def check_member(info: zipfile.ZipInfo, path: Path) -> None:
    """Refuse a member that unpacks to more than seqcli reads from a zip, or that packs far
    tighter than text does: a zip bomb is a small file that unpacks a thousandfold, often
    into one endless line."""
    where = f"{path}:{info.filename}"
    if info.file_size > MAX_MEMBER_BYTES:
        raise DataError(
            f"{where}: unpacks to {size_text(info.file_size)}; a zip member may be at most "
            f"{size_text(MAX_MEMBER_BYTES)}; unpack it and point data.path at the file"
        )
    advice = "unpack it and point data.path at the file"
    check_packing(where, unpacked=info.file_size, packed=info.compress_size, advice=advice)


def read_pairs(config: PairsData, path: Path | None = None) -> list[Pair]:
    """Every pair the recipe keeps, in file order; a malformed line is an error naming it."""
    path = path or config.path
    where = f"{path}:{config.member}" if config.member else str(path)
    columns = max(config.source_column, config.target_column) + 1
    pairs = []
    for number, line in enumerate(read_lines(path, config.member), start=1):
        if not line.strip():
            continue
        fields = line.split("\t")
        if len(fields) < columns:
            raise DataError(
                f"{where}:{number}: {len(fields)} tab-separated field(s), need at least {columns}"
                f" (source column {config.source_column}, target column {config.target_column})"
            )
        pair = Pair(
            tokenize(fields[config.source_column], config),
            tokenize(fields[config.target_column], config),
            number,
        )
        if not pair.source or not pair.target:
            side = "source" if not pair.source else "target"
            raise DataError(f"{where}:{number}: the {side} is empty after normalization")
        if keep(pair, config):
            pairs.append(pair)
    if not pairs:
        raise DataError(f"{where}: no pair passes data.max_length and data.source_prefixes")
    return pairs


def keep(pair: Pair, config: PairsData) -> bool:
    """The recipe's filters: both sides short enough, the source starting with a prefix."""
    longest = max(len(pair.source), len(pair.target))
    if config.max_length is not None and longest > config.max_length:
        return False
    if config.source_prefixes is None:
        return True
    # Prefixes are matched on the normalized text, so "i m " is how "I'm" starts.
    return sentence(pair.source, config).startswith(tuple(config.source_prefixes))


def split_pairs(pairs: list[Pair], config: PairsData, *, seed: int) -> dict[str, list[Pair]]:
    """A seeded shuffle of the distinct source sentences cut into test, val and train (sizes
    rounded, train gets the rest). All translations of a sentence land in one split, so a
    held-out sentence was never read in training and is scored against all its references."""
    by_source: dict[tuple[str, ...], list[Pair]] = {}
    for pair in pairs:
        by_source.setdefault(pair.source, []).append(pair)
    groups = list(by_source.values())
    order = np.random.default_rng(seed).permutation(len(groups))
    n_test = round(len(groups) * config.test_fraction)
    n_val = round(len(groups) * config.val_fraction)
    cuts = {"test": order[:n_test], "val": order[n_test : n_test + n_val]}
    cuts["train"] = order[n_test + n_val :]
    return {name: [pair for i in part for pair in groups[i]] for name, part in cuts.items()}


def build_vocabs(train: list[Pair], config: PairsData) -> tuple[Vocab, Vocab]:
    """Source and target vocabularies from the training split only (so val/test see <unk>)."""
    if config.tokenizer in SUBWORDS:
        return tuple(side_subwords(train, config, side) for side in ("source", "target"))
    return tuple(
        build_vocab(
            (getattr(pair, side) for pair in train),
            tokenizer=config.tokenizer,
            min_freq=config.min_freq,
            specials=SPECIALS,
        )
        for side in ("source", "target")
    )


def side_subwords(train: list[Pair], config: PairsData, side: str) -> Vocab:
    """One subword model per side, learned from that side's training sentences: each
    language gets all of vocab_size, and the two embeddings share nothing to tie anyway.
    A tokenizer_file (a joint model, say) serves both sides."""
    texts = (sentence(getattr(pair, side), config) for pair in train)
    return subword_vocab(config, texts, what=f"{config.path} ({side})", specials=SPECIALS)
