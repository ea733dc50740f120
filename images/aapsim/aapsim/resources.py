"""The resources the emulator serves: writable fields (validated and shown in OPTIONS) and the
read-only keys each object renders with (shown under OPTIONS GET). Data, not logic.

Field limits follow AWX's models (name 512, description text, scm_url 1024, ...); where the
emulator is stricter or looser than AWX the spec says what the emulator does, so OPTIONS
never promises what the validator refuses. See API-FACTS-DISCOVERY.md.
"""

from __future__ import annotations

from .schema import Resource, Spec

# Read-only key lists, in the order the renderer writes them (`name:type`).
BASE = "id:integer type:choice url:string related:object summary_fields:object"
STAMPS = "created:datetime modified:datetime"
UNIFIED_JOB = (
    f"{BASE} {STAMPS} name:string description:string unified_job_template:id "
    "launch_type:choice status:choice execution_environment:id failed:boolean "
    "started:datetime finished:datetime canceled_on:datetime elapsed:float "
    "job_explanation:string execution_node:string"
)


def name(max_length: int = 512) -> Spec:
    return Spec("name", "string", required=True, blank=False, max_length=max_length)


DESCRIPTION = Spec("description", "string", nullable=True, default="")


def org(required: bool = True) -> Spec:
    return Spec(
        "organization",
        "id",
        required=required,
        nullable=not required,
        table="orgs",
        help_text="Organization containing this object." if not required else "",
    )


USER = Resource(
    type="user",
    model="User",
    verbose="user",
    writable=(
        Spec("username", "string", required=True, blank=False, max_length=150),
        Spec("first_name", "string", max_length=150, default=""),
        Spec("last_name", "string", max_length=150, default=""),
        Spec("email", "string", max_length=254, default=""),
        Spec("is_superuser", "boolean", default=False),
        Spec(
            "password",
            "string",
            required=True,
            blank=False,
            help_text="Field used to change the password.",
        ),
    ),
    read_only=(
        f"{BASE} {STAMPS} username:string first_name:string last_name:string email:string "
        "is_superuser:boolean is_system_auditor:boolean password:string ldap_dn:string "
        "last_login:datetime external_account:string"
    ),
    search_fields=("username", "first_name", "last_name", "email"),
    gateway_managed=True,
    labels={"is_superuser": "Superuser status", "email": "Email address"},
)

ORGANIZATION = Resource(
    type="organization",
    model="Organization",
    verbose="organization",
    writable=(
        name(),
        DESCRIPTION,
        Spec("max_hosts", "integer", min_value=0, default=0),
        Spec(
            "default_environment",
            "id",
            nullable=True,
            table="ees",
            help_text="The default execution environment for jobs run by this organization.",
        ),
    ),
    read_only=(
        f"{BASE} {STAMPS} name:string description:string max_hosts:integer "
        "custom_virtualenv:string default_environment:id"
    ),
    gateway_read_only="opa_query_path:string",
    search_fields=("name", "description"),
    related_search_fields=("created_by__search", "modified_by__search"),
    object_roles=(
        "admin_role",
        "execute_role",
        "project_admin_role",
        "inventory_admin_role",
        "credential_admin_role",
        "workflow_admin_role",
        "notification_admin_role",
        "job_template_admin_role",
        "execution_environment_admin_role",
        "auditor_role",
        "member_role",
        "read_role",
        "approval_role",
    ),
    gateway_managed=True,
)

TEAM = Resource(
    type="team",
    model="Team",
    verbose="team",
    writable=(name(), DESCRIPTION, org()),
    read_only=f"{BASE} {STAMPS} name:string description:string organization:id",
    search_fields=("name", "description"),
    related_search_fields=("organization__search", "created_by__search", "modified_by__search"),
    object_roles=("admin_role", "member_role", "read_role"),
    gateway_managed=True,
)

