"""The memory estimate a run is refused by: its parts counted as the optimizer and autograd
hold them, its probe scaled as activations grow, and nothing of the run changed by it."""

from __future__ import annotations

import subprocess
import sys

import pytest
import torch

from seqcli.engine import memory
from seqcli.engine.start import fresh_run
from seqcli.errors import RecipeError
from seqcli.models import count_parameters
from seqcli.recipe import validate_recipe
from seqcli.tasks import task_for
from tests.conftest import tiny_recipe

CPU = torch.device("cpu")


def run_of(corpus, **train):
    recipe = validate_recipe(tiny_recipe(corpus, train=train), source="tiny")
    return fresh_run(recipe, task_for(recipe), device=CPU)


@pytest.mark.parametrize(("optimizer", "copies"), [("adam", 4), ("adamw", 4), ("sgd", 3)])
def test_weights_are_counted_with_gradients_and_moments(corpus, optimizer, copies):
    run, data = run_of(corpus, optimizer=optimizer)
    need = memory.training_need(run, data)
    assert need.parameters == count_parameters(run.model)
    assert need.weight_bytes == count_parameters(run.model) * 4 * copies


def test_a_model_on_the_meta_device_has_the_real_ones_parameters(corpus):
    run, _ = run_of(corpus)
    shapes = memory.model_on_meta(run.task, run.recipe, run.meta)
    assert memory.weights_need(shapes).parameters == count_parameters(run.model)
    assert all(p.is_meta for p in shapes.parameters())


@pytest.mark.parametrize("batch_size", [8, 32])
def test_the_probe_scaled_to_the_batch_is_what_the_batch_saves(corpus, batch_size):
    run, data = run_of(corpus, batch_size=batch_size)
    batch = next(run.task.batches(data, run.recipe))
    measured = memory.saved_bytes(run.model.train(), batch)
    estimated = memory.activation_bytes(run, data)
    assert abs(estimated - measured) <= 0.15 * measured


def test_the_probe_leaves_the_random_state_as_it_was(corpus):
    run, data = run_of(corpus)
    before = torch.get_rng_state()
    memory.training_need(run, data)
    assert torch.equal(torch.get_rng_state(), before)


def test_a_run_that_fits_is_not_refused_and_one_that_does_not_says_its_estimate(corpus):
    run, data = run_of(corpus)
    need = memory.training_need(run, data)
    memory.AVAILABLE["cpu"], previous = (lambda device: need.total), memory.AVAILABLE["cpu"]
    try:
        memory.require(need, CPU, "recipe tiny", run.task.spec)
        memory.AVAILABLE["cpu"] = lambda device: need.total - 1
        with pytest.raises(RecipeError, match=r"recipe tiny: the run needs about .*"):
            memory.require(need, CPU, "recipe tiny", run.task.spec)
    finally:
        memory.AVAILABLE["cpu"] = previous


def test_an_address_space_limit_counts_as_what_is_free():
    limit = 6 << 30
    code = (
        "import resource, torch; from seqcli.engine import memory;"
        f"resource.setrlimit(resource.RLIMIT_AS, ({limit}, {limit}));"
        "print(memory.available_bytes(torch.device('cpu')))"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    free = int(out.stdout)
    assert 0 < free < limit
    assert memory.available_bytes(CPU) > 0


@pytest.mark.parametrize(
    ("task", "advice"),
    [
        (
            "language_model",
            "lower model.hidden_size, model.layers, train.batch_size, train.seq_len",
        ),
        ("classifier", "lower model.hidden_size, model.layers, train.batch_size"),
        ("hopfield", "the data decides a Hopfield network's size: use less"),
    ],
)
def test_memory_advice_names_only_keys_the_task_reads(task, advice):
    from seqcli.recipe.tasks import SPECS

    assert memory.advice(SPECS[task]) == advice


@pytest.mark.parametrize(
    ("count", "text"), [(512, "512 bytes"), (3 << 20, "3.0 MiB"), (8e30, "7.28e+18 TiB")]
)
def test_sizes_read_in_binary_units(count, text):
    assert memory.size(count) == text
