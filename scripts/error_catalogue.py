"""Build the docs' table of user errors (docs/reference/errors.md) from the bad-input tests.

Every row is a case that tests/test_bad_input.py runs through the CLI and checks: exit code 2,
one line on stderr starting `error:`, no traceback, and the message part shown here.

    python scripts/error_catalogue.py          # print the block
    python scripts/error_catalogue.py --write  # splice it into the page between the markers
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.test_bad_input import CASES  # noqa: E402

PAGE = ROOT / "docs" / "reference" / "errors.md"
START = "<!-- error-catalogue:start -->"
END = "<!-- error-catalogue:end -->"
NOTE = "<!-- Generated from tests/test_bad_input.py by scripts/error_catalogue.py; do not edit. -->"


def catalogue() -> str:
    rows = ["| case | command | the error line contains |", "|---|---|---|"]
    for case in CASES:
        _, args, expected = case.values
        command = "seqcli " + args.replace("{run}", "RUN")
        rows.append(f"| {case.id} | `{_cell(command)}` | `{_cell(expected)}` |")
    return "\n".join([START, NOTE, "", *rows, END])


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("`", "'")


def write(text: str) -> None:
    page = PAGE.read_text(encoding="utf-8")
    start, end = page.index(START), page.index(END) + len(END)
    PAGE.write_text(page[:start] + text + page[end:], encoding="utf-8")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--write", action="store_true")
    args = parser.parse_args()
    if args.write:
        write(catalogue())
    else:
        print(catalogue())


if __name__ == "__main__":
    main()
