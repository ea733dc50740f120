#!/usr/bin/env python3
"""Seed an AAP 2.4, 2.5 or 2.6 (real or emulated) with the integration test data.

What it creates, through the public REST API only:

- organization org2 (through the platform gateway on 2.5/2.6, the controller on 2.4), then
  waits until the controller sees it;
- labels label1-org1, label2-org1 (Default org), label3-org2, label4-org2 (org2);
- SCM projects project2-org1, project3-org1 (Default), project4-org2 (org2), then waits for
  their updates to succeed and for the playbook list to hold hello_world.yml;
- job templates jobtemplate2-org1 and jobtemplate3-org1 (inventory 1, execution environment 2),
  labels label1 -> both, label2 -> jobtemplate3-org1;
- two jobs of each template, then waits for all four to finish (any status other than
  "successful" is an error);
- an OAuth2 application "ad-app" and a read token for the dashboard, written to
  aap_access.json (mode 0600; no admin password in it).

On a fresh AAP the ids come out as real AAP gives them (org2 2, labels 1-4, projects 8-10,
templates 11-12, jobs 4-7); they are looked up and reported, never assumed.

Idempotence: every object is looked up by name (within its organization) before it is
created, label links are checked before they are posted, and jobs are launched only up to two
per template. A second run therefore creates no AAP objects and launches no jobs; it only
issues a new token (see below) and exits 0.

OAuth2 secret handling: AAP shows an application's client_secret only in the response that
creates it. A usable aap_access.json needs that secret (the dashboard refreshes its token with
client_id:client_secret), so:

- if "ad-app" exists and the file at --json-output holds a secret for that same client_id
  (and the same redirect URIs are wanted), the application is reused and the stored secret
  carried over;
- otherwise an existing "ad-app" is deleted and created again, which yields a fresh secret.
  Deleting it also revokes its tokens; they were unusable to us anyway without the secret.

The token: a reused application gets a fresh token by refreshing the stored refresh token at
AAP's OAuth2 token endpoint (the same call the dashboard makes). That rotates the pair, so the
previous access token dies and AAP keeps one seeding token however often the script runs, and it
proves the stored secret still works. If AAP no longer honours that refresh token (expired,
revoked, or already rotated by a dashboard using the file), a new token is created with
POST .../tokens/ (description "ad-aap-token", scope "read"); if AAP rejects the stored client
credentials, the application is recreated as above. A new application always gets a new token.
Whatever path was taken, the access token is checked with one GET before the file is written.
The file is written (atomically, created with mode 0600) right after that, before seeding, so a
later failure never loses a secret that only existed in a response.

Exit status: 0 on success; 2 with one line on stderr naming the problem and the fix for bad
arguments, an unreachable AAP, rejected credentials, a version mismatch, an unexpected AAP
response or a timeout. Secrets are never printed.

Dependencies: the standard library and httpx. The REST client is aap_client.py and the OAuth2
part aap_oauth.py, beside this file (a script's own directory is on its import path).
"""

from __future__ import annotations

import argparse
import os
import sys
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, NoReturn
from urllib.parse import urlsplit

from aap_client import (
    AWX,
    CONTROLLER_ROOT,
    GATEWAY,
    GATEWAY_VERSIONS,
    Api,
    Deadline,
    SetupError,
    check_login,
    detect_version,
    take,
)
from aap_oauth import (
    APP_NAME,
    DEFAULT_ORG_ID,
    DEFAULT_REDIRECT_URIS,
    BadClient,
    check_token,
    create_application,
    create_token,
    ensure_application,
    read_previous_access,
    refresh_token,
    write_access_file,
)

PROG = "setup_aap"

# Pre-existing objects of a fresh AAP (API-FACTS §5).
DEMO_INVENTORY_ID = 1
DEFAULT_EE_ID = 2

