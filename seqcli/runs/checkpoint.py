"""Checkpoints as plain data: written whole or not at all, read without running any code.
A checkpoint is a torch.save file (best.pt, last.pt) or, exported, a safetensors file whose
header holds the rest of the payload as JSON."""

from __future__ import annotations

import json
import pickle
import warnings
from pathlib import Path
from typing import BinaryIO

import torch

from seqcli.errors import CheckpointError
from seqcli.runs.stored import check_payload

FORMAT = 1
# What a run folder means to the commands that read one: its best weights, else its latest, else
# the weights `seqcli export --format safetensors` wrote.
PREFERRED = ("best.pt", "last.pt", "model.safetensors")
SAFETENSORS_KEYS = ("recipe", "meta", "best")  # payload keys its header holds as JSON


def write_checkpoint(payload: dict, handle: BinaryIO) -> None:
    """torch.save the payload and its format version into handle (RunFolder writes it beside
    its final name and renames it). A failed write (disk full) comes out as the OSError it
    is, not as the RuntimeError torch's zip writer turns it into."""
    recording = _Recording(handle)
    try:
        torch.save({"format": FORMAT, **payload}, recording)
    except RuntimeError:
        if recording.error is not None:
            raise recording.error from None
        raise


class _Recording:
    """A binary handle that remembers the OSError a write raised."""

    def __init__(self, handle: BinaryIO):
        self.handle = handle
        self.error = None

    def write(self, data) -> int:
        try:
            return self.handle.write(data)
        except OSError as err:
            self.error = err
            raise

    def flush(self) -> None:
        self.handle.flush()


# weights_only reports every failure as "Weights only load failed"; these phrases are the
# ones where it met a reference to a function or class, which is what an attack needs.
CODE_REFUSALS = ("Unsupported global", "is blocked", "unrecognized function", "Can only")


def load_checkpoint(path: Path) -> dict:
    """Read a checkpoint onto the CPU; anything but our own plain data is refused."""
    if not path.is_file():
        raise CheckpointError(f"{path}: checkpoint not found")
    return _check_format(READERS.get(path.suffix, _read_torch)(path), path)


def _read_torch(path: Path) -> object:
    try:
        # torch's advice on a foreign file (pickle protocols, allowlists) would only add
        # lines above the one-line verdict below.
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            payload = torch.load(path, map_location="cpu", weights_only=True)
    except pickle.UnpicklingError as err:
        if any(phrase in str(err) for phrase in CODE_REFUSALS):
            raise CheckpointError(
                f"{path}: refused: it holds Python objects that would run code when loaded"
            ) from None
        raise CheckpointError(f"{path}: not a readable checkpoint (corrupted?)") from None
    except Exception as err:
        # The weights-only unpickler parses untrusted bytes: on garbage it fails with
        # whatever it trips on (EOFError, IndexError, KeyError, UnicodeDecodeError, ...).
        raise CheckpointError(
            f"{path}: not a readable checkpoint (truncated or corrupted: {_first_line(err)})"
        ) from None
    return payload


def safetensors_bytes(payload: dict) -> bytes:
    """A payload's weights as a safetensors file, its recipe, meta, step and best in the
    header. Tied weights are stored once per name: safetensors refuses shared memory."""
    from safetensors.torch import save

    header = {key: json.dumps(payload[key]) for key in SAFETENSORS_KEYS}
    header.update(format=str(FORMAT), step=str(payload["step"]))
    if payload.get("data_digest"):
        header["data_digest"] = payload["data_digest"]
    weights = {name: t.detach().cpu().clone().contiguous() for name, t in payload["model"].items()}
    return save(weights, metadata=header)


def _read_safetensors(path: Path) -> dict:
    from safetensors import SafetensorError, safe_open

    try:
        with safe_open(str(path), framework="pt") as weights:
            header = weights.metadata() or {}
            model = {name: weights.get_tensor(name) for name in weights.keys()}  # noqa: SIM118
        payload = {key: json.loads(header[key]) for key in SAFETENSORS_KEYS}
        return {
            **payload,
            "format": int(header["format"]),
            "step": int(header["step"]),
            "data_digest": header.get("data_digest"),
            "model": model,
        }
    except (SafetensorError, OSError, ValueError, KeyError) as err:
        raise CheckpointError(
            f"{path}: not a seqcli safetensors file ({_first_line(err)})"
        ) from None


READERS = {".safetensors": _read_safetensors}  # by suffix; anything else is a torch.save file


def _check_format(payload: object, path: Path) -> dict:
    if not isinstance(payload, dict) or type(payload.get("format")) is not int:
        raise CheckpointError(f"{path}: not a seqcli checkpoint (no format version)")
    if payload["format"] > FORMAT:
        raise CheckpointError(
            f"{path}: written by a newer seqcli (format {payload['format']}, this one reads "
            f"{FORMAT}); upgrade seqcli"
        )
    check_payload(payload, path)
    return payload


def _first_line(err: Exception) -> str:
    text = str(err).strip().splitlines()
    return f"{type(err).__name__}: {text[0][:120]}" if text else type(err).__name__


def weights_mismatch(err: RuntimeError) -> str:
    """The first concrete problem in load_state_dict's report; its first line is a header."""
    lines = [line.strip() for line in str(err).splitlines() if line.strip()]
    return lines[1] if len(lines) > 1 else _first_line(err)


def resolve_checkpoint(target: Path, *, prefer: tuple[str, ...] = PREFERRED) -> Path:
    """A run folder means its first checkpoint in `prefer` order; a file means itself."""
    if target.is_dir():
        for name in prefer:
            if (target / name).is_file():
                return target / name
        raise CheckpointError(f"{target}: run folder holds no {' or '.join(prefer)}")
    if not target.exists():
        raise CheckpointError(f"{target}: no such run folder or checkpoint")
    mistaken = NOT_RUNS.get(target.suffix.lower())
    if mistaken is not None:  # said before its bytes read as a "corrupted" checkpoint
        raise CheckpointError(f"{target}: {mistaken.format(path=target)}")
    return target


# Files a new user gives where a run goes: the recipe, or the data it trains on.
RECIPE_NOT_RUN = "a recipe, not a run; `seqcli train {path}` makes one (runs/NAME)"
DATA_NOT_RUN = "a data file, not a run; give a run folder (runs/NAME) or its best.pt"
NOT_RUNS = {
    ".yaml": RECIPE_NOT_RUN,
    ".yml": RECIPE_NOT_RUN,
    **dict.fromkeys((".csv", ".tsv", ".txt", ".npz", ".wav", ".mat"), DATA_NOT_RUN),
}
