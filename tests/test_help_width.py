"""-h in a terminal too narrow for rich's option table falls back to plain help, where each
option's names stand whole on a line (rich cut them: `--allow-changed…`)."""

from __future__ import annotations

import pytest
from typer.main import get_command
from typer.testing import CliRunner

from seqcli.cli import app


@pytest.mark.parametrize("command", ["train", "compare-cells", "generate", "evaluate"])
def test_help_at_80_columns_shows_every_option_name_whole(command):
    result = CliRunner().invoke(app, [command, "-h"], env={"COLUMNS": "80"})
    assert result.exit_code == 0
    assert "…" not in result.output
    params = get_command(app).commands[command].params
    for option in (o for p in params for o in (*p.opts, *p.secondary_opts)):
        assert option in result.output.split(), option