ROLE = Resource(
    type="role",
    model="Role",
    verbose="role",
    read_only=f"{BASE} name:string description:string",
    search_fields=("role_field", "content_type__model"),
    related_search_fields=(
        "ancestors__search",
        "descendents__search",
        "children__search",
        "content_type__search",
        "parents__search",
    ),
)

LABEL = Resource(
    type="label",
    model="Label",
    verbose="label",
    writable=(name(), org()),
    read_only=f"{BASE} {STAMPS} name:string organization:id",
    search_fields=("name",),
    related_search_fields=("organization__search", "created_by__search"),
)

SCM_TYPES = (
    ("", "Manual"),
    ("git", "Git"),
    ("svn", "Subversion"),
    ("insights", "Red Hat Insights"),
    ("archive", "Remote Archive"),
)
PROJECT = Resource(
    type="project",
    model="Project",
    verbose="project",
    writable=(
        name(),
        DESCRIPTION,
        org(),
        Spec("scm_type", "choice", choices=SCM_TYPES, default=""),
        Spec("scm_url", "string", max_length=1024, default=""),
        Spec("scm_branch", "string", max_length=256, default=""),
        Spec("credential", "id", nullable=True, table="credentials"),
        Spec("default_environment", "id", nullable=True, table="ees"),
        Spec("allow_override", "boolean", default=False),
        Spec("scm_update_on_launch", "boolean", default=False),
        Spec("timeout", "integer", min_value=0, default=0),
        Spec("local_path", "string", max_length=1024, default=""),
    ),
    read_only=(
        f"{BASE} {STAMPS} name:string description:string local_path:string scm_type:choice "
        "scm_url:string scm_branch:string scm_refspec:string scm_clean:boolean "
        "scm_track_submodules:boolean scm_delete_on_update:boolean credential:id "
        "timeout:integer scm_revision:string last_job_run:datetime last_job_failed:boolean "
        "next_job_run:datetime status:choice organization:id scm_update_on_launch:boolean "
        "scm_update_cache_timeout:integer allow_override:boolean custom_virtualenv:string "
        "default_environment:id signature_validation_credential:id "
        "last_update_failed:boolean last_updated:datetime"
    ),
    search_fields=("name", "description"),
    related_search_fields=("organization__search", "credential__search", "created_by__search"),
    object_roles=("admin_role", "use_role", "update_role", "read_role"),
    polymorphic=True,
    labels={"scm_type": "Source Control Type", "scm_url": "Source Control URL"},
)

PROJECT_UPDATE = Resource(
    type="project_update",
    model="ProjectUpdate",
    verbose="project update",
    read_only=(
        f"{UNIFIED_JOB} launched_by:object work_unit_id:string local_path:choice "
        "scm_type:choice scm_url:string scm_branch:string scm_refspec:string "
        "scm_clean:boolean scm_track_submodules:boolean scm_delete_on_update:boolean "
        "credential:id timeout:integer project:id job_type:choice job_tags:string "
        "scm_revision:string"
    ),
    search_fields=("name", "description"),
    related_search_fields=("project__search", "created_by__search"),
    polymorphic=True,
)

INVENTORY = Resource(
    type="inventory",
    model="Inventory",
    verbose="inventory",
    writable=(
        name(),
        DESCRIPTION,
        org(),
        Spec("variables", "string", max_length=65536, default=""),
    ),
    read_only=(
        f"{BASE} {STAMPS} name:string description:string organization:id kind:choice "
        "host_filter:string variables:string has_active_failures:boolean total_hosts:integer "
        "hosts_with_active_failures:integer total_groups:integer "
        "has_inventory_sources:boolean total_inventory_sources:integer "
        "inventory_sources_with_failures:integer pending_deletion:boolean "
        "prevent_instance_group_fallback:boolean"
    ),
    search_fields=("name", "description"),
    related_search_fields=("organization__search", "hosts__search", "created_by__search"),
    object_roles=("admin_role", "update_role", "adhoc_role", "use_role", "read_role"),
)

