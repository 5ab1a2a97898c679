"""Build docs/reference/commands.md from the Typer app: every command, its arguments and options.

The page is read off the click commands Typer builds, so it says what `seqcli COMMAND --help`
says and nothing the code does not: a flag added, renamed or re-helped changes the page, and
tests/test_docs.py fails until it is written again.

    python scripts/command_reference.py          # print the page
    python scripts/command_reference.py --write  # write docs/reference/commands.md
"""

from __future__ import annotations

import argparse
import html
import sys
from pathlib import Path

import typer
from typer.core import TyperArgument, TyperGroup, TyperOption

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))  # this checkout's commands, not an installed seqcli's

from seqcli.cli import app  # noqa: E402

ANNOTATIONS = {str: "text", list[str]: "text..."}  # what typer calls the rest, e.g. Path
PAGE = ROOT / "docs" / "reference" / "commands.md"
INTRO = """\
# Command reference

<!-- Generated from seqcli/cli/ by scripts/command_reference.py; do not edit. -->

Every command, argument and option, with the help text `seqcli COMMAND --help` shows. `-h`
is `--help` everywhere. A command that reads a run takes a run folder (its `best.pt`, else
`last.pt`, else an exported `model.safetensors`) or a checkpoint file. What the commands do,
with examples, is in the guides: [training](../guides/training.md),
[generate, evaluate and predict](../guides/using-a-run.md),
[gates and compare-cells](../guides/compare-cells.md)."""


def commands(group: TyperGroup, context, prefix: str = "seqcli") -> dict:
    """Every runnable command by its full name, e.g. 'seqcli recipe show', in --help order.
    Each is looked up as the command line does, so its metavars are the ones help shows."""
    found = {}
    for name in group.list_commands(context):
        command = group.get_command(context, name)
        if isinstance(command, TyperGroup):
            found.update(commands(command, context, f"{prefix} {name}"))
        else:
            found[f"{prefix} {name}"] = command
    return found


def page() -> str:
    """The whole page, one section per command."""
    root = typer.main.get_command(app)
    context = root.context_class(root, info_name="seqcli")
    root.get_params(context)  # fills in the plain metavars of the top-level options
    found = commands(root, context)
    sections = [_section(name, command) for name, command in found.items()]
    return "\n\n".join([INTRO, _top_level(root), *sections]) + "\n"


def _top_level(root: TyperGroup) -> str:
    rows = _option_rows(root)
    return "\n".join(["## `seqcli`", "", _text(root.help or ""), "", *rows])


def _section(name: str, command: TyperGroup) -> str:
    arguments = [p for p in command.params if isinstance(p, TyperArgument)]
    usage = " ".join([name, "[OPTIONS]", *(_argument_usage(a) for a in arguments)])
    lines = [f"## `{name}`", "", _text(command.help or ""), "", f"`{usage}`", ""]
    if arguments:
        lines += ["| argument | takes | meaning |", "|---|---|---|"]
        lines += [f"| `{_metavar(a)}` | {_takes(a)} | {_text(_help(a))} |" for a in arguments]
        lines.append("")
    lines += _option_rows(command)
    return "\n".join(lines).rstrip()


def _option_rows(command: TyperGroup) -> list[str]:
    options = [p for p in command.params if isinstance(p, TyperOption) and not p.hidden]
    rows = ["| option | takes | default | meaning |", "|---|---|---|---|"]
    for option in options:
        names = ", ".join(f"`{flag}`" for flag in (*option.opts, *option.secondary_opts))
        cells = (names, _takes(option), _default(option), _text(_help(option)))
        rows.append("| " + " | ".join(cells) + " |")
    rows.append("| `-h`, `--help` | | | Show the help and exit. |")
    return rows


def _argument_usage(argument: TyperArgument) -> str:
    metavar = _metavar(argument)
    return metavar if argument.required else f"[{metavar}]"


def _metavar(argument: TyperArgument) -> str:
    return (argument.metavar or argument.name or "").upper()


def _takes(param: TyperArgument | TyperOption) -> str:
    """What the parameter takes, as help shows it (INT, PATH, [auto|cpu|cuda|mps]); nothing for
    a switch."""
    shown = param.metavar if isinstance(param, TyperOption) else _annotation(param)
    return f"`{_cell(shown)}`" if shown else ""


def _annotation(argument: TyperArgument) -> str:
    annotation = argument.type_descriptor.annotation
    return ANNOTATIONS.get(annotation, getattr(annotation, "__name__", "text")).upper()


def _default(option: TyperOption) -> str:
    """The default when there is one to show: the switch that is on, or the value."""
    if option.is_flag:
        on = option.opts[0] if option.default else (option.secondary_opts or [""])[0]
        return f"`{on}`" if on else ""
    if option.default is None or option.multiple:
        return ""
    return f"`{_cell(str(option.default))}`"


def _help(param: TyperArgument | TyperOption) -> str:
    return getattr(param, "help", None) or ""


def _text(text: str) -> str:
    """Help text as table prose: `runs/<name>` must not read as an HTML tag."""
    return _cell(html.escape(text, quote=False))


def _cell(text: str) -> str:
    return " ".join(text.split()).replace("|", "\\|")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true", help=f"write {PAGE.relative_to(ROOT)}")
    args = parser.parse_args()
    if args.write:
        PAGE.parent.mkdir(parents=True, exist_ok=True)
        PAGE.write_text(page(), encoding="utf-8")
    else:
        sys.stdout.write(page())


if __name__ == "__main__":
    main()