# The deterministic test data (API-FACTS §6). "org1" is the Default organization.
ORG2: dict[str, Any] = {"name": "org2", "description": "org2-desc", "max_hosts": 0}
LABELS: tuple[tuple[str, str], ...] = (
    ("label1-org1", "org1"),
    ("label2-org1", "org1"),
    ("label3-org2", "org2"),
    ("label4-org2", "org2"),
)
PROJECTS: tuple[tuple[str, str], ...] = (
    ("project2-org1", "org1"),
    ("project3-org1", "org1"),
    ("project4-org2", "org2"),
)
SCM_TYPE = "git"
SCM_URL = "https://github.com/ansible/ansible-tower-samples"
PLAYBOOK = "hello_world.yml"
JOB_TEMPLATES: tuple[tuple[str, str], ...] = (
    ("jobtemplate2-org1", "project2-org1"),
    ("jobtemplate3-org1", "project3-org1"),
)
TEMPLATE_LABELS: tuple[tuple[str, str], ...] = (
    ("jobtemplate2-org1", "label1-org1"),
    ("jobtemplate3-org1", "label1-org1"),
    ("jobtemplate3-org1", "label2-org1"),
)
JOBS_PER_TEMPLATE = 2

VERSION_ALIASES = {
    "awx": AWX,
    "24": "2.4",
    "25": "2.5",
    "26": "2.6",
    "2.4": "2.4",
    "2.5": "2.5",
    "2.6": "2.6",
}

JOB_FAILED = ("failed", "error", "canceled")
JOB_DONE = ("successful", *JOB_FAILED)
PROJECT_READY = ("successful",)
PROJECT_FAILED = ("failed", "error", "canceled", "missing")

DEFAULT_TIMEOUT = 300.0

# --------------------------------------------------------------------------------------------
# Command line


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> NoReturn:
        if "expected one argument" in message:
            message += " (write a value that starts with '-' as --option=VALUE)"
        raise SetupError(f"{message}; see --help")


def build_parser() -> argparse.ArgumentParser:
    p = _Parser(prog="setup_aap.py", description="Seed an AAP with the integration test data.")
    p.add_argument("--url", required=True, help="AAP base URL, scheme://host:port")
    p.add_argument("--username", default="admin", help="AAP admin user (default: admin)")
    p.add_argument("--password", help="AAP admin password (default: env AAP_PASSWORD)")
    p.add_argument(
        "--version",
        help="expected AAP version: 24, 25, 26 (or 2.4, 2.5, 2.6), or awx for an AWX "
        "controller (24.x, AAP 2.4's API); default: the AAP version detected",
    )
    p.add_argument(
        "--json-output",
        default="aap_access.json",
        help="where to write the dashboard's access file (default: aap_access.json)",
    )
    p.add_argument(
        "--oauth2-redirect-urls",
        default=DEFAULT_REDIRECT_URIS,
        help=f"redirect URIs of the OAuth2 application (default: {DEFAULT_REDIRECT_URIS})",
    )
    p.add_argument(
        "--execution-environment",
        type=int,
        default=DEFAULT_EE_ID,
        help=f"execution environment id for the job templates (default: {DEFAULT_EE_ID})",
    )
    p.add_argument("--insecure", action="store_true", help="do not verify the TLS certificate")
    p.add_argument(
        "--tokens-only",
        action="store_true",
        help="only a new token pair in the access file (the data is already there)",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=DEFAULT_TIMEOUT,
        help=f"bound in seconds for all waiting together (default: {DEFAULT_TIMEOUT:g})",
    )
    return p


@dataclass(frozen=True)
class Target:
    url: str
    scheme: str
    host: str
    port: int


def parse_url(raw: str) -> Target:
    url = raw.strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise SetupError(f"--url {raw!r} is not an http(s) URL; pass scheme://host:port")
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        raise SetupError(f"--url {raw!r} must be scheme://host:port only; drop path and query")
    try:
        port = parts.port or (443 if parts.scheme == "https" else 80)
    except ValueError as exc:
        raise SetupError(f"--url {raw!r} has an invalid port; pass scheme://host:port") from exc
    return Target(url=url, scheme=parts.scheme, host=parts.hostname, port=port)


