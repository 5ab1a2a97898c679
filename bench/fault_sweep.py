"""Run every bad input and every fault the suite knows and print tried / met / failed.

The tables are the tests (tests/test_bad_input.py: one row per class of bad input, each must
end in one `error:` line naming the file or field, exit 2, no traceback, nothing it may not
touch changed; tests/test_faults.py: kills, full disks, links, closed pipes, each with the
promise it keeps; tests/test_usage.py: command-line usage). This runs all of them, the slow
ones too (SIGKILL at every stage), and counts. 0 failed is the bar; a skipped case (a full
disk needs root to mount a small tmpfs) is counted apart and named.

Each case is also put in a class, the issue tracker's: ok, data loss, traceback, hang (a
case still running after HANG_SECONDS is stopped and counted so) or unclear (it failed
otherwise: a message that does not say what the case expects).

    flock /tmp/heavy.lock python bench/fault_sweep.py
    flock /tmp/heavy.lock python bench/fault_sweep.py tests/test_bad_input.py -k audio
"""

from __future__ import annotations

import re
import signal
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))
import common  # noqa: E402, F401  (this checkout's seqcli, not the venv's)

TABLES = (
    "tests/test_bad_input.py",
    "tests/test_faults.py",
    "tests/test_usage.py",
    "tests/test_jsonfiles.py",  # the run folder's JSON: damaged, deep, non-finite
    "tests/test_npz.py",  # zip bombs and forged headers in .npz files
    "tests/test_init.py",  # seqcli init on every kind of file, hostile ones too
    "tests/test_docs.py",  # every command the docs quote
    "tests/test_report.py",  # a hostile run's page stays inert; --out a link, a file of yours
    "tests/test_tune_storage.py",  # storages that can never work, two processes creating one
    "tests/test_tune_processes.py",  # Ctrl-C, a killed trial, two processes on one study
    "tests/test_doors_audit.py",  # every command's reads and writes pass through the doors
)
HANG_SECONDS = 300
# What a failure's report says, first match wins: its class. The tables assert "changed:
# [...]" for files a case must not touch, and "ran code" for a checkpoint that executed.
CLASSES = (
    ("hang", re.compile(r"Hang: still running")),
    ("data loss", re.compile(r"changed: \[|ran code|deleted|overwritten")),
    (
        "traceback",
        re.compile(r"Traceback \(most recent|^E\s+(?!Assertion)\w+(Error|Exception)\b", re.M),
    ),
)


CLASS_ORDER = ("data loss", "traceback", "hang", "unclear", "ok")


class Hang(Exception):
    pass


def _alarm(signum, frame):
    raise Hang(f"Hang: still running after {HANG_SECONDS} s")


def failure_class(text: str) -> str:
    return next((name for name, pattern in CLASSES if pattern.search(text)), "unclear")


class Tally:
    """Each test's outcome, grouped by the table it came from."""

    def __init__(self) -> None:
        self.outcomes: dict[str, Counter] = defaultdict(Counter)
        self.failed: list[str] = []
        self.skipped: list[str] = []
        self.classes: Counter = Counter()

    def pytest_runtest_setup(self, item) -> None:
        signal.signal(signal.SIGALRM, _alarm)
        signal.alarm(HANG_SECONDS)

    def pytest_runtest_teardown(self, item) -> None:
        signal.alarm(0)

    def pytest_runtest_logreport(self, report) -> None:
        if report.when != "call" and not (report.when == "setup" and report.outcome != "passed"):
            return
        table = report.nodeid.split("::")[0]
        self.outcomes[table][report.outcome] += 1
        if report.outcome == "passed":
            self.classes["ok"] += 1
        elif report.outcome == "failed":
            self.classes[failure_class(str(report.longrepr))] += 1
        {"failed": self.failed, "skipped": self.skipped}.get(report.outcome, []).append(
            report.nodeid
        )


def row(name: str, counts: Counter) -> str:
    tried = counts["passed"] + counts["failed"]
    return f"{name:28} {tried:6} {counts['passed']:6} {counts['failed']:7} {counts['skipped']:8}"


def arguments(argv: list[str]) -> list[str]:
    """The tables to run (all by default) and any pytest options given (-k audio)."""
    if {"-h", "--help"} & set(argv):
        print(__doc__)
        sys.exit(0)
    tables = [arg for arg in argv if arg.endswith(".py")]
    return [*(tables or TABLES), *(arg for arg in argv if not arg.endswith(".py"))]


def main() -> int:
    selected = arguments(sys.argv[1:])
    tally = Tally()
    started = time.perf_counter()
    code = pytest.main(["-q", "-p", "no:cacheprovider", "--all", *selected], plugins=[tally])
    print(f"\nfault sweep, {time.perf_counter() - started:.0f} s")
    print(f"{'table':28} {'tried':>6} {'met':>6} {'failed':>7} {'skipped':>8}")
    total = Counter()
    for table, counts in sorted(tally.outcomes.items()):
        print(row(table, counts))
        total.update(counts)
    print(row("all", total))
    print("by class: " + ", ".join(f"{name} {tally.classes[name]}" for name in CLASS_ORDER))
    for nodeid in tally.failed:
        print(f"failed: {nodeid}")
    for nodeid in tally.skipped:
        print(f"skipped: {nodeid}")
    return int(code != 0)


if __name__ == "__main__":
    sys.exit(main())
