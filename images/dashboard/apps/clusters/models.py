"""AAP clusters, their sync state, and the entities synced from them."""

from __future__ import annotations

from django.db import models

from apps.common.crypto import EncryptedTextField

AAP_VERSIONS = ("2.4", "2.5", "2.6", "2.7")


class Cluster(models.Model):
    protocol = models.CharField(max_length=5, choices=[("http", "http"), ("https", "https")])
    address = models.CharField(max_length=255)
    port = models.PositiveIntegerField()
    access_token = EncryptedTextField()
    refresh_token = EncryptedTextField(blank=True, default="")
    client_id = models.CharField(max_length=255, blank=True, default="")
    client_secret = EncryptedTextField(blank=True, default="")
    verify_ssl = models.BooleanField(default=True)
    aap_version = models.CharField(max_length=8, blank=True, default="")
    created = models.DateTimeField(auto_now_add=True)
    updated = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["protocol", "address", "port"], name="clusters_cluster_unique_url"
            ),
        )

    def __str__(self) -> str:
        return self.base_url

    @property
    def base_url(self) -> str:
        return f"{self.protocol}://{self.address}:{self.port}"

    @property
    def api_root(self) -> str:
        return "/api/v2/" if self.aap_version == "2.4" else "/api/controller/v2/"

    @property
    def token_path(self) -> str:
        return "/api/o/token/" if self.aap_version == "2.4" else "/o/token/"


class ClusterSyncStatus(models.Model):
    cluster = models.OneToOneField(Cluster, on_delete=models.CASCADE, related_name="sync_status")
    last_job_finished_date = models.DateTimeField(null=True, blank=True)
    updated = models.DateTimeField(auto_now=True)


class ClusterSyncData(models.Model):
    """Raw job JSON (with host summaries) waiting for its parse task."""

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    aap_job_id = models.BigIntegerField(db_index=True)
    aap_modified = models.DateTimeField(null=True)
    data = models.JSONField()
    created = models.DateTimeField(auto_now_add=True)


class Organization(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    aap_org_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=512)
    description = models.TextField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["cluster", "aap_org_id"], name="clusters_org_unique"),
        )


class AAPUser(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    aap_user_id = models.BigIntegerField(db_index=True)
    user_type = models.CharField(max_length=64, default="user")
    username = models.CharField(max_length=512)
    first_name = models.CharField(max_length=255, null=True, blank=True)
    last_name = models.CharField(max_length=255, null=True, blank=True)
    email = models.CharField(max_length=255, null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["cluster", "aap_user_id", "user_type"], name="clusters_user_unique"
            ),
        )


class Project(models.Model):
    SCM_TYPES = tuple((v, v or "manual") for v in ("git", "svn", "hg", "insights", "archive", ""))

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    aap_project_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=512)
    description = models.TextField(null=True, blank=True)
    scm_type = models.CharField(max_length=16, choices=SCM_TYPES, blank=True, default="")
    scm_url = models.CharField(max_length=1024, null=True, blank=True)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["cluster", "aap_project_id"], name="clusters_project_unique"
            ),
        )


class Inventory(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    aap_inventory_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=512)
    description = models.TextField(null=True, blank=True)
    organization = models.ForeignKey(Organization, null=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["cluster", "aap_inventory_id"], name="clusters_inventory_unique"
            ),
        )


class Host(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    # Negative (derived from the name) when AAP reports no host object: the host was deleted.
    aap_host_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=512)
    description = models.TextField(null=True, blank=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["cluster", "aap_host_id"], name="clusters_host_unique"),
        )


class ExecutionEnvironment(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    aap_ee_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=512)
    description = models.TextField(null=True, blank=True)
    image = models.CharField(max_length=1024, blank=True, default="")

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["cluster", "aap_ee_id"], name="clusters_ee_unique"),
        )


class InstanceGroup(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    aap_instance_group_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=512)
    is_container_group = models.BooleanField(default=False)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["cluster", "aap_instance_group_id"], name="clusters_ig_unique"
            ),
        )


