"""seqcli init on series files a new user may have: too short to split, or a folder whose files
disagree. Each is one line naming the file, not an error about the recipe init would write."""

from __future__ import annotations

from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.recipe import load_recipe
from seqcli.scaffold.series_sizes import FEWEST_ROWS

VALUES = [3.1, 7.4, 1.2, 9.9, 4.4, 6.0, 2.5, 8.8, 5.3, 0.7]


def init(data, out):
    return CliRunner().invoke(app, ["init", str(data), "--out", str(out)])


def write_series(path, count: int) -> None:
    path.write_text("value\n" + "".join(f"{v}\n" for v in VALUES[:count]), encoding="utf-8")


def test_a_series_too_short_to_split_is_refused_naming_the_file_and_the_rows_needed(tmp_path):
    data, out = tmp_path / "one.csv", tmp_path / "one.yaml"
    write_series(data, 1)
    result = init(data, out)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"error: {data}: 1 row(s); a forecaster needs at least {FEWEST_ROWS}: forecasts to "
        "validate and to test, and the rows before them to train on"
    ]
    assert not out.exists()


def test_the_shortest_series_init_accepts_makes_a_recipe_that_loads(tmp_path):
    data, out = tmp_path / "few.csv", tmp_path / "few.yaml"
    write_series(data, FEWEST_ROWS)
    assert init(data, out).exit_code == 0
    recipe = load_recipe(out, [])
    assert recipe.data.val_fraction + recipe.data.test_fraction <= 0.5


def test_a_folder_of_series_files_with_different_columns_is_refused_naming_both(tmp_path):
    folder, out = tmp_path / "shops", tmp_path / "shops.yaml"
    folder.mkdir()
    rows = "".join(f"2020-01-{day:02d},{day}\n" for day in range(1, 29))
    (folder / "a.csv").write_text("date,sales\n" + rows, encoding="utf-8")
    (folder / "b.csv").write_text("day,amount\n" + rows, encoding="utf-8")
    result = init(folder, out)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"error: {folder / 'b.csv'}:1: columns day, amount; a.csv has date, sales: every file "
        "of the folder needs the same header"
    ]
    assert not out.exists()
