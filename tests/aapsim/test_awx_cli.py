"""The AWX command-line client against the emulator, over real HTTP, as a user runs it.

`awx` is awxkit 24.6.1 from PyPI (pinned in pyproject). On 2.4 it gets the password and
logs in with a session (/api/login/); on 2.5/2.6 it gets a token made at the gateway and
the controller's base path, as AAP's docs tell its users. Every command must exit 0 with
AWX's shape; on 2.5/2.6 the gateway's objects (organizations, teams, users) and who
belongs to them are refused as AAP refuses them. Host summaries and a user's roles, which
the CLI has no command for, are read through awxkit's API client and over HTTP.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from aapsim_support import PASSWORD, VERSIONS

AWX = Path(sys.executable).with_name("awx")
SAMPLES = "https://github.com/ansible/ansible-tower-samples"
TIMEOUT = 60
# awxkit polls a job every --interval seconds (default 5, its minimum 2.5)
POLL = ("--interval", "2.5")
WAIT = ("--wait", *POLL)


@dataclass
class Cli:
    url: str
    auth: list[str]
    env: dict[str, str]

    def run(self, *args: str, fmt: str = "json") -> subprocess.CompletedProcess[str]:
        argv = [str(AWX), "--conf.host", self.url, *self.auth, "--conf.color", "false"]
        argv += ["-f", fmt, *args]
        return subprocess.run(
            argv, env=self.env, capture_output=True, text=True, timeout=TIMEOUT, check=False
        )

    def __call__(self, *args: str) -> Any:
        done = self.run(*args)
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        return json.loads(done.stdout) if done.stdout.strip() else None

    def text(self, *args: str) -> str:
        done = self.run(*args, fmt="human")
        assert done.returncode == 0, (args, done.stdout[-2000:], done.stderr[-2000:])
        return done.stdout

    def refused(self, *args: str) -> str:
        done = self.run(*args)
        assert done.returncode != 0, (args, done.stdout[-2000:])
        return done.stdout + done.stderr


def login(url: str, version: str) -> Cli:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("AWXKIT_", "CONTROLLER_"))}
    if version == "2.4":
        return Cli(url, ["--conf.username=admin", f"--conf.password={PASSWORD}"], env)
    made = httpx.post(
        f"{url}/api/gateway/v1/tokens/", json={"scope": "write"}, auth=("admin", PASSWORD)
    )
    assert made.status_code == 201, made.text
    env["AWXKIT_API_BASE_PATH"] = "/api/controller/"
    # "=": a token may start with "-", which argparse would take for an option
    return Cli(url, [f"--conf.token={made.json()['token']}"], env)


def host_summaries(cli: Cli, job_id: int) -> list[dict[str, Any]]:
    """Through awxkit's API client (what the CLI is built on), in its own process."""
    script = (
        "import json, sys\n"
        "from awxkit import api, config\n"
        "from awxkit.api.client import Connection\n"
        "config.base_url = sys.argv[1]\n"
        "connection = Connection(sys.argv[1])\n"
        "connection.login(*sys.argv[2:4], token=sys.argv[4] or None)\n"
        "v2 = api.Api(connection=connection).get().current_version.get()\n"
        "job = v2.jobs.get(id=int(sys.argv[5])).results[0]\n"
        "print(json.dumps([s.json for s in job.related.job_host_summaries.get().results]))\n"
    )
    given = dict(arg.removeprefix("--conf.").split("=", 1) for arg in cli.auth)
    token = given.get("token", "")
    user, password = given.get("username", ""), given.get("password", "")
    argv = [sys.executable, "-c", script, cli.url, user, password, token, str(job_id)]
    done = subprocess.run(
        argv, env=cli.env, capture_output=True, text=True, timeout=TIMEOUT, check=False
    )  # AWXKIT_API_BASE_PATH is read when awxkit is imported
    assert done.returncode == 0, done.stderr[-2000:]
    return json.loads(done.stdout)


