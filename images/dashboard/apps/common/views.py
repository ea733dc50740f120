"""JSON views: health and read-only paginated lists of synced entities."""

from __future__ import annotations

from django.conf import settings
from django.http import HttpRequest, JsonResponse
from django.views.decorators.http import require_GET

from apps.common.api import RESOURCES
from apps.common.health import check_database, check_redis


@require_GET
def ping(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "redis": check_redis()}
    healthy = all(value == "ok" for value in checks.values())
    body = {"status": "ok" if healthy else "error", **checks}
    return JsonResponse(body, status=200 if healthy else 503)


def _int_param(request: HttpRequest, name: str, default: int) -> int:
    try:
        value = int(request.GET.get(name, default))
    except ValueError:
        return default
    return value if value > 0 else default


@require_GET
def resource_list(request: HttpRequest, resource: str) -> JsonResponse:
    spec = RESOURCES.get(resource)
    if spec is None:
        return JsonResponse({"detail": f"unknown resource {resource!r}"}, status=404)
    page_size = min(
        _int_param(request, "page_size", settings.API_PAGE_SIZE), settings.API_MAX_PAGE_SIZE
    )
    page = _int_param(request, "page", 1)
    queryset = spec.model.objects.order_by("pk")
    total = queryset.count()
    start = (page - 1) * page_size
    if start and start >= total:
        return JsonResponse({"detail": "Invalid page."}, status=404)
    rows = list(queryset.values(*spec.fields)[start : start + page_size])

    def link(number: int) -> str:
        return f"{request.path}?page={number}&page_size={page_size}"

    return JsonResponse(
        {
            "count": total,
            "next": link(page + 1) if start + page_size < total else None,
            "previous": link(page - 1) if page > 1 else None,
            "results": rows,
        }
    )
