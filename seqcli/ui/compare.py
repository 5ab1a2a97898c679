"""compare-cells' live table and summary; printing stays inside seqcli.ui."""

from __future__ import annotations

from collections.abc import Iterable

from rich.table import Table

from seqcli.ui import err_console, info, wrote
from seqcli.ui.fitting import Grid, print_fitted
from seqcli.ui.numbers import metric_text, spread_text
from seqcli.ui.sparkline import sparkline


class CompareView:
    """compare-cells: one live row per variant, then the table over seeds and the files."""

    def __init__(self):
        self.rows: dict[str, dict] = {}
        self.unit, self.monitor = "", ""
        self.handlers = {
            "ComparePlanned": self._planned,
            "VariantProgress": self._progress,
            "VariantDone": self._done,
            "CompareFinished": self._summary,
        }

    def render(self, stream: Iterable[object]) -> object:
        from rich.live import Live

        events = iter(stream)
        last = next(events)  # planning errors surface before the live table draws
        self.handlers[type(last).__name__](last)
        with Live(self._table(), console=err_console, refresh_per_second=4) as live:
            for event in events:
                if type(event).__name__ == "CompareFinished":
                    live.stop()  # the summary goes below the final live table
                    err_console.print()
                self.handlers[type(event).__name__](event)
                live.update(self._table())
                last = event
        return last

    def _planned(self, event) -> None:
        self.unit, self.monitor = event.unit, event.monitor
        for name, count in event.parameters.items():
            status = "done" if name in event.finished else "queued"
            self.rows[name] = {
                "parameters": count,
                "status": status,
                "step": "",
                "loss": None,
                "metric": None,
                "speed": None,
            }

    def _progress(self, event) -> None:
        row = self.rows[event.name]
        row.update(status="training", step=f"{event.step}/{event.total}", speed=event.speed)
        if event.loss is not None:
            row["loss"] = event.loss
        if event.metric is not None:
            row["metric"] = event.metric

    def _done(self, event) -> None:
        self.rows[event.name].update(
            status="failed" if event.result["failed"] else "done", metric=event.result["best_val"]
        )

    def _table(self) -> Table:
        table = Table(title="compare-cells")
        columns = (
            "variant",
            "parameters",
            "step",
            "loss",
            f"val {self.monitor}",
            f"{self.unit}/s",
            "status",
        )
        for column in columns:
            table.add_column(column, justify="left" if column in ("variant", "status") else "right")
        for name, row in self.rows.items():
            table.add_row(
                name,
                f"{row['parameters']:,}",
                row["step"],
                _optional("loss", row["loss"]),
                _optional(self.monitor, row["metric"]),
                "" if row["speed"] is None else f"{row['speed']:,.0f}",
                row["status"],
            )
        return table

    def _summary(self, event) -> None:
        print_fitted(err_console, self._summary_grid(event.groups))
        _gradient_lines(event.groups)
        for path in event.files:
            wrote(path)

    def _summary_grid(self, groups: list[dict]) -> Grid:
        split = groups[0]["test_split"]
        seeded = any(len(g["seeds"]) > 1 for g in groups)
        columns = [
            "variant",
            "params",
            f"{self.unit}/s",
            f"val {self.monitor}",
            f"{split} {self.monitor}",
            "target at",
            "early grad",
        ]
        rows = [self._summary_row(g) for g in groups]
        title = "mean ± std over seeds" if seeded else None
        return Grid(title, columns, rows, right=frozenset(columns[1:]))

    def _summary_row(self, g: dict) -> list[str]:
        reached = [str(s) for s in g["target_step"] if s is not None]
        return [
            g["group"],
            f"{g['parameters']:,}",
            f"{g['speed']:,.0f}",
            self._mean_std(g["best_val"], len(g["seeds"])),
            self._mean_std(g["test"], len(g["seeds"])),
            ",".join(reached) or "-",
            f"{g['early_gradient']:.0e}",
        ]

    def _mean_std(self, pair, seeds: int) -> str:
        """Mean ± std over several seeds; one seed has no spread to show."""
        mean, std = pair
        return (
            spread_text(self.monitor, mean, std) if seeds > 1 else metric_text(self.monitor, mean)
        )


def _gradient_lines(groups: list[dict]) -> None:
    """One sparkline per variant, all on one log scale so they compare."""
    flows = [v for g in groups for v in g["gradient_flow"] if v > 0]
    bounds = (min(flows), max(flows)) if flows else None
    scale = f"{bounds[0]:.0e} to {bounds[1]:.0e}" if bounds else "-"
    info(f"gradient flow |d loss / d x_t|, t=0 at the left, one log scale ({scale}):")
    width = max(len(g["group"]) for g in groups)
    for g in groups:
        line = sparkline(g["gradient_flow"], bounds=bounds)
        err_console.print(f"  {g['group']:<{width}} {line}", soft_wrap=True, highlight=False)


def _optional(metric: str, value: float | None) -> str:
    return "" if value is None else metric_text(metric, value)
