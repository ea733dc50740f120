"""Request-body checks that answer with DRF's field-error messages."""

from __future__ import annotations

from typing import Any

from .errors import ApiError


class Body:
    """Reads typed fields out of a request body and collects DRF-style errors."""

    def __init__(self, data: dict[str, Any], partial: bool = False) -> None:
        self.data = data
        self.partial = partial
        self.errors: dict[str, list[str]] = {}

    def has(self, key: str) -> bool:
        return key in self.data

    def _error(self, key: str, message: str) -> None:
        self.errors.setdefault(key, []).append(message)

    def _missing(self, key: str, required: bool) -> bool:
        if key in self.data:
            return False
        if required and not self.partial:
            self._error(key, "This field is required.")
        return True

    def string(
        self,
        key: str,
        default: str = "",
        required: bool = False,
        blank: bool = True,
        max_len: int = 512,
        nullable: bool = False,
    ) -> str:
        if self._missing(key, required):
            return default
        value = self.data[key]
        if value is None:
            if nullable:
                return ""
            self._error(key, "This field may not be null.")
            return default
        if isinstance(value, bool) or not isinstance(value, str | int | float):
            self._error(key, "Not a valid string.")
            return default
        text = str(value)
        if not blank and not text.strip():
            self._error(key, "This field may not be blank.")
        elif len(text) > max_len:
            self._error(key, f"Ensure this field has no more than {max_len} characters.")
        return text

    def integer(self, key: str, default: int = 0, minimum: int | None = 0) -> int:
        if self._missing(key, False):
            return default
        value = self.data[key]
        try:
            if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
                raise ValueError
            number = int(value)
        except (TypeError, ValueError):
            self._error(key, "A valid integer is required.")
            return default
        if minimum is not None and number < minimum:
            self._error(key, f"Ensure this value is greater than or equal to {minimum}.")
        return number

    def boolean(self, key: str, default: bool = False) -> bool:
        if self._missing(key, False):
            return default
        value = self.data[key]
        if isinstance(value, bool):
            return value
        if isinstance(value, str) and value.lower() in ("true", "false", "1", "0"):
            return value.lower() in ("true", "1")
        if isinstance(value, int) and value in (0, 1):
            return bool(value)
        self._error(key, "Must be a valid boolean.")
        return default

    def choice(
        self, key: str, choices: tuple[str, ...], default: str, required: bool = False
    ) -> str:
        if self._missing(key, required):
            return default
        value = self.data[key]
        if value is None and "" in choices:
            return ""
        if not isinstance(value, str) or value not in choices:
            self._error(key, f'"{value}" is not a valid choice.')
            return default
        return value

    def fk(
        self,
        key: str,
        table: dict[int, Any],
        required: bool = False,
        nullable: bool = True,
        default: int | None = None,
    ) -> int | None:
        if self._missing(key, required):
            return default
        value = self.data[key]
        if value is None or value == "":
            if not nullable or required:
                self._error(key, "This field may not be null.")
            return None
        if isinstance(value, bool) or not isinstance(value, int | str):
            self._error(key, f"Incorrect type. Expected pk value, received {type(value).__name__}.")
            return default
        try:
            pk = int(value)
        except ValueError:
            self._error(key, "Incorrect type. Expected pk value, received str.")
            return default
        if pk not in table:
            self._error(key, f'Invalid pk "{pk}" - object does not exist.')
            return default
        return pk

    def check(self) -> None:
        if self.errors:
            raise ApiError(400, self.errors)


def duplicate(model: str, scope: str = "Organization") -> ApiError:
    suffix = f" and {scope}" if scope else ""
    return ApiError(400, {"__all__": [f"{model} with this Name{suffix} already exists."]})
