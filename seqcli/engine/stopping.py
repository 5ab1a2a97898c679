"""A stop request: noted between training steps, and raised into work that may be dropped."""

from __future__ import annotations

from collections.abc import Callable
from typing import TypeVar

Result = TypeVar("Result")


class StopRequested(BaseException):
    """Raised into abandonable work under way when a stop is requested (a BaseException, so
    no `except Exception` in the work swallows it)."""


ABANDONED = object()  # what work a stop request dropped gives back


class StopSwitch:
    """Set from a signal handler (or between events), read by the loop it stops."""

    def __init__(self) -> None:
        self.reason: str | None = None
        self._abandonable = False  # work that may be dropped is under way

    def request(self, reason: str) -> None:
        """Note the request; work under `unless_requested` is interrupted at once (so call
        this from a signal handler or between events, never from another thread)."""
        self.reason = reason
        if self._abandonable:
            self._abandonable = False  # once: the caller's own handling is not interrupted
            raise StopRequested(reason)

    def unless_requested(self, work: Callable[[], Result]) -> Result | object:
        """work(), or ABANDONED if a stop is requested before it ends."""
        # Every window for the signal is covered: before the flag is set nothing is raised,
        # after it is cleared (here or by request) nothing is either.
        try:
            self._abandonable = True
            if self.reason is not None:
                return ABANDONED
            result = work()
            self._abandonable = False
            return result
        except StopRequested:
            return ABANDONED
        finally:
            self._abandonable = False
