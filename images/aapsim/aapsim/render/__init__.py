"""Turn state into AWX-shaped JSON (id, type, url, related, summary_fields, ...).

One renderer per resource family, like the handlers (controller, gateway, oauth); the
Renderer combines them for one API root at one instant.
"""

from __future__ import annotations

from .access import AccessRenderer
from .inventory import InventoryRenderer
from .jobs import JobsRenderer
from .oauth import OauthRenderer
from .projects import ProjectsRenderer
from .templates import TemplatesRenderer


class Renderer(
    AccessRenderer,
    InventoryRenderer,
    ProjectsRenderer,
    TemplatesRenderer,
    JobsRenderer,
    OauthRenderer,
):
    """Renders objects for one API root at one instant (status is derived from `now`)."""


__all__ = ["Renderer"]
