"""On a CUDA machine: the fast paths give the CPU's numbers. Skipped where there is no GPU."""

from __future__ import annotations

import pytest
import torch

from seqcli.engine.contract import Batch, to_device
from tests.conftest import SHIPPED, train_briefly

pytestmark = pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA device")
CUDA = torch.device("cuda")


def test_a_batch_reaches_the_gpu_from_pinned_memory_unchanged():
    ids = torch.arange(12).view(3, 4)
    batch = Batch({"x": ids}, ids + 1, size=12).to(CUDA)
    torch.cuda.synchronize()
    assert batch.inputs["x"].device.type == "cuda"
    assert torch.equal(batch.inputs["x"].cpu(), ids) and torch.equal(batch.targets.cpu(), ids + 1)
    assert to_device(batch.targets, CUDA) is batch.targets  # already there: no copy


@pytest.mark.parametrize("task", sorted(SHIPPED))
def test_every_task_trains_on_the_gpu_as_on_the_cpu(tmp_path, task):
    """cuDNN and the CPU kernels sum in other orders: the losses agree to float tolerance."""
    _, on_cpu = train_briefly(task, tmp_path / "cpu")
    _, on_gpu = train_briefly(task, tmp_path / "gpu", device="cuda")
    losses = [[e.loss for e in events if type(e).__name__ == "Step"] for events in (on_cpu, on_gpu)]
    assert losses[0] == pytest.approx(losses[1], rel=1e-3, abs=1e-4)


def test_sampling_draws_on_the_gpu_and_a_seed_repeats_the_text(tmp_path):
    from typer.testing import CliRunner

    from seqcli.cli import app

    train_briefly("language_model", tmp_path / "run", device="cuda")
    args = ["generate", str(tmp_path / "run"), "--length", "40", "--seed", "3", "--device", "cuda"]
    first, second = (CliRunner().invoke(app, args) for _ in range(2))
    assert first.exit_code == 0, first.output
    assert first.stdout == second.stdout and len(first.stdout) >= 40
