"""The tagger's readers: CoNLL-U and whitespace columns, their file:line errors, the split."""

from __future__ import annotations

from pathlib import Path

import pytest

from seqcli.data.tagged import Sentence, read_columns, read_conllu, split_sentences
from seqcli.errors import DataError

CONLLU = """\
# sent_id = 1
# text = Don't go.
1-2\tDon't\t_\t_\t_\t_\t_\t_\t_\t_
1\tDo\tdo\tAUX\tVBP\t_\t3\taux\t_\t_
2\tn't\tnot\tPART\tRB\t_\t3\tadvmod\t_\t_
3\tgo\tgo\tVERB\tVB\t_\t0\troot\t_\t_
3.1\tgo\tgo\tVERB\tVB\t_\t_\t_\t3:conj\t_
4\t.\t.\tPUNCT\t.\t_\t3\tpunct\t_\t_

# sent_id = 2
1\tHi\thi\tINTJ\tUH\t_\t0\troot\t_\t_
"""

COLUMNS = """\
-DOCSTART- -X- -X- O

EU NNP B-NP B-ORG
rejects VBZ B-VP O
German JJ B-NP B-MISC

Peter NNP B-NP B-PER
Blackburn NNP I-NP I-PER
"""


def write(tmp_path: Path, name: str, text: str) -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


# Readers


def test_conllu_skips_comments_multiword_ranges_and_empty_nodes(tmp_path):
    sentences = read_conllu(write(tmp_path, "a.conllu", CONLLU), label_column="upos")
    assert sentences == [
        Sentence(("Do", "n't", "go", "."), ("AUX", "PART", "VERB", "PUNCT")),
        Sentence(("Hi",), ("INTJ",)),
    ]


def test_conllu_label_column_is_chosen_by_name(tmp_path):
    sentences = read_conllu(write(tmp_path, "a.conllu", CONLLU), label_column="xpos")
    assert sentences[0].labels == ("VBP", "RB", "VB", ".")


def test_conllu_wrong_column_count_names_file_and_line(tmp_path):
    path = write(tmp_path, "a.conllu", CONLLU.replace("3\tgo\tgo\tVERB\tVB\t_\t0", "3\tgo\t0"))
    with pytest.raises(DataError, match=r"a.conllu:6: 6 tab-separated columns; CoNLL-U"):
        read_conllu(path, label_column="upos")


def test_conllu_empty_label_column_names_file_and_line(tmp_path):
    path = write(tmp_path, "a.conllu", CONLLU.replace("\tVBP\t", "\t_\t"))
    with pytest.raises(DataError, match=r"a.conllu:4: the xpos column is empty"):
        read_conllu(path, label_column="xpos")


def test_columns_skip_docstart_and_split_at_blank_lines(tmp_path):
    sentences = read_columns(write(tmp_path, "a.txt", COLUMNS), token_column=0, label_column=-1)
    assert sentences == [
        Sentence(("EU", "rejects", "German"), ("B-ORG", "O", "B-MISC")),
        Sentence(("Peter", "Blackburn"), ("B-PER", "I-PER")),
    ]


def test_columns_label_column_counts_from_zero(tmp_path):
    sentences = read_columns(write(tmp_path, "a.txt", COLUMNS), token_column=0, label_column=2)
    assert sentences[1].labels == ("B-NP", "I-NP")


def test_columns_wrong_column_count_names_file_and_line(tmp_path):
    path = write(tmp_path, "a.txt", COLUMNS.replace("rejects VBZ B-VP O", "rejects O"))
    with pytest.raises(DataError, match=r"a.txt:4: 2 columns, but line 3 has 4"):
        read_columns(path, token_column=0, label_column=-1)


def test_columns_missing_label_column_names_file_and_line(tmp_path):
    path = write(tmp_path, "a.txt", COLUMNS)
    with pytest.raises(DataError, match=r"a.txt:3: data.label_column 4 is missing"):
        read_columns(path, token_column=0, label_column=4)


def test_bad_utf8_names_file_and_line(tmp_path):
    path = tmp_path / "a.txt"
    path.write_bytes(b"EU B-ORG\n\nbad\xff O\n")
    with pytest.raises(DataError, match=r"a.txt:3: not UTF-8 \(byte 0xff at column 4\)"):
        read_columns(path, token_column=0, label_column=1)


def test_a_missing_file_is_a_data_error(tmp_path):
    with pytest.raises(DataError, match="nope.conllu: data file not found"):
        read_conllu(tmp_path / "nope.conllu", label_column="upos")


def test_a_byte_order_mark_is_not_part_of_the_first_token(tmp_path):
    path = write(tmp_path, "a.txt", "\ufeffEU B-ORG\n")
    assert read_columns(path, token_column=0, label_column=1)[0].words == ("EU",)


def test_columns_token_column_picks_the_token(tmp_path):
    sentences = read_columns(write(tmp_path, "a.txt", COLUMNS), token_column=1, label_column=-1)
    assert sentences[1].words == ("NNP", "NNP")


@pytest.mark.parametrize("text", ["", "\n\n", "# only a comment\n"])
def test_a_file_without_sentences_is_an_error(tmp_path, text):
    with pytest.raises(DataError, match=r"e.conllu: no sentences"):
        read_conllu(write(tmp_path, "e.conllu", text), label_column="upos")


def test_split_holds_out_seeded_disjoint_sentences():
    sentences = [Sentence((str(i),), ("X",)) for i in range(100)]
    splits = split_sentences(sentences, val_fraction=0.1, test_fraction=0.2, seed=3)
    sizes = {name: len(part) for name, part in splits.items()}
    assert sizes == {"val": 10, "test": 20, "train": 70}
    assert len({s.words for part in splits.values() for s in part}) == 100
    again = split_sentences(sentences, val_fraction=0.1, test_fraction=0.2, seed=3)
    assert again == splits
