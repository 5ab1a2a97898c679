"""train --folds shows each fold's bar once: a finished fold's bar stays printed where it
ended, and the live display holds the running fold only (a log file, which gets a bar each
time a display stops, would otherwise repeat every earlier fold's)."""

from __future__ import annotations

import re

from tests.test_folds import train_folds, write_cv_recipe

BAR = re.compile(r"^train .* (\d+)/(\d+)\b", re.MULTILINE)


def test_each_folds_bar_is_shown_once(tmp_path):
    result = train_folds(write_cv_recipe(tmp_path), tmp_path / "run")
    assert result.exit_code == 0, result.output
    bars = BAR.findall(result.stderr)
    assert bars == [("4", "4")] * 3, result.stderr