@dataclass(frozen=True)
class Options:
    target: Target
    username: str
    password: str
    version: str | None
    output: Path
    redirect_uris: str
    ee_id: int
    verify: bool
    timeout: float
    tokens_only: bool = False


def parse_args(argv: Sequence[str]) -> Options:
    ns = build_parser().parse_args(list(argv))
    password = ns.password if ns.password is not None else os.environ.get("AAP_PASSWORD", "")
    if not password:
        raise SetupError("no AAP password given; pass --password or set AAP_PASSWORD")
    version = None
    if ns.version is not None:
        version = VERSION_ALIASES.get(ns.version.strip())
        if version is None:
            raise SetupError(f"--version {ns.version!r} is not supported; use 24, 25, 26 or awx")
    if ns.timeout <= 0:
        raise SetupError("--timeout must be a positive number of seconds")
    output = Path(ns.json_output)
    parent = output.parent if str(output.parent) else Path(".")
    if not parent.is_dir() or not os.access(parent, os.W_OK):
        raise SetupError(f"cannot write --json-output {output}: {parent} is not a writable folder")
    return Options(
        target=parse_url(ns.url),
        username=ns.username,
        password=password,
        version=version,
        output=output,
        redirect_uris=ns.oauth2_redirect_urls,
        ee_id=ns.execution_environment,
        verify=not ns.insecure,
        timeout=ns.timeout,
        tokens_only=ns.tokens_only,
    )


# --------------------------------------------------------------------------------------------
# Steps


@dataclass
class Report:
    version: str = ""
    ids: dict[str, dict[str, int]] = field(default_factory=dict)
    created: dict[str, int] = field(default_factory=dict)
    jobs: dict[str, list[int]] = field(default_factory=dict)
    launched: int = 0
    oauth: str = ""

    def add(self, kind: str, name: str, ident: int, created: bool) -> None:
        self.ids.setdefault(kind, {})[name] = ident
        self.created[kind] = self.created.get(kind, 0) + int(created)

    def line(self, kind: str) -> str:
        items = " ".join(f"{n}={i}" for n, i in self.ids.get(kind, {}).items())
        return f"{kind}: {items} (created {self.created.get(kind, 0)})"


def ensure(api: Api, path: str, match: dict[str, Any], payload: dict[str, Any]) -> tuple[int, bool]:
    """Id of the object matching `match` at `path`, creating it with `payload` if missing."""
    existing = api.find(path, **match)
    if existing is not None:
        return take(existing, "id", int, f"GET {path}"), False
    created = api.obj("POST", path, expect=(201,), json_body={**match, **payload})
    return take(created, "id", int, f"POST {path}"), True


def ensure_org2(api: Api, version: str, deadline: Deadline, report: Report) -> int:
    """org2's controller id (on 2.5/2.6 it is created in the gateway and propagates)."""
    root = CONTROLLER_ROOT[version]
    name = ORG2["name"]
    extra = {k: v for k, v in ORG2.items() if k != "name"}
    if version not in GATEWAY_VERSIONS:
        org_id, created = ensure(api, f"{root}/organizations/", {"name": name}, extra)
        report.add("organizations", name, org_id, created)
        return org_id
    gw_id, created = ensure(api, f"{GATEWAY}/organizations/", {"name": name}, extra)

    def in_controller() -> int | None:
        org = api.find(f"{root}/organizations/", name=name)
        return None if org is None else take(org, "id", int, f"GET {root}/organizations/")

    ctl_id = deadline.wait_for(f"organization {name} to reach the controller", in_controller)
    report.add("organizations", name, ctl_id, created)
    if ctl_id != gw_id:
        report.add("organizations", f"{name}(gateway)", gw_id, False)
    return ctl_id