HOST = Resource(
    type="host",
    model="Host",
    verbose="host",
    writable=(
        name(),
        DESCRIPTION,
        Spec("inventory", "id", required=True, table="inventories"),
        Spec("enabled", "boolean", default=True, help_text="Is this host online and available?"),
        Spec(
            "instance_id",
            "string",
            max_length=1024,
            default="",
            help_text="The value used by the remote inventory source to uniquely identify the host",
        ),
        Spec("variables", "string", max_length=65536, default=""),
    ),
    read_only=(
        f"{BASE} {STAMPS} name:string description:string inventory:id enabled:boolean "
        "instance_id:string variables:string has_active_failures:boolean "
        "has_inventory_sources:boolean last_job:id last_job_host_summary:id "
        "ansible_facts_modified:datetime"
    ),
    search_fields=("name", "description"),
    related_search_fields=("inventory__search", "groups__search", "created_by__search"),
)

GROUP = Resource(
    type="group",
    model="Group",
    verbose="group",
    writable=(
        name(),
        DESCRIPTION,
        Spec("inventory", "id", required=True, table="inventories"),
        Spec("variables", "string", max_length=65536, default=""),
    ),
    read_only=f"{BASE} {STAMPS} name:string description:string inventory:id variables:string",
    search_fields=("name", "description"),
    related_search_fields=("inventory__search", "created_by__search", "modified_by__search"),
)

CREDENTIAL_KINDS = (
    ("ssh", "Machine"),
    ("vault", "Vault"),
    ("net", "Network"),
    ("scm", "Source Control"),
    ("cloud", "Cloud"),
    ("registry", "Container Registry"),
    ("token", "Personal Access Token"),
    ("insights", "Insights"),
    ("external", "External"),
    ("kubernetes", "Kubernetes"),
    ("galaxy", "Galaxy/Automation Hub"),
    ("cryptography", "Cryptography"),
)

CREDENTIAL_TYPE = Resource(
    type="credential_type",
    model="CredentialType",
    verbose="credential type",
    writable=(
        name(),
        DESCRIPTION,
        Spec("kind", "choice", required=True, choices=CREDENTIAL_KINDS),
        Spec("inputs", "json", default={}),
        Spec("injectors", "json", default={}),
    ),
    read_only=(
        f"{BASE} {STAMPS} name:string description:string kind:choice namespace:string "
        "managed:boolean inputs:json injectors:json"
    ),
    search_fields=("name", "description"),
    related_search_fields=("created_by__search", "modified_by__search"),
)

CREDENTIAL = Resource(
    type="credential",
    model="Credential",
    verbose="credential",
    writable=(
        name(),
        DESCRIPTION,
        org(required=False),
        Spec("credential_type", "id", required=True, table="credential_types"),
        Spec("inputs", "json", default={}, help_text="Enter inputs using either JSON or YAML."),
        # who owns a credential made without an organization (CredentialSerializerCreate)
        Spec("user", "id", nullable=True, table="users", write_only=True, default=None),
        Spec("team", "id", nullable=True, table="teams", write_only=True, default=None),
    ),
    read_only=(
        f"{BASE} {STAMPS} name:string description:string organization:id "
        "credential_type:id managed:boolean inputs:json kind:string cloud:boolean "
        "kubernetes:boolean"
    ),
    search_fields=("name", "description"),
    related_search_fields=("organization__search", "credential_type__search"),
    object_roles=("admin_role", "use_role", "read_role"),
)

