"""From `seqcli generate`'s flags to one typed Request: the recipe's generate section with the
flags applied, merged once here; the prime, the input lines and stdin are read here too, so a
task never sees a flag or a file handle."""

from __future__ import annotations

import sys
from pathlib import Path

from pydantic import ValidationError

from seqcli.decoding.requests import Draw, Forecast, Prompt, Recall, Request, Search
from seqcli.errors import UsageError
from seqcli.recipe.inputs import LINES, PRIME, Input, input_lines, read_input, read_stream
from seqcli.recipe.schema import Recipe
from seqcli.recipe.training import DRAW, ENDING, PICK, Sampling, sampling_keys

PLOTTED_STEPS = 100_000  # --plot keeps every forecast row to draw it
UNKNOWN = {"error": False, "skip": True}  # --unknown: refuse or drop prime tokens out of vocab
# `seqcli generate`'s flags by what they ask for; a task's spec names the groups it reads, and
# a flag outside them is refused. The sampling and beam groups are their sections' keys.
GENERATE_OPTIONS = {
    "prompt": ("prime", "prime_file", "unknown"),
    "length": ("length",),
    "sampling": sampling_keys(DRAW) + sampling_keys(PICK),
    "ending": sampling_keys(ENDING),
    "seed": ("seed",),
    "samples": ("num_samples",),
    "condition": ("condition",),
    "lines": ("input", "input_file"),
    "search": tuple(Search.model_fields),
    "attention": ("attention",),
    "forecast": ("horizon", "input_file", "series", "future", "output", "plot"),
    "recall": ("input_file", "noise", "pattern"),
}


def flag(name: str) -> str:
    return "--" + name.replace("_", "-")


def build_request(recipe: Recipe, options: dict) -> Request:
    """The request the given flags (None and False meaning not given) make for this recipe's
    task; a flag the task does not read is refused, naming what it does read."""
    # `is`, not `in`: 0 == False, and --length-penalty 0 is a value.
    given = {
        name: value for name, value in options.items() if value is not None and value is not False
    }
    groups = recipe.spec.generate
    _refuse_others(given, groups, recipe.spec.title)
    return Request(
        draw=Draw(_sampling(recipe, given), given.get("seed", 0), given.get("num_samples", 1)),
        length=given.get("length"),
        prompt=_prompt(recipe, given) if "prompt" in groups else None,
        condition=given.get("condition"),
        lines=tuple(_lines(given)) if "lines" in groups else (),
        search=_search(recipe, given) if "search" in groups else None,
        attention="attention" in given,
        forecast=_forecast(recipe, given) if "forecast" in groups else None,
        recall=_recall(given) if "recall" in groups else None,
    )


def _refuse_others(given: dict, groups: tuple[str, ...], title: str) -> None:
    if not groups:
        raise UsageError(f"generate does not apply to a {title}; use seqcli predict or evaluate")
    takes = [name for group in groups for name in GENERATE_OPTIONS[group]]
    extra = [name for name in given if name not in takes]
    if extra:
        flags = ", ".join(dict.fromkeys(flag(name) for name in takes))
        raise UsageError(f"{flag(extra[0])} does not apply to a {title} (it takes {flags})")


def _sampling(recipe: Recipe, given: dict) -> Sampling:
    """The recipe's sampling keys, overridden by the flags of the same names."""
    keys = Sampling.model_fields
    merged = {**recipe.generate.model_dump(include=set(keys)), **_pick(given, keys)}
    try:
        return Sampling.model_validate(merged)
    except ValidationError as err:
        problem = err.errors(include_url=False)[0]
        raise UsageError(f"{flag(str(problem['loc'][0]))}: {problem['msg']}") from None


def _search(recipe: Recipe, given: dict) -> Search | None:
    """Beam search, unless --greedy (or the recipe's greedy) or a sampling flag says to pick
    token by token; saying both is an error."""
    sampled = _pick(given, sampling_keys(DRAW))
    beamed = _pick(given, Search.model_fields)
    modes = {"--greedy": "greedy" in given, "sampling": bool(sampled), "beam search": bool(beamed)}
    chosen = [mode for mode, on in modes.items() if on]
    if len(chosen) > 1:
        raise UsageError(f"choose one of {' / '.join(chosen)}: they pick words differently")
    if sampled or "greedy" in given or (recipe.generate.greedy and not beamed):
        return None
    search = Search(**beamed)
    if search.n_best > search.beam_size:
        raise UsageError(f"--n-best {search.n_best}: at most --beam-size ({search.beam_size})")
    return search


def _prompt(recipe: Recipe, given: dict) -> Prompt:
    """The prime: --prime (\\n in it a newline), --prime-file (- for stdin), or the recipe's."""
    if "prime" in given and "prime_file" in given:
        raise UsageError("give --prime or --prime-file, not both")
    unknown = given.get("unknown", "error")
    if unknown not in UNKNOWN:
        raise UsageError(f"--unknown {unknown}: choose error or skip")
    if "prime_file" in given:
        text, source = read_file_flag(given["prime_file"], PRIME, "--prime-file")
    elif "prime" in given:
        text, source = given["prime"].replace("\\n", "\n"), "--prime"
    else:
        text, source = recipe.generate.prime, "the recipe's generate.prime"
    return Prompt(text, source, UNKNOWN[unknown])


def _forecast(recipe: Recipe, given: dict) -> Forecast:
    """The horizon and history; the rows are kept only for --plot, and a plot of more rows
    than PLOTTED_STEPS is refused (the CSV streams any horizon)."""
    plot, horizon = "plot" in given, given.get("horizon")
    if plot and (horizon or recipe.data.horizon) > PLOTTED_STEPS:
        raise UsageError(
            f"--plot draws at most {PLOTTED_STEPS:,} forecast steps; lower --horizon or drop "
            "--plot (the CSV itself streams any horizon)"
        )
    return Forecast(
        horizon,
        given.get("input_file"),
        keep=plot,
        series=given.get("series"),
        future=given.get("future"),
    )


def _recall(given: dict) -> Recall:
    """A stored pattern (--pattern) or the patterns of --input-file, --noise of them flipped."""
    if "input_file" in given and "pattern" in given:
        raise UsageError("give --input-file or --pattern, not both: one probe to start from")
    path = given.get("input_file")
    probes = None if path is None else read_file_flag(path, LINES, "--input-file")[0]
    return Recall(given.get("pattern"), probes, str(path or ""), given.get("noise"))


def _lines(given: dict) -> list[str]:
    """--input, else --input-file, else stdin: one sentence per line."""
    if "input" in given:
        return input_lines(given["input"], LINES, label="--input") or [""]
    text, source = read_file_flag(given.get("input_file"), LINES, "--input-file")
    return input_lines(text, LINES, label=source)


def read_file_flag(path: Path | None, kind: Input, flag: str) -> tuple[str, str]:
    """The text of the file a flag names (no file, or `-`: stdin), within the kind's limit,
    and how a message names it: `--prime-file notes.txt`, or stdin."""
    if path is None or str(path) == "-":
        label = "stdin" if path is None else f"{flag} -"
        return read_stream(sys.stdin, kind, label=label), label
    label = f"{flag} {path}"
    return read_input(Path(path), kind, label=label), label


def _pick(given: dict, names) -> dict:
    return {name: value for name, value in given.items() if name in names}
