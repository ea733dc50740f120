"""The outcomes of a run as types: each failure a user can fix carries its exit code.

Tasks print the message without a traceback and exit with ``exit_code`` (README: 0 all
counts match, 1 a count is wrong, 2 a stage could not run, 130 interrupted). Nothing
decides an exit code by reading a message.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from typing import Any

EXIT_OK = 0
EXIT_MISMATCH = 1
EXIT_STAGE = 2
EXIT_INTERRUPTED = 130


class HarnessError(Exception):
    """A stage could not run: a one-line message that names the problem and the fix.

    ``facts``: what was found wrong, one mapping per problem (entity, expected, found, ...;
    see model/results.Problem), so that a known failure is recognised by its facts."""

    exit_code = EXIT_STAGE

    def __init__(
        self,
        message: str,
        *,
        stage: str | None = None,
        exit_code: int | None = None,
        facts: Sequence[Mapping[str, Any]] = (),
    ) -> None:
        super().__init__(message)
        self.stage = stage
        self.facts = tuple(dict(f) for f in facts)
        if exit_code is not None:
            self.exit_code = exit_code


class OptionError(HarnessError):
    """An option value that cannot work; raised before anything starts."""


class CountMismatch(HarnessError):
    """The stack ran and a count in the database differs from the expected file."""

    exit_code = EXIT_MISMATCH


class ContainerDied(HarnessError):
    """A container of the stack exited, restarted or was paused while a stage needed it."""

    def __init__(self, message: str, *, service: str, stage: str | None = None) -> None:
        super().__init__(message, stage=stage)
        self.service = service


class ArtifactWriteError(HarnessError):
    """A file of the artifacts (or a summary) could not be written: a full or read-only disk."""

    def __init__(self, path: object, exc: OSError) -> None:
        super().__init__(
            f"cannot write {path} ({exc.strerror or exc}); free space on that disk or pass "
            "--artifacts with a writable directory"
        )