def project_ready(api: Api, root: str, name: str, project_id: int) -> bool | None:
    project = api.obj("GET", f"{root}/projects/{project_id}/")
    status = project.get("status")
    if status in PROJECT_FAILED:
        raise SetupError(
            f"the update of project {name} (id {project_id}) ended {status}; check that AAP "
            f"can clone {SCM_URL}"
        )
    if status not in PROJECT_READY:
        return None
    resp = api.request("GET", f"{root}/projects/{project_id}/playbooks/", expect=(200, 404))
    if resp.status_code == 404:
        return True  # no playbook list to consult: the successful update is the signal
    playbooks = api.body(resp)
    return True if isinstance(playbooks, list) and PLAYBOOK in playbooks else None


def seed_objects(api: Api, version: str, opts: Options, deadline: Deadline, report: Report) -> None:
    root = CONTROLLER_ROOT[version]
    orgs = {"org1": DEFAULT_ORG_ID, "org2": ensure_org2(api, version, deadline, report)}
    print(report.line("organizations"), flush=True)

    labels: dict[str, int] = {}
    for name, org in LABELS:
        labels[name], created = ensure(
            api, f"{root}/labels/", {"name": name, "organization": orgs[org]}, {}
        )
        report.add("labels", name, labels[name], created)
    print(report.line("labels"), flush=True)

    projects: dict[str, int] = {}
    for name, org in PROJECTS:
        payload = {"description": name, "scm_type": SCM_TYPE, "scm_url": SCM_URL}
        projects[name], created = ensure(
            api, f"{root}/projects/", {"name": name, "organization": orgs[org]}, payload
        )
        report.add("projects", name, projects[name], created)
    for name, pid in projects.items():
        deadline.wait_for(
            f"the update of project {name} (id {pid})",
            lambda name=name, pid=pid: project_ready(api, root, name, pid),
        )
    print(report.line("projects"), flush=True)

    templates: dict[str, int] = {}
    for name, project in JOB_TEMPLATES:
        payload = {
            "description": name,
            "inventory": DEMO_INVENTORY_ID,
            "project": projects[project],
            "playbook": PLAYBOOK,
            "execution_environment": opts.ee_id,
        }
        # A template's organization is its project's; look it up within that organization.
        org_id = orgs[dict(PROJECTS)[project]]
        existing = api.find(f"{root}/job_templates/", name=name, organization=org_id)
        if existing is not None:
            templates[name] = take(existing, "id", int, f"GET {root}/job_templates/")
        else:
            made = api.obj(
                "POST", f"{root}/job_templates/", expect=(201,), json_body={"name": name, **payload}
            )
            templates[name] = take(made, "id", int, f"POST {root}/job_templates/")
        report.add("job templates", name, templates[name], existing is None)
    print(report.line("job templates"), flush=True)

    for template, label in TEMPLATE_LABELS:
        path = f"{root}/job_templates/{templates[template]}/labels/"
        if any(r.get("id") == labels[label] for r in api.list_all(path)):
            report.add("label links", f"{template}:{label}", labels[label], False)
            continue
        org = orgs[dict(LABELS)[label]]
        api.request("POST", path, expect=(201, 204), json_body={"name": label, "organization": org})
        report.add("label links", f"{template}:{label}", labels[label], True)
    print(report.line("label links"), flush=True)

    launch_and_wait(api, root, templates, deadline, report)


