"""seqcli init on a folder of .wav recordings: labels found in the names (FSDD), class
subfolders or a file<TAB>label table beside them; one label each makes a classifier of
recordings, transcripts make a transcriber; the written recipe trains first time."""

from __future__ import annotations

import numpy as np

from tests.test_audio import tone, write_wav
from tests.test_init import SAMPLES, init, invoke, trains

FSDD = SAMPLES / "fsdd" / "recordings"


def test_fsdd_names_make_a_classifier_labelled_by_the_names_first_field(tmp_path):
    raw, said = init(tmp_path, FSDD)
    assert raw["mapping"] == "many_to_one" and raw["data"]["format"] == "audio"
    assert raw["data"]["name_pattern"] == "{label}_{speaker}_{index}"
    assert raw["data"]["sample_rate"] == 8000  # from the headers, not the default
    assert "150 recordings labelled by their names" in said
    trains(tmp_path)


def test_class_subfolders_make_a_classifier_without_a_name_pattern(tmp_path):
    data = tmp_path / "clips"
    for label, hz in (("yes", 300), ("no", 1200)):
        (data / label).mkdir(parents=True)
        for i in range(6):
            write_wav(data / label / f"take{i}.WAV", tone(hz + 40 * i, rate=16000), rate=16000)
    raw, said = init(tmp_path, data)
    assert raw["mapping"] == "many_to_one" and "name_pattern" not in raw["data"]
    assert raw["data"]["sample_rate"] == 16000
    assert "12 recordings labelled by their class subfolders" in said
    trains(tmp_path)


def spoken_strings(root):
    """Twelve made-up 'utterances' of tones, each with a transcript of two or three letters."""
    data = root / "utterances"
    data.mkdir()
    rows = []
    for i, text in enumerate(["ab", "ba", "abc", "cab", "bca", "ac", "ca", "bb", "abb", "cc"]):
        pitches = [{"a": 300, "b": 700, "c": 1500}[letter] for letter in text]
        write_wav(data / f"u{i}.wav", np.concatenate([tone(hz, seconds=0.2) for hz in pitches]))
        rows.append(f"u{i}.wav\t{text}")
    (root / "transcripts.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    return data


def test_a_table_of_transcripts_beside_the_folder_makes_a_transcriber(tmp_path):
    raw, said = init(tmp_path, spoken_strings(tmp_path))
    assert raw["mapping"] == "many_to_many"
    assert raw["data"]["label_type"] == "sequence"
    assert raw["data"]["labels_file"] == "transcripts.tsv"  # relative to the recipe's folder
    assert raw["train"]["monitor"] == "cer"
    assert "by the table transcripts.tsv" in said
    trains(tmp_path)


def test_a_table_of_classes_inside_the_folder_makes_a_classifier(tmp_path):
    data = tmp_path / "clips"
    data.mkdir()
    rows = []
    for i in range(8):
        write_wav(data / f"r{i}.wav", tone(300 + 900 * (i % 2)))
        rows.append(f"r{i}.wav\t{'high' if i % 2 else 'low'}")
    (data / "labels.tsv").write_text("\n".join(rows) + "\n", encoding="utf-8")
    raw, _ = init(tmp_path, data)
    assert raw["mapping"] == "many_to_one" and raw["data"]["labels_file"] == "clips/labels.tsv"
    trains(tmp_path)


def test_task_transcriber_reads_fsdd_names_as_transcripts(tmp_path):
    raw, _ = init(tmp_path, FSDD, "--task", "transcriber")
    assert raw["mapping"] == "many_to_many" and raw["data"]["label_type"] == "sequence"


def test_recordings_with_no_labels_anywhere_are_one_line_saying_how_to_add_them(tmp_path):
    data = tmp_path / "loose"
    data.mkdir()
    for i in range(3):
        write_wav(data / f"take{i}.wav", tone(300))
    result = invoke("init", data, "--out", tmp_path / "recipe.yaml")
    assert result.exit_code == 2
    line = result.stderr.strip()
    assert "\n" not in line and str(data) in line and "labels.tsv" in line
