"""Register the AAP with the dashboard (setclusters) and start a sync (syncdata).

The steps come from the profile. The reference order makes the count deterministic: the
cluster is registered without a schedule, the managed sync runs and finishes, then the
schedule is registered; it is due at once and, with a daily rule, runs exactly once in a run
and finds no new jobs.
"""

from __future__ import annotations

import io
import tarfile
import time
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import PurePosixPath
from typing import Any
from urllib.parse import urlsplit

import yaml
from docker.models.containers import Container

from imagetest.core.bounded import Bound
from imagetest.core.errors import HarnessError
from imagetest.core.log import get_logger
from imagetest.core.masking import mask_text
from imagetest.engine import dockerutil
from imagetest.model.profile import Profile
from imagetest.model.runstate import RunState, write_private
from imagetest.stages.wait import Connect, status_counts

# a command that answers at once unless the container is frozen
QUICK_EXEC_SECONDS = 30.0
log = get_logger("sync")
TASK_SERVICE = "task"
MIN_DTSTART_AHEAD_S = 3.0
DTSTART_ATTEMPTS = 3
SECRET_KEYS = ("access_token", "refresh_token", "client_secret")


def clusters_document(
    access: dict[str, Any],
    internal_url: str,
    profile: Profile,
    *,
    verify_ssl: bool,
    schedules: bool,
    dtstart: datetime | None = None,
) -> dict[str, Any]:
    """The clusters file, pointing at AAP as the containers reach it."""
    schedule = profile.schedule
    wanted = []
    if schedules and schedule:
        rule = schedule.rule((dtstart or dtstart_in()).strftime("%Y%m%dT%H%M%S"))
        wanted.append({"name": schedule.name, "rrule": rule, "enabled": schedule.enabled})
    return {"clusters": [cluster_entry(access, internal_url, verify_ssl, wanted)]}


def dtstart_in(seconds: float = MIN_DTSTART_AHEAD_S, now: datetime | None = None) -> datetime:
    """A DTSTART `seconds` from now (UTC, whole seconds, never earlier): an image that computes
    the next run as the next occurrence after registration then runs it once, shortly after."""
    start = (now or datetime.now(UTC)) + timedelta(seconds=seconds)
    return start.replace(microsecond=0) + timedelta(seconds=1)


def cluster_entry(
    access: dict[str, Any], url: str, verify_ssl: bool, schedules: list[dict[str, Any]]
) -> dict[str, Any]:
    """One clusters-file entry: AAP at `url`, with the OAuth fields of an aap_access.json."""
    parts = urlsplit(url)
    return {
        "protocol": parts.scheme,
        "address": parts.hostname,
        "port": parts.port or (443 if parts.scheme == "https" else 80),
        "access_token": access["access_token"],
        "refresh_token": access.get("refresh_token") or "",
        "client_id": access["client_id"],
        "client_secret": access["client_secret"],
        "verify_ssl": verify_ssl,
        "sync_schedules": schedules,
    }


def container_ids(container: Container, attempts: int = 3) -> tuple[int, int]:
    """The uid and gid commands run as in the container. Asked again when the answer is not
    two numbers (an exec refused under load): a guess of root would leave the private file
    unreadable to the dashboard's user."""
    answer = ""
    for _ in range(attempts):
        code, answer = dockerutil.exec_run(
            container, ["sh", "-c", "id -u; id -g"], bound=Bound(QUICK_EXEC_SECONDS)
        )
        ids = answer.split()
        if code == 0 and len(ids) == 2 and all(x.isdigit() for x in ids):
            return int(ids[0]), int(ids[1])
    where = container.labels.get("com.docker.compose.service") or container.name
    raise HarnessError(
        f"could not read the user of the {where} container (`id -u; id -g` answered "
        f"{answer.strip()[:200]!r}): see that container's log"
    )


def copy_into(container: Container, text: str, path: str) -> None:
    """Put a private file into the container, owned by the container's user."""
    uid, gid = container_ids(container)
    data = text.encode()
    target = PurePosixPath(path)
    buffer = io.BytesIO()
    with tarfile.open(fileobj=buffer, mode="w") as tar:
        info = tarfile.TarInfo(target.name)
        info.size, info.mode, info.uid, info.gid = len(data), 0o600, uid, gid
        info.mtime = int(time.time())
        tar.addfile(info, io.BytesIO(data))
    if not container.put_archive(str(target.parent), buffer.getvalue()):
        raise HarnessError(f"could not copy the clusters file to {path}")


