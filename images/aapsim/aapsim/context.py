"""What a handler gets (the request, parsed) and what it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from .errors import ApiError
from .listing import Query
from .models import User
from .render import Renderer
from .schema import Resource, read_body
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

    def read(
        self,
        resource: Resource,
        partial: bool = False,
        current: dict[str, Any] | None = None,
        skip: tuple[str, ...] = (),
    ) -> tuple[Body, dict[str, Any]]:
        """The body checked against the resource's writable fields (errors kept in Body)."""
        body = self.body(partial)
        gateway = self.state.settings.gateway
        return body, read_body(body, resource, self.table, gateway, current, skip)

    def table(self, name: str) -> Mapping[int, Any]:
        table: Mapping[int, Any] = getattr(self.state, name)
        return table

    @property
    def user_id(self) -> int:
        return self.user.id if self.user else 1


@dataclass
class Reply:
    status: int
    body: Any
    headers: dict[str, str] = field(default_factory=dict)
    media_type: str | None = None  # a text body (stdout/), not JSON


def ok(body: Any) -> Reply:
    return Reply(200, body)


def created(body: dict[str, Any]) -> Reply:
    return Reply(201, body, {"Location": str(body.get("url", ""))})


def no_content() -> Reply:
    return Reply(204, None)
