"""Command-line flags a task does not take are an error, not silently ignored."""

from __future__ import annotations

from seqcli.errors import UsageError


def flag_name(name: str) -> str:
    return "--" + name.replace("_", "-")


def reject_unknown(flags: dict, accepted: frozenset[str], what: str) -> None:
    """UsageError naming the first given flag that `what` does not use."""
    extra = sorted(set(flags) - accepted)
    if extra:
        raise UsageError(f"{flag_name(extra[0])} does not apply to {what}")
