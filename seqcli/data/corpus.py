"""Read a UTF-8 corpus once into a memory-mapped id array, cached by content hash."""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterator
from contextlib import AbstractContextManager
from pathlib import Path
from typing import BinaryIO

import numpy as np

from seqcli import ui
from seqcli.data.pieces import ENCODERS, SCANS, pieces_for
from seqcli.data.vocab import Vocab
from seqcli.errors import DataError
from seqcli.recipe.inputs import DATA, open_input, size_text
from seqcli.recipe.outputs import vet, write_beside

CACHE_FORMAT = 1
CHECK_IDS = 1 << 24  # ids range-checked per read: the file is read, never mapped whole


def cache_root() -> Path:
    return Path(os.environ.get("SEQCLI_CACHE", Path.home() / ".cache" / "seqcli"))


def open_data(path: Path) -> AbstractContextManager[BinaryIO]:
    """Open a data file for reading bytes: a regular file, or a DataError saying what it is."""
    return open_input(path, DATA)


def read_lines(path: Path, *, longest: int | None = None) -> Iterator[str]:
    """Decoded lines (ends kept); bad UTF-8 is an error naming the byte offset. longest: the
    bytes a line may hold, so a file with no line ends (2 GB of zeros) is refused after
    reading that much, not read whole into memory as one line."""
    offset = 0
    with open_data(path) as handle:
        for number, raw in enumerate(iter(lambda: handle.readline(_cap(longest)), b""), 1):
            if longest is not None and len(raw) > longest:
                raise DataError(
                    f"{path}:{number}: a line longer than {size_text(longest)}; is it a text "
                    "file of rows?"
                )
            try:
                yield raw.decode("utf-8")
            except UnicodeDecodeError as err:
                raise DataError(
                    f"{path}: not UTF-8 at byte offset {offset + err.start} "
                    f"(byte 0x{raw[err.start]:02x}); re-encode the file as UTF-8"
                ) from None
            offset += len(raw)


def _cap(longest: int | None) -> int:
    return -1 if longest is None else longest + 1  # one byte more shows the line is too long


def file_digest(path: Path) -> str:
    """The SHA-256 of a file's bytes, computed once per process for a file as it stands (a
    run reads a 2 GB corpus's digest twice: for the cache and for --resume's check)."""
    with open_data(path) as handle:
        status = os.fstat(handle.fileno())
        key = (status.st_dev, status.st_ino, status.st_size, status.st_mtime_ns)
        if key not in DIGESTS:
            digest = hashlib.sha256()
            while block := handle.read(1 << 20):
                digest.update(block)
            DIGESTS[key] = digest.hexdigest()
    return DIGESTS[key]


DIGESTS: dict[tuple[int, int, int, int], str] = {}  # (device, inode, size, mtime): digest


def load_corpus(
    path: Path, tokenizer: str, *, fixed: Vocab | None = None
) -> tuple[np.ndarray, Vocab]:
    """Token ids of the whole corpus (memory-mapped) and the vocabulary built from it, or the
    fixed one a subword model brings. A damaged cache entry is rebuilt; one that cannot be
    written is a one-line DataError."""
    folder = cache_root() / "corpora" / f"{file_digest(path)[:24]}-{_cache_key(tokenizer, fixed)}"
    damage = None
    try:
        cached = _read_cache(folder, tokenizer, fixed)
    except DamagedCache as err:
        damage, cached = err, None
    if cached is None:
        _build_cache(path, tokenizer, folder, fixed)
        cached = _read_cache(folder, tokenizer, fixed)  # damaged again at once: one line, exit 2
        if damage is not None:
            ui.warn(f"{damage}; rebuilt it")
    return cached


def _cache_key(tokenizer: str, fixed: Vocab | None) -> str:
    """The tokenizer, and for a subword model a digest of its bytes: two models, two caches."""
    model = "" if fixed is None else f"-{hashlib.sha256(fixed.model).hexdigest()[:16]}"
    return f"{tokenizer}{model}-v{CACHE_FORMAT}"


class DamagedCache(DataError):
    """A cache entry whose parts disagree: a truncated id file, a vocabulary too small for
    its ids, a meta.json that is not ours."""

    def __init__(self, folder: Path, what: str):
        super().__init__(f"token cache {folder}: {what}")


CACHE_DTYPES = ("uint16", "int32")


