"""seqcli init on series files a new user may have: too short to split, or a folder whose files
disagree. Each is one line naming the file, not an error about the recipe init would write."""

from __future__ import annotations

from typer.testing import CliRunner

from seqcli.cli import app
from seqcli.recipe import load_recipe
from seqcli.scaffold.series_sizes import FEWEST_ROWS

VALUES = [3.1, 7.4, 1.2, 9.9, 4.4, 6.0, 2.5, 8.8, 5.3, 0.7]


def init(data, out, *args: str):
    return CliRunner().invoke(app, ["init", str(data), "--out", str(out), *args])


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


def test_a_folder_of_series_with_another_file_is_refused_as_training_would(tmp_path):
    folder, out = tmp_path / "shops", tmp_path / "shops.yaml"
    folder.mkdir()
    rows = "".join(f"2020-01-{day:02d},{day}\n" for day in range(1, 29))
    (folder / "a.csv").write_text("date,sales\n" + rows, encoding="utf-8")
    (folder / "notes.txt").write_text("from the shop\n", encoding="utf-8")
    result = init(folder, out)
    assert result.exit_code == 2, result.output
    assert f"{folder / 'notes.txt'}: not a .csv file" in result.stderr
    assert not out.exists()


def test_a_file_of_nul_bytes_is_refused_as_binary_not_read_as_a_corpus(tmp_path):
    data, out = tmp_path / "zeros.csv", tmp_path / "zeros.yaml"
    with data.open("wb") as handle:  # sparse: 2 GB of zeros on no disk
        handle.truncate(2 << 30)
    result = init(data, out)
    assert result.exit_code == 2, result.output
    assert result.stderr.startswith(
        f"error: {data}: a NUL byte (0x00) on line 1: a binary file, not text"
    )
    assert not out.exists()


def test_a_row_of_many_ignored_columns_lists_the_first_few_and_counts_the_rest(tmp_path):
    data, out = tmp_path / "wide.csv", tmp_path / "wide.yaml"
    row = ",".join(["spam", "a text of some words here", *map(str, range(500))])
    data.write_text(f"{row}\n{row.replace('spam', 'ham')}\n" * 20, encoding="utf-8")
    result = init(data, out, "--task", "classifier")
    assert result.exit_code == 0, result.output
    (ignored,) = [line for line in result.stderr.splitlines() if line.startswith("ignored:")]
    assert ignored.endswith("; and 492 more") and ignored.count("(") == 8
    assert sum(line.startswith("# Ignored:") for line in out.read_text().splitlines()) == 9


def dated_rows(days: list[int]) -> str:
    return "date,value\n" + "".join(f"2020-01-{day:02d},{VALUES[day % 10]}\n" for day in days)


def test_a_series_saved_newest_first_is_refused_naming_the_dates_that_go_back(tmp_path):
    data, out = tmp_path / "desc.csv", tmp_path / "desc.yaml"
    data.write_text(dated_rows(list(range(28, 0, -1))), encoding="utf-8")
    result = init(data, out)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"error: {data}: column 'date' goes back: '2020-01-28' then '2020-01-27'; a series "
        "runs oldest first: sort the rows by date"
    ]
    assert not out.exists()


def test_a_repeated_date_is_refused_pointing_at_a_column_naming_each_series(tmp_path):
    data, out = tmp_path / "twice.csv", tmp_path / "twice.yaml"
    data.write_text(dated_rows([*range(1, 15), *range(14, 29)]), encoding="utf-8")
    result = init(data, out)
    assert result.exit_code == 2, result.output
    assert "column 'date' repeats: '2020-01-14' then '2020-01-14'; a series has one row" in (
        result.stderr
    )


def test_a_date_column_written_two_ways_is_named_with_an_example_of_each(tmp_path):
    data, out = tmp_path / "two.csv", tmp_path / "two.yaml"
    iso = [f"2020-01-{day:02d},{VALUES[day % 10]}\n" for day in range(1, 15)]
    slashed = [f"{day:02d}/01/2020,{VALUES[day % 10]}\n" for day in range(15, 29)]
    data.write_text("date,sales\n" + "".join(iso + slashed), encoding="utf-8")
    result = init(data, out)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"error: {data}: 'date' holds dates such as '2020-01-01' and cells such as "
        "'15/01/2020'; write every date of it as the first is written"
    ]


def test_a_csv_of_a_header_alone_says_there_are_no_rows(tmp_path):
    data, out = tmp_path / "header.csv", tmp_path / "header.yaml"
    data.write_text("\ndate,sales\n\n", encoding="utf-8")
    result = init(data, out)
    assert result.exit_code == 2, result.output
    assert result.stderr.strip().splitlines() == [
        f"error: {data}: one line (date,sales) and no rows after it; init guesses the task "
        "from rows of data"
    ]
