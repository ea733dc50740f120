"""Test-only: put back, one at a time, bugs the upstream dashboard shipped and later fixed.

The regression scenarios (scenarios/*.yaml) must be able to fail; tests/scenarios runs each
against this image with its bug switched on and shows that it does. Nothing is switched on
unless DASHBOARD_TEST_BUGS names it (comma list); only those tests set it.
"""

from __future__ import annotations

import os

# name -> the upstream fix whose bug it brings back
BUGS = {
    "template-by-name": "#249 a recreated template's name collides (cluster, name, organization)",
    "null-started-hang": "#235 a job with started null leaves its parse task running",
    "host-check-then-create": "#244 hosts created after a stale existence check",
    "drop-failed-jobs": "#215 failed AAP jobs are not stored",
    "require-launched-by": "#83 a job without launched_by fails its parse",
    "resync-duplicates": "#156 a re-sync parses known jobs again and inserts their rows again",
    "no-token-refresh": "#136 an expired access token is not refreshed",
    "errors-as-empty": "a failed list call counts as an empty list (no retries)",
    "retry-when-down": "an unreachable AAP is retried for minutes before the sync fails",
    "no-requeue": "#235 jobs a dead worker left running stay running (no reset at start)",
    "stop-abandons-job": "#214 a stopped worker drops the job it runs instead of finishing it",
    "upgrade-drops-jobs": "a data migration run at an upgrade deletes rows older images wrote",
    # switched on in entrypoint.sh (the web's start script), not in Python
    "stale-pidfile": "the web's start refuses to run after a restart (its own stale pid file)",
}


def active(name: str) -> bool:
    if name not in BUGS:
        raise ValueError(f"unknown test bug {name!r}")
    wanted = os.environ.get("DASHBOARD_TEST_BUGS", "")
    return name in {part.strip() for part in wanted.split(",")}
