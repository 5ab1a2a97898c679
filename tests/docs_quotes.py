"""What a page quotes, and what the code has to match it: the flags of every command, every
recipe key path, and the error messages seqcli's source can write (tests/test_docs.py)."""

from __future__ import annotations

import ast
import importlib.util
import re
from collections.abc import Iterator

import typer
import yaml
from typer.core import TyperGroup, TyperOption

from seqcli.cli import app
from tests.conftest import ROOT

FENCE = re.compile(r"^```(\w*)\n(.*?)^```", re.M | re.S)
SPAN = re.compile(r"`([^`]+)`")
FLAG = re.compile(r"(?<![\w-])--[a-z][\w-]*")
SHELL_LANGUAGES = {"", "bash", "sh", "console"}
SECTIONS = ("data", "model", "train", "generate")
DOTTED = re.compile(rf"^(?:{'|'.join(SECTIONS)})(?:\.[a-z_]+)+(?![\w.])")
FILE_SUFFIXES = ("pt", "onnx", "json", "safetensors", "yaml", "csv", "png", "jsonl", "py")
SET = re.compile(r"--set\s+['\"]?([a-z_][a-z_.]*)=")


def _commands(group: TyperGroup, prefix: str = "seqcli") -> dict[str, set[str]]:
    """Every runnable command's full name and its flags, the help flags included."""
    found = {prefix: _flags(group)} if prefix == "seqcli" else {}
    for name, command in group.commands.items():
        if isinstance(command, TyperGroup):
            found.update(_commands(command, f"{prefix} {name}"))
        else:
            found[f"{prefix} {name}"] = _flags(command)
    return found


def _flags(command) -> set[str]:
    options = [p for p in command.params if isinstance(p, TyperOption)]
    return {"--help", "-h", *(f for o in options for f in (*o.opts, *o.secondary_opts))}


COMMANDS = _commands(typer.main.get_command(app))
RUNNABLE = dict(COMMANDS)  # what the command reference has a section for
EVERY_FLAG = set().union(*COMMANDS.values())
GROUPS = {name.rsplit(" ", 1)[0] for name in COMMANDS if name.count(" ") > 1} | {"seqcli"}
COMMANDS.update({group: {"--help", "-h"} for group in GROUPS - set(COMMANDS)})


def quoted_code(text: str) -> Iterator[str]:
    """Each inline code span, and each command line of a shell block (continuations joined).
    A quoted error line and the error catalogue's table quote wrong flags on purpose: the
    error test checks those."""
    text = _without_catalogue(text)
    for language, body in FENCE.findall(text):
        if language in SHELL_LANGUAGES:
            yield from body.replace("\\\n", " ").splitlines()
    for span in SPAN.findall(FENCE.sub("", text)):
        if not span.startswith("error: "):
            yield " ".join(span.replace("\\|", "|").split())


def _without_catalogue(text: str) -> str:
    start, end = "<!-- error-catalogue:start -->", "<!-- error-catalogue:end -->"
    if start not in text:
        return text
    return text[: text.index(start)] + text[text.index(end) :]


def commands_in(code: str) -> Iterator[tuple[str | None, str]]:
    """(command, the rest) for each seqcli command in a line (pipes and && split it), and
    (None, span) for a span that is a flag by itself: it must be some command's."""
    for part in re.split(r"\|\||\||&&|\$\(", code):
        words = part.split()
        if not words:
            continue
        if words[0].startswith("--"):
            yield None, part
        elif words[0] == "seqcli":
            yield _command(words[1:])


def _command(words: list[str]) -> tuple[str | None, str]:
    name = "seqcli"
    while name in GROUPS and words and re.fullmatch(r"[a-z][a-z-]*", words[0]):
        name, words = f"{name} {words[0]}", words[1:]
    if name == "seqcli" and words and words[0].isupper():  # seqcli COMMAND --help
        return None, " ".join(words)
    return name, " ".join(words)


def flags_in(text: str, known: set[str]) -> list[str]:
    """The flags text names that are not among known."""
    return [flag for flag in FLAG.findall(text) if flag not in known]


def _key_paths() -> set[str]:
    spec = importlib.util.spec_from_file_location(
        "recipe_reference", ROOT / "scripts" / "recipe_reference.py"
    )
    reference = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(reference)
    paths = set()
    for _, prefix, model in reference._sections(reference.Recipe, ""):
        paths |= {prefix + name for name in model.model_fields}
    return paths


KEY_PATHS = _key_paths()


def key_paths_in(code: str, *, whole: bool = False) -> set[str]:
    """Recipe key paths a span starts with or sets; with whole, every key of a YAML block."""
    if whole:
        raw = yaml.safe_load(code)
        return set(_flattened(raw)) if isinstance(raw, dict) else set()
    found = set(SET.findall(code))
    match = DOTTED.match(code)
    if match and not match.group(0).endswith(tuple(f".{suffix}" for suffix in FILE_SUFFIXES)):
        found.add(match.group(0))  # model.safetensors is a file, model.cell a key
    return found


NESTED = {*SECTIONS, "train.schedule", "train.early_stopping"}  # sections inside sections


def _flattened(raw: dict, prefix: str = "") -> Iterator[str]:
    """Every key path of a YAML block; a dict under a key that is not a section (class_weights)
    is that key's value."""
    for key, value in raw.items():
        path = f"{prefix}{key}"
        yield path
        if isinstance(value, dict) and path in NESTED:
            yield from _flattened(value, f"{path}.")


