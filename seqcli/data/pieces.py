"""A corpus read as pieces of a few MiB, never whole and never a whole line at once (a 2 GB file
without a newline is one line), tokenized a piece at a time: characters with numpy, words in
Python. What a token is does not change with where the pieces are cut."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import numpy as np

from seqcli.data.subwords import SUBWORDS
from seqcli.data.vocab import EOS, Vocab
from seqcli.errors import DataError
from seqcli.recipe.inputs import DATA, open_input

BLOCK = 1 << 22  # bytes read at a time
WHITESPACE = b" \t\r\x0b\x0c"
UNICODE = 0x110000  # code points


def read_pieces(path: Path, *, whole_words: bool = False) -> Iterator[str]:
    """The file's text in pieces of about BLOCK bytes, each cut after a line end; a line longer
    than a block is cut after whitespace, or else (unless whole_words) between characters."""
    offset, carry = 0, b""
    with open_input(path, DATA) as handle:
        while block := handle.read(BLOCK):
            data = carry + block
            cut = _cut(data, whole_words)
            if cut:
                yield _decoded(data[:cut], path, offset)
            offset, carry = offset + cut, data[cut:]
    if carry:
        yield _decoded(carry, path, offset)


def _cut(data: bytes, whole_words: bool) -> int:
    """Where a piece may end: after the last newline, else after the last whitespace, else
    before a character's first byte; 0 (read on) inside a word that must stay whole."""
    line_end = data.rfind(b"\n")
    if line_end >= 0:
        return line_end + 1
    space = max(data.rfind(bytes([byte])) for byte in WHITESPACE)
    if space >= 0 or whole_words:
        return space + 1
    cut = len(data)
    while cut > 0 and data[cut - 1] & 0xC0 == 0x80:  # UTF-8 continuation bytes
        cut -= 1
    return cut - 1 if cut > 0 and data[cut - 1] >= 0xC0 else len(data)


def _decoded(data: bytes, path: Path, offset: int) -> str:
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError as err:
        raise DataError(
            f"{path}: not UTF-8 at byte offset {offset + err.start} "
            f"(byte 0x{data[err.start]:02x}); re-encode the file as UTF-8"
        ) from None


def code_points(piece: str) -> np.ndarray:
    return np.frombuffer(piece.encode("utf-32-le"), dtype=np.uint32)


def scan_chars(path: Path) -> tuple[list[str], int]:
    """The distinct characters, sorted, and how many there are in all."""
    seen, count = np.zeros(UNICODE, dtype=bool), 0
    for piece in pieces_for(path, "char"):
        points = code_points(piece)
        seen |= np.bincount(points, minlength=UNICODE).astype(bool)
        count += len(points)
    return [chr(point) for point in np.flatnonzero(seen)], count


def words(piece: str) -> list[str]:
    """word_tokens over the piece's lines, split at "\n" only, as a file is read by lines."""
    lines = piece.split("\n")
    tokens = [token for line in lines[:-1] for token in (*line.split(), EOS)]
    return tokens + lines[-1].split()


def scan_words(path: Path) -> tuple[list[str], int]:
    seen: set[str] = set()
    count = 0
    for piece in pieces_for(path, "word"):
        tokens = words(piece)
        seen.update(tokens)
        count += len(tokens)
    return sorted(seen), count


def char_ids(vocab: Vocab) -> Callable[[str], np.ndarray]:
    """A piece's ids, looked up by code point in a table over all of Unicode (4 MiB)."""
    table = np.zeros(UNICODE, dtype=np.int32)
    table[[ord(token) for token in vocab.tokens]] = np.arange(len(vocab))
    return lambda piece: table[code_points(piece)]


def word_ids(vocab: Vocab) -> Callable[[str], np.ndarray]:
    index = vocab.index
    return lambda piece: np.fromiter((index[token] for token in words(piece)), np.int64)


def subword_ids(vocab: Vocab) -> Callable[[str], np.ndarray]:
    """A piece's ids from the vocabulary's own model; a character it never saw is <unk>."""
    encode = vocab.processor.encode
    return lambda piece: np.asarray(encode(piece), dtype=np.int64)


def training_lines(path: Path, share: float) -> Iterator[str]:
    """The lines (without line ends) in the first `share` of the file's characters: the text
    a tokenizer may learn from when the rest is held out."""
    budget = round(scan_chars(path)[1] * share)
    for piece in pieces_for(path, "word"):
        for line in piece.splitlines(keepends=True):
            budget -= len(line)
            if budget < 0:
                return
            yield line.rstrip("\n")


def pieces_for(path: Path, tokenizer: str) -> Iterator[str]:
    return read_pieces(path, whole_words=WHOLE_WORDS[tokenizer])


# May a piece end inside a word. A subword model never joins across a line end, and across a
# space only when a line outgrows a piece (4 MiB).
WHOLE_WORDS = {"char": False, "word": True} | {kind: True for kind in SUBWORDS}
SCANS = {"char": scan_chars, "word": scan_words}
ENCODERS = {"char": char_ids, "word": word_ids} | {kind: subword_ids for kind in SUBWORDS}