PULL_CHOICES = (
    ("", "---------"),
    ("always", "Always pull container before running."),
    ("missing", "Only pull the image if not present before running."),
    ("never", "Never pull container before running."),
)
EXECUTION_ENVIRONMENT = Resource(
    type="execution_environment",
    model="ExecutionEnvironment",
    verbose="execution environment",
    writable=(
        name(),
        DESCRIPTION,
        Spec("image", "string", required=True, blank=False, max_length=1024),
        org(required=False),
        Spec("pull", "choice", choices=PULL_CHOICES, default=""),
    ),
    read_only=(
        f"{BASE} {STAMPS} name:string description:string organization:id image:string "
        "managed:boolean credential:id pull:choice"
    ),
    search_fields=("name", "description"),
    related_search_fields=("organization__search", "credential__search"),
)

INSTANCE_GROUP = Resource(
    type="instance_group",
    model="InstanceGroup",
    verbose="instance group",
    read_only=(
        f"{BASE} {STAMPS} name:string capacity:integer consumed_capacity:integer "
        "percent_capacity_remaining:float jobs_running:integer max_concurrent_jobs:integer "
        "max_forks:integer jobs_total:integer instances:integer is_container_group:boolean "
        "credential:id policy_instance_percentage:integer policy_instance_minimum:integer "
        "policy_instance_list:json pod_spec_override:string"
    ),
    search_fields=("name",),
    object_roles=("admin_role", "use_role", "read_role"),
)

# Listed (always empty: the emulator runs no workflows) so that clients reading their
# OPTIONS work: awxkit's role commands read object_roles of every kind that has roles.
WORKFLOW_JOB_TEMPLATE = Resource(
    type="workflow_job_template",
    model="WorkflowJobTemplate",
    verbose="workflow job template",
    writable=(name(), DESCRIPTION, org(required=False)),
    read_only=(
        f"{BASE} {STAMPS} name:string description:string last_job_run:datetime "
        "last_job_failed:boolean next_job_run:datetime status:choice extra_vars:string "
        "organization:id survey_enabled:boolean allow_simultaneous:boolean "
        "ask_variables_on_launch:boolean inventory:id limit:string scm_branch:string "
        "ask_inventory_on_launch:boolean ask_scm_branch_on_launch:boolean "
        "ask_limit_on_launch:boolean webhook_service:choice webhook_credential:id "
        "ask_labels_on_launch:boolean ask_skip_tags_on_launch:boolean "
        "ask_tags_on_launch:boolean skip_tags:string job_tags:string"
    ),
    search_fields=("name", "description"),
    related_search_fields=("organization__search", "created_by__search"),
    object_roles=("admin_role", "execute_role", "read_role", "approval_role"),
)

JOB_TYPES = (("run", "Run"), ("check", "Check"))
# AWX's job template prompts, in its serializer's order (ask_<name>_on_launch)
TEMPLATE_PROMPTS = (
    "scm_branch",
    "diff_mode",
    "variables",
    "limit",
    "tags",
    "skip_tags",
    "job_type",
    "verbosity",
    "inventory",
    "credential",
    "execution_environment",
    "labels",
    "forks",
    "job_slice_count",
    "timeout",
    "instance_groups",
)
WEBHOOK_SERVICES = (
    ("", "---------"),
    ("github", "GitHub"),
    ("gitlab", "GitLab"),
    ("bitbucket_dc", "BitBucket DataCenter"),
)

