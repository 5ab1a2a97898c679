import math

import numpy as np
import pytest
import torch
import torch.nn.functional as F

from seqcli.data.vocab import Vocab
from seqcli.engine.run import new_run
from seqcli.errors import DataError
from seqcli.metrics.language import token_metrics
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS
from tests.conftest import tiny_recipe


@pytest.fixture
def run(corpus):
    recipe = validate_recipe(
        tiny_recipe(corpus, train={"batch_size": 1, "seq_len": 7}), source="test"
    )
    vocab = Vocab(tokens=tuple("abcdef"), tokenizer="char")
    return new_run(recipe, TASKS[recipe.task], vocab, torch.device("cpu"))


def test_metrics_follow_from_the_summed_loss():
    metrics = token_metrics(total_loss=20.0, correct=3, tokens=10, chars=10)
    assert metrics["loss"] == 2.0
    assert metrics["perplexity"] == pytest.approx(math.exp(2.0))
    assert metrics["bpc"] == pytest.approx(2.0 / math.log(2))
    assert metrics["accuracy"] == 0.3


def test_bits_per_character_spread_the_loss_over_the_characters_covered():
    # 5 tokens of 4 characters each: a token's nats over 4 characters, in bits.
    metrics = token_metrics(total_loss=10.0, correct=0, tokens=5, chars=20)
    assert metrics["bpc"] == pytest.approx(10.0 / (20 * math.log(2)))


def test_metrics_without_text_report_no_bits_per_character():
    assert "bpc" not in token_metrics(4.0, 1, 2, chars=None)


def test_evaluation_matches_one_pass_over_the_whole_split(run):
    ids = np.random.default_rng(0).integers(0, 6, size=50).astype(np.uint16)
    metrics = run.task.evaluate(run, ids)
    x = torch.from_numpy(ids.astype(np.int64))
    with torch.no_grad():
        logits = run.model.eval()(x[None, :-1]).out[0]  # (T, V)
    expected = F.cross_entropy(logits, x[1:]).item()
    accuracy = (logits.argmax(-1) == x[1:]).float().mean().item()
    assert metrics["loss"] == pytest.approx(expected, abs=1e-5)
    assert metrics["accuracy"] == pytest.approx(accuracy)


def test_empty_split_is_an_error(run):
    with pytest.raises(DataError, match="held-out split is empty"):
        run.task.evaluate(run, np.zeros(1, dtype=np.uint16))
