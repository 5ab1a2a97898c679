"""A trainer's state as a checkpoint holds it, and put back from one: a resumed run goes on
exactly as if it had never stopped."""

from __future__ import annotations

from typing import TYPE_CHECKING

import torch

from seqcli.engine import distributed
from seqcli.models.state import map_state
from seqcli.recipe import recipe_to_dict

if TYPE_CHECKING:
    from seqcli.engine.train import Trainer


def checkpoint_payload(trainer: Trainer, *, with_training: bool) -> dict:
    """best.pt's contents; last.pt's (with_training) also hold what a resume needs."""
    run = trainer.run
    payload = {
        "recipe": recipe_to_dict(run.recipe),
        "meta": run.meta.to_dict(),
        "model": {name: t.detach().cpu() for name, t in run.model.state_dict().items()},
        "step": trainer.step,
        "best": trainer.monitor.record(),
        "embeddings": list(run.embeddings),
        "data_digest": trainer.data_digest,  # evaluate trusts the stored data path by it
        **trainer.world.batch_record(run.recipe.train),
    }
    if with_training:
        payload["training"] = {
            "optimizer": trainer.optimizer.state_dict(),
            "lr": trainer.lr.state_dict(),
            "batches": trainer.batches.state_dict(),
            "rng": trainer.rng_at_validation if trainer.validation_due else torch.get_rng_state(),
            "carried_state": _to_cpu(trainer.world.gather_state(trainer.state)),
            "ranks": trainer.world.size,
            **trainer.monitor.state_dict(),
            "validation_due": trainer.validation_due,
            "data_digest": trainer.data_digest,
            "logbook": trainer.logbook.state_dict(),
        }
    return payload


def restore(trainer: Trainer, checkpoint: dict) -> None:
    """Put the trainer where last.pt left it (checked before by runs.stored.check_training)."""
    training = checkpoint["training"]
    trainer.step = trainer.last_saved = checkpoint["step"]
    trainer.optimizer.load_state_dict(training["optimizer"])
    trainer.lr.load_state_dict(training["lr"])
    distributed.restore_stream(trainer.batches, training, trainer.world)
    torch.set_rng_state(training["rng"])
    own = trainer.world.own_state(training["carried_state"], trainer.run.recipe.train)
    trainer.state = _to_device(own, trainer.run.device)
    trainer.monitor.load_state_dict(training)
    trainer.validation_due = bool(training.get("validation_due", False))  # format 1 had none
    if training.get("logbook") is not None:  # older checkpoints kept no clock
        trainer.logbook.load_state_dict(training["logbook"])


def _to_cpu(state):
    return map_state(torch.Tensor.cpu, state)


def _to_device(state, device):
    return map_state(lambda t: t.to(device), state)
