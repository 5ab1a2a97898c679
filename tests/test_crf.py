"""The CRF against brute force: its loss is -log p(gold) over every label sequence, its
Viterbi path the best of them, and with BIO/BIOES labels no decoded path breaks the scheme."""

from __future__ import annotations

import itertools
import random

import pytest
import torch

from seqcli.errors import DataError
from seqcli.models.crf import LinearChainCRF, allowed
from seqcli.recipe import validate_recipe
from seqcli.tasks.tagger.task import TaggerTask
from tests.test_tagged_data import write
from tests.test_tagger import tagger_recipe, trained

LABELS = ["O", "B-X", "I-X", "B-Y", "I-Y"]
BIOES = ["O", "B-X", "I-X", "E-X", "S-X"]


def crf_with_random_scores(labels, *, constrained, seed=0):
    torch.manual_seed(seed)
    crf = LinearChainCRF(labels, constrained=constrained)
    with torch.no_grad():
        for parameter in crf.parameters():
            parameter.normal_()
    return crf


@torch.no_grad()
def path_score(crf, emissions, path):
    transitions, start, end = crf.scores()
    score = (
        start[path[0]] + end[path[-1]] + sum(emissions[t, label] for t, label in enumerate(path))
    )
    return score + sum(transitions[a, b] for a, b in zip(path[:-1], path[1:], strict=True))


def every_path(size, length):
    return [list(path) for path in itertools.product(range(size), repeat=length)]


@pytest.mark.parametrize("constrained", [False, True])
def test_loss_is_minus_log_probability_over_every_sequence(constrained):
    crf = crf_with_random_scores(LABELS, constrained=constrained)
    lengths = [4, 2, 3]
    emissions = torch.randn(3, 4, len(LABELS))
    mask = torch.arange(4)[None, :] < torch.tensor(lengths)[:, None]
    gold = torch.tensor([[0, 1, 2, 0], [3, 4, 0, 0], [1, 0, 3, 0]])
    expected = 0.0
    for row, length in enumerate(lengths):
        scores = torch.stack([path_score(crf, emissions[row], p) for p in every_path(5, length)])
        expected += torch.logsumexp(scores, 0) - path_score(
            crf, emissions[row], gold[row, :length].tolist()
        )
    assert torch.allclose(crf.nll(emissions, gold, mask), expected, atol=1e-4)


@pytest.mark.parametrize(
    ("labels", "constrained"), [(LABELS, False), (LABELS, True), (BIOES, True)]
)
def test_viterbi_finds_the_best_sequence(labels, constrained):
    crf = crf_with_random_scores(labels, constrained=constrained, seed=1)
    lengths = [4, 1, 3]
    emissions = torch.randn(3, 4, len(labels))
    mask = torch.arange(4)[None, :] < torch.tensor(lengths)[:, None]
    decoded = crf.decode(emissions, mask)
    for row, length in enumerate(lengths):
        best = max(
            every_path(len(labels), length), key=lambda p: float(path_score(crf, emissions[row], p))
        )
        assert decoded[row] == best


@pytest.mark.parametrize("labels", [LABELS, BIOES])
def test_constrained_paths_keep_the_scheme(labels):
    crf = crf_with_random_scores(labels, constrained=True, seed=2)
    emissions = torch.randn(50, 6, len(labels)) * 5
    bioes = labels is BIOES
    for path in crf.decode(emissions, torch.ones(50, 6, dtype=torch.bool)):
        named = ["", *(labels[i] for i in path), ""]
        assert all(allowed(a, b, bioes=bioes) for a, b in zip(named[:-1], named[1:], strict=True))


def test_the_scheme_rules_match_the_span_reader():
    assert not allowed("O", "I-X", bioes=False) and allowed("B-X", "I-X", bioes=False)
    assert not allowed("B-X", "I-Y", bioes=False) and allowed("B-X", "O", bioes=False)
    assert not allowed("B-X", "O", bioes=True) and allowed("E-X", "O", bioes=True)
    assert not allowed("I-X", "", bioes=True) and allowed("S-X", "", bioes=True)


def span_corpus(tmp_path, sentences: int = 120, *, iob1: bool = False):
    """Names of one to three words after 'meet' or 'visit': PER or LOC spans in BIO."""
    rng = random.Random(0)
    lines = []
    for _ in range(sentences):
        verb, kind = rng.choice([("meet", "PER"), ("visit", "LOC")])
        name = [rng.choice("abcdefgh") for _ in range(rng.randint(1, 3))]
        first = "I" if iob1 else "B"
        tags = ["O", f"{first}-{kind}", *(f"I-{kind}" for _ in name[1:]), "O"]
        words = [verb, *name, "now"]
        lines += [f"{w} {t}" for w, t in zip(words, tags, strict=True)] + [""]
    return write(tmp_path, "spans.txt", "\n".join(lines))


def test_a_crf_tagger_learns_and_never_breaks_the_scheme(tmp_path):
    raw = tagger_recipe(span_corpus(tmp_path), crf=True)
    task, run, data = trained(raw, steps=60)
    metrics = task.evaluate(run, data.splits["val"])
    assert metrics["f1"] > 0.9
    for row in task.predict(run, ["meet a b c now", "visit h now", "a b c d e"]):
        named = ["", *row["labels"], ""]
        assert all(allowed(a, b, bioes=False) for a, b in zip(named[:-1], named[1:], strict=True))


def test_data_the_scheme_forbids_is_refused_for_a_crf(tmp_path):
    recipe = validate_recipe(tagger_recipe(span_corpus(tmp_path, iob1=True), crf=True), source="r")
    with pytest.raises(DataError, match=r"the start -> I-|O -> I-"):
        TaggerTask().prepare(recipe)
