"""The page's HTML: every user string escaped, every value embedded as JSON that no text in a
run (a `</script>` in a sample, a label, a recipe comment) can end early."""

from __future__ import annotations

import html
import json
import math
from dataclasses import dataclass, field
from importlib import resources
from numbers import Real
from typing import NamedTuple

GENERATOR = '<meta name="generator" content="seqcli report">'
DIGITS = 4  # significant digits a table shows; the figures' tooltips show the same


@dataclass(frozen=True)
class Section:
    """A part of the page: a heading, its HTML, and the charts it holds (id -> Vega-Lite)."""

    title: str
    body: str
    charts: dict[str, dict] = field(default_factory=dict)
    kind: str = "run"  # data-section on the page: what the browser tests look for


class Named(NamedTuple):
    """A run as the page names it: its folder's name for people, a tag for element ids (a
    name can hold anything; an id of ours holds only letters and digits)."""

    name: str
    tag: str


def escape(value: object) -> str:
    return html.escape(str(value), quote=True)


def as_json(value: object) -> str:
    """JSON safe inside a <script>: no '<', '>' or '&' survives to end it or open a comment."""
    text = json.dumps(_finite(value), ensure_ascii=False, allow_nan=False, default=_plain)
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")


def _finite(value: object) -> object:
    """NaN and infinities (a diverged run's loss, forecast or weights) as null: JSON has no
    word for them, and the figures leave a null out."""
    if isinstance(value, float) and not math.isfinite(value):
        return None
    if isinstance(value, dict):
        return {key: _finite(item) for key, item in value.items()}
    if isinstance(value, list | tuple):
        return [_finite(item) for item in value]
    return value


def _plain(value: object) -> object:
    if hasattr(value, "tolist"):  # numpy values and arrays
        return value.tolist()
    return str(value)


def number(value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, Real):
        return escape(value)
    return escape(value if isinstance(value, int) else f"{float(value):.{DIGITS}g}")


def table(columns: list, rows: list[list], *, caption: str = "") -> str:
    """A plain HTML table; numbers are shown to DIGITS significant digits."""
    head = "".join(f"<th>{escape(column)}</th>" for column in columns)
    body = "".join(
        "<tr>" + "".join(f"<td>{number(cell)}</td>" for cell in row) + "</tr>" for row in rows
    )
    titled = f"<caption>{escape(caption)}</caption>" if caption else ""
    return f"<table>{titled}<thead><tr>{head}</tr></thead><tbody>{body}</tbody></table>"


def chart(chart_id: str) -> str:
    return f'<div class="chart" id="{escape(chart_id)}"></div>'


def collapsible(summary: str, body: str) -> str:
    return f"<details><summary>{escape(summary)}</summary>{body}</details>"


def pre(text: str) -> str:
    return f"<pre>{escape(text)}</pre>"


def _asset(name: str) -> str:
    return resources.files("seqcli.report").joinpath(name).read_text(encoding="utf-8")


def page(title: str, sections: list[Section], *, runtime: str) -> str:
    """The whole document: style, the Vega runtime, the sections, their charts as JSON."""
    charts = {key: spec for section in sections for key, spec in section.charts.items()}
    parts = [
        f'<!doctype html>\n<html lang="en"><head><meta charset="utf-8">{GENERATOR}',
        f"<title>{escape(title)}</title><style>{_asset('page.css')}</style></head><body>",
        f"<h1>{escape(title)}</h1>",
        *(_section(index, section) for index, section in enumerate(sections)),
        f'<script type="application/json" id="charts">{as_json(charts)}</script>',
        f"<script>{_script_safe(runtime)}</script><script>{_asset('page.js')}</script>",
        "</body></html>\n",
    ]
    return "\n".join(parts)


def _section(index: int, section: Section) -> str:
    kind = escape(section.kind)
    return (
        f'<section id="s{index}" data-section="{kind}"><h2>{escape(section.title)}</h2>'
        f"{section.body}</section>"
    )


def _script_safe(code: str) -> str:
    # The runtime is ours, but a '</script' in one of its strings would still end the tag.
    return code.replace("</script", "<\\/script")
