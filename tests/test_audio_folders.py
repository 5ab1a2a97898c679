"""The recordings a folder holds: found whatever the case of their suffix, in class subfolders
too, and hashed as they are read so --resume sees any of them change."""

from __future__ import annotations

import numpy as np

from seqcli.data.audio_names import recordings_in
from seqcli.data.digest import data_digest
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS
from tests.test_audio import audio_recipe, tone, write_wav


def class_folders(root, *, suffix=".wav"):
    for label, hz in (("low", 200), ("high", 1200)):
        (root / label).mkdir(parents=True)
        for i in range(3):
            write_wav(root / label / f"{i}{suffix}", tone(hz + 50 * i))
    return root


def test_recordings_ending_in_upper_case_wav_are_read(tmp_path):
    class_folders(tmp_path, suffix=".WAV")
    write_wav(tmp_path / "low" / "3.Wav", tone(230))
    data = TASKS["audio_classifier"].prepare(validate_recipe(audio_recipe(tmp_path), source="r"))
    assert data.meta.recordings == 7 and data.meta.labels == ("high", "low")


def test_a_file_that_is_not_a_recording_is_not_found(tmp_path):
    class_folders(tmp_path)
    (tmp_path / "low" / "notes.txt").write_text("not sound", encoding="utf-8")
    assert [p.suffix for p in recordings_in(tmp_path)] == [".wav"] * 6


def test_a_changed_recording_in_a_class_subfolder_changes_the_data_digest(tmp_path):
    class_folders(tmp_path)
    section = validate_recipe(audio_recipe(tmp_path), source="r").data
    before = data_digest(section)
    write_wav(tmp_path / "high" / "1.wav", tone(1500))
    assert data_digest(section) != before


def test_a_flat_folder_keeps_the_digest_it_had_before_subfolders_were_walked(tmp_path):
    import hashlib

    from seqcli.data.corpus import file_digest

    for i in range(2):
        write_wav(tmp_path / f"{i}_a_{i}.wav", tone(300 + 100 * i) * np.float64(0.5))
    section = validate_recipe(
        audio_recipe(tmp_path, name_pattern="{label}_{speaker}_{index}"), source="r"
    ).data
    flat = hashlib.sha256()
    for path in sorted(tmp_path.iterdir()):
        flat.update(f"{path.name}\0{file_digest(path)}\0".encode())
    assert data_digest(section) == flat.hexdigest()  # runs trained before still resume


def test_the_test_files_glob_holds_out_upper_case_wav_files_too(tmp_path):
    for i in range(4):
        write_wav(tmp_path / f"{i % 2}_a_{i}.WAV", tone(300 + 600 * (i % 2)))
    raw = audio_recipe(
        tmp_path, name_pattern="{label}_{speaker}_{index}", test_files="*_[01].wav", val_fraction=0
    )
    data = TASKS["audio_classifier"].prepare(validate_recipe(raw, source="r"))
    sizes = {name: len(split) for name, split in data.splits.items()}
    assert (sizes["train"], sizes["test"]) == (2, 2)  # indices 0 and 1 held out


def test_resume_refuses_a_run_whose_subfolder_recording_changed(tmp_path):
    import yaml
    from typer.testing import CliRunner

    from seqcli.cli import app

    class_folders(tmp_path / "clips")
    recipe = tmp_path / "recipe.yaml"
    recipe.write_text(yaml.safe_dump(audio_recipe(tmp_path / "clips", val_fraction=0.34)))
    run = tmp_path / "run"
    first = CliRunner().invoke(app, ["train", str(recipe), "--out", str(run), "--quiet"])
    assert first.exit_code == 0, first.output
    write_wav(tmp_path / "clips" / "low" / "2.wav", tone(260))
    again = CliRunner().invoke(app, ["train", "--resume", str(run), "--steps", "4"])
    assert again.exit_code == 2
    assert "changed since the run started" in again.stderr