def access_objects(cli: Cli, version: str) -> str:
    """Organizations, teams and users: made and changed through the controller on 2.4; on
    2.5/2.6 the gateway owns them and the controller refuses what AWX's
    immutablesharedfields refuses. Returns the organization to put the rest in."""
    if version == "2.4":
        org = cli("organizations", "create", "--name", "cli-org", "--description", "by the CLI")
        assert org["type"] == "organization" and org["description"] == "by the CLI"
        changed = cli("organizations", "modify", "cli-org", "--description", "changed")
        assert changed["description"] == "changed"
        team = cli("teams", "create", "--name", "cli-team", "--organization", "cli-org")
        assert team["summary_fields"]["organization"]["name"] == "cli-org"
        assert cli("teams", "modify", "cli-team", "--description", "d")["description"] == "d"
        user = cli("users", "create", "--username", "cli-user", "--password", "Pw-0123456789",
                   "--email", "cli@example.com")  # fmt: skip
        assert user["username"] == "cli-user" and user["password"] == "$encrypted$"
        assert "Pw-0123456789" not in json.dumps(user)
        assert cli("users", "modify", "cli-user", "--first_name", "Cli")["first_name"] == "Cli"
        return "cli-org"
    assert "Creation of this resource is not allowed" in cli.refused(
        "organizations", "create", "--name", "cli-org"
    )
    assert "Cannot change shared field 'name'" in cli.refused(
        "organizations", "modify", "Default", "--name", "renamed"
    )
    assert cli("organizations", "modify", "Default", "--description", "d")["description"] == "d"
    assert "Deletion of this resource is not allowed" in cli.refused(
        "organizations", "delete", "Default"
    )
    assert cli("users", "list")["results"][0]["username"] == "admin"
    assert cli("teams", "list")["count"] == 0
    return "Default"


def held_roles(cli: Cli, user_id: int) -> list[tuple[str, str]]:
    """The user's roles (the CLI has no command that lists them), read as the CLI logs in."""
    given = dict(arg.removeprefix("--conf.").split("=", 1) for arg in cli.auth)
    base = cli.env.get("AWXKIT_API_BASE_PATH", "/api/")
    if "token" in given:
        kwargs: dict[str, Any] = {"headers": {"Authorization": f"Bearer {given['token']}"}}
    else:
        kwargs = {"auth": (given["username"], given["password"])}
    answer = httpx.get(f"{cli.url}{base}v2/users/{user_id}/roles/", **kwargs)
    assert answer.status_code == 200, answer.text
    return [(r["summary_fields"]["resource_name"], r["name"]) for r in answer.json()["results"]]


def grants_and_schedules(cli: Cli, version: str, org: str) -> None:
    """Roles granted and revoked (awxkit reads every kind's object_roles from OPTIONS, then
    posts to the user's or team's roles/), credentials of a managed type, a schedule and a
    label of the template. On 2.5/2.6 the gateway owns who belongs to an organization."""
    user = "cli-user" if version == "2.4" else "admin"
    user_id = cli("users", "get", user)["id"]
    cli("users", "grant", "--job_template", "cli-jt", "--role", "execute", user)
    assert ("cli-jt", "Execute") in held_roles(cli, user_id)
    cli("users", "revoke", "--job_template", "cli-jt", "--role", "execute", user)
    assert ("cli-jt", "Execute") not in held_roles(cli, user_id)
    if version == "2.4":
        cli("users", "grant", "--organization", org, "--role", "member", user)
        cli("teams", "grant", "--job_template", "cli-jt", "--role", "read", "cli-team")
        assert "Organization participation role" in cli.refused(
            "teams", "grant", "--organization", org, "--role", "member", "cli-team"
        )
    else:
        assert "Direct shared resource management disabled" in cli.refused(
            "users", "grant", "--organization", org, "--role", "member", user
        )
    machine = cli("credential_types", "list", "--name", "Machine")["results"][0]
    assert (machine["kind"], machine["managed"]) == ("ssh", True)
    inputs = '{"username": "u", "password": "s3"}'
    cred = cli("credentials", "create", "--name", "cli-cred", "--organization", org,
               "--credential_type", "Machine", "--inputs", inputs)  # fmt: skip
    assert cred["inputs"] == {"username": "u", "password": "$encrypted$"}
    assert cli("credentials", "modify", "cli-cred", "--description", "d")["description"] == "d"
    rrule = "DTSTART;TZID=Europe/Paris:20250101T020000 RRULE:FREQ=DAILY;INTERVAL=1"
    template = cli("job_templates", "get", "cli-jt")["id"]
    made = cli("schedules", "create", "--name", "cli-nightly", "--rrule", rrule,
               "--unified_job_template", str(template))  # fmt: skip
    assert made["timezone"] == "Europe/Paris" and made["next_run"] > made["dtstart"]
    assert cli("schedules", "modify", "cli-nightly", "--enabled", "false")["next_run"] is None
    label = cli("labels", "create", "--name", "cli-label", "--organization", org)
    assert cli("labels", "modify", str(label["id"]), "--name", "cli-label2")["name"] == "cli-label2"
    cli("schedules", "delete", "cli-nightly")
    cli("credentials", "delete", "cli-cred")
    assert cli("schedules", "list", "--name", "cli-nightly")["count"] == 0


