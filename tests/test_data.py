import numpy as np
import pytest

from seqcli.data import build_data, split_ids
from seqcli.data.batching import CarriedWindows, RandomWindows
from seqcli.data.corpus import load_corpus
from seqcli.data.vocab import Vocab
from seqcli.errors import DataError
from seqcli.recipe import TextData


def test_char_tokens_are_code_points_not_bytes(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("héllo → wörld\n", encoding="utf-8")
    ids, vocab = load_corpus(path, "char")
    assert len(ids) == len("héllo → wörld\n")
    assert vocab.decode(ids) == "héllo → wörld\n"


def test_word_tokens_end_lines_with_eos(tmp_path):
    path = tmp_path / "t.txt"
    path.write_text("the cat\nthe dog\n", encoding="utf-8")
    ids, vocab = load_corpus(path, "word")
    assert [vocab.tokens[i] for i in ids] == ["the", "cat", "<eos>", "the", "dog", "<eos>"]


def test_non_utf8_names_file_and_byte_offset(tmp_path):
    path = tmp_path / "bad.txt"
    path.write_bytes(b"good line\nbad \xff here\n")
    with pytest.raises(DataError, match=r"bad.txt: not UTF-8 at byte offset 14"):
        load_corpus(path, "char")


def test_empty_corpus_is_an_error(tmp_path):
    path = tmp_path / "empty.txt"
    path.write_text("", encoding="utf-8")
    with pytest.raises(DataError, match="corpus is empty"):
        load_corpus(path, "char")


def test_missing_corpus_is_an_error(tmp_path):
    with pytest.raises(DataError, match="not found"):
        load_corpus(tmp_path / "nope.txt", "char")


def test_corpus_cache_is_reused(corpus):
    first, _ = load_corpus(corpus, "char")
    second, _ = load_corpus(corpus, "char")
    assert first.filename == second.filename and isinstance(second, np.memmap)


def test_splits_are_contiguous_tail_fractions():
    splits = split_ids(np.arange(100), val_fraction=0.1, test_fraction=0.2)
    assert list(splits["train"]) == list(range(70))
    assert list(splits["val"]) == list(range(70, 80))
    assert list(splits["test"]) == list(range(80, 100))


def test_carried_windows_continue_each_stream():
    windows = CarriedWindows(np.arange(1000), batch_size=4, seq_len=10, what="t")
    first, second = next(windows), next(windows)
    assert first.fresh_state and not second.fresh_state
    assert (second.inputs[:, 0] == first.inputs[:, -1] + 1).all()
    assert (first.targets == first.inputs + 1).all()
    assert (first.inputs[:, 0].numpy() == [0, 250, 500, 750]).all()


def test_carried_windows_wrap_at_epoch_end_with_fresh_state():
    windows = CarriedWindows(np.arange(100), batch_size=2, seq_len=10, what="t")
    batches = [next(windows) for _ in range(len(windows) + 1)]
    assert batches[-1].fresh_state and (batches[-1].inputs == batches[0].inputs).all()


def test_random_windows_resume_from_state():
    windows = RandomWindows(np.arange(1000), batch_size=3, seq_len=8, seed=1, what="t")
    next(windows)
    state = windows.state_dict()
    expected = next(windows).inputs
    again = RandomWindows(np.arange(1000), batch_size=3, seq_len=8, seed=99, what="t")
    again.load_state_dict(state)
    assert (next(again).inputs == expected).all()


def test_too_little_data_for_the_batch_is_an_error():
    with pytest.raises(DataError, match="lower train.batch_size"):
        CarriedWindows(np.arange(10), batch_size=8, seq_len=4, what="split")


def test_corpus_shorter_than_a_window_is_an_error():
    with pytest.raises(DataError, match="shorter than one window"):
        RandomWindows(np.arange(10), batch_size=2, seq_len=32, seed=0, what="split")


def test_vocab_refuses_unknown_tokens_by_name():
    vocab = Vocab(tokens=("a", "b"), tokenizer="char")
    with pytest.raises(DataError, match=r"'z'"):
        vocab.encode("abz", what="prime")
    assert vocab.encode("abz", what="prime", skip_unknown=True) == [0, 1]


def test_build_data_reindexes_into_a_given_vocab(corpus):
    bundle = build_data(TextData(path=corpus))
    bigger = Vocab(tokens=("\x00", *bundle.vocab.tokens), tokenizer="char")
    again = build_data(TextData(path=corpus), vocab=bigger)
    assert (np.asarray(again.splits["train"]) == np.asarray(bundle.splits["train"]) + 1).all()


def test_word_vocab_comes_from_the_training_split_only(tmp_path):
    """'a b a' trains; 'c' appears only in the test split, so it is <unk> there (min_freq 1)."""
    from seqcli.data import build_data
    from seqcli.recipe import TextData

    path = tmp_path / "corpus.txt"
    path.write_text("a b a b a b a b\na c\n")
    config = TextData(path=path, tokenizer="word", val_fraction=0.0, test_fraction=0.2)
    bundle = build_data(config)
    assert "c" not in bundle.vocab.index
    assert bundle.vocab.tokens[0] == "<unk>"
    test = [bundle.vocab.tokens[i] for i in bundle.splits["test"]]
    assert test == ["<unk>", "<eos>"]
