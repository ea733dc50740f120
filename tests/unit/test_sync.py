from __future__ import annotations

from imagetest.model.profile import load_profile
from imagetest.stages.stack import container_url
from imagetest.stages.sync import clusters_document

ACCESS = {
    "access_token": "a",
    "refresh_token": "r",
    "client_id": "c",
    "client_secret": "s",
}


def test_clusters_file_points_at_the_internal_url() -> None:
    doc = clusters_document(
        ACCESS, "http://aap:8080", load_profile("reference"), verify_ssl=True, schedules=True
    )
    (cluster,) = doc["clusters"]
    assert (cluster["protocol"], cluster["address"], cluster["port"]) == ("http", "aap", 8080)
    assert cluster["client_secret"] == "s"
    assert cluster["sync_schedules"] == [
        {"name": "imagetest", "rrule": "FREQ=DAILY", "enabled": True}
    ]


def test_without_schedule_and_default_https_port() -> None:
    doc = clusters_document(
        ACCESS,
        "https://aap.example",
        load_profile("reference"),
        verify_ssl=False,
        schedules=False,
    )
    (cluster,) = doc["clusters"]
    assert cluster["port"] == 443
    assert cluster["verify_ssl"] is False
    assert cluster["sync_schedules"] == []


def test_loopback_urls_become_host_gateway() -> None:
    assert container_url("http://127.0.0.1:8080") == "http://host.docker.internal:8080"
    assert container_url("https://localhost") == "https://host.docker.internal"
    assert container_url("https://aap.example:443") == "https://aap.example:443"
