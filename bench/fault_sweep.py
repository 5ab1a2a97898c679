"""Run every bad input and every fault the suite knows and print tried / met / failed.

The tables are the tests (tests/test_bad_input.py: one row per class of bad input, each must
end in one `error:` line naming the file or field, exit 2, no traceback, nothing it may not
touch changed; tests/test_faults.py: kills, full disks, links, closed pipes, each with the
promise it keeps; tests/test_usage.py: command-line usage). This runs all of them, the slow
ones too (SIGKILL at every stage), and counts. 0 failed is the bar; a skipped case (a full
disk needs root to mount a small tmpfs) is counted apart and named.

    python bench/fault_sweep.py
"""

from __future__ import annotations

import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
TABLES = ("tests/test_bad_input.py", "tests/test_faults.py", "tests/test_usage.py")


class Tally:
    """Each test's outcome, grouped by the table it came from."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Counter] = defaultdict(Counter)
        self.failed: list[str] = []
        self.skipped: list[str] = []

    def pytest_runtest_logreport(self, report) -> None:
        if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
            return
        table = report.nodeid.split("::")[0]
        self.outcomes[table][report.outcome] += 1
        {"failed": self.failed, "skipped": self.skipped}.get(report.outcome, []).append(
            report.nodeid
        )


def row(name: str, counts: Counter) -> str:
    tried = counts["passed"] + counts["failed"]
    return f"{name:28} {tried:6} {counts['passed']:6} {counts['failed']:7} {counts['skipped']:8}"


def main() -> int:
    tally = Tally()
    started = time.perf_counter()
    code = pytest.main(["-q", "-p", "no:cacheprovider", "--all", *TABLES], plugins=[tally])
    print(f"\nfault sweep, {time.perf_counter() - started:.0f} s")
    print(f"{'table':28} {'tried':>6} {'met':>6} {'failed':>7} {'skipped':>8}")
    total = Counter()
    for table, counts in sorted(tally.outcomes.items()):
        print(row(table, counts))
        total.update(counts)
    print(row("all", total))
    for nodeid in tally.failed:
        print(f"failed: {nodeid}")
    for nodeid in tally.skipped:
        print(f"skipped: {nodeid}")
    return int(code != 0)


if __name__ == "__main__":
    sys.path.insert(0, str(ROOT))
    sys.exit(main())
