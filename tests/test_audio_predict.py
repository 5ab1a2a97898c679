"""predict --file over recordings: several .wav files, or a folder of them, give one answer
per file named by it, as CSV with a header; a file of lines cannot join them."""

from __future__ import annotations

import csv
import io
import shutil

import pytest
from typer.testing import CliRunner

from seqcli.cli import app
from tests.test_audio import FSDD

runner = CliRunner()


@pytest.fixture(scope="module")
def digit_run(tmp_path_factory):
    from tests.conftest import train_briefly

    out = tmp_path_factory.mktemp("digits") / "run"
    train_briefly("audio_classifier", out)
    return out


def predict(run, *files):
    args = ["predict", str(run)]
    for path in files:
        args += ["--file", str(path)]
    return runner.invoke(app, args)


def test_several_wav_files_give_a_csv_row_each_named_by_its_file(digit_run):
    wavs = [FSDD / "7_jackson_0.wav", FSDD / "3_george_5.wav", FSDD / "0_nicolas_1.wav"]
    result = predict(digit_run, *wavs)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["example"] for row in rows] == [str(path) for path in wavs]
    assert all(row["label"] in "0123456789" and 0 < float(row["probability"]) <= 1 for row in rows)


def test_a_folder_gives_every_recording_in_it_and_its_subfolders(digit_run, tmp_path):
    (tmp_path / "more").mkdir()
    shutil.copy(FSDD / "1_george_0.wav", tmp_path / "a.wav")
    shutil.copy(FSDD / "2_george_0.wav", tmp_path / "more" / "b.WAV")
    (tmp_path / "notes.txt").write_text("not a recording\n", encoding="utf-8")
    result = predict(digit_run, tmp_path)
    assert result.exit_code == 0, result.output
    rows = list(csv.DictReader(io.StringIO(result.stdout)))
    assert [row["example"] for row in rows] == [
        str(tmp_path / "a.wav"),
        str(tmp_path / "more" / "b.WAV"),
    ]


def test_a_folder_without_recordings_is_one_line_naming_it(digit_run, tmp_path):
    result = predict(digit_run, tmp_path)
    assert result.exit_code == 2
    assert f"{tmp_path}: holds no .wav files to predict" in result.stderr


def test_a_file_of_lines_beside_recordings_is_refused_naming_it(digit_run, tmp_path):
    lines = tmp_path / "lines.txt"
    lines.write_text("hello\n", encoding="utf-8")
    result = predict(digit_run, FSDD / "7_jackson_0.wav", lines)
    assert result.exit_code == 2
    assert f"--file {lines}: a file of input lines is given alone" in result.stderr
