"""The command line's own mistakes (an unknown command or flag, a missing argument, a value a
flag cannot take) read like every other error: one `error:` line naming the flag, exit code 2,
with a did-you-mean among the command's own flags. A command line without a command gets the
help, on stderr: it is meant for a person, and stdout carries data only."""

from __future__ import annotations

import shutil
from contextlib import contextmanager

import typer
from typer.core import TyperGroup

from seqcli import ui
from seqcli.recipe.errors import did_you_mean

try:  # typer vendors click from 0.2x on; before, it used click itself
    from typer._click import exceptions as click_errors
except ImportError:  # pragma: no cover
    from click import exceptions as click_errors

USAGE_EXIT = 2  # as for every user error
# Below this many columns rich's option table cuts option names and long words with "…"
# (train -h at 80 showed `--allow-changed…`): help falls back to click's plain layout, an
# option's names on their own line and its help wrapped beneath.
RICH_HELP_COLUMNS = 120


class Refused(click_errors.UsageError):
    """A usage error whose message is already the whole line."""


class Commands(TyperGroup):
    """seqcli and its groups: usage errors become one line, a bare group shows its help."""

    def parse_args(self, ctx, args: list[str]) -> list[str]:
        if not args and not ctx.resilient_parsing:
            ui.help_on_stderr(ctx.get_help)
            raise typer.Exit(USAGE_EXIT)
        return super().parse_args(ctx, args)

    def resolve_command(self, ctx, args: list[str]):
        name = args[0]
        if self.get_command(ctx, name) is None and not name.startswith("-"):
            commands = list(self.list_commands(ctx))
            raise Refused(
                f"{name}: {command_name(ctx)} has no such command{did_you_mean(name, commands)}; "
                f"its commands: {', '.join(commands)}"
            )
        return super().resolve_command(ctx, args)

    def get_command(self, ctx, name: str):
        command = super().get_command(ctx, name)
        if command is not None:
            plain_metavars([*command.params, command.get_help_option(ctx)], ctx)
            fit_help(command)
        return command

    def format_help(self, ctx, formatter) -> None:
        fit_help(self)
        super().format_help(ctx, formatter)

    def format_commands(self, ctx, formatter) -> None:
        """Each command's whole first help line, wrapped (click cut it to the width with ...)."""
        commands = [(name, self.get_command(ctx, name)) for name in self.list_commands(ctx)]
        rows = [(name, cmd.get_short_help_str(limit=1000)) for name, cmd in commands if cmd]
        if rows:
            with formatter.section("Commands"):
                formatter.write_dl(rows)

    def get_params(self, ctx):
        params = super().get_params(ctx)
        plain_metavars(params, ctx)
        return params

    def make_context(self, info_name, args, parent=None, **extra):
        with one_line_usage_errors():
            return super().make_context(info_name, args, parent, **extra)

    def invoke(self, ctx):
        with one_line_usage_errors():
            return super().invoke(ctx)


def fit_help(command) -> None:
    """Plain help in a terminal too narrow for rich's table (COLUMNS is read each time)."""
    if shutil.get_terminal_size().columns < RICH_HELP_COLUMNS:
        command.rich_markup_mode = None


def plain_metavars(params, ctx) -> None:
    for param in params:
        if param is not None and param.param_type_name == "option" and param.metavar is None:
            param.metavar = plain_metavar(param, ctx)


def plain_metavar(option, ctx) -> str:
    """What to type after an option, as help shows it: nothing after a flag, INT or PATH
    rather than typer's <int> and <path>, and TEXT... for an option given several times."""
    if getattr(option, "is_flag", False):
        return ""
    shown = option.display_type(ctx).strip("<>")
    if shown.startswith("list["):
        return f"{shown[5:-1].replace('str', 'text').upper()}..."
    return shown.replace("str", "text").upper()


@contextmanager
def one_line_usage_errors():
    try:
        yield
    except click_errors.UsageError as err:
        ui.error(usage_line(err))
        raise typer.Exit(USAGE_EXIT) from None


def usage_line(err) -> str:
    """The line for a usage error, by the most specific kind of it that has one."""
    kind = next(kind for kind in type(err).__mro__ if kind in LINES)
    return LINES[kind](err)


def command_name(ctx) -> str:
    """`seqcli generate`, however the program was started (entry point, -m, a test runner)."""
    names = []
    while ctx is not None and ctx.parent is not None:
        names.append(ctx.info_name)
        ctx = ctx.parent
    return " ".join(["seqcli", *reversed(names)])


def _sentence(message: str) -> str:
    """click's message as the part of our line after the colon."""
    message = message.strip().rstrip(".")
    return message[:1].lower() + message[1:]


def _unknown_option(err) -> str:
    flags = [
        flag
        for param in err.ctx.command.params
        for flag in (*param.opts, *param.secondary_opts)
        if flag.startswith("-")
    ]
    hint = did_you_mean(err.option_name, [*flags, "--help"], prefix="--")
    return f"{err.option_name}: {command_name(err.ctx)} has no such option{hint}"


def _label(param) -> str:
    """How a line names a parameter: an option by its flag, an argument by its NAME."""
    flags = [opt for opt in param.opts if opt.startswith("-")]
    return flags[0] if flags else param.name.upper()


def _missing(err) -> str:
    where = command_name(err.ctx)
    return f"{where}: missing {err.param.param_type_name} {_label(err.param)}; see {where} --help"


def _bad_value(err) -> str:
    where = _label(err.param) if err.param is not None else command_name(err.ctx)
    if err.param is not None and _from_environment(err.ctx, err.param):
        where = f"{err.param.envvar} (read as {where})"
    return f"{where}: {_sentence(err.message)}"


def _from_environment(ctx, param) -> bool:
    """Whether the bad value came from the parameter's environment variable, not the line."""
    source = ctx.get_parameter_source(param.name)
    return source is not None and source.name == "ENVIRONMENT"


def _option_usage(err) -> str:
    message = err.message.replace(f"Option '{err.option_name}' ", "")
    return f"{err.option_name}: {_sentence(message)}"


def _usage(err) -> str:
    return f"{command_name(err.ctx)}: {_sentence(err.message)}"


def _whole(err) -> str:
    return err.message


LINES = {
    Refused: _whole,
    click_errors.NoSuchOption: _unknown_option,
    click_errors.MissingParameter: _missing,
    click_errors.BadParameter: _bad_value,
    click_errors.BadOptionUsage: _option_usage,
    click_errors.UsageError: _usage,
}
