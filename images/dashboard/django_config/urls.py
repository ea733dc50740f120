"""URL map: health and read-only JSON lists under /api/v1/."""

from apps.common import views
from django.urls import path

urlpatterns = [
    path("api/v1/ping/", views.ping, name="ping"),
    path("api/v1/<str:resource>/", views.resource_list, name="resource-list"),
]
