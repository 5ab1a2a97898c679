"""Read a UTF-8 corpus once into a memory-mapped id array, cached by content hash."""

from __future__ import annotations

import hashlib
import json
import os
from collections import Counter
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO

import numpy as np

from seqcli.data.vocab import TOKENIZERS, Vocab
from seqcli.errors import DataError
from seqcli.recipe.inputs import DATA, open_input

CACHE_FORMAT = 1
CHUNK_TOKENS = 1 << 20


def cache_root() -> Path:
    return Path(os.environ.get("SEQCLI_CACHE", Path.home() / ".cache" / "seqcli"))


def open_data(path: Path) -> AbstractContextManager[BinaryIO]:
    """Open a data file for reading bytes: a regular file, or a DataError saying what it is."""
    return open_input(path, DATA)


def read_lines(path: Path) -> Iterator[str]:
    """Decoded lines (ends kept); bad UTF-8 is an error naming the byte offset."""
    offset = 0
    with open_data(path) as handle:
        for raw in handle:
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataError(
                    f"{path}: not UTF-8 at byte offset {offset + err.start} "
                    f"(byte 0x{raw[err.start]:02x}); re-encode the file as UTF-8"
                ) from None
            offset += len(raw)


def file_digest(path: Path) -> str:
    digest = hashlib.sha256()
    with open_data(path) as handle:
        while block := handle.read(1 << 20):
            digest.update(block)
    return digest.hexdigest()


def load_corpus(path: Path, tokenizer: str) -> tuple[np.ndarray, Vocab]:
    """Token ids of the whole corpus (memory-mapped) and the vocabulary built from it."""
    folder = cache_root() / "corpora" / f"{file_digest(path)[:24]}-{tokenizer}-v{CACHE_FORMAT}"
    if not (folder / "meta.json").exists():
        _build_cache(path, tokenizer, folder)
    meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
    ids = np.memmap(folder / "ids.bin", dtype=meta["dtype"], mode="r", shape=(meta["count"],))
    return ids, Vocab.from_dict(meta["vocab"])


def _build_cache(path: Path, tokenizer: str, folder: Path) -> None:
    vocab, count = _scan_vocab(path, tokenizer)
    if count == 0:
        raise DataError(f"{path}: corpus is empty")
    dtype = "uint16" if len(vocab) <= np.iinfo(np.uint16).max else "int32"
    folder.mkdir(parents=True, exist_ok=True)
    # Write beside the final name and rename, so an interrupted build never looks finished.
    partial = folder / f"ids.bin.{os.getpid()}.partial"
    _write_ids(path, vocab, dtype, partial)
    os.replace(partial, folder / "ids.bin")
    meta = {"count": count, "dtype": dtype, "vocab": vocab.to_dict(), "source": str(path)}
    partial_meta = folder / f"meta.json.{os.getpid()}.partial"
    partial_meta.write_text(json.dumps(meta), encoding="utf-8")
    os.replace(partial_meta, folder / "meta.json")


def _scan_vocab(path: Path, tokenizer: str) -> tuple[Vocab, int]:
    tokenize = TOKENIZERS[tokenizer]
    counts: Counter[str] = Counter()
    for line in read_lines(path):
        counts.update(tokenize(line))
    # Sorted so the same corpus always gives the same ids, whatever its line order.
    return Vocab(tokens=tuple(sorted(counts)), tokenizer=tokenizer), sum(counts.values())


def _write_ids(path: Path, vocab: Vocab, dtype: str, target: Path) -> None:
    tokenize, ids = TOKENIZERS[vocab.tokenizer], vocab.index
    buffer: list[int] = []
    with target.open("wb") as out:
        for line in read_lines(path):
            buffer.extend(ids[token] for token in tokenize(line))
            if len(buffer) >= CHUNK_TOKENS:
                np.asarray(buffer, dtype=dtype).tofile(out)
                buffer.clear()
        np.asarray(buffer, dtype=dtype).tofile(out)
