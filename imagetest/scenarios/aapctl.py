"""AAP-side actions of a scenario: the emulator's control surface, and launches through the
public API (what a user would do)."""

from __future__ import annotations

import time
from typing import Any

import httpx

from imagetest.core.errors import HarnessError

CONTROL = "/_imagetest/"
FINAL = ("successful", "failed", "error", "canceled")
TIMEOUT = 30.0


class AapControl:
    def __init__(self, url: str, password: str, version: str) -> None:
        self.root = "/api/v2/" if version == "2.4" else "/api/controller/v2/"
        self.http = httpx.Client(base_url=url, auth=("admin", password), timeout=TIMEOUT)

    def close(self) -> None:
        self.http.close()

    def _call(self, method: str, path: str, body: Any = None) -> Any:
        try:
            answer = self.http.request(method, path, json=body)
        except httpx.HTTPError as exc:
            raise HarnessError(
                f"the emulator's control surface did not answer {method} {path} "
                f"({exc.__class__.__name__}); check the aap service's log"
            ) from None
        if answer.status_code == 404 and path.startswith(CONTROL):
            raise HarnessError(
                f"{method} {path}: the emulator has no control surface; it needs "
                "AAPSIM_CONTROL=1 (compose/compose.yml sets it) and an AAP emulator, not --aap-url"
            )
        if answer.status_code >= 400:
            detail = answer.text[:200].strip()
            raise HarnessError(f"{method} {path} answered {answer.status_code}: {detail}")
        return answer.json() if answer.content else None

    def act(self, action: str, arg: Any) -> Any:
        """One scenario action (model.AAP_ACTIONS) with its YAML argument."""
        if action == "fault":
            return self._call("POST", f"{CONTROL}faults", arg)
        if action == "clear_faults":
            return self._call("DELETE", f"{CONTROL}faults")
        if action == "expire_tokens":
            return self._call("POST", f"{CONTROL}tokens/expire", arg or {})
        if action == "create_jobs":
            return self._call("POST", f"{CONTROL}jobs", arg)
        if action == "edit_job":
            fields = {k: v for k, v in dict(arg).items() if k != "id"}
            return self._call("PATCH", f"{CONTROL}jobs/{arg['id']}", fields)
        if action in ("recreate", "rename"):
            return self._call("POST", f"{CONTROL}{action}", arg)
        if action == "delete_hosts":
            body = arg if isinstance(arg, dict) else {"names": list(arg)}
            return self._call("POST", f"{CONTROL}hosts/delete", body)
        if action == "launch":
            return self.launch(int(arg["template"]), int(arg.get("count", 1)))
        raise HarnessError(f"unknown AAP action {action!r}")

    def launch(self, template: int, count: int) -> list[int]:
        """Launch through the public API and wait until every job has finished."""
        ids = []
        for _ in range(count):
            made = self._call("POST", f"{self.root}job_templates/{template}/launch/", {})
            ids.append(int(made.get("job", made.get("id"))))
        deadline = time.monotonic() + TIMEOUT
        for job_id in ids:
            while self._call("GET", f"{self.root}jobs/{job_id}/")["status"] not in FINAL:
                if time.monotonic() > deadline:
                    raise HarnessError(f"AAP job {job_id} did not finish in {TIMEOUT:.0f} s")
                time.sleep(0.1)
        return ids
