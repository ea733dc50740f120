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


def get_or_404(table: dict[int, Any], obj_id: str) -> Any:
    obj = table.get(int(obj_id))
    if obj is None:
        raise not_found()
    return obj


def field_errors(errors: dict[str, list[str]]) -> ApiError:
    return ApiError(400, errors)