def launch_and_wait(
    api: Api, root: str, templates: dict[str, int], deadline: Deadline, report: Report
) -> None:
    for name, jt_id in templates.items():
        jobs = [
            take(j, "id", int, f"GET {root}/jobs/")
            for j in api.list_all(f"{root}/jobs/", {"job_template": jt_id})
            if j.get("job_template") == jt_id
        ]
        for _ in range(JOBS_PER_TEMPLATE - len(jobs)):
            launched = api.obj(
                "POST", f"{root}/job_templates/{jt_id}/launch/", expect=(201,), json_body={}
            )
            job_id = launched.get("job", launched.get("id"))
            if not isinstance(job_id, int):
                raise SetupError(f"unexpected AAP response to launching {name}: no job id")
            jobs.append(job_id)
            report.launched += 1
        report.jobs[name] = sorted(jobs)

    pending = {j: n for n, ids in report.jobs.items() for j in ids}

    def all_finished() -> bool | None:
        for job_id in sorted(pending):
            job = api.obj("GET", f"{root}/jobs/{job_id}/")
            status = job.get("status")
            if status in JOB_FAILED:
                raise SetupError(
                    f"job {job_id} of {pending[job_id]} ended {status}; see its output in AAP "
                    "and fix the AAP before seeding again"
                )
            if status in JOB_DONE:
                del pending[job_id]
        return True if not pending else None

    deadline.wait_for("the launched jobs to finish", all_finished)
    jobs_text = " ".join(f"{n}={','.join(map(str, ids))}" for n, ids in report.jobs.items())
    print(f"jobs: {jobs_text} all successful (launched {report.launched})", flush=True)


# --------------------------------------------------------------------------------------------
# OAuth2 application, token and the access file


def setup_oauth(api: Api, version: str, opts: Options, report: Report) -> None:
    base = GATEWAY if version in GATEWAY_VERSIONS else CONTROLLER_ROOT[version]
    apps, tokens = f"{base}/applications/", f"{base}/tokens/"
    previous = read_previous_access(opts.output)
    app = ensure_application(api, apps, opts.redirect_uris, previous)
    pair = None
    stored = previous.get("refresh_token")
    if app.how == "reused" and isinstance(stored, str) and stored:
        try:
            pair = refresh_token(api, version, app, stored)
        except BadClient:  # the stored secret is stale after all
            old = api.find(apps, name=APP_NAME, organization=DEFAULT_ORG_ID)
            app = create_application(api, apps, opts.redirect_uris, old)
    how_token = "refreshed the stored token"
    if pair is None:
        pair = create_token(api, tokens, app.id)
        how_token = "new token"
    access, refresh = pair
    check_token(api, version, access)
    target = opts.target
    write_access_file(
        opts.output,
        {
            "aap_url": target.url,
            "aap_protocol": target.scheme,
            "aap_address": target.host,
            "aap_port": str(target.port),
            "aap_version": version,
            "client_id": app.client_id,
            "client_secret": app.secret,
            "access_token": access,
            "refresh_token": refresh,
        },
    )
    report.oauth = (
        f"oauth2: application {APP_NAME} id {app.id} ({app.how}), {how_token}; wrote {opts.output}"
    )
    print(report.oauth, flush=True)


# --------------------------------------------------------------------------------------------


def run(opts: Options) -> Report:
    report = Report()
    deadline = Deadline(opts.timeout)
    target = opts.target
    api = Api(target.url, opts.username, opts.password, verify=opts.verify)
    try:
        version = detect_version(api, awx=opts.version == AWX)
        if opts.version is not None and opts.version != version:
            raise SetupError(
                f"AAP at {api.url} is version {version}, not the requested {opts.version}; "
                f"pass --version {version.replace('.', '')} or check --url"
            )
        report.version = version
        check_login(api, version)
        product = "AWX" if version == AWX else f"AAP {version}"
        print(f"{PROG}: {product} at {api.url} as {opts.username}", flush=True)
        setup_oauth(api, version, opts, report)
        if not opts.tokens_only:
            seed_objects(api, version, opts, deadline, report)
    finally:
        api.close()
    return report


def main(argv: Sequence[str] | None = None) -> int:
    try:
        opts = parse_args(sys.argv[1:] if argv is None else argv)
        run(opts)
    except SetupError as exc:
        print(f"{PROG}: {exc}", file=sys.stderr)
        return 2
    except SystemExit as exc:  # --help
        return exc.code if isinstance(exc.code, int) else 0
    except KeyboardInterrupt:
        print(f"{PROG}: interrupted", file=sys.stderr)
        return 130
    print(f"{PROG}: done", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
