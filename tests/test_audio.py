"""data.format audio: PCM .wav read with the standard library, resampled, turned into log-mel
frames by a filterbank that matches librosa's, labelled by name, table or subfolder, split by
a glob, scaled from the training frames alone; bad files refused in one line naming them."""

from __future__ import annotations

import sys
import wave

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.data.audio import read_wav
from seqcli.data.audio_features import Framing, log_mel, mel_filterbank
from seqcli.errors import DataError, UsageError
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS
from tests.conftest import ROOT

runner = CliRunner()
FSDD = ROOT / "samples" / "fsdd" / "recordings"


def write_wav(path, samples, *, rate=8000, width=2, channels=1):
    """samples: floats in [-1, 1], (S,) or (S, channels)."""
    full = 2 ** (8 * width - 1) - 1
    ints = np.round(np.asarray(samples) * full).astype({2: "<i2", 4: "<i4"}[width])
    with wave.open(str(path), "wb") as out:
        out.setnchannels(channels)
        out.setsampwidth(width)
        out.setframerate(rate)
        out.writeframes(ints.tobytes())
    return path


def tone(hz, *, seconds=0.3, rate=8000, level=0.5):
    return level * np.sin(2 * np.pi * hz * np.arange(int(seconds * rate)) / rate)


def audio_recipe(path, **data) -> dict:
    return {
        "name": "audio",
        "seed": 0,
        "mapping": "many_to_one",
        "data": {"format": "audio", "path": str(path), **data},
        "model": {"cell": "gru", "hidden_size": 8},
        "train": {"batch_size": 8, "steps": 2, "eval_every": 2},
    }


@pytest.mark.parametrize(("rate", "n_fft", "mels"), [(8000, 256, 40), (16000, 512, 80)])
def test_the_mel_filterbank_equals_librosas(rate, n_fft, mels):
    librosa = pytest.importorskip("librosa")
    ours = mel_filterbank(sample_rate=rate, n_fft=n_fft, mels=mels)
    theirs = librosa.filters.mel(sr=rate, n_fft=n_fft, n_mels=mels)
    np.testing.assert_allclose(ours, theirs, atol=1e-7)


