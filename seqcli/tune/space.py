"""The search space: recipe keys and the values each may take, written as --param strings
(`train.lr=float(1e-4,1e-2,log)`, `model.hidden_size=int(32,128)`, `model.cell=choice(lstm,gru)`)
or as a YAML file of key: distribution. Torch-free and Optuna-free: the study turns a Param
into an Optuna distribution, the recipe schema says which values a key takes."""

from __future__ import annotations

import json
import math
import re
from dataclasses import dataclass, field, replace
from pathlib import Path

from seqcli.errors import RecipeError, UsageError
from seqcli.recipe.errors import non_finite_name
from seqcli.recipe.inputs import SPACE
from seqcli.recipe.load import overridden, read_yaml, validate_recipe

WRITTEN = re.compile(r"^\s*(float|int|choice)\s*\((.*)\)\s*$", re.DOTALL)
NUMBER_WORDS = {int: "an int", float: "a float"}
EXAMPLES = "float(1e-4,1e-2,log), int(32,256) or choice(lstm,gru)"


@dataclass(frozen=True)
class Param:
    """One recipe key searched: `kind` float or int between low and high (log: on a log
    scale), or choice among `choices`."""

    key: str
    kind: str
    low: float | None = None
    high: float | None = None
    log: bool = False
    choices: tuple = ()
    origin: str = field(default="--param", compare=False)  # where it was written, for errors

    @property
    def written(self) -> str:
        if self.kind == "choice":
            return f"choice({','.join(map(str, self.choices))})"
        log = ",log" if self.log else ""
        return f"{self.kind}({self.low:g},{self.high:g}{log})"

    def probes(self) -> tuple:
        """The values the recipe must accept before any trial: the ends, or every choice."""
        return self.choices if self.kind == "choice" else (self.low, self.high)


def _number(text: str, kind: type, source: str) -> float:
    try:
        value = kind(float(text)) if kind is int and float(text).is_integer() else kind(text)
    except ValueError:
        raise UsageError(f"{source}: {text.strip()!r} is not {NUMBER_WORDS[kind]}") from None
    if not math.isfinite(value):  # NaN compares false with any bound: it would be 'low nan'
        raise UsageError(f"{source}: {non_finite_name(value)} is not a bound; give a finite number")
    return value


def _ranged(key: str, kind: str, parts: list[str], source: str) -> Param:
    """float(a,b[,log]) or int(a,b[,log]): low below high, both above zero on a log scale."""
    log = len(parts) == 3 and parts[2].strip() == "log"
    if len(parts) != 2 and not log:
        raise UsageError(f"{source}: write {kind}(low,high) or {kind}(low,high,log)")
    number = float if kind == "float" else int
    low, high = (_number(part, number, source) for part in parts[:2])
    if not low < high:
        raise UsageError(f"{source}: low {low:g} must be below high {high:g}")
    if log and low <= 0:
        raise UsageError(f"{source}: a log scale needs low above 0, got {low:g}")
    return Param(key, kind, low=low, high=high, log=log)


def _choice(key: str, parts: list[str], source: str) -> Param:
    """choice(a,b,...): each value read as YAML reads it (64 an int, null None, lstm a word)."""
    from seqcli.recipe.load import parse_text

    values = tuple(parse_text(part.strip(), source=source, not_yaml_is_text=True) for part in parts)
    if any(isinstance(value, dict | list) for value in values):
        raise UsageError(f"{source}: a choice is among plain values (words, numbers, null)")
    if len(values) < 2 or len(set(map(json.dumps, values))) != len(values):
        raise UsageError(f"{source}: give two or more different values to choose from")
    return Param(key, "choice", choices=values)


def parse_param(key: str, text: str, *, source: str) -> Param:
    """One key's distribution from its written form; a UsageError names `source`."""
    match = WRITTEN.match(str(text))
    if not key or not match:
        raise UsageError(f"{source}: expected KEY=DIST with DIST like {EXAMPLES}")
    kind, inside = match.groups()
    parts = inside.split(",")
    if kind == "choice":
        return _choice(key, parts, source)
    return _ranged(key, kind, parts, source)


def from_flags(flags: list[str]) -> list[Param]:
    """--param KEY=DIST, each; a key given twice is refused (which range was meant?)."""
    params: dict[str, Param] = {}
    for flag in flags:
        key, _, text = flag.partition("=")
        param = parse_param(key.strip(), text, source=f"--param {flag}")
        if param.key in params:
            raise UsageError(
                f"--param {param.key}: given twice, as {params[param.key].written} and "
                f"{param.written}; give each key once"
            )
        params[param.key] = param
    return list(params.values())


def from_mapping(raw: dict, origin: str) -> list[Param]:
    """Key: distribution pairs written in `origin` (a --space file, a recipe's tune: section)."""
    return [
        replace(parse_param(str(key), str(text), source=f"{origin}: {key}"), origin=origin)
        for key, text in raw.items()
    ]


def from_file(path: Path) -> list[Param]:
    """A --space file: a YAML mapping of recipe key to distribution."""
    raw = read_yaml(path, SPACE)
    if not isinstance(raw, dict) or not raw:
        raise UsageError(f"{path}: a search space is a mapping of recipe key: distribution")
    return from_mapping(raw, str(path))


def search_space(
    flags: list[str], space: Path | None, recipe: dict | None = None, recipe_path: Path = Path()
) -> list[Param]:
    """The params of the recipe's tune: section, --space and --param, each later one
    replacing an earlier one's entry for its key (--param wins, the recipe gives way)."""
    params = {p.key: p for p in from_mapping(recipe or {}, f"{recipe_path}: tune")}
    params.update((p.key, p) for p in (from_file(space) if space else []))
    params.update((p.key, p) for p in from_flags(flags))
    if not params:
        raise UsageError(
            "nothing to search: give --param KEY=DIST, --space FILE or the recipe a tune: section"
        )
    return list(params.values())


def setting(key: str, value) -> str:
    """A --set string that gives `key` exactly this value (JSON is YAML)."""
    return f"{key}={json.dumps(value)}"


def check_space(recipe_path: Path, overrides: list[str], params: list[Param]) -> None:
    """Refuse, before any trial, a key the recipe does not have or a value it refuses: each
    end of a range and each choice is validated as a recipe, alone over the base recipe."""
    raw = overridden(read_yaml(recipe_path), overrides)
    for param in params:
        for value in param.probes():
            probe = overridden(raw, [setting(param.key, value)])
            try:
                checked = validate_recipe(
                    probe, source=f"--param {param.key}", base_dir=recipe_path.parent
                )
            except RecipeError as err:
                first = err.lines()[0].removeprefix(f"--param {param.key}: ")
                raise RecipeError(
                    f"{_where(param)}={param.written}: at {json.dumps(value)}: {first}"
                ) from None
            _refuse_missing_path(checked, param, value)


def _refuse_missing_path(recipe, param: Param, value) -> None:
    """A choice of file (data.path=choice(a.csv,b.csv)) that does not exist, named by the
    param that chose it: the trial reading it would say only the file's name, mid-study."""
    path = recipe
    for part in param.key.split("."):
        path = getattr(path, part, None)
    if isinstance(path, Path) and not path.exists():
        raise RecipeError(
            f"{_where(param)}={param.written}: at {json.dumps(value)}: {path}: not found"
        )


def _where(param: Param) -> str:
    """`--param train.lr`, `space.yaml: train.lr` or `recipe.yaml: tune: train.lr`."""
    joint = " " if param.origin == "--param" else ": "
    return f"{param.origin}{joint}{param.key}"