JOB_TEMPLATE = Resource(
    type="job_template",
    model="JobTemplate",
    verbose="job template",
    writable=(
        name(),
        DESCRIPTION,
        Spec("job_type", "choice", choices=JOB_TYPES, default="run"),
        Spec("inventory", "id", nullable=True, table="inventories"),
        Spec("project", "id", required=True, table="projects"),
        Spec("playbook", "string", required=True, blank=False, max_length=1024),
        Spec("scm_branch", "string", max_length=1024, default=""),
        Spec("forks", "integer", min_value=0, default=0),
        Spec("limit", "string", max_length=1024, default=""),
        Spec("verbosity", "integer", min_value=0, default=0),
        Spec("extra_vars", "json", default=""),
        Spec("job_tags", "string", default=""),
        Spec("force_handlers", "boolean", default=False),
        Spec("skip_tags", "string", max_length=1024, default=""),
        Spec("start_at_task", "string", max_length=1024, default=""),
        Spec("timeout", "integer", min_value=0, default=0),
        Spec("use_fact_cache", "boolean", default=False),
        Spec("execution_environment", "id", nullable=True, table="ees"),
        Spec("host_config_key", "string", max_length=1024, default=""),
        *(Spec(f"ask_{p}_on_launch", "boolean", default=False) for p in TEMPLATE_PROMPTS),
        Spec("survey_enabled", "boolean", default=False),
        Spec("become_enabled", "boolean", default=False),
        Spec("diff_mode", "boolean", default=False),
        Spec("allow_simultaneous", "boolean", default=False),
        Spec("job_slice_count", "integer", min_value=0, default=1),
        Spec("webhook_service", "choice", choices=WEBHOOK_SERVICES, default=""),
        Spec("webhook_credential", "id", nullable=True, table="credentials"),
        Spec("prevent_instance_group_fallback", "boolean", default=False),
        Spec("opa_query_path", "string", max_length=128, default="", gateway_only=True),
    ),
    read_only=(
        f"{BASE} {STAMPS} name:string description:string job_type:choice inventory:id "
        "project:id playbook:string scm_branch:string forks:integer limit:string "
        "verbosity:integer extra_vars:json job_tags:string force_handlers:boolean "
        "skip_tags:string start_at_task:string timeout:integer use_fact_cache:boolean "
        "organization:id last_job_run:datetime last_job_failed:boolean "
        "next_job_run:datetime status:choice execution_environment:id "
        "host_config_key:string ask_scm_branch_on_launch:boolean "
        "ask_diff_mode_on_launch:boolean ask_variables_on_launch:boolean "
        "ask_limit_on_launch:boolean ask_tags_on_launch:boolean "
        "ask_skip_tags_on_launch:boolean ask_job_type_on_launch:boolean "
        "ask_verbosity_on_launch:boolean ask_inventory_on_launch:boolean "
        "ask_credential_on_launch:boolean ask_execution_environment_on_launch:boolean "
        "ask_labels_on_launch:boolean ask_forks_on_launch:boolean "
        "ask_job_slice_count_on_launch:boolean ask_timeout_on_launch:boolean "
        "ask_instance_groups_on_launch:boolean survey_enabled:boolean "
        "become_enabled:boolean diff_mode:boolean allow_simultaneous:boolean "
        "custom_virtualenv:string job_slice_count:integer webhook_service:choice "
        "webhook_credential:id prevent_instance_group_fallback:boolean"
    ),
    gateway_read_only="opa_query_path:string",
    search_fields=("name", "description", "playbook"),
    related_search_fields=(
        "organization__search",
        "inventory__search",
        "project__search",
        "execution_environment__search",
        "labels__search",
        "credentials__search",
        "created_by__search",
    ),
    object_roles=("admin_role", "execute_role", "read_role"),
    polymorphic=True,
)

WORKFLOW_JOB = Resource(
    type="workflow_job",
    model="WorkflowJob",
    verbose="workflow job",
    read_only=(
        f"{BASE} {STAMPS} name:string description:string unified_job_template:id "
        "launch_type:choice status:choice failed:boolean started:datetime finished:datetime "
        "canceled_on:datetime elapsed:float job_explanation:string launched_by:object "
        "work_unit_id:string workflow_job_template:id extra_vars:json "
        "allow_simultaneous:boolean job_template:id is_sliced_job:boolean inventory:id "
        "limit:string scm_branch:string webhook_service:choice webhook_credential:id "
        "webhook_guid:string skip_tags:string job_tags:string"
    ),
    search_fields=("name", "description"),
    related_search_fields=(
        "labels__search",
        "created_by__search",
        "modified_by__search",
        "organization__search",
        "inventory__search",
    ),
    polymorphic=True,
)

