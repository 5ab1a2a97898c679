"""Forecasting tasks: many_to_one + series (direct multi-step head) and many_to_many + series
(one step ahead at every position, rolled out autoregressively)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
import torch
from torch import nn

from seqcli.data.forecast_data import (
    HISTORY_ROWS,
    SeriesMeta,
    SeriesSplit,
    read_splits,
    split_of_file,
)
from seqcli.data.history import history_of_file
from seqcli.decoding.requests import Generated, Request
from seqcli.engine.contract import Given, IndexedBatches, StackInput, TaskData
from seqcli.engine.run import Run
from seqcli.errors import DataError, UsageError
from seqcli.recipe import Recipe
from seqcli.recipe.tasks import SPECS, TaskSpec
from seqcli.runs.foreign import trained_on
from seqcli.tasks.forecaster.ahead import future_after, scaled_future, window_after, window_start
from seqcli.tasks.forecaster.batches import (
    Targets,
    batch_of,
    direct_targets,
    shifted_targets,
)
from seqcli.tasks.forecaster.calibration import calibrate_bands, calibrate_to_the_end
from seqcli.tasks.forecaster.evaluation import (
    MODEL,
    backtest_table,
    forecast_origins,
    horizon_table,
    interval_table,
    mean_errors,
    monitored_step,
    ranked,
    scale_note,
    score,
    series_table,
)
from seqcli.tasks.forecaster.members import member_table
from seqcli.tasks.forecaster.output import forecast_csv, given_rows, parse_history
from seqcli.tasks.forecaster.residual import baseline_after, baseline_ahead, chosen, trainable
from seqcli.tasks.forecaster.variants import (
    build_autoregressive,
    build_direct,
    check_positive,
    check_validation_room,
    direct_reach,
    rollout_reach,
)
from seqcli.ui.figures import ForecastFigure


@dataclass(frozen=True)
class Forecaster:
    """One forecasting task; the two differ in their model, targets and how far they reach."""

    name: str
    build: Callable[..., nn.Module]
    targets: Targets
    # Refuses a forecast it cannot make, naming what asked for it (a flag or a recipe key).
    reach: Callable[[Recipe, SeriesMeta, int, str], None]
    targets_ahead: bool  # targets run data.horizon rows on from each point
    meta = SeriesMeta

    @property
    def spec(self) -> TaskSpec:
        return SPECS[self.name]

    def prepare(self, recipe: Recipe, meta: SeriesMeta | None = None) -> TaskData:
        """Read and split the series; fit the scaler on its training rows unless given."""
        # Training windows stop before their targets cross into validation.
        tail = recipe.data.horizon - 1 if self.targets_ahead else 0
        fresh = meta is None
        meta, splits = read_splits(recipe.data, meta, train_tail=tail)
        splits["train"] = trainable(recipe, splits["train"])
        if fresh:  # a loaded run keeps the baseline it was trained to correct
            meta = replace(meta, baseline=chosen(recipe, splits["val"]))
        # Validation scores every step of data.horizon, so the model must reach it, and the
        # split must hold it: found now rather than at the first validation.
        self.reach(recipe, meta, recipe.data.horizon, "data.horizon")
        check_validation_room(recipe.data, splits["val"])
        check_positive(recipe, splits["train"])
        return TaskData(meta, splits)

    def build_model(self, recipe: Recipe, meta: SeriesMeta) -> nn.Module:
        return self.build(recipe, meta)

    def batches(self, data: TaskData, recipe: Recipe) -> IndexedBatches:
        train, meta = data.splits["train"], data.meta
        config = recipe.data
        ahead = baseline_ahead(train, train.points, config, meta)  # made once, not per batch
        # Every window has the same length, so there is nothing to bucket.
        return IndexedBatches(
            [config.lookback] * len(train),
            lambda rows: batch_of(
                train, train.points[rows], self.targets, config, meta, _rows(ahead, rows)
            ),
            batch_size=recipe.train.batch_size,
            seed=recipe.seed,
            bucket=False,
        )

    def evaluate(
        self,
        run: Run,
        examples: SeriesSplit,
        *,
        max_batches: int | None = None,
        horizon: int | None = None,
        backtest: bool = False,
        stride: int | None = None,
    ) -> dict:
        """The training loss, then every step of the horizon forecast from each origin, in
        data units, beside the baselines; mae, rmse, smape and mase are means over the steps.
        With backtest, origins every stride rows and a row per origin."""
        if not len(examples):
            raise DataError("no rows to evaluate: the split is empty or shorter than lookback")
        steps = horizon or run.recipe.data.horizon
        self.reach(run.recipe, run.meta, steps, "--horizon")
        origins = forecast_origins(examples, steps, stride or (steps if backtest else 1))
        if max_batches is not None:
            origins = origins[: max_batches * run.recipe.train.batch_size]
        scored = score(run, examples, origins, steps)
        details = horizon_table(scored, scale_note(run.recipe.data)) | ranked(scored)
        details |= member_table(run, examples, scored)
        if len(examples.panel) > 1:
            details |= series_table(scored, examples)
        if backtest:
            details |= backtest_table(scored, examples)
        errors = mean_errors(scored)[MODEL] | monitored_step(scored, run.recipe.train.monitor)
        if run.recipe.model.quantiles:
            errors["pinball"], intervals = interval_table(scored, run.recipe.model)
            details |= intervals
        loss = self._loss(run, examples, max_batches)
        return {"loss": loss, **errors, "details": details}

    @torch.no_grad()
    def _loss(self, run: Run, examples: SeriesSplit, max_batches: int | None) -> float:
        """The training loss on the split's points, on scaled values."""
        config, size = run.recipe.data, run.recipe.train.batch_size
        chunks = np.split(examples.points, range(size, len(examples), size))[:max_batches]
        run.model.eval()
        loss_sum, known = 0.0, 0
        for chunk in chunks:
            batch = batch_of(examples, chunk, self.targets, config, run.meta)
            batch = batch.to(run.device)
            out = run.model(**batch.inputs, targets=batch.targets)
            count = int((~batch.targets.isnan()).sum())
            loss_sum, known = loss_sum + out.loss.item() * count, known + count
        return loss_sum / known

    def calibrate(self, run: Run, val: SeriesSplit) -> None:
        """Fit the bands' conformal offsets on the validation split; the engine calls it before
        each validation, so the checkpoint saved after it holds them with the weights."""
        calibrate_bands(run, val)

    def sample(self, run: Run, step: int) -> str | None:
        return None  # the validation metrics already say how the forecast is going

    def examples_from_file(self, run: Run, path: Path) -> SeriesSplit:
        """Every row of another file that has a full lookback (and a season) before it."""
        data = run.recipe.data
        return split_of_file(path, run.meta, first=data.first_origin, missing=data.missing)

    def predict(self, run: Run, lines: list[str]) -> list[dict]:
        """Each line, comma-separated past values (oldest first), gets the next horizon steps."""
        steps, point = run.recipe.data.horizon, run.recipe.model.point
        histories = parse_history(lines, run.meta, lookback=run.recipe.data.lookback)
        return [
            {"input": line, "forecast": self._forecast(run, history, steps)[:, 0, point].tolist()}
            for line, history in zip(lines, histories, strict=True)
        ]

    def prediction_lines(self, rows: list[dict]) -> Iterator[str]:
        for row in rows:
            yield ", ".join(f"{value:.6g}" for value in row["forecast"])

    def generate(self, run: Run, request: Request) -> Generated:
        """The forecast after the end of the series (or of --input-file) as CSV, and the
        history and forecast for --plot."""
        asked, meta = request.forecast, run.meta
        steps = asked.horizon or run.recipe.data.horizon
        self.reach(run.recipe, meta, steps, "--horizon")
        history, calendar = np.asarray(meta.history), meta.calendar
        first = meta.history_start  # the row of its series history starts at
        source = asked.history or (_trained_series(run) if asked.series else None)
        if source is not None:  # as many of its last rows as the run's own history keeps
            rows = max(HISTORY_ROWS, run.recipe.data.first_origin)
            read = history_of_file(source, meta, run.recipe.data.missing, asked.series, rows=rows)
            history, calendar, first = read
        if calendar is not None:
            calendar.check_reach(steps, "--horizon" if asked.horizon else "data.horizon")
        if len(history) < run.recipe.data.lookback:
            raise DataError(
                f"{source or 'the series'}: {len(history)} rows, the model reads "
                f"{run.recipe.data.lookback} (data.lookback)"
            )
        rows = max(steps, run.recipe.data.horizon)
        future = future_after(meta, asked.future, rows, run.recipe.data.missing, calendar)
        note = None if asked.history else calibrate_to_the_end(run, self.prepare, asked.series)
        # The rows stream out as they are made; --plot alone keeps them, to draw.
        kept: list[np.ndarray] | None = [] if asked.keep else None
        series = series_number(meta, asked.series)
        start = window_start(history, run.recipe.data.lookback, first)
        chunks = _kept(self._rollout(run, history, steps, series, future, start), kept)
        values, levels = len(meta.columns.values), run.recipe.model.levels
        shown = history[-HISTORY_ROWS:, :values]  # as much as the run's own history keeps
        figure = ForecastFigure(meta.columns.values, shown, kept, levels, series=asked.series)
        if calendar is not None:
            dates = calendar.span(1 - len(shown), steps)
            figure = replace(figure, dates=dates, date_name=meta.columns.date)
        csv = forecast_csv(meta, chunks, steps, calendar, levels)
        return Generated(csv, figure=figure, note=note)

    def stack_input(self, run: Run, given: Given) -> StackInput:
        """The rows of a CSV file (--file *.csv, the run's columns), or comma-separated values
        of a one-column series, scaled as in training, read as one window."""
        rows = given_rows(given, run.meta, run.recipe.data.missing)  # (T, F) in data units
        steps = [",".join(f"{value:.6g}" for value in row) for row in rows]
        values = torch.from_numpy(run.meta.scaler.apply(rows))[None]  # (1, T, F)
        return StackInput({"values": values}, steps, "values")

    def _forecast(self, run: Run, history: np.ndarray, steps: int) -> np.ndarray:
        """(steps, V, Q) in data units after (T, F) history rows in data units."""
        return np.concatenate(list(self._rollout(run, history, steps)))

    @torch.inference_mode()
    def _rollout(
        self, run: Run, history: np.ndarray, steps: int, series=None, future=None, start=None
    ) -> Iterator[np.ndarray]:
        """The forecast after (T, F) history rows of the series numbered (None: the last), as
        (C, V, Q) chunks in data units; future: (S, K) the columns known ahead after them."""
        if future is None:  # predict's lines: refused when the model reads columns known ahead
            future = future_after(run.meta, None, steps, run.recipe.data.missing, None)
        run.model.eval()
        values = window_after(run.meta, history, run.recipe.data.lookback, future).to(run.device)
        ahead = scaled_future(run.meta, future)  # (1, S, K) | None
        ahead = None if ahead is None else ahead.to(run.device)
        number = len(run.meta.series_names) - 1 if series is None else series
        numbers = torch.tensor([number], device=run.device)
        baseline = baseline_after(history, run.recipe.data, run.meta)  # (1, H, V) | None
        baseline = None if baseline is None else baseline.to(run.device)
        first = None if start is None else torch.tensor([start], device=run.device)
        for chunk in run.model.rollout(values, steps, numbers, baseline, ahead, first):
            yield run.meta.scaler.invert_outputs(chunk[0].cpu().double().numpy())  # (C, V, Q)


