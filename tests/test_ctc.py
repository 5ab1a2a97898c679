"""CTC: the loss is the path sum the paper defines (checked by hand on three frames), greedy
and prefix beam search read it (beam = brute force on tiny inputs), CER and WER are edit
counts over reference lengths, and a transcriber learns label sequences from arrays and from
utterances composed of recordings."""

from __future__ import annotations

import itertools
import math

import numpy as np
import pytest
import torch
from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.decoding.ctc import collapse, greedy, prefix_beam
from seqcli.metrics.speech import edit_distance, substitutions, transcript_metrics
from seqcli.models.ctc import ctc_loss, stacked_frames
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS
from tests.conftest import ROOT

runner = CliRunner()
FSDD = ROOT / "samples" / "fsdd" / "recordings"
# Three frames over (blank, a, b): each row a frame's probabilities
FRAMES = torch.tensor([[0.5, 0.4, 0.1], [0.3, 0.3, 0.4], [0.6, 0.2, 0.2]])


def loss_of(target: list[int]) -> float:
    log_probs = FRAMES.log()[None]  # (1, 3, 3)
    return ctc_loss(log_probs, torch.tensor([3]), torch.tensor([target])).item() * len(target)


def test_ctc_loss_of_one_label_sums_every_path_that_spells_it():
    p = FRAMES.tolist()
    # paths of three frames that collapse to "a": a--, -a-, --a, aa-, -aa, aaa, a-a is "aa"
    paths = ["a--", "-a-", "--a", "aa-", "-aa", "aaa"]
    index = {"-": 0, "a": 1}
    total = sum(math.prod(p[t][index[s]] for t, s in enumerate(path)) for path in paths)
    assert loss_of([1]) == pytest.approx(-math.log(total), rel=1e-5)


def test_ctc_loss_of_a_repeated_label_needs_a_blank_between():
    p = FRAMES.tolist()
    assert loss_of([1, 1]) == pytest.approx(-math.log(p[0][1] * p[1][0] * p[2][1]), rel=1e-5)


def test_ctc_loss_of_two_labels_sums_their_five_alignments():
    p = FRAMES.tolist()
    index = {"-": 0, "a": 1, "b": 2}
    paths = ["ab-", "a-b", "-ab", "aab", "abb"]
    total = sum(math.prod(p[t][index[s]] for t, s in enumerate(path)) for path in paths)
    assert loss_of([1, 2]) == pytest.approx(-math.log(total), rel=1e-5)


def test_greedy_merges_repeats_then_drops_blanks():
    assert collapse([1, 1, 0, 1, 2, 2, 0, 0]) == [1, 1, 2]
    assert greedy(np.log(FRAMES.numpy())) == [2]  # best per frame: blank, b, blank


def brute_force(log_probs: np.ndarray) -> tuple[int, ...]:
    """The labelling with the most probability summed over every frame path that spells it."""
    totals: dict[tuple[int, ...], float] = {}
    steps, classes = log_probs.shape
    for path in itertools.product(range(classes), repeat=steps):
        spelled = tuple(collapse(list(path)))
        chance = math.exp(sum(log_probs[t, c] for t, c in enumerate(path)))
        totals[spelled] = totals.get(spelled, 0.0) + chance
    return max(totals, key=lambda key: totals[key])


@pytest.mark.parametrize("seed", range(20))
def test_prefix_beam_search_finds_what_brute_force_finds(seed):
    rng = np.random.default_rng(seed)
    steps, classes = int(rng.integers(1, 6)), int(rng.integers(2, 4))
    log_probs = np.log(rng.dirichlet(np.full(classes, 0.5), size=steps))
    assert tuple(prefix_beam(log_probs, beam_size=64)) == brute_force(log_probs)


def test_prefix_beam_search_beats_greedy_where_paths_share_a_labelling():
    # greedy reads blank, blank (0.36); "a" gathers a-, -a, aa: 0.24 + 0.24 + 0.16 = 0.64
    frames = np.log(np.array([[0.6, 0.4], [0.6, 0.4]]))
    assert greedy(frames) == [] and prefix_beam(frames, beam_size=4) == [1]


def test_edit_distance_and_error_rates_match_hand_counts():
    assert edit_distance("kitten", "sitting") == 3
    # "1234" -> "124": one deletion; "55" -> "565": one insertion; 2 edits over 6 characters
    metrics = transcript_metrics(["1234", "55"], ["124", "565"])
    assert metrics["cer"] == pytest.approx(2 / 6) and metrics["exact_match"] == 0
    words = transcript_metrics(["the cat sat", "on a mat"], ["the bat sat", "on mat"])
    assert words["wer"] == pytest.approx(2 / 6) and words["exact_match"] == 0


