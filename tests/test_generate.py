"""Picking the next token (temperature, top-k, top-p, greedy, repetition penalty, min_length)
and the one autoregressive loop every sampler runs through."""

import math
import time

import pytest
import torch

from seqcli.data.vocab import Vocab
from seqcli.decoding.autoregress import autoregress
from seqcli.decoding.requests import Draw, Prompt, Request
from seqcli.decoding.sampling import TokenPicker, adjust_scores, distribution, pick_next
from seqcli.engine.run import new_run
from seqcli.errors import UsageError
from seqcli.recipe import validate_recipe
from seqcli.recipe.training import Sampling
from seqcli.tasks import TASKS
from seqcli.tasks.language_model import sample_tokens
from tests.conftest import tiny_recipe

CPU = torch.device("cpu")


@pytest.fixture
def run(corpus):
    recipe = validate_recipe(
        tiny_recipe(corpus, model={"layers": 2, "hidden_size": 64}), source="test"
    )
    vocab = Vocab(tokens=tuple("abcdefgh\n "), tokenizer="char")
    return new_run(recipe, TASKS[recipe.task], vocab, CPU)


def sample(run, *, length=40, seed=0, prime=(0, 1, 2), **sampling):
    draw = Draw(Sampling(**sampling), seed=seed)
    return [int(t[0]) for t in sample_tokens(run, list(prime), length=length, draw=draw)]


def draws(scores, sampling, count=500):
    picks = pick_next(scores.repeat(count, 1), sampling, torch.Generator().manual_seed(0))
    return set(picks.tolist())


def test_same_seed_gives_same_text(run):
    assert sample(run, seed=3) == sample(run, seed=3)


def test_the_seed_decides_the_draws(run):
    texts = {tuple(sample(run, seed=seed)) for seed in range(4)}
    assert len(texts) == 4


def test_greedy_and_top_k_one_agree(run):
    assert sample(run, greedy=True) == sample(run, top_k=1)


def test_tiny_top_p_is_greedy(run):
    assert sample(run, top_p=1e-6) == sample(run, greedy=True)


def test_top_k_never_picks_outside_the_k_likeliest():
    assert draws(torch.tensor([[0.0, 5.0, 4.0, -1.0]]), Sampling(top_k=2)) == {1, 2}


def test_top_p_keeps_the_smallest_set_reaching_the_mass():
    probs = torch.tensor([[0.5, 0.3, 0.15, 0.05]])
    assert draws(probs.log(), Sampling(top_p=0.8)) == {0, 1}


def test_top_k_and_top_p_together_sample_only_what_both_allow():
    # top-k 3 keeps tokens 0, 1, 2 and renormalizes them to 0.5, 0.3, 0.2; top-p 0.7 then
    # keeps the smallest set holding 0.7 of that mass: 0 and 1.
    probs = torch.tensor([[0.45, 0.27, 0.18, 0.1]])
    assert draws(probs.log(), Sampling(top_k=3, top_p=0.7), count=2000) == {0, 1}
    assert draws(probs.log(), Sampling(top_k=3), count=2000) == {0, 1, 2}


def test_low_temperature_concentrates_on_the_likeliest():
    assert draws(torch.tensor([[1.0, 1.5, 0.5]]), Sampling(temperature=0.01)) == {1}


def test_repetition_penalty_divides_positive_and_multiplies_negative_scores_of_seen_tokens():
    scores = torch.tensor([[2.0, 1.0, -1.0, -3.0]])
    seen = torch.tensor([[True, False, True, False]])
    adjusted = adjust_scores(
        scores, Sampling(repetition_penalty=2.0), seen=seen, written=0, stop=None
    )
    assert adjusted.tolist() == [[1.0, 1.0, -2.0, -3.0]]


def test_a_strong_repetition_penalty_keeps_greedy_from_repeating_the_context():
    picker = TokenPicker(
        Sampling(greedy=True, repetition_penalty=100.0),
        torch.Generator(),
        context=torch.tensor([0]),
    )
    scores = torch.tensor([[5.0, 4.0, 3.0, 2.0]])
    assert [int(picker(scores)[0]) for _ in range(3)] == [1, 2, 3]


def test_min_length_holds_the_end_token_back():
    picker = TokenPicker(Sampling(greedy=True, min_length=2), torch.Generator(), stop=3)
    scores = torch.tensor([[0.0, 1.0, 0.5, 9.0]])  # the end token is by far the likeliest
    assert [int(picker(scores)[0]) for _ in range(3)] == [1, 1, 3]


def test_the_loop_stops_when_every_row_has_ended_and_pads_the_ended_rows():
    plan = torch.tensor([[5, 1], [5, 5], [1, 5]])  # row 0 ends at step 0, row 1 at step 2

    def step(current, state):
        t = 0 if state is None else state
        return torch.nn.functional.one_hot(plan[t], 6).float(), t + 1

    picks = list(autoregress(step, torch.zeros(2), steps=10, pick=lambda s: s.argmax(-1), stop=5))
    assert [p.token.tolist() for p in picks] == [[5, 1], [5, 5]]
    assert [p.ended.tolist() for p in picks] == [[False, False], [True, False]]


def test_several_samples_come_out_together(run):
    draw = Draw(Sampling(), seed=1, num_samples=3)
    tokens = list(sample_tokens(run, [0], length=5, draw=draw))
    assert len(tokens) == 5 and all(t.shape == (3,) for t in tokens)


def test_a_prime_without_known_tokens_is_an_error_before_anything_is_written(run):
    request = Request(Draw(Sampling()), prompt=Prompt("zzz", "--prime", skip_unknown=True))
    with pytest.raises(UsageError, match="prime has no tokens"):
        run.task.generate(run, request)


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
    assert sample(run, prime=prime, length=10, greedy=True) == expected