def run_manage(
    container: Container,
    argv: list[str],
    profile: Profile,
    secrets: list[str],
    stage: str,
    bound: Bound | None = None,
) -> str:
    started = time.monotonic()
    code, output = dockerutil.exec_run(container, argv, workdir=profile.image.workdir, bound=bound)
    output = mask_text(output, secrets)
    shown = " ".join(argv)
    log.info("%s -> exit %d (%.1f s)", shown, code, time.monotonic() - started)
    for line in output.strip().splitlines()[-10:]:
        log.debug("  %s", line)
    if code != 0:
        lines = [ln for ln in output.strip().splitlines() if ln.strip()]
        raise HarnessError(f"`{shown}` failed: {lines[-1] if lines else f'exit {code}'}")
    return output


def sync(
    state: RunState,
    profile: Profile,
    access: dict[str, Any],
    *,
    since: str,
    until: str,
    await_first_sync: Callable[[], None],
    fresh_access: Callable[[], dict[str, Any]],
    connect: Connect,
    bound: Bound | None = None,
) -> None:
    """Run the profile's sync steps in the task container (each command within ``bound``).

    ``fresh_tokens`` asks AAP for a new token pair before a later setclusters: a sync may have
    refreshed (rotated) the pair, and registering the seeding-time tokens again would hand
    the image tokens that AAP already revoked.
    """
    container = dockerutil.service_container(dockerutil.client(), state.run_id, TASK_SERVICE)
    last_setclusters = 0.0
    for step in profile.image.sync_steps:
        name, _, arg = step.partition(":")
        if name == "await_first_sync":
            await_first_sync()
        elif name == "fresh_tokens":
            access = fresh_access()
        elif name == "setclusters":
            last_setclusters = setclusters(
                container,
                state,
                profile,
                access,
                schedules=arg != "no_schedule",
                previous_seconds=last_setclusters,
                connect=connect,
                bound=bound,
            )
        else:
            argv = profile.command(name, since=since, until=until)
            run_manage(container, argv, profile, secrets_of(access), "sync", bound)


def secrets_of(access: dict[str, Any]) -> list[str]:
    return [str(access.get(k) or "") for k in SECRET_KEYS]


def setclusters(
    container: Container,
    state: RunState,
    profile: Profile,
    access: dict[str, Any],
    *,
    schedules: bool,
    previous_seconds: float,
    connect: Connect,
    bound: Bound | None = None,
) -> float:
    """Register the cluster; returns how long the command took.

    A rule with ``{dtstart}`` must reach the image's database before DTSTART, or its one run
    moves to the next day. DTSTART is set ahead by twice the last setclusters' time plus a
    second; the database then says whether it made it (next run at DTSTART, or already run).
    If not, the schedule is registered again with twice the margin.
    """
    timed = schedules and profile.schedule is not None and profile.schedule.timed
    margin = max(MIN_DTSTART_AHEAD_S, 2 * previous_seconds + 1)
    took = 0.0
    for _attempt in range(DTSTART_ATTEMPTS):
        started = time.monotonic()
        syncs_before = sync_count(connect, profile) if timed else 0
        dtstart = dtstart_in(margin)
        doc = clusters_document(
            access,
            state.stack.aap_internal_url,
            profile,
            verify_ssl=not state.stack.aap_insecure,
            schedules=schedules,
            dtstart=dtstart,
        )
        text = yaml.safe_dump(doc, sort_keys=False)
        write_private(state.clusters_file, text)
        copy_into(container, text, profile.image.clusters_file)
        argv = profile.command("setclusters")
        run_manage(container, argv, profile, secrets_of(access), "sync", bound)
        took = time.monotonic() - started
        if not timed or registered_in_time(connect, profile, dtstart, syncs_before):
            return took
        log.warning(
            "setclusters took %.1f s and saved the schedule after its DTSTART (+%.0f s); "
            "registering it again with more time",
            took,
            margin,
        )
        margin *= 2
    raise HarnessError(
        f"setclusters saved the schedule after its DTSTART {DTSTART_ATTEMPTS} times "
        f"(last took {took:.1f} s); the host is overloaded: run fewer stacks at once",
    )


def sync_count(connect: Connect, profile: Profile) -> int:
    with connect() as conn:
        counts = status_counts(conn, profile)
    return sum(n for (kind, _status), n in counts.items() if kind == "sync")


def registered_in_time(
    connect: Connect, profile: Profile, dtstart: datetime, syncs_before: int
) -> bool:
    """The schedule's next run is its DTSTART, or it has run already (one more sync)."""
    schedule = profile.schedule
    assert schedule is not None
    with connect() as conn:
        row = conn.execute(
            f'SELECT "{schedule.next_run}" FROM "{schedule.table}" WHERE name = %s',
            [schedule.name],
        ).fetchone()
    next_run = row[0] if row else None
    if next_run is not None and abs((next_run - dtstart).total_seconds()) < 1:
        return True
    # read after next_run: a run that moved next_run on is counted here
    return sync_count(connect, profile) > syncs_before
