"""The figures, as Vega-Lite specs the page draws with the Vega runtime inlined in it.

Vega-Lite over Plotly: vl-convert-python bundles Vega, Vega-Lite and vega-embed into one
script of 0.9 MB, where Plotly's offline page inlines plotly.min.js at 4.8 MB; a char-lm page
would then be over the 3 MB a report should stay under."""

from __future__ import annotations

from seqcli.data.corpus import cache_root
from seqcli.errors import SeqcliError
from seqcli.extras import require
from seqcli.recipe.outputs import Output, make_folder, write_beside

SCHEMA = "https://vega.github.io/schema/vega-lite/v6.json"  # a name, never fetched
ZOOM = [{"name": "zoom", "select": "interval", "bind": "scales"}]
WIDTH = 360  # a panel's width in pixels: two panels a row fit a laptop's screen


def runtime() -> str:
    """Vega, Vega-Lite and vega-embed as one script that sets them on window; bundling takes
    seconds, so the script is kept in the cache, one file per vl-convert version."""
    convert = require("vl_convert", extra="report", wanted_by="seqcli report")
    kept = cache_root() / "report" / f"vega-{convert.__version__}.js"
    if kept.is_file() and not kept.is_symlink():
        return kept.read_text(encoding="utf-8")
    bundle = convert.javascript_bundle()
    try:  # through the door: a link in the cache folder's place is refused, not followed
        make_folder(kept.parent, Output("SEQCLI_CACHE"))
        write_beside(kept, bundle.encode("utf-8"))
    except (OSError, SeqcliError):
        pass  # an unwritable cache costs the next report the same seconds, nothing more
    return bundle


def curves(
    points: list[dict], *, x_title: str = "step", log: bool = False, marks: tuple[int, ...] = ()
) -> dict:
    """A panel per quantity (rows: series, x, panel, y), zoomed and panned with the mouse; a
    dashed vertical rule on every panel at each step of marks (where a resume started)."""
    y_scale = {"type": "log"} if log else {"zero": False}
    x = {"field": "x", "type": "quantitative", "title": x_title}
    line = {
        "transform": [{"filter": "isValid(datum.y)"}],
        "mark": {"type": "line", "point": True, "tooltip": True},
        "params": ZOOM,
        "encoding": {
            "x": x,
            "y": {"field": "y", "type": "quantitative", "title": None, "scale": y_scale},
            "color": {"field": "series", "type": "nominal", "title": None},
        },
    }
    rule = {
        "transform": [{"filter": "isValid(datum.mark)"}],
        "mark": {"type": "rule", "strokeDash": [4, 3], "color": "#888", "tooltip": True},
        "encoding": {"x": {**x, "field": "mark"}},
    }
    panels = _order(points)
    ruled = [{"panel": panel, "mark": step} for step in marks for panel in panels]
    return {
        "$schema": SCHEMA,
        "facet": {"field": "panel", "type": "nominal", "title": None, "sort": panels},
        "columns": 2,
        "data": {"values": points + ruled},
        "spec": {"width": WIDTH, "height": 200, "layer": [line, rule] if marks else [line]},
        "resolve": {"scale": {"y": "independent"}},
    }


def band(points: list[dict], *, temporal: bool) -> dict:
    """A panel per column: the history and the forecast as lines, the forecast's band (rows
    with low and high) as an area under them; dates on the x axis where there are some."""
    x = {"field": "x", "type": "temporal" if temporal else "quantitative", "title": None}
    y = {"field": "y", "type": "quantitative", "title": None, "scale": {"zero": False}}
    area = {
        "transform": [{"filter": "isValid(datum.low)"}],
        "mark": {"type": "area", "opacity": 0.25, "color": "#e45756"},
        "encoding": {"x": x, "y": {**y, "field": "low"}, "y2": {"field": "high"}},
    }
    line = {
        "mark": {"type": "line", "tooltip": True},
        "params": ZOOM,
        "encoding": {"x": x, "y": y, "color": {"field": "series", "title": None}},
    }
    return {
        "$schema": SCHEMA,
        "data": {"values": points},
        "facet": {"field": "panel", "type": "nominal", "title": None, "sort": _order(points)},
        "columns": 1,
        "spec": {"width": 2 * WIDTH, "height": 220, "layer": [area, line]},
        "resolve": {"scale": {"y": "independent"}},
    }


def _order(rows: list[dict]) -> list[str]:
    """Panels in the order the rows first name them (Vega-Lite would sort them by name)."""
    return list(dict.fromkeys(row["panel"] for row in rows))


def heatmap(cells: list[dict], *, x: str, y: str, value: str) -> dict:
    """A matrix to hover: rows y, columns x, coloured and labelled by value."""
    order = list(dict.fromkeys(cell[y] for cell in cells))
    encoding = {
        "x": {"field": x, "type": "nominal", "sort": order},
        "y": {"field": y, "type": "nominal", "sort": order},
    }
    text = {"field": value, "type": "quantitative"}
    return {
        "$schema": SCHEMA,
        "data": {"values": cells},
        "encoding": encoding,
        "layer": [
            {
                "mark": {"type": "rect", "tooltip": True},
                "encoding": {"color": {**text, "scale": {"scheme": "blues"}}},
            },
            {"mark": {"type": "text"}, "encoding": {"text": text}},
        ],
    }


def bars(rows: list[dict], *, x: str, y: str, colour: str | None = None) -> dict:
    """Bars of y per x (a metric per horizon step, per run, ...)."""
    encoding = {
        "x": {"field": x, "type": "ordinal"},
        "y": {"field": y, "type": "quantitative"},
    }
    if colour:
        encoding |= {"xOffset": {"field": colour}, "color": {"field": colour}}
    return {
        "$schema": SCHEMA,
        "width": WIDTH,
        "data": {"values": rows},
        "mark": {"type": "bar", "tooltip": True},
        "encoding": encoding,
    }


def histograms(rows: list[dict]) -> dict:
    """The moving-average view: f, i and f + i, a panel each (rows: panel, bin, count)."""
    return {
        "$schema": SCHEMA,
        "data": {"values": rows},
        "facet": {"field": "panel", "type": "nominal", "title": None, "sort": _order(rows)},
        "columns": 3,
        "spec": {
            "width": 220,
            "height": 140,
            "mark": {"type": "bar", "tooltip": True},
            "encoding": {
                "x": {
                    "field": "from",
                    "type": "quantitative",
                    "bin": {"binned": True},
                    "title": "value",
                },
                "x2": {"field": "to"},
                "y": {"field": "count", "type": "quantitative"},
            },
        },
        "resolve": {"scale": {"x": "independent"}},
    }


def scatter(points: list[dict]) -> dict:
    """A panel per quantity (rows: panel, x, y), each with its own x axis: points, no line
    (a tuning study's value against each key it searched)."""
    encoding = {
        "x": {"field": "x", "type": "quantitative", "title": None, "scale": {"zero": False}},
        "y": {"field": "y", "type": "quantitative", "title": None, "scale": {"zero": False}},
    }
    return {
        "$schema": SCHEMA,
        "facet": {"field": "panel", "type": "nominal", "title": None, "sort": _order(points)},
        "columns": 2,
        "data": {"values": points},
        "spec": {
            "width": WIDTH,
            "height": 200,
            "mark": {"type": "point", "filled": True, "tooltip": True},
            "params": ZOOM,
            "encoding": encoding,
        },
        "resolve": {"scale": {"x": "independent", "y": "independent"}},
    }
