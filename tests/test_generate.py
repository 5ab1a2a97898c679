import time

import pytest
import torch

from seqcli.data.vocab import Vocab
from seqcli.decoding.sampling import Sampling, generate, pick_next
from seqcli.engine.run import new_run
from seqcli.errors import UsageError
from seqcli.recipe import validate_recipe
from seqcli.tasks import TASKS
from tests.conftest import tiny_recipe

CPU = torch.device("cpu")


@pytest.fixture
def run(corpus):
    recipe = validate_recipe(
        tiny_recipe(corpus, model={"layers": 2, "hidden_size": 64}), source="test"
    )
    vocab = Vocab(tokens=tuple("abcdefgh\n "), tokenizer="char")
    return new_run(recipe, TASKS[recipe.task], vocab, CPU)


def sample(run, *, length=40, seed=0, **sampling):
    tokens = generate(run, [0, 1, 2], length=length, sampling=Sampling(**sampling), seed=seed)
    return [int(t[0]) for t in tokens]


def test_same_seed_gives_same_text(run):
    assert sample(run, seed=3) == sample(run, seed=3)


def test_different_seeds_give_different_text(run):
    assert sample(run, seed=3) != sample(run, seed=4)


def test_greedy_and_top_k_one_agree(run):
    assert sample(run, greedy=True) == sample(run, top_k=1)


def test_tiny_top_p_is_greedy(run):
    assert sample(run, top_p=1e-6) == sample(run, greedy=True)


def test_top_k_never_picks_outside_the_k_likeliest():
    logits = torch.tensor([[0.0, 5.0, 4.0, -1.0]]).repeat(200, 1)
    picks = pick_next(logits, Sampling(top_k=2), torch.Generator().manual_seed(0))
    assert set(picks.tolist()) == {1, 2}


def test_top_p_keeps_the_smallest_set_reaching_the_mass():
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]]).repeat(500, 1)
    picks = pick_next(probs.log(), Sampling(top_p=0.8), torch.Generator().manual_seed(0))
    assert set(picks.tolist()) == {0, 1}


def test_low_temperature_concentrates_on_the_likeliest():
    logits = torch.tensor([[1.0, 1.5, 0.5]]).repeat(300, 1)
    picks = pick_next(logits, Sampling(temperature=0.01), torch.Generator().manual_seed(0))
    assert set(picks.tolist()) == {1}


def test_several_samples_come_out_together(run):
    tokens = list(generate(run, [0], length=5, sampling=Sampling(), num_samples=3, seed=1))
    assert len(tokens) == 5 and all(t.shape == (3,) for t in tokens)


def test_empty_prime_is_an_error(run):
    with pytest.raises(UsageError, match="prime"):
        list(generate(run, [], length=5, sampling=Sampling()))


def test_prime_read_in_one_fused_call_matches_stepping_it(run):
    prime = [0, 1, 2, 3, 4, 5]
    stepper, layers = run.model.eval().stepper(), None
    with torch.no_grad():
        for token in prime:
            logits, layers = stepper(torch.tensor([token]), layers)
        expected = []
        for _ in range(10):
            token = logits.argmax(-1)
            expected.append(int(token[0]))
            logits, layers = stepper(token, layers)
    greedy = generate(run, prime, length=10, sampling=Sampling(greedy=True))
    assert [int(t[0]) for t in greedy] == expected


def test_time_per_token_does_not_grow_with_length(run):
    def per_token(length):
        start = time.perf_counter()
        for _ in generate(run, [0, 1], length=length, sampling=Sampling()):
            pass
        return (time.perf_counter() - start) / length

    per_token(50)  # warm up
    # Interleaved, best of five: a busy machine slows some rounds, rarely all of one length.
    rounds = [(per_token(200), per_token(2000)) for _ in range(5)]
    short, long = min(r[0] for r in rounds), min(r[1] for r in rounds)
    assert long < short * 1.5