JOB = Resource(
    type="job",
    model="Job",
    verbose="job",
    read_only=(
        f"{UNIFIED_JOB} controller_node:string launched_by:object work_unit_id:string "
        "job_type:choice inventory:id project:id playbook:string scm_branch:string "
        "forks:integer limit:string verbosity:integer extra_vars:json job_tags:string "
        "force_handlers:boolean skip_tags:string start_at_task:string timeout:integer "
        "use_fact_cache:boolean organization:id job_template:id "
        "passwords_needed_to_start:json allow_simultaneous:boolean artifacts:json "
        "scm_revision:string instance_group:id diff_mode:boolean job_slice_number:integer "
        "job_slice_count:integer webhook_service:choice webhook_credential:id "
        "webhook_guid:string"
    ),
    search_fields=("name", "description", "playbook"),
    related_search_fields=(
        "organization__search",
        "inventory__search",
        "project__search",
        "job_template__search",
        "execution_environment__search",
        "labels__search",
        "created_by__search",
    ),
    polymorphic=True,
)
# A job's detail view adds these to the list keys (AWX's JobDetailSerializer).
PROJECT_UPDATE_DETAIL_EXTRA = (
    "job_args:string job_cwd:string job_env:json result_traceback:string "
    "event_processing_finished:boolean host_status_counts:json playbook_counts:json"
)
JOB_DETAIL_EXTRA = (
    "job_args:string job_cwd:string job_env:json result_traceback:string "
    "event_processing_finished:boolean host_status_counts:json playbook_counts:json "
    "custom_virtualenv:string"
)

HOST_SUMMARY = Resource(
    type="job_host_summary",
    model="JobHostSummary",
    verbose="job host summary",
    read_only=(
        f"{BASE} {STAMPS} job:id host:id constructed_host:id host_name:string "
        "changed:integer dark:integer failures:integer ok:integer processed:integer "
        "skipped:integer failed:boolean ignored:integer rescued:integer"
    ),
    related_search_fields=("job__search", "host__search"),
)

CLIENT_TYPES = (("confidential", "Confidential"), ("public", "Public"))
GRANT_TYPES = (("authorization-code", "Authorization code"), ("password", "Resource owner"))
EVENT_KEYS = (
    "event:choice counter:integer event_display:string event_data:json event_level:integer "
    "failed:boolean changed:boolean uuid:string"
)
EVENT_LINES = (
    "host_name:string playbook:string play:string task:string role:string stdout:string "
    "start_line:integer end_line:integer verbosity:integer"
)
JOB_EVENT = Resource(
    type="job_event",
    model="JobEvent",
    verbose="job event",
    read_only=f"{BASE} {STAMPS} job:id {EVENT_KEYS} parent_uuid:string host:id {EVENT_LINES}",
    search_fields=("stdout",),
)
PROJECT_UPDATE_EVENT = Resource(
    type="project_update_event",
    model="ProjectUpdateEvent",
    verbose="project update event",
    read_only=f"{BASE} {STAMPS} project_update:id {EVENT_KEYS} {EVENT_LINES}",
    search_fields=("stdout",),
)

APPLICATION = Resource(
    type="o_auth2_application",
    model="OAuth2Application",
    verbose="application",
    writable=(
        name(255),
        DESCRIPTION,
        org(),
        Spec("client_type", "choice", required=True, choices=CLIENT_TYPES),
        Spec("authorization_grant_type", "choice", required=True, choices=GRANT_TYPES),
        Spec("redirect_uris", "string", nullable=True, max_length=4096, default=""),
        Spec("app_url", "string", nullable=True, max_length=1024, default="", gateway_only=True),
        Spec("skip_authorization", "boolean", default=False),
    ),
    read_only=(
        f"{BASE} {STAMPS} name:string description:string client_id:string "
        "client_secret:string client_type:choice redirect_uris:string "
        "authorization_grant_type:choice skip_authorization:boolean organization:id"
    ),
    # the gateway's applications (DAB); AWX's serializer drops user and has no app_url
    gateway_read_only="app_url:string user:id",
    search_fields=("name", "description"),
    related_search_fields=("organization__search", "user__search"),
)

