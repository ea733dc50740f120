"""The one error type the harness raises for problems a user can fix."""

from __future__ import annotations


class HarnessError(Exception):
    """A failure with a one-line message that names the problem and the fix.

    Tasks print the message without a traceback and exit non-zero.
    """

    def __init__(self, message: str, *, stage: str | None = None) -> None:
        super().__init__(message)
        self.stage = stage