def test_a_tone_is_loudest_in_the_mel_band_around_its_frequency():
    framing = Framing(sample_rate=8000, window=200, hop=80, mels=40)
    bank = framing.filterbank()
    frames = log_mel(tone(1000).astype(np.float32), framing, bank)  # (T, 40)
    centre = bank.numpy().argmax(axis=1) * 8000 / framing.n_fft  # each band's peak in Hz
    assert frames.shape == (1 + (2400 - framing.n_fft) // 80, 40)
    assert abs(centre[frames.mean(axis=0).argmax()] - 1000) < 100


def test_a_recording_at_another_rate_is_resampled_keeping_its_pitch(tmp_path):
    path = write_wav(tmp_path / "a.wav", tone(440, rate=16000), rate=16000)
    sound = read_wav(path, sample_rate=8000, max_seconds=10)
    spectrum = np.abs(np.fft.rfft(sound.samples))
    assert len(sound.samples) == 2400
    assert abs(spectrum.argmax() * 8000 / len(sound.samples) - 440) < 5


def test_a_recording_shorter_than_a_frame_is_one_frame():
    framing = Framing(sample_rate=8000, window=200, hop=80, mels=40)
    frames = log_mel(np.ones(50, dtype=np.float32), framing, framing.filterbank())
    assert frames.shape == (1, 40) and np.isfinite(frames).all()


@pytest.mark.parametrize("subtype", ["FLOAT", "PCM_24"])
def test_a_wav_of_float_or_24_bit_samples_is_read_through_soundfile(tmp_path, subtype):
    soundfile = pytest.importorskip("soundfile")
    wanted = tone(440).astype(np.float32)
    soundfile.write(tmp_path / "f.wav", wanted, 8000, subtype=subtype)
    read = read_wav(tmp_path / "f.wav", sample_rate=8000, max_seconds=10).samples
    np.testing.assert_allclose(read, wanted, atol=1e-6)


def test_without_soundfile_a_float_wav_names_the_extra_to_install(tmp_path, monkeypatch):
    soundfile = pytest.importorskip("soundfile")
    soundfile.write(tmp_path / "f.wav", tone(440), 8000, subtype="FLOAT")
    monkeypatch.setitem(sys.modules, "soundfile", None)  # import soundfile now fails
    with pytest.raises(UsageError) as caught:
        read_wav(tmp_path / "f.wav", sample_rate=8000, max_seconds=10)
    assert str(caught.value).startswith(f"{tmp_path / 'f.wav'}: a WAV of float or extensible")
    assert "pip install 'seqcli[audio]'" in str(caught.value)


def test_stereo_is_averaged_to_mono(tmp_path):
    both = np.stack([tone(440), -tone(440)], axis=1)  # cancels out
    path = write_wav(tmp_path / "s.wav", both, channels=2)
    assert np.abs(read_wav(path, sample_rate=8000, max_seconds=10).samples).max() < 1e-4


BAD = {
    "not-riff": (lambda p: p.write_bytes(b"ID3 this is an mp3"), "not a PCM RIFF/WAVE file"),
    "no-frames": (lambda p: write_wav(p, np.zeros(0)), "0 frames; the recording is empty"),
    "too-long": (lambda p: write_wav(p, tone(200, seconds=3)), "3.0 s long, past data.max"),
    "odd-rate": (
        lambda p: write_wav(p, tone(200, rate=7919), rate=7919),
        "recorded at 7919 Hz, which does not resample",
    ),
}


@pytest.mark.parametrize("case", sorted(BAD))
def test_a_bad_recording_is_one_line_naming_the_file(tmp_path, case):
    make, words = BAD[case]
    path = tmp_path / "bad.wav"
    make(path)
    with pytest.raises(DataError) as caught:
        read_wav(path, sample_rate=8000, max_seconds=2)
    assert str(caught.value).startswith(f"{path}: ") and words in str(caught.value)
    assert "\n" not in str(caught.value)


def test_clipped_and_silent_recordings_are_counted_in_the_data_report(tmp_path):
    for label in ("a", "b"):
        (tmp_path / label).mkdir()
        for i in range(3):
            write_wav(tmp_path / label / f"{i}.wav", tone(300 + 100 * i))
    write_wav(tmp_path / "a" / "loud.wav", np.clip(4 * tone(300), -1, 1))
    write_wav(tmp_path / "b" / "quiet.wav", np.zeros(2400))
    data = TASKS["audio_classifier"].prepare(validate_recipe(audio_recipe(tmp_path), source="r"))
    assert (data.meta.recordings, data.meta.clipped, data.meta.silent) == (8, 1, 1)
    assert ("recordings", "8, 1 clipped, 1 silent") in data.meta.summary()
    assert data.meta.labels == ("a", "b")  # from the subfolders


def test_test_files_glob_makes_the_test_split_and_labels_come_from_the_name():
    raw = audio_recipe(FSDD, name_pattern="{label}_{speaker}_{index}", test_files="*_[01].wav")
    data = TASKS["audio_classifier"].prepare(validate_recipe(raw, source="r"))
    splits = {name: len(split) for name, split in data.splits.items()}
    assert splits == {"train": 80, "val": 10, "test": 60}  # test: indices 0, 1; val: 1 per digit
    assert data.meta.labels == tuple("0123456789")


def test_the_frame_scaling_comes_from_the_training_split_alone():
    raw = audio_recipe(FSDD, name_pattern="{label}_{speaker}_{index}", test_files="*_[01].wav")
    data = TASKS["audio_classifier"].prepare(validate_recipe(raw, source="r"))
    train = data.splits["train"]
    real = train.values[np.arange(train.values.shape[1]) < train.lengths[:, None].numpy()]
    np.testing.assert_allclose(real.double().mean(0).numpy(), 0, atol=1e-4)
    test = data.splits["test"]
    real_test = test.values[np.arange(test.values.shape[1]) < test.lengths[:, None].numpy()]
    assert np.abs(real_test.double().mean(0).numpy()).max() > 1e-3  # not refitted on test


def test_a_labels_table_names_each_file_and_its_label(tmp_path):
    for i in range(4):
        write_wav(tmp_path / f"r{i}.wav", tone(200 * (i + 1)))
    (tmp_path / "labels.tsv").write_text("r0.wav\tlow\nr1.wav\tlow\nr2.wav\thigh\nr3.wav\thigh\n")
    raw = audio_recipe(tmp_path, labels_file=str(tmp_path / "labels.tsv"), val_fraction=0)
    data = TASKS["audio_classifier"].prepare(validate_recipe(raw, source="r"))
    assert data.meta.labels == ("high", "low") and len(data.splits["train"]) == 4


def test_a_trained_digit_classifier_predicts_a_wav_file(tmp_path):
    from tests.conftest import train_briefly

    trainer, _ = train_briefly("audio_classifier", tmp_path / "run")
    result = runner.invoke(
        app, ["predict", str(tmp_path / "run"), "--file", str(FSDD / "7_jackson_0.wav")]
    )
    assert result.exit_code == 0, result.output
    name, label, probability = result.stdout.strip().split("\t")
    assert name == str(FSDD / "7_jackson_0.wav")  # each answer names the file it heard
    assert label in "0123456789" and 0 < float(probability) <= 1


def frames_with(**data):
    raw = audio_recipe(FSDD, name_pattern="{label}_{speaker}_{index}", test_files="*_[01].wav")
    raw["data"].update(data)
    return TASKS["audio_classifier"].prepare(validate_recipe(raw, source="r")).splits["test"]


def test_the_framing_keys_shape_the_frames():
    plain = frames_with()
    assert plain.values.shape[2] == 40 and frames_with(mels=20).values.shape[2] == 20
    halved = frames_with(hop_ms=20).lengths.double()
    assert halved.sum() / plain.lengths.double().sum() == pytest.approx(0.5, abs=0.05)
    assert (frames_with(window_ms=50).lengths < plain.lengths).all()  # a 512-sample FFT
    assert not torch.equal(frames_with(sample_rate=16000).values[:, :5], plain.values[:, :5])


def test_max_seconds_refuses_a_longer_recording_naming_it():
    with pytest.raises(
        DataError, match=r"_\d+\.wav: \d\.\d s long, past data\.max_seconds \(0\.1\)"
    ):
        frames_with(max_seconds=0.1)


def test_gates_reads_a_recording_step_by_step(tmp_path):
    from tests.conftest import train_briefly

    train_briefly("audio_classifier", tmp_path / "run")
    wav = FSDD / "3_nicolas_5.wav"
    result = runner.invoke(app, ["gates", str(tmp_path / "run"), "--file", str(wav), "--json"])
    assert result.exit_code == 0, result.output
    with wave.open(str(wav)) as reader:
        frames = 1 + (reader.getnframes() - 256) // 80
    assert '"0.00s"' in result.stdout and f'"{(frames - 1) * 0.01:.2f}s"' in result.stdout