@pytest.mark.parametrize("version", VERSIONS)
def test_the_awx_cli_works_as_on_aap(live_server, version: str) -> None:
    server = live_server(version, job_seconds=0.2)
    cli = login(server.url, version)
    assert cli("me")["results"][0]["username"] == "admin"
    assert cli("ping")["version"]
    org = access_objects(cli, version)

    inventory = cli("inventory", "create", "--name", "cli-inv", "--organization", org)
    assert cli("inventory", "modify", "cli-inv", "--description", "d")["description"] == "d"
    host = cli("hosts", "create", "--name", "cli-host", "--inventory", "cli-inv")
    assert host["summary_fields"]["inventory"]["id"] == inventory["id"]
    assert cli("hosts", "modify", str(host["id"]), "--enabled", "true")["enabled"] is True
    group = cli("groups", "create", "--name", "cli-group", "--inventory", "cli-inv")
    assert group["inventory"] == inventory["id"]
    assert cli("groups", "modify", "cli-group", "--description", "d")["description"] == "d"
    assert cli("groups", "list", "--inventory", str(inventory["id"]))["count"] == 1
    project = cli("projects", "create", "--name", "cli-project", "--organization", org,
                  "--scm_type", "git", "--scm_url", SAMPLES, *WAIT)  # fmt: skip
    assert cli("projects", "get", "cli-project")["status"] == "successful"
    cli("projects", "modify", "cli-project", "--description", "d")
    template = cli("job_templates", "create", "--name", "cli-jt", "--project", "cli-project",
                   "--inventory", "cli-inv", "--playbook", "hello_world.yml")  # fmt: skip
    assert template["project"] == project["id"]
    assert cli("job_templates", "modify", "cli-jt", "--verbosity", "1")["verbosity"] == 1
    grants_and_schedules(cli, version, org)

    job = cli("job_templates", "launch", "cli-jt", *WAIT)
    assert job["type"] == "job" and job["status"] == "successful", job
    streamed = cli.text("job_templates", "launch", "cli-jt", "--monitor", *POLL)
    assert "Hello World!" in streamed and "PLAY RECAP" in streamed
    stdout = cli.text("jobs", "stdout", str(job["id"]))
    assert "ok: [cli-host]" in stdout and "cli-host" in stdout.split("PLAY RECAP")[1]
    assert cli("jobs", "list", "--job_template", str(template["id"]))["count"] == 2
    summaries = host_summaries(cli, job["id"])
    assert [(s["host_name"], s["failed"]) for s in summaries] == [("cli-host", False)]

    cli("job_templates", "delete", "cli-jt")
    cli("projects", "delete", "cli-project")
    cli("hosts", "delete", str(host["id"]))
    cli("inventory", "delete", "cli-inv")  # 202: AWX deletes inventories in the background
    assert cli("inventory", "list", "--name", "cli-inv")["count"] == 0
    assert cli("groups", "list", "--name", "cli-group")["count"] == 0  # gone with it
    # the job outlives its template, host and inventory, as in AWX (null keys, name kept)
    kept = cli("jobs", "get", str(job["id"]))
    assert kept["job_template"] is None and kept["inventory"] is None
    assert [s["host"] for s in host_summaries(cli, job["id"])] == [None]
    if version == "2.4":
        for kind, name in (("teams", "cli-team"), ("users", "cli-user"), ("organizations", org)):
            cli(kind, "delete", name)
            assert (
                cli(kind, "list", "--name" if kind != "users" else "--username", name)["count"] == 0
            )