def _read_cache(
    folder: Path, tokenizer: str, fixed: Vocab | None
) -> tuple[np.ndarray, Vocab] | None:
    """The cached ids and vocabulary, None if never built (meta.json is written last), and
    DamagedCache if it cannot be trusted: an id past the vocabulary would fail mid-training."""
    if not (folder / "meta.json").exists():
        return None
    try:
        meta = json.loads((folder / "meta.json").read_text(encoding="utf-8"))
        vocab, dtype, count = _cache_meta(meta, tokenizer, fixed)
        size = (folder / "ids.bin").stat().st_size
        if size != count * dtype.itemsize:
            raise DamagedCache(folder, f"ids.bin holds {size // dtype.itemsize} of {count} ids")
        in_range = _ids_within(folder / "ids.bin", dtype, len(vocab))
        ids = np.memmap(folder / "ids.bin", dtype=dtype, mode="r", shape=(count,))
    except (OSError, ValueError) as err:  # unreadable, or meta.json not JSON (a ValueError)
        raise DamagedCache(folder, f"damaged ({err})") from None
    if not in_range:
        raise DamagedCache(folder, f"ids.bin holds ids outside its {len(vocab)}-token vocabulary")
    return ids, vocab


def _ids_within(path: Path, dtype: np.dtype, size: int) -> bool:
    """Every id in [0, size), read in chunks: a mapped file's pages would stay resident and
    a 4 GB id file would count 4 GB of memory."""
    with path.open("rb") as handle:
        while len(ids := np.fromfile(handle, dtype=dtype, count=CHECK_IDS)):
            if int(ids.max()) >= size or (dtype.kind == "i" and int(ids.min()) < 0):
                return False
    return True


def _cache_meta(meta: object, tokenizer: str, fixed: Vocab | None) -> tuple[Vocab, np.dtype, int]:
    """meta.json's vocabulary, id type and count, each checked against what a build writes."""
    if not isinstance(meta, dict) or meta.get("dtype") not in CACHE_DTYPES:
        raise ValueError("meta.json names no id type")
    count, vocab = meta.get("count"), meta.get("vocab")
    if type(count) is not int or count < 1 or not isinstance(vocab, dict):
        raise ValueError("meta.json has no id count or vocabulary")
    tokens = vocab.get("tokens")
    if not isinstance(tokens, list) or not all(isinstance(token, str) for token in tokens):
        raise ValueError("meta.json holds a vocabulary that is not a list of tokens")
    # A build writes the distinct tokens sorted, for this tokenizer, or the fixed ones.
    expected = sorted(set(tokens)) if fixed is None else list(fixed.tokens)
    if tokens != expected or vocab.get("tokenizer") != tokenizer:
        raise ValueError(f"meta.json holds a vocabulary no {tokenizer} build writes")
    return fixed or Vocab(tuple(tokens), tokenizer), np.dtype(meta["dtype"]), count


def _build_cache(path: Path, tokenizer: str, folder: Path, fixed: Vocab | None) -> None:
    vocab = fixed or _scan_vocab(path, tokenizer)
    dtype = "uint16" if len(vocab) <= np.iinfo(np.uint16).max else "int32"
    counted = []
    # Through the write door, meta.json last, so an interrupted build never looks finished;
    # whatever stops it (a full disk, Ctrl-C) leaves no partial file.
    try:
        vet(folder).mkdir(parents=True, exist_ok=True)
        write_beside(
            folder / "ids.bin", lambda out: counted.append(_write_ids(path, vocab, dtype, out))
        )
        stored = {"tokenizer": tokenizer, "tokens": list(vocab.tokens)}  # the model is the run's
        meta = {"count": counted[0], "dtype": dtype, "vocab": stored, "source": str(path)}
        write_beside(folder / "meta.json", json.dumps(meta).encode("utf-8"))
    except OSError as err:
        raise DataError(
            f"{folder}: cannot write the token cache ({err.strerror or err}); "
            "set SEQCLI_CACHE to a writable folder"
        ) from None


def _scan_vocab(path: Path, tokenizer: str) -> Vocab:
    # Sorted so the same corpus always gives the same ids, whatever its line order.
    tokens, _ = SCANS[tokenizer](path)
    return Vocab(tokens=tuple(tokens), tokenizer=tokenizer)


def _write_ids(path: Path, vocab: Vocab, dtype: str, out: BinaryIO) -> int:
    """Write the ids; how many there are (none: the corpus is refused)."""
    encode, count = ENCODERS[vocab.tokenizer](vocab), 0
    for piece in pieces_for(path, vocab.tokenizer):
        ids = encode(piece)
        out.write(ids.astype(dtype).tobytes())
        count += len(ids)
    if count == 0:
        raise DataError(f"{path}: corpus is empty")
    return count