def test_error_rates_equal_jiwers():
    jiwer = pytest.importorskip("jiwer")
    refs = ["one two three", "four five", "six seven eight nine"]
    hyps = ["one too three", "four five five", "six eight nine"]
    metrics = transcript_metrics(refs, hyps)
    assert metrics["wer"] == pytest.approx(jiwer.wer(refs, hyps))
    assert metrics["cer"] == pytest.approx(jiwer.cer(refs, hyps))


def test_confusions_count_substitutions_deletions_and_insertions():
    counts = substitutions(["123", "45"], ["173", "455"])
    assert counts[("2", "7")] == 1 and counts[("", "5")] == 1 and counts[("1", "1")] == 1


def test_stacked_frames_put_k_frames_side_by_side_and_shorten_lengths():
    values = torch.arange(14.0).reshape(1, 7, 2)
    stacked, lengths = stacked_frames(values, torch.tensor([7]), 3)
    assert stacked.shape == (1, 3, 6) and lengths.tolist() == [3]
    assert stacked[0, 1].tolist() == [6, 7, 8, 9, 10, 11] and stacked[0, 2, 2:].sum() == 0


def write_strings(path, *, count=240, seed=0):
    """Each symbol of a/b/c is 2-4 frames of its one-hot vector (noisy), gaps between some."""
    rng = np.random.default_rng(seed)
    sequences, texts = [], []
    for _ in range(count):
        text = "".join(rng.choice(list("abc"), size=int(rng.integers(2, 6))))
        frames = []
        for symbol in text:
            frames += [np.eye(3)["abc".index(symbol)]] * int(rng.integers(2, 5))
            frames += [np.zeros(3)] * int(rng.integers(0, 2))
        sequences.append(np.asarray(frames) + rng.normal(0, 0.2, (len(frames), 3)))
        texts.append(text)
    lengths = np.asarray([len(s) for s in sequences])
    x = np.zeros((count, lengths.max(), 3), dtype=np.float32)
    for row, sequence in enumerate(sequences):
        x[row, : len(sequence)] = sequence
    np.savez(path, x=x, y=np.asarray(texts), lengths=lengths)
    return path


def strings_recipe(path, **train) -> dict:
    return {
        "name": "strings",
        "seed": 0,
        "mapping": "many_to_many",
        "data": {"format": "arrays", "path": str(path), "label_type": "sequence"},
        "model": {"cell": "gru", "direction": "bi", "hidden_size": 16},
        "train": {"batch_size": 16, "steps": 120, "lr": 0.01, "eval_every": 60, **train},
    }


def test_a_transcriber_learns_label_sequences_from_arrays(tmp_path):
    from seqcli.engine import events
    from seqcli.engine.start import fresh_training

    path = write_strings(tmp_path / "strings.npz")
    recipe = validate_recipe(strings_recipe(path), source="r")
    trainer = fresh_training(
        recipe, TASKS["transcriber"], device=torch.device("cpu"), out=tmp_path / "run"
    )
    scores = [e.metrics for e in trainer if isinstance(e, events.Evaluated)]
    trainer.folder.release()
    assert scores[-1]["loss"] < scores[0]["loss"] and scores[-1]["cer"] < 0.15
    result = runner.invoke(app, ["predict", str(tmp_path / "run"), "--file", str(path)])
    assert result.exit_code == 0, result.output
    first = result.stdout.splitlines()[0].split("\t")
    assert first[0] == "0" and set(first[1]) <= set("abc")


def test_evaluate_takes_a_beam_size_for_a_transcriber(tmp_path):
    from seqcli.engine.start import fresh_training

    path = write_strings(tmp_path / "strings.npz", count=60)
    recipe = validate_recipe(strings_recipe(path, steps=4, eval_every=4), source="r")
    trainer = fresh_training(
        recipe, TASKS["transcriber"], device=torch.device("cpu"), out=tmp_path / "run"
    )
    list(trainer)
    trainer.folder.release()
    result = runner.invoke(app, ["evaluate", str(tmp_path / "run"), "--beam-size", "4", "--json"])
    assert result.exit_code == 0, result.output
    assert '"cer"' in result.stdout