TOKEN = Resource(
    type="o_auth2_access_token",
    model="OAuth2AccessToken",
    verbose="access token",
    writable=(
        DESCRIPTION,
        Spec("application", "id", nullable=True, table="applications"),
        Spec(
            "scope",
            "string",
            blank=False,
            default="write",
            help_text="Allowed scopes, further restricts user's permissions. "
            "Must be a simple space-separated string with allowed scopes ['read', 'write'].",
        ),
    ),
    read_only=(
        f"{BASE} {STAMPS} description:string user:id token:string refresh_token:string "
        "application:id expires:datetime scope:string"
    ),
    gateway_read_only="last_used:datetime",  # the gateway's tokens (DAB) only
    search_fields=("description",),
    related_search_fields=("user__search", "application__search"),
)

GATEWAY_USER = Resource(
    type="user",
    model="User",
    verbose="user",
    writable=USER.writable,
    read_only=(
        f"{BASE} {STAMPS} username:string email:string first_name:string last_name:string "
        "last_login:datetime password:string is_superuser:boolean "
        "is_platform_auditor:boolean managed:boolean last_login_results:json "
        "authenticators:json authenticator_uid:string"
    ),
    search_fields=USER.search_fields,
    labels=USER.labels,
)

GATEWAY_ORGANIZATION = Resource(
    type="organization",
    model="Organization",
    verbose="organization",
    writable=ORGANIZATION.writable[:2],
    read_only=(
        f"{BASE} created:datetime created_by:id modified:datetime modified_by:id "
        "name:string description:string managed:boolean"
    ),
    search_fields=("name", "description"),
)

# A schedule's launch-time settings (AWX's LaunchConfigurationBase): unset is null, and the
# template's own value is used.
SCHEDULE = Resource(
    type="schedule",
    model="Schedule",
    verbose="schedule",
    writable=(
        Spec("rrule", "string", required=True, blank=False, max_length=255),
        name(),
        DESCRIPTION,
        Spec("extra_data", "json", default={}),
        Spec("inventory", "id", nullable=True, table="inventories", default=None),
        Spec("scm_branch", "string", nullable=True, max_length=1024, default=None),
        Spec("job_type", "choice", nullable=True, choices=JOB_TYPES, default=None),
        Spec("job_tags", "string", nullable=True, default=None),
        Spec("skip_tags", "string", nullable=True, default=None),
        Spec("limit", "string", nullable=True, default=None),
        Spec("diff_mode", "boolean", nullable=True, default=None),
        Spec("verbosity", "integer", nullable=True, min_value=0, default=None),
        Spec("execution_environment", "id", nullable=True, table="ees", default=None),
        Spec("forks", "integer", nullable=True, min_value=0, default=None),
        Spec("job_slice_count", "integer", nullable=True, min_value=0, default=None),
        Spec("timeout", "integer", nullable=True, default=None),
        Spec("unified_job_template", "id", required=True, table="unified_job_templates"),
        Spec("enabled", "boolean", default=True),
    ),
    read_only=(
        f"{BASE} {STAMPS} rrule:string name:string description:string extra_data:json "
        "inventory:id scm_branch:string job_type:choice job_tags:string skip_tags:string "
        "limit:string diff_mode:boolean verbosity:integer execution_environment:id "
        "forks:integer job_slice_count:integer timeout:integer unified_job_template:id "
        "enabled:boolean dtstart:datetime dtend:datetime next_run:datetime timezone:string "
        "until:string"
    ),
    search_fields=("name", "description"),
    related_search_fields=("unified_job_template__search", "created_by__search"),
)