class JobTemplate(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    aap_template_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=512)
    description = models.TextField(null=True, blank=True)
    job_type = models.CharField(
        max_length=8, choices=[("run", "run"), ("check", "check")], default="run"
    )
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL)
    inventory = models.ForeignKey(Inventory, null=True, blank=True, on_delete=models.SET_NULL)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["cluster", "aap_template_id"], name="clusters_template_unique"
            ),
        )


class Label(models.Model):
    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    aap_label_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=512)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)

    class Meta:
        constraints = (
            models.UniqueConstraint(
                fields=["cluster", "aap_label_id"], name="clusters_label_unique"
            ),
        )


class Job(models.Model):
    STATUSES = tuple((s, s) for s in ("pending", "running", "successful", "failed", "canceled"))

    cluster = models.ForeignKey(Cluster, on_delete=models.CASCADE)
    aap_job_id = models.BigIntegerField(db_index=True)
    name = models.CharField(max_length=512)
    description = models.TextField(blank=True, default="")
    status = models.CharField(max_length=16, choices=STATUSES)
    job_type = models.CharField(max_length=8, default="run")
    launch_type = models.CharField(max_length=16, default="manual")
    failed = models.BooleanField(default=False)
    started = models.DateTimeField(null=True, blank=True)
    finished = models.DateTimeField(null=True, blank=True, db_index=True)
    elapsed = models.FloatField(null=True, blank=True)
    aap_created = models.DateTimeField(null=True)
    aap_modified = models.DateTimeField(null=True)
    job_template = models.ForeignKey(JobTemplate, null=True, blank=True, on_delete=models.SET_NULL)
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE)
    project = models.ForeignKey(Project, null=True, blank=True, on_delete=models.SET_NULL)
    inventory = models.ForeignKey(Inventory, null=True, blank=True, on_delete=models.SET_NULL)
    execution_environment = models.ForeignKey(
        ExecutionEnvironment, null=True, blank=True, on_delete=models.SET_NULL
    )
    instance_group = models.ForeignKey(
        InstanceGroup, null=True, blank=True, on_delete=models.SET_NULL
    )
    created_by = models.ForeignKey(AAPUser, null=True, blank=True, on_delete=models.SET_NULL)
    num_hosts = models.IntegerField(default=0)
    ok = models.IntegerField(default=0)
    changed = models.IntegerField(default=0)
    failures = models.IntegerField(default=0)
    dark = models.IntegerField(default=0)
    skipped = models.IntegerField(default=0)
    processed = models.IntegerField(default=0)
    ignored = models.IntegerField(default=0)
    rescued = models.IntegerField(default=0)
    labels = models.ManyToManyField(Label, through="JobLabel", related_name="jobs")

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["cluster", "aap_job_id"], name="clusters_job_unique"),
        )


class JobLabel(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE)
    label = models.ForeignKey(Label, on_delete=models.CASCADE)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["job", "label"], name="clusters_joblabel_unique"),
        )


class JobHostSummary(models.Model):
    job = models.ForeignKey(Job, on_delete=models.CASCADE, related_name="host_summaries")
    host = models.ForeignKey(Host, on_delete=models.CASCADE)
    host_name = models.CharField(max_length=512)
    changed = models.IntegerField(default=0)
    dark = models.IntegerField(default=0)
    failures = models.IntegerField(default=0)
    ok = models.IntegerField(default=0)
    processed = models.IntegerField(default=0)
    skipped = models.IntegerField(default=0)
    ignored = models.IntegerField(default=0)
    rescued = models.IntegerField(default=0)
    failed = models.BooleanField(default=False)
    aap_created = models.DateTimeField(null=True)
    aap_modified = models.DateTimeField(null=True)

    class Meta:
        constraints = (
            models.UniqueConstraint(fields=["job", "host"], name="clusters_jobhost_unique"),
        )