def test_composed_utterances_join_recordings_of_one_speaker_from_their_own_split():
    from seqcli.tasks.audio.reading import recording_splits
    from tests.conftest import shipped_recipe

    recipe = shipped_recipe("transcriber")
    splits = recording_splits(recipe, stratified=False)
    assert all(r.field("index") in "01" for r in splits["test"])
    assert not {r.field("index") for r in splits["train"]} & {"0", "1"}
    data = TASKS["transcriber"].prepare(recipe)
    texts = data.splits["train"].texts
    assert len(texts) == 40 and all(2 <= len(t) <= 7 and t.isdigit() for t in texts)
    assert len(data.splits["test"].texts) == round(40 * 60 / len(splits["train"]))


def test_subsample_shortens_the_transcribers_output_steps(tmp_path):
    from seqcli.models.ctc import Transcriber
    from seqcli.recipe.model import TranscriberConfig

    values, lengths = torch.randn(2, 10, 3), torch.tensor([10, 7])
    for every, steps in ((1, 10), (4, 3)):
        config = TranscriberConfig(cell="gru", hidden_size=4, subsample=every)
        model = Transcriber(config, features=3, num_labels=2)
        assert model(values, lengths).out.shape == (2, steps, 3)


def test_compose_keys_shape_each_utterance():
    from seqcli.data.audio import Sound
    from seqcli.data.audio_compose import compose_split
    from seqcli.data.audio_folder import Recording
    from seqcli.recipe.audio_format import AudioData

    # recording k holds the constant 0.1 * (k + 1); speakers x and y
    recordings = [
        Recording(ROOT / f"{k}.wav", str(k), (("speaker", "xy"[k % 2]),)) for k in range(6)
    ]
    sounds = [Sound(np.full(80, 0.1 * (k + 1), np.float32), False, False) for k in range(6)]
    compose = {"utterances": 1, "length": [3, 3], "pause_ms": [10, 20], "gain_db": 6}
    config = AudioData(
        format="audio", path=ROOT, name_pattern="{label}_{speaker}", label_type="sequence",
        compose=compose,
    )  # fmt: skip
    for utterance in compose_split(recordings, sounds, config, split="train", count=20, seed=0):
        digits = [int(c) for c in utterance.transcript]
        assert len(digits) == 3 and len({d % 2 for d in digits}) == 1  # one speaker
        pieces = np.split(utterance.samples, np.flatnonzero(np.diff(utterance.samples != 0)) + 1)
        pauses = [len(p) for p in pieces if not p.any()]
        spoken = [p[0] for p in pieces if p.any()]
        assert len(pauses) == 4 and all(80 <= n <= 160 for n in pauses)  # 10-20 ms at 8 kHz
        gains = [level / (0.1 * (d + 1)) for level, d in zip(spoken, digits, strict=True)]
        assert all(10 ** (-6 / 20) - 1e-6 <= g <= 10 ** (6 / 20) + 1e-6 for g in gains)


def test_a_transcriber_of_recordings_transcribes_a_wav_file(tmp_path):
    from tests.conftest import train_briefly

    train_briefly("transcriber", tmp_path / "run")
    wav = FSDD / "4_george_1.wav"
    result = runner.invoke(app, ["predict", str(tmp_path / "run"), "--file", str(wav)])
    assert result.exit_code == 0, result.output
    name, transcript = result.stdout.rstrip("\n").split("\t")
    assert name == str(wav) and set(transcript) <= set("0123456789")


def test_a_transcript_table_gives_each_recording_its_label_sequence(tmp_path):
    from tests.test_audio import tone, write_wav

    transcripts = {"r0.wav": "ab", "r1.wav": "ba", "r2.wav": "abb", "r3.wav": "b"}
    for number, name in enumerate(transcripts):
        write_wav(tmp_path / name, tone(300 + 200 * number))
    rows = "".join(f"{name}\t{text}\n" for name, text in transcripts.items())
    (tmp_path / "transcripts.tsv").write_text(rows, encoding="utf-8")
    raw = {
        "name": "t",
        "mapping": "many_to_many",
        "data": {
            "format": "audio",
            "path": str(tmp_path),
            "labels_file": str(tmp_path / "transcripts.tsv"),
            "label_type": "sequence",
            "val_fraction": 0,
        },
        "model": {"cell": "gru", "hidden_size": 4},
        "train": {"steps": 1},
    }
    data = TASKS["transcriber"].prepare(validate_recipe(raw, source="r"))
    train = data.splits["train"]
    assert train.texts == tuple(transcripts.values()) and data.meta.labels == ("a", "b")
    assert train.targets[2].tolist()[:3] == [1, 2, 2]  # ids from 1: blank is 0
