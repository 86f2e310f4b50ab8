"""Benchmark: pages and API under load (issue 5, DESIGN.md §10: p95 ≤ 200 ms with 100,000
subscriptions in the database).

Uses the bench database bench_billing leaves (the month-end data set after its run) when it
holds BENCH_SUBSCRIPTIONS subscriptions, else builds the data set itself. Serves the project
with gunicorn on loopback (BENCH_WEB_WORKERS sync workers, default 2: one per core), signs
in as a reseller through the panel's login form (and makes an API token through the API's
own service), then loads each page with wrk (Debian's `wrk`, installed with apt-get when
missing; a small threaded httpx client when it cannot be had) for BENCH_PAGE_SECONDS
(default 10) with BENCH_PAGE_CONNECTIONS connections (default: as many as workers, so the
figures are service times, not queueing behind a saturated server):

- the panel's subscription list (first page),
- one subscription's page in the panel (periods, charges, seat changes),
- the API's subscription list, `/api/v1/reseller/subscriptions/`, when the API is there.

Prints `pages: <page> p50 X ms, p95 Y ms (N requests)` per page and its BENCH_RESULT line.
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import statistics
import subprocess
import tempfile
import threading
import time
from dataclasses import dataclass
from pathlib import Path

import httpx

from . import bench_billing, common, dataset

TARGET_MS = 200.0
RESELLER = 1  # owns client 1 and its subscription 1 (dataset.py's numbering)

WRK_SCRIPT = """
done = function(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write
    + summary.errors.timeout
  io.write(string.format("WRK %d %d %d %.3f %.3f\\n", summary.requests, summary.errors.status,
    errors, latency:percentile(50) / 1000, latency:percentile(95) / 1000))
end
"""


@dataclass(frozen=True)
class Page:
    label: str
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Load:
    requests: int
    p50_ms: float
    p95_ms: float
    errors: int
    tool: str


def ensure_dataset(name: str) -> int:
    n, clients, resellers = bench_billing.parameters()
    try:
        conn = common.connect(name)
    except Exception:
        have = -1
    else:
        try:
            with conn, conn.cursor() as cur:
                cur.execute("SELECT COUNT(*) FROM orders_subscription")
                have = cur.fetchone()[0]
        except Exception:
            have = -1
        finally:
            conn.close()
    if have != n:
        common.say(f"pages: building the data set ({n} subscriptions) in {name}")
        dataset.build(name, n=n, clients=clients, resellers=resellers, day=bench_billing.run_day())
    return n


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def serve(name: str, port: int, workers: int) -> subprocess.Popen:
    gunicorn = Path(common.PYTHON).with_name("gunicorn")
    return subprocess.Popen(
        [
            str(gunicorn),
            "config.wsgi:application",
            "--bind",
            f"127.0.0.1:{port}",
            "--workers",
            str(workers),
            "--timeout",
            "60",
            "--log-level",
            "warning",
        ],
        cwd=common.ROOT,
        # The API's per-token rate limit stays in the path (its cost is measured) but is set
        # above what the load sends: the figure is latency, not the limit's 429s.
        env=common.child_env(name, API_THROTTLE_RATE="1000000/minute"),
    )


def wait_ready(base: str, server: subprocess.Popen) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        if server.poll() is not None:
            raise SystemExit(f"bench: gunicorn exited with {server.returncode}")
        try:
            httpx.get(base + "/panel/login/", timeout=2)
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit("bench: gunicorn did not answer within 60 s")


def login(base: str) -> dict[str, str]:
    """Signs in through the panel's form, as a person would; returns the session cookies."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=30) as client:
        form = client.get("/panel/login/")
        token = re.search(r'name="csrfmiddlewaretoken" value="([^"]+)"', form.text)
        if not token:
            raise SystemExit("bench: no CSRF token on /panel/login/")
        answer = client.post(
            "/panel/login/",
            data={
                "username": f"reseller{RESELLER}@bench.local",
                "password": dataset.RESELLER_PASSWORD,
                "csrfmiddlewaretoken": token.group(1),
            },
            headers={"Referer": base + "/panel/login/"},
        )
        if answer.status_code != 302 or "sessionid" not in client.cookies:
            raise SystemExit(f"bench: panel login failed ({answer.status_code})")
        return {"sessionid": client.cookies["sessionid"]}


def api_token(name: str) -> str | None:
    """A token for the reseller's user, made by the API's own service (None: no API yet)."""
    code = (
        "from django.contrib.auth import get_user_model; from django.utils import timezone\n"
        "from api.services import token_create\n"
        f"user = get_user_model().objects.get(username='reseller{RESELLER}@bench.local')\n"
        "print('TOKEN', token_create(user=user, name='bench', at=timezone.now()).raw)\n"
    )
    proc = subprocess.run(
        [common.PYTHON, "manage.py", "shell", "-c", code],
        cwd=common.ROOT,
        env=common.child_env(name),
        capture_output=True,
        text=True,
    )
    found = re.search(r"^TOKEN (\S+)$", proc.stdout, re.M)
    return found.group(1) if found else None


def ensure_wrk() -> str | None:
    """wrk, installed from Debian when missing and allowed (root with apt-get)."""
    if not shutil.which("wrk") and os.geteuid() == 0 and shutil.which("apt-get"):
        common.say("pages: installing wrk (apt-get install -y wrk)")
        env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
        install = ["apt-get", "install", "-y", "-q", "wrk"]
        if subprocess.run(install, capture_output=True, env=env).returncode:
            subprocess.run(["apt-get", "update", "-q"], capture_output=True, env=env)
            subprocess.run(install, capture_output=True, env=env)
    return shutil.which("wrk")


def load_wrk(wrk: str, base: str, page: Page, *, seconds: int, connections: int) -> Load:
    with tempfile.NamedTemporaryFile("w", suffix=".lua", delete=False) as script:
        script.write(WRK_SCRIPT)
    try:
        cmd = [
            wrk,
            f"-t{min(2, connections)}",
            f"-c{connections}",
            f"-d{seconds}s",
            "--timeout",
            "10s",
            "-s",
            script.name,
        ]
        for key, value in page.headers.items():
            cmd += ["-H", f"{key}: {value}"]
        out = subprocess.run(
            [*cmd, base + page.path], capture_output=True, text=True, check=True
        ).stdout
    finally:
        os.unlink(script.name)
    found = re.search(r"^WRK (\d+) (\d+) (\d+) ([\d.]+) ([\d.]+)$", out, re.M)
    if not found:
        raise SystemExit(f"bench: unexpected wrk output:\n{out}")
    n, status_errors, io_errors = (int(found.group(i)) for i in (1, 2, 3))
    return Load(
        requests=n,
        p50_ms=float(found.group(4)),
        p95_ms=float(found.group(5)),
        errors=status_errors + io_errors,
        tool="wrk",
    )


def load_httpx(base: str, page: Page, *, seconds: int, connections: int) -> Load:
    """The fallback load tool: `connections` threads, each one request after another."""
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def worker() -> None:
        nonlocal errors
        with httpx.Client(base_url=base, headers=page.headers, timeout=10) as client:
            while time.monotonic() < stop:
                started = time.perf_counter()
                try:
                    ok = client.get(page.path).status_code == 200
                except httpx.HTTPError:
                    ok = False
                elapsed = (time.perf_counter() - started) * 1000
                with lock:
                    latencies.append(elapsed)
                    errors += not ok

    threads = [threading.Thread(target=worker) for _ in range(connections)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    cuts = statistics.quantiles(latencies, n=100, method="inclusive")
    return Load(
        requests=len(latencies), p50_ms=cuts[49], p95_ms=cuts[94], errors=errors, tool="httpx"
    )


def check_page(base: str, page: Page) -> bool:
    """The page answers 200 to the signed-in reseller (not a redirect to the login)."""
    answer = httpx.get(base + page.path, headers=page.headers, timeout=30)
    if answer.status_code == 404 and page.path.startswith("/api/"):
        return False
    if answer.status_code != 200:
        raise SystemExit(f"bench: {page.path} answered {answer.status_code}")
    return True


def main() -> None:
    name = common.bench_db_name()
    n = ensure_dataset(name)
    workers = common.env_int("BENCH_WEB_WORKERS", 2)
    connections = common.env_int("BENCH_PAGE_CONNECTIONS", workers)
    seconds = common.env_int("BENCH_PAGE_SECONDS", 10)
    wrk = ensure_wrk()
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    server = serve(name, port, workers)
    failed = False
    try:
        wait_ready(base, server)
        cookie = "; ".join(f"{k}={v}" for k, v in login(base).items())
        pages = [
            Page("panel subscription list", "/panel/subscriptions/", {"Cookie": cookie}),
            Page("panel subscription detail", "/panel/subscriptions/1/", {"Cookie": cookie}),
        ]
        token = api_token(name)
        if token:
            pages.append(
                Page(
                    "api subscription list",
                    "/api/v1/reseller/subscriptions/",
                    {"Authorization": f"Bearer {token}"},
                )
            )
        else:
            common.say("pages: no API token service (api/ not there yet): API list skipped")
        for page in pages:
            if not check_page(base, page):
                common.say(f"pages: {page.path} is not served yet: skipped")
                continue
            # Warm the workers (imports, templates, connections) before measuring.
            for _ in range(5 * workers):
                httpx.get(base + page.path, headers=page.headers, timeout=30)
            if wrk:
                load = load_wrk(wrk, base, page, seconds=seconds, connections=connections)
            else:
                load = load_httpx(base, page, seconds=seconds, connections=connections)
            ok = load.p95_ms <= TARGET_MS and load.errors == 0
            failed |= not ok
            common.say(
                f"pages: {page.label} p50 {load.p50_ms:.0f} ms, p95 {load.p95_ms:.0f} ms "
                f"({load.requests} requests, {load.errors} errors, {connections} connections, "
                f"{workers} workers, {load.tool}, {n} subscriptions)"
            )
            common.result(
                figure=f"{page.label} p95",
                value=round(load.p95_ms, 1),
                unit="ms",
                target=f"<= {TARGET_MS:g}",
                ok=ok,
                p50_ms=round(load.p50_ms, 1),
                requests=load.requests,
                n=n,
            )
    finally:
        server.terminate()
        try:
            server.wait(timeout=30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
    if failed:
        raise SystemExit(1)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    main()
