"""data.augment: SpecAugment masks stay inside each recording, gain shifts log power by the
decibels drawn, noise comes in at the SNR asked, and a resumed run draws the same augmented
batches as one never stopped."""

from __future__ import annotations

import math

import pytest
import torch

from seqcli.data.audio_augment import DB_TO_LOG_POWER, augmented
from seqcli.engine import events
from seqcli.engine.start import fresh_training, resumed_training
from seqcli.recipe.audio_format import Augment
from seqcli.tasks import TASKS
from tests.conftest import BRIEF, shipped_recipe

PLAIN = (torch.zeros(4), torch.ones(4))  # a scaler that leaves values as they are


def frames(seed=0):
    values = torch.randn(3, 12, 4, generator=torch.Generator().manual_seed(seed)) - 2
    lengths = torch.tensor([12, 8, 5])
    values[1, 8:] = 0
    values[2, 5:] = 0
    return values, lengths


def test_masks_zero_spans_within_each_recording_and_leave_padding_alone():
    values, lengths = frames()
    config = Augment(time_masks=2, time_mask_frames=4, freq_masks=1, freq_mask_bands=2)
    out = augmented(values, lengths, PLAIN, config, torch.Generator().manual_seed(1))
    changed = out != values  # (B, T, F)
    assert changed.any()
    assert torch.all(out[changed] == 0)  # masked to the training mean
    assert not changed[1, 8:].any() and not changed[2, 5:].any()


def test_gain_shifts_every_frame_of_a_recording_by_the_same_decibels():
    values, lengths = frames()
    config = Augment(gain_db=6)
    out = augmented(values, lengths, PLAIN, config, torch.Generator().manual_seed(2))
    shift = (out - values)[0]  # (T, F): one constant for the first recording
    assert torch.allclose(shift, shift[0, 0].expand_as(shift), atol=1e-5)
    assert abs(shift[0, 0].item()) <= 6 * DB_TO_LOG_POWER + 1e-6


def test_noise_adds_power_at_the_signal_to_noise_ratio_asked():
    values, lengths = frames()
    config = Augment(noise_snr_db=10)
    out = augmented(values, lengths, PLAIN, config, torch.Generator().manual_seed(3))
    added = (out[0].exp() - values[0].exp()).mean().item()
    mean_power = values[0].exp().mean().item()
    snr = 10 * math.log10(mean_power / added)
    assert 10 - 1e-3 <= snr <= 30 + 1e-3


AUGMENT = (
    "data.augment.time_masks=2",
    "data.augment.freq_masks=2",
    "data.augment.gain_db=6",
    "data.augment.noise_snr_db=10",
    "data.val_fraction=0.1",
)


def weights_after(recipe, out, *, stop_at=None):
    trainer = fresh_training(recipe, TASKS["audio_classifier"], device=torch.device("cpu"), out=out)
    for event in trainer:
        if stop_at and isinstance(event, events.Step) and event.step == stop_at:
            trainer.request_stop("test")
    trainer.folder.release()
    if stop_at:
        resumed = resumed_training(out, TASKS, device=torch.device("cpu"))
        list(resumed)
        resumed.folder.release()
    return torch.load(out / "last.pt", weights_only=True)["model"]


@pytest.mark.parametrize("stop_at", [3])
def test_an_augmented_run_resumed_midway_ends_bit_exactly_where_a_straight_one_does(
    tmp_path, stop_at
):
    recipe = shipped_recipe(
        "audio_classifier", *BRIEF, "train.steps=6", "train.eval_every=3", *AUGMENT
    )
    straight = weights_after(recipe, tmp_path / "straight")
    resumed = weights_after(recipe, tmp_path / "resumed", stop_at=stop_at)
    assert straight.keys() == resumed.keys()
    assert all(torch.equal(straight[k], resumed[k]) for k in straight)
    unaugmented = weights_after(
        shipped_recipe("audio_classifier", *BRIEF, "train.steps=6", "train.eval_every=3"),
        tmp_path / "plain",
    )
    assert not all(torch.equal(straight[k], unaugmented[k]) for k in straight)