def _rows(made: torch.Tensor | None, rows) -> torch.Tensor | None:
    return None if made is None else made[rows]


def series_number(meta: SeriesMeta, name: str | None) -> int | None:
    """The run's number for the series generate continues; -1 for one it was not trained on."""
    names = meta.series_names
    return None if name is None else names.index(name) if name in names else -1


def _kept(chunks: Iterator[np.ndarray], kept: list | None) -> Iterator[np.ndarray]:
    """The chunks, passed on; also appended to kept, unless it is None."""
    for chunk in chunks:
        if kept is not None:
            kept.append(chunk)
        yield chunk


FORECASTERS = (
    Forecaster("direct_forecaster", build_direct, direct_targets, direct_reach, targets_ahead=True),
    Forecaster(
        "autoregressive_forecaster",
        build_autoregressive,
        shifted_targets,
        rollout_reach,
        targets_ahead=False,
    ),
)


def _trained_series(run: Run) -> Path:
    """The recipe's data, to continue --series of it: only the data the run was trained on,
    since a checkpoint from someone else may name any file."""
    if not trained_on(run.recipe.data, run.checkpoint):
        raise UsageError(
            f"{run.recipe.data.path}: not the data the run was trained on; pass --input-file "
            "with the series to continue"
        )
    return run.recipe.data.path
