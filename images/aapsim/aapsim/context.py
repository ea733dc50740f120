"""What a handler gets (the request, parsed) and what it returns."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import ApiError
from .listing import Query
from .models import User
from .render import Renderer
from .state import State
from .validate import Body


@dataclass
class Ctx:
    state: State
    r: Renderer
    query: Query
    method: str
    data: Any
    user: User | None
    now: datetime
    form: dict[str, str] = field(default_factory=dict)
    authorization: str = ""

    @property
    def prefix(self) -> str:
        return self.r.p

    def body(self, partial: bool = False) -> Body:
        if self.data is None:
            return Body({}, partial)
        if not isinstance(self.data, dict):
            kind = type(self.data).__name__
            raise ApiError(
                400, {"non_field_errors": [f"Invalid data. Expected a dictionary, but got {kind}."]}
            )
        return Body(self.data, partial)

    @property
    def user_id(self) -> int:
        return self.user.id if self.user else 1


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)


def ok(body: Any) -> Reply:
    return Reply(200, body)


def created(body: dict[str, Any]) -> Reply:
    return Reply(201, body, {"Location": str(body.get("url", ""))})


def no_content() -> Reply:
    return Reply(204, None)
