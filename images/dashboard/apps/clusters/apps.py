from typing import Any

from django.apps import AppConfig
from django.db.models.signals import post_migrate


class ClustersConfig(AppConfig):
    name = "apps.clusters"
    label = "clusters"
    default_auto_field = "django.db.models.BigAutoField"

    def ready(self) -> None:
        post_migrate.connect(_after_migrate, sender=self)


def _after_migrate(**_: Any) -> None:
    from apps.clusters.models import Job
    from apps.common import testbugs

    if testbugs.active("upgrade-drops-jobs"):  # a data migration that loses old rows
        oldest = Job.objects.order_by("pk").values_list("pk", flat=True)[:1]
        Job.objects.filter(pk__in=list(oldest)).delete()