REPO_PATH = re.compile(
    r"^[\w.-]+(?:/[\w.-]+)+\.(?:py|yaml|toml|json|txt|csv|tsv|npz|conllu|mat|zip)$"
)


def repository_paths(text: str) -> set[str]:
    """The files of the repository a page quotes: `seqcli/export/exporters.py`, `recipe/cells.py`
    (under seqcli/), `recipes/airline.yaml`; a run's files and placeholders are not."""
    return {
        code
        for code in quoted_code(text)
        if REPO_PATH.match(code)
        and not code.startswith(("runs/", "exported/"))
        and not code.split("/", 1)[0].isupper()  # RUN_DIR/folds.json
    }


def yaml_blocks(text: str) -> list[str]:
    return [body for language, body in FENCE.findall(text) if language == "yaml"]


def error_quotes(text: str) -> list[str]:
    """Each quoted `error: ...` line, whitespace collapsed, without the prefix; a form with
    placeholders (`error: <where>: <what is wrong>`) is not a message."""
    spans = (" ".join(span.split()) for span in SPAN.findall(FENCE.sub("", text)))
    quotes = [span.removeprefix("error: ") for span in spans if span.startswith("error: ")]
    return [quote for quote in quotes if "<" not in quote and quote.strip(". ")]


def _templates() -> list[tuple[re.Pattern, list[str | None]]]:
    """Every string in seqcli/ long enough to be a message, as a pattern (an f-string's fields
    match any text) and its pieces (None for a field). Adjacent literals are one string to the
    parser, as they are to Python."""
    found = []
    for source in sorted((ROOT / "seqcli").rglob("*.py")):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            pieces = _pieces(node)
            if sum(len(piece) for piece in pieces if piece) >= 8:
                found.append((re.compile(_pattern(pieces), re.S), pieces))
    return found


def _pieces(node: ast.AST) -> list[str | None]:
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        return [re.sub(r"\s+", " ", node.value)]
    if not isinstance(node, ast.JoinedStr):
        return []
    return [
        re.sub(r"\s+", " ", str(value.value)) if isinstance(value, ast.Constant) else None
        for value in node.values
    ]


def _pattern(pieces: list[str | None]) -> str:
    """Literals as groups (what a quote must match), fields as any text. Each literal after the
    first, with the fields before it, is optional, so a message that goes on past the quote
    still matches; a field at the end matches nothing a quote needs."""
    first = next(i for i, piece in enumerate(pieces) if piece is not None)
    required = "".join(_part(piece) for piece in pieces[: first + 1])
    units, fields = [], ""
    for piece in pieces[first + 1 :]:
        if piece is None:
            fields += ".+?"
        else:
            units.append(fields + _part(piece))
            fields = ""
    return required + "".join(f"(?:{unit}" for unit in units) + ")?" * len(units)


def _part(piece: str | None) -> str:
    return ".+?" if piece is None else f"({re.escape(piece)})"


TEMPLATES = _templates()
LEADING_FIELD = 16  # a flag, a file or a number before a message's first literal is its data
COVERED = 0.9  # the share of a quote's characters the source's strings must account for


def produced(quote: str) -> bool:
    """Whether the quote is a message seqcli writes: a case of the error catalogue, or text
    the strings of its source cover; a `...` leaves a part out, and a quote that ends in one
    may stop inside a literal."""
    from tests.test_bad_input import CASES

    if any(" ".join(case.values[2].split()) in quote for case in CASES):
        return True
    *parts, last = quote.replace("(...)", "(X)").split("...")
    if parts and not last.strip():  # cut short: the last part is the start of a message
        return all(_covered(p) >= COVERED for p in parts[:-1]) and _starts(parts[-1])
    return all(_covered(part) >= COVERED for part in (*parts, last))


def _starts(part: str) -> bool:
    """Whether part is the start of a message: a template's pieces up to a literal, then the
    beginning of that literal."""
    part = part.strip()
    for _, pieces in TEMPLATES:
        for index, piece in enumerate(pieces):
            if piece is not None and _ends_in_start_of(part, pieces[:index], piece):
                return True
    return False


def _ends_in_start_of(part: str, before: list[str | None], piece: str) -> bool:
    head = "".join(".+?" if p is None else re.escape(p) for p in before)
    for length in range(len(piece), 7, -1):
        start = piece[:length].rstrip()
        if part.endswith(start) and re.fullmatch(head, part[: len(part) - len(start)], re.S):
            return True
    return False


def _covered(part: str) -> float:
    """The largest share of part's characters one string of the source accounts for: from its
    first literal to its last (a field between them is the message's data), and a short field
    before the first (a flag, a file, a number)."""
    part = part.strip(" ;,")
    if not part:
        return 1.0
    best = 0.0
    for template, _ in TEMPLATES:
        for match in template.finditer(part):
            spans = [match.span(g) for g in range(1, template.groups + 1) if match.group(g)]
            start, end = spans[0][0], spans[-1][1]
            if start - match.start() <= LEADING_FIELD:
                start = match.start()
            best = max(best, len(part[start:end].replace(" ", "")) / len(part.replace(" ", "")))
    return best
