"""Emulator scale figures: walk all job pages and time host-summary lookups over real HTTP.

Starts `python -m aapsim --synthetic-jobs N` as a subprocess on a free loopback port, then
measures (1) walking every page of /jobs/ (page_size 100, default order and the dashboard's
order_by=finished window) and (2) the median latency of one job's host summaries.
Targets (issue 2): N=100000 walk < 30 s; host summaries median < 5 ms.
Each walk also reports the emulator's own CPU seconds (Linux /proc), a figure that stays
comparable on a busy machine where wall time does not.
"""

from __future__ import annotations

import argparse
import os
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-admin-pw"


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def start(version: str, jobs: int, port: int) -> subprocess.Popen[bytes]:
    env = dict(
        os.environ, PYTHONPATH=str(ROOT / "images" / "aapsim"), AAPSIM_ADMIN_PASSWORD=PASSWORD
    )
    cmd = [
        sys.executable,
        "-m",
        "aapsim",
        "--aap-version",
        version,
        "--port",
        str(port),
        "--synthetic-jobs",
        str(jobs),
    ]
    return subprocess.Popen(cmd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)


def wait_ready(client: httpx.Client, ping: str, proc: subprocess.Popen[bytes]) -> float:
    t0 = time.perf_counter()
    while time.perf_counter() - t0 < 120:
        if proc.poll() is not None:
            raise SystemExit(
                f"emulator exited: {proc.stderr.read().decode() if proc.stderr else ''}"
            )
        try:
            if client.get(ping).status_code == 200:
                return time.perf_counter() - t0
        except httpx.TransportError:
            pass
        time.sleep(0.1)
    raise SystemExit("emulator did not answer ping within 120 s")


def cpu_seconds(pid: int) -> float | None:
    """utime + stime of a process, or None where /proc is not available."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return None
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


def walk(client: httpx.Client, url: str) -> tuple[int, int, float]:
    t0 = time.perf_counter()
    pages = rows = 0
    next_url: str | None = url
    while next_url:
        response = client.get(next_url)
        response.raise_for_status()
        body = response.json()
        pages += 1
        rows += len(body["results"])
        next_url = body["next"]
    return pages, rows, time.perf_counter() - t0


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--jobs", type=int, default=100_000)
    parser.add_argument("--version", default="2.6", choices=["2.4", "2.5", "2.6"])
    parser.add_argument("--samples", type=int, default=500)
    args = parser.parse_args()
    api = "/api/v2/" if args.version == "2.4" else "/api/controller/v2/"
    ping = "/api/v2/ping/" if args.version == "2.4" else "/api/gateway/v1/ping/"
    port = free_port()
    proc = start(args.version, args.jobs, port)
    try:
        with httpx.Client(
            base_url=f"http://127.0.0.1:{port}", auth=("admin", PASSWORD), timeout=60
        ) as client:
            ready = wait_ready(client, ping, proc)
            print(f"startup with {args.jobs} synthetic jobs: {ready:.1f} s")
            ok = True
            for label, url in [
                ("default order", f"{api}jobs/?page_size=100&page=1"),
                (
                    "order_by=finished + finished__gt",
                    f"{api}jobs/?page_size=100&page=1&order_by=finished"
                    "&finished__gt=2000-01-01T00:00:00Z",
                ),
            ]:
                cpu_before = cpu_seconds(proc.pid)
                pages, rows, seconds = walk(client, url)
                cpu_after = cpu_seconds(proc.pid)
                ok &= rows == args.jobs and seconds < 30
                cpu = (
                    f", emulator CPU {cpu_after - cpu_before:.2f} s"
                    if cpu_before is not None and cpu_after is not None
                    else ""
                )
                print(
                    f"walk {label}: {pages} pages, {rows} jobs in {seconds:.2f} s "
                    f"({seconds / pages * 1000:.1f} ms/page{cpu}; target < 30 s)"
                )
            step = max(1, args.jobs // args.samples)
            first = client.get(f"{api}jobs/?page_size=1").json()["results"][0]["id"]
            times = []
            for n in range(args.samples):
                job_id = first + (n * step) % args.jobs
                t0 = time.perf_counter()
                response = client.get(
                    f"{api}jobs/{job_id}/job_host_summaries?page_size=100&page=1&order_by=modified"
                )
                times.append((time.perf_counter() - t0) * 1000)
                response.raise_for_status()
            median = statistics.median(times)
            p95 = statistics.quantiles(times, n=20)[18]
            ok &= median < 5
            print(
                f"host summaries: median {median:.2f} ms, p95 {p95:.2f} ms over "
                f"{args.samples} jobs (target median < 5 ms)"
            )
            print("PASS" if ok else "FAIL")
            return 0 if ok else 1
    finally:
        proc.terminate()
        proc.wait(timeout=10)


if __name__ == "__main__":
    sys.exit(main())
