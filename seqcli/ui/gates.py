"""`seqcli gates` on the terminal: the input with each step's background coloured by one
unit's value, a summary row per step, the LSTM's moving-average numbers and the units that
follow features of the text. Reads the plain-data report of analysis/gates.py; stderr only."""

from __future__ import annotations

from rich import box
from rich.color import Color
from rich.markup import escape
from rich.style import Style
from rich.table import Table
from rich.text import Text

from seqcli.ui import err_console

WHITE, RED, BLUE = (250, 250, 250), (214, 39, 40), (31, 119, 180)  # a diverging scale
BARS = " ▁▂▃▄▅▆▇█"
ARROWS = {"forward": "→", "backward": "←"}
SHOWN_AS = {"\n": "↵\n", "\t": "⇥", "<eos>": "↵\n"}  # steps that would not show themselves


def colour(value: float, low: float, high: float) -> Color:
    """White at the middle of [low, high], red towards high, blue towards low."""
    middle, half = (low + high) / 2, (high - low) / 2 or 1.0
    side = max(-1.0, min(1.0, (value - middle) / half))
    end = RED if side > 0 else BLUE
    rgb = (round(w + abs(side) * (e - w)) for w, e in zip(WHITE, end, strict=True))
    return Color.from_rgb(*rgb)


def coloured_steps(steps: list[str], values: list[float], scale, kind: str) -> Text:
    """The steps as text, each on the background its value gives."""
    low, high = scale
    text = Text()
    for step, value in zip(steps, values, strict=True):
        shown = SHOWN_AS.get(step, step)
        tail = "\n" if shown.endswith("\n") else ""
        text.append(
            shown.removesuffix("\n"), Style(color="black", bgcolor=colour(value, low, high))
        )
        text.append(tail if tail or kind == "char" else " ")
    return text


def short_names(report: dict) -> dict[str, str]:
    return {name: short for short, name in report["aliases"].items()}


def gates_view(report: dict, *, title: str) -> None:
    """Everything `seqcli gates` shows a person."""
    shown, short = report["shown"], short_names(report)
    layers, units = report["layers"], report["hidden_size"]
    directions = "/".join(report["directions"])
    err_console.print(
        f"[bold]{escape(title)}[/]: {report['cell']}, {layers} layer(s) x {units} units, "
        f"{directions}; {len(report['steps'])} steps",
        soft_wrap=True,
    )
    low, high = shown["scale"]
    for direction, values in shown["values"].items():
        err_console.print(
            f"\nlayer {shown['layer']} {direction}, {short[shown['record']]} unit {shown['unit']}"
            f" ([blue]{low:.3g}[/] .. white {(low + high) / 2:.3g} .. [red]{high:.3g}[/]):",
            soft_wrap=True,
        )
        err_console.print(coloured_steps(report["steps"], values, shown["scale"], report["kind"]))
    step_table(report)
    if report["moving_average"]:
        moving_average_tables(report["moving_average"])
    if "top_units" in report:
        top_units_table(report["top_units"], short, steps=len(report["steps"]))


def step_table(report: dict) -> None:
    shown, summary = report["shown"], report["per_step"]
    title = f"per step, layer {shown['layer']}: means over its units"
    table = Table(title=title, box=box.SIMPLE_HEAD, pad_edge=False, collapse_padding=True)
    unit = f"{short_names(report)[shown['record']]}[{shown['unit']}]"
    both = len(shown["values"]) > 1
    heads = [f"{unit}{ARROWS[d]}" if both else unit for d in shown["values"]]
    for column in ("step", "input", *heads, *summary):
        table.add_column(
            escape(column), justify="left" if column == "input" else "right", no_wrap=True
        )
    for t, step in enumerate(report["steps"]):
        values = [row[t] for row in (*shown["values"].values(), *summary.values())]
        table.add_row(str(t), escape(repr(step)), *(f"{value:.3f}" for value in values))
    err_console.print(table)


def histogram(counts: list[int]) -> str:
    top = max(counts) or 1
    return "".join(BARS[round(count / top * (len(BARS) - 1))] for count in counts)


def moving_average_tables(rows: list[dict]) -> None:
    """The LSTM as a learned moving average: how near i comes to 1 - f (a GRU's tie)."""
    title = "c = f*c + i*g: f and i over units and steps (histograms 0 to 1; f + i: 0 to 2)"
    table = Table(title=title, box=box.SIMPLE)
    for column in ("layer", "gate", "mean", "sd", "5%", "50%", "95%"):
        table.add_column(column, justify="left" if column == "gate" else "right", no_wrap=True)
    table.add_column("histogram", no_wrap=True)
    tie = Table(title="how close to a GRU's tie (i = 1 - f)", box=box.SIMPLE)
    for column in ("layer", "corr(f, 1 - i)", "mean |f + i - 1|"):
        tie.add_column(column, justify="right")
    both = len({row["direction"] for row in rows}) > 1
    for row in rows:
        where = f"{row['layer']} {row['direction']}" if both else str(row["layer"])
        for name in ("f", "i", "f+i"):
            part = row[name]
            numbers = (f"{part[key]:.3f}" for key in ("mean", "sd", "p5", "p50", "p95"))
            table.add_row(where, name, *numbers, histogram(part["histogram"]))
        corr = row["corr_f_1_minus_i"]
        shown = "constant" if corr is None else f"{corr:+.3f}"
        tie.add_row(where, shown, f"{row['mean_abs_f_plus_i_minus_1']:.3f}")
    err_console.print(table)
    err_console.print(tie)


def top_units_table(found: dict, short: dict[str, str], *, steps: int) -> None:
    title = f"units that follow a feature of the input (Pearson r over {steps} steps)"
    table = Table(title=title, box=box.SIMPLE)
    for column in ("feature", "r", "gate/state", "layer", "unit"):
        table.add_column(column, justify="right" if column in ("r", "unit") else "left")
    for feature, rows in found["features"].items():
        for row in rows:
            where = f"{row['layer']} {row['direction']}"
            gate = short[row["record"]]
            table.add_row(feature, f"{row['r']:+.3f}", gate, where, str(row["unit"]))
    err_console.print(table)
    if found["constant"]:
        err_console.print(f"constant over this input: {escape(', '.join(found['constant']))}")
    if found["not_applicable"]:
        err_console.print(f"not searched: {escape(found['not_applicable'])}")