def test_time_per_token_does_not_grow_with_length(run):
    def per_token(length):
        start = time.perf_counter()
        sample(run, prime=(0, 1), length=length)
        return (time.perf_counter() - start) / length

    per_token(50)  # warm up
    # Interleaved, best of five: a busy machine slows some rounds, rarely all of one length.
    rounds = [(per_token(200), per_token(2000)) for _ in range(5)]
    short, long = min(r[0] for r in rounds), min(r[1] for r in rounds)
    assert long < short * 3  # quadratic growth would make it ~10x; load spikes stay under 3x


# --- locally typical sampling (Meister et al. 2022) -------------------------------------------


def typical_reference(probs: list[float], mass: float) -> dict[int, float]:
    """The paper's typical set: tokens ordered by how far their surprisal -log p lies from the
    entropy H(p), the shortest prefix of that order whose probability reaches the mass; the
    draw is from those tokens, renormalised."""
    entropy = -sum(p * math.log(p) for p in probs if p > 0)
    order = sorted(range(len(probs)), key=lambda i: abs(-math.log(probs[i]) - entropy))
    kept, total = [], 0.0
    for i in order:
        kept.append(i)
        total += probs[i]
        if total >= mass:
            break
    return {i: probs[i] / total for i in kept}


def drawn_from(probs: list[float], sampling: Sampling) -> dict[int, float]:
    weights = distribution(torch.tensor([probs], dtype=torch.float64).log(), sampling)[0]
    return {i: w / weights.sum().item() for i, w in enumerate(weights.tolist()) if w > 0}


@pytest.mark.parametrize(
    "probs",
    [[0.6, 0.2, 0.1, 0.05, 0.05], [0.3, 0.25, 0.2, 0.15, 0.1], [0.9, 0.04, 0.03, 0.02, 0.01]],
)
@pytest.mark.parametrize("mass", [0.15, 0.55, 0.85, 0.96])  # none a sum of the first few
def test_typical_sampling_draws_from_the_papers_typical_set(probs, mass):
    expected = typical_reference(probs, mass)
    found = drawn_from(probs, Sampling(typical_p=mass))
    assert found.keys() == expected.keys()
    assert list(found.values()) == pytest.approx([expected[i] for i in found])


def test_typical_sampling_can_leave_out_the_likeliest_token():
    # H = 1.16 nats; token 1's surprisal (1.61) is nearer to it than token 0's (0.51).
    assert drawn_from([0.6, 0.2, 0.1, 0.05, 0.05], Sampling(typical_p=0.15)) == {1: 1.0}


def test_typical_sampling_after_top_k_reads_the_entropy_of_what_top_k_kept():
    probs = [0.5, 0.3, 0.12, 0.05, 0.03]
    top = [p / sum(probs[:3]) for p in probs[:3]]
    expected = typical_reference(top, 0.5)
    found = drawn_from(probs, Sampling(top_k=3, typical_p=0.5))
    assert found == pytest.approx(expected)


def assert_typical(scores: torch.Tensor, weights: torch.Tensor, mass: float) -> None:
    """Each row of weights draws from the typical set of softmax(scores), by the paper's
    definition: closest surprisals first, and the shortest such set that reaches the mass."""
    for row, weight in zip(torch.softmax(scores.double(), -1), weights.double(), strict=True):
        kept = weight > 0
        distance = (-row.log() - -(row * row.log()).nansum()).abs()
        assert row[kept].sum() >= mass - 1e-6
        assert row[kept].sum() - row[kept][distance[kept].argmax()] < mass + 1e-6
        if not kept.all():
            assert distance[kept].max() <= distance[~kept].min() + 1e-6
        torch.testing.assert_close(
            weight / weight.sum(), torch.where(kept, row, 0) / row[kept].sum()
        )


FLAGS = {
    "language_model": {"length": 6},
    "conditioned_text": {"condition": "Russian", "length": 6},
    "translator": {"input": "123\n45"},
}


@pytest.mark.parametrize("task", sorted(FLAGS))
def test_typical_p_shapes_every_token_each_sampling_task_writes(task, tmp_path, monkeypatch):
    from seqcli.cli.requests import build_request
    from seqcli.decoding import sampling
    from tests.conftest import train_briefly

    trainer, _ = train_briefly(task, tmp_path / "run")
    seen, original = [], sampling.distribution

    def watched(scores, chosen):
        weights = original(scores, chosen)
        seen.append((scores / chosen.temperature, weights, chosen))
        return weights

    monkeypatch.setattr(sampling, "distribution", watched)
    request = build_request(trainer.run.recipe, {"typical_p": 0.4, **FLAGS[task]})
    "".join(trainer.run.task.generate(trainer.run, request).chunks)
    assert seen  # a translator that ran beam search instead would pick nothing here
    for scores, weights, chosen in seen:
        assert (chosen.typical_p, chosen.top_k, chosen.top_p) == (0.4, None, None)
        assert_typical(scores, weights, chosen.typical_p)


@pytest.mark.parametrize(("chunks", "warned"), [(["\n", " \n"], True), (["\n", "a\n"], False)])
def test_an_output_of_nothing_but_whitespace_is_written_with_a_warning(chunks, warned, capsys):
    from seqcli.cli.generate import write_generated
    from seqcli.decoding.requests import Generated

    write_generated(Generated(iter(chunks)), output=None, plot=None, attention=None)
    captured = capsys.readouterr()
    assert captured.out == "".join(chunks)
    assert ("warning: the output is empty" in captured.err) is warned
