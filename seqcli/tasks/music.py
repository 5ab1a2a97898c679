"""Polyphonic music as a seqcli task: predict each next piano-roll frame, 88 keys at once."""

from __future__ import annotations

from dataclasses import asdict, dataclass
from typing import Annotated

import numpy as np
import torch
from pydantic import Field, model_validator

from seqcli.data.forms import Form
from seqcli.data.music import load_music
from seqcli.data.padding import ordered_batches, pad_values
from seqcli.decoding.autoregress import autoregress
from seqcli.decoding.requests import Generated, Request
from seqcli.engine.contract import Batch, IndexedBatches, TaskData
from seqcli.engine.run import Run
from seqcli.errors import DataError
from seqcli.metrics.long_range import baseline_nll, frame_nll_sum
from seqcli.models.long_range import FrameModel
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS

LOWEST_NOTE = 21  # MIDI number of key 0 of an 88-key piano roll (A0)


class MusicForm(Form):
    keys: int = Field(ge=1)
    key_frequency: list[Annotated[float, Field(ge=0, le=1)]]

    @model_validator(mode="after")
    def _a_frequency_per_key(self) -> MusicForm:
        if len(self.key_frequency) != self.keys:
            raise ValueError(f"key_frequency: {len(self.key_frequency)} for {self.keys} keys")
        return self


@dataclass(frozen=True)
class MusicMeta:
    keys: int
    key_frequency: list[float]  # share of training frames with each key down: the baseline

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, data: dict) -> MusicMeta:
        return cls(**MusicForm.read(data).model_dump())

    def summary(self) -> list[tuple[str, str]]:
        return [("keys per frame", str(self.keys))]


def batch_of(pieces: list[np.ndarray]) -> Batch:
    """Frames 0..T-2 in, frames 1..T-1 to predict, zero-padded, with the true lengths."""
    lengths = torch.tensor([len(p) - 1 for p in pieces])
    x = pad_values([p[:-1] for p in pieces])  # (B, T, K)
    y = pad_values([p[1:] for p in pieces])  # (B, T, K)
    return Batch({"x": x, "lengths": lengths}, y, size=int(lengths.sum()))


class MusicTask:
    spec = SPECS["music"]
    meta = MusicMeta

    def prepare(self, recipe: Recipe, meta: MusicMeta | None = None) -> TaskData:
        path = recipe.data.path
        splits = load_music(path)
        frames = np.concatenate(splits["train"])  # (N, K)
        meta = meta or MusicMeta(frames.shape[1], frames.mean(axis=0).tolist())
        if frames.shape[1] != meta.keys:
            raise DataError(f"{path}: frames have {frames.shape[1]} keys; the run has {meta.keys}")
        return TaskData(meta, splits)

    def build_model(self, recipe: Recipe, meta: MusicMeta) -> FrameModel:
        return FrameModel(recipe.model, keys=meta.keys)

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        pieces = data.splits["train"]
        return IndexedBatches(
            [len(p) for p in pieces],
            lambda rows: batch_of([pieces[i] for i in rows]),
            batch_size=recipe.train.batch_size,
            seed=recipe.seed,
        )

    @torch.no_grad()
    def evaluate(self, run: Run, pieces, *, max_batches=None) -> dict:
        """Per-frame NLL over every predicted frame of every piece (Bai et al. 2018)."""
        run.model.eval()
        groups = ordered_batches([len(p) for p in pieces], batch_size=run.recipe.train.batch_size)
        total, frames = 0.0, 0
        for group in groups[:max_batches]:
            batch = batch_of([pieces[i] for i in group]).to(run.device)
            logits = run.model(**batch.inputs).out
            total += frame_nll_sum(logits, batch.targets, batch.inputs["lengths"]).item()
            frames += batch.size
        nll = total / frames
        rows = [
            ["key frequencies, no past", baseline_nll(run.meta.key_frequency, pieces)],
            ["this model", nll],
        ]
        details = {"baseline": {"columns": ["predictor", "nll per frame"], "rows": rows}}
        return {"loss": nll, "nll": nll, "details": details}

    def sample(self, run: Run, step: int) -> None:
        return None

    def examples_from_file(self, run: Run, path):
        """The test split of another .mat file, checked against the run's key count."""
        pieces = load_music(path)["test"]
        if pieces[0].shape[1] != run.meta.keys:
            raise DataError(
                f"{path}: frames have {pieces[0].shape[1]} keys; the run has {run.meta.keys}"
            )
        return pieces

    def generate(self, run: Run, request: Request) -> Generated:
        """Sample frames from silence, each key a coin with the model's probability; one line
        per frame, the MIDI numbers of the keys down."""
        model, generator = run.model.eval(), torch.Generator().manual_seed(request.draw.seed)

        def step(frame, state):
            out = model(frame, torch.tensor([1]), state=state)  # key logits (1, 1, K)
            return out.out, out.state

        def pick(scores):
            probs = torch.sigmoid(scores.cpu())  # the coins are tossed on the CPU: same draws
            return torch.bernoulli(probs, generator=generator).to(run.device)

        first = torch.zeros(1, 1, run.meta.keys, device=run.device)  # (1, 1, K): silence
        length = request.length or run.recipe.generate.length
        frames = autoregress(step, first, steps=length, pick=pick)
        return Generated(_keys_down(picked.token) for picked in frames)


def _keys_down(frame: torch.Tensor) -> str:
    return " ".join(str(LOWEST_NOTE + k) for k in frame[0, 0].nonzero().ravel().tolist()) + "\n"
