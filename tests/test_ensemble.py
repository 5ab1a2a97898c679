"""train.ensemble: K direct forecasters from different starting weights, forecasting their
median; each learns from its own loss alone; evaluate scores each member and their spread."""

from __future__ import annotations

import pytest
import torch

from seqcli.errors import RecipeError
from seqcli.models.ensemble import Ensemble
from tests.series_helpers import detail, series_recipe, sine_csv, untrained_run


def ensemble_run(tmp_path, members=3):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"), mapping="many_to_one")
    raw["train"]["ensemble"] = members
    return untrained_run(raw)


def test_the_forecast_is_the_median_of_the_members(tmp_path):
    run, data = ensemble_run(tmp_path)
    values = next(run.task.batches(data, run.recipe)).inputs["values"]
    model = run.model.eval()
    with torch.no_grad():
        alone = [model.members[k](values).out for k in range(3)]
        want = torch.stack(alone).sort(dim=0).values[1]  # the middle of three
        assert torch.allclose(model.forecast(values, 3), want, atol=1e-6)
    assert not torch.allclose(alone[0], alone[1])  # they start from different weights


def test_each_member_learns_from_its_own_loss_alone(tmp_path):
    run, data = ensemble_run(tmp_path)
    batch = next(run.task.batches(data, run.recipe))
    model = run.model.eval()  # no dropout: the same forward twice
    model(**batch.inputs, targets=batch.targets).loss.backward()
    together = [p.grad.clone() for p in model.members[1].parameters()]
    model.zero_grad()
    member = model.members[1]
    (member(**batch.inputs, targets=batch.targets).loss / 3).backward()
    for grad, parameter in zip(together, member.parameters(), strict=True):
        assert torch.allclose(grad, parameter.grad, atol=1e-7)


def test_evaluate_scores_every_member_and_their_spread(tmp_path):
    run, data = ensemble_run(tmp_path, members=2)
    assert isinstance(run.model, Ensemble)
    table = detail(run.task.evaluate(run, data.splits["val"])["details"], "members")
    assert [row[0] for row in table["rows"]] == ["member 0", "member 1", "median (the forecast)"]
    spread = float(table["note"].split(", ")[1].split(" ")[0])
    assert spread > 0


def test_a_rolled_out_forecaster_does_not_read_train_ensemble(tmp_path):
    raw = series_recipe(sine_csv(tmp_path / "s.csv"))
    raw["train"]["ensemble"] = 3
    with pytest.raises(RecipeError, match="train.ensemble"):
        untrained_run(raw)
