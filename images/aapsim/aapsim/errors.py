"""An exception that carries an AAP-style error response."""

from __future__ import annotations

from typing import Any


class ApiError(Exception):
    def __init__(self, status: int, body: Any, headers: dict[str, str] | None = None) -> None:
        super().__init__(status, body)
        self.status = status
        self.body = body
        self.headers = headers or {}


def not_found() -> ApiError:
    return ApiError(404, {"detail": "Not found."})


def field_errors(errors: dict[str, list[str]]) -> ApiError:
    return ApiError(400, errors)
