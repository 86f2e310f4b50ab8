"""Benchmark: the e-mails with their PDFs through 1 and 2 Celery workers (issue 12 item 9,
DESIGN.md §10: "twice the workers send them in clearly less time").

1. Builds the month-end data set of `dataset.py` for BENCH_MAIL_COUNT clients (400), gives
   the resellers requisites and closes the month (as bench_acts does), then issues the
   month's acts: one act_issued e-mail per client waits in the outbox, each to carry its
   act's PDF (none of this is timed). Any other e-mail the run wrote is marked sent.
2. For 1, then 2 workers (real `celery -A config worker -Q email --pool prefork
   --concurrency 1` processes on the Redis broker of REDIS_URL, e-mails written whole by
   Django's file backend into a temporary directory): the e-mails are put back to pending,
   the workers started and waited for, then `email_drain_task(limit=BENCH_MAIL_LIMIT)`
   tasks are enqueued (more whenever the queue runs dry) and the time is taken from the
   first enqueue until every e-mail is `sent`. Each worker renders the PDFs itself.
3. Checks that every e-mail was written once, with a PDF attached; reports both times, the
   ratio, the workers' CPU time, the load average, and what the machine gave 1 and 2 busy
   loops just before each round (on a shared machine, the most 1 and 2 workers could get).

Rounds: BENCH_MAIL_ROUNDS (2) of each, in the order 1, 2, 2, 1, …; each side's best counts.

Environment: BENCH_MAIL_COUNT (400), BENCH_MAIL_LIMIT (20), BENCH_MAIL_ROUNDS (2),
BENCH_DATABASE (eset_bench: this one uses `<BENCH_DATABASE>_mail`, dropped at the end
unless BENCH_KEEP_MAIL=1), REDIS_URL (required; the e-mail queue of that database is purged
before and after).
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path
from urllib.parse import urlsplit

from . import bench_acts, common, dataset

TARGET_RATIO = 1.3
READY_TIMEOUT = 120.0
STOP_TIMEOUT = 60.0

# The timed part, in one process started before the clock: it enqueues the drains, keeps
# the queue from running dry while e-mails are left (two drains that read the same slice
# share it, each sending fewer than its limit), and stops the clock when none is left.
_DRIVE = """
import json, math, sys, time
import django
django.setup()
from config.celery import EMAIL_QUEUE, app
from notifications.models import EmailStatus, Notification
from notifications.tasks import email_drain_task
count, limit, timeout = int(sys.argv[1]), int(sys.argv[2]), float(sys.argv[3])
rows = Notification.objects.filter(kind="act_issued")
def left():
    return rows.exclude(email_status=EmailStatus.SENT).count()
def waiting():
    with app.connection_for_read() as connection:
        return connection.default_channel.queue_declare(queue=EMAIL_QUEUE).message_count
assert left() == count, (left(), count)
tasks = 0
def enqueue(n):
    global tasks
    for _ in range(n):
        email_drain_task.apply_async(kwargs={"limit": limit})
    tasks += n
started = time.perf_counter()
enqueue(math.ceil(count / limit))
while True:
    time.sleep(0.05)
    n = left()
    if n == 0:
        break
    if time.perf_counter() - started > timeout:
        sys.exit(f"bench_mail: {n} e-mails still unsent after {timeout:.0f} s")
    if waiting() == 0:
        enqueue(math.ceil(n / limit))
seconds = time.perf_counter() - started
failed = rows.filter(email_status=EmailStatus.FAILED).count()
print(json.dumps({"seconds": seconds, "tasks": tasks, "failed": failed}))
"""

# A worker's first document loads the fonts the PDFs use, cut once per machine (into the
# temporary directory): done here, before any clock, so that neither run pays the cut.
_WARM = """
import django
django.setup()
from documents.act_rendering import act_pdf
from documents.models import Act
act_pdf(Act.objects.order_by("id").first())
"""


# What the shared machine gives n processes that only compute, measured just before a
# round: the most its n workers could get. Two workers on two free cores get two.
_PROBE = """
import os, resource, sys, time
n, seconds = int(sys.argv[1]), float(sys.argv[2])
for _ in range(n):
    if os.fork() == 0:
        end = time.monotonic() + seconds
        while time.monotonic() < end:
            pass
        os._exit(0)
for _ in range(n):
    os.wait()
usage = resource.getrusage(resource.RUSAGE_CHILDREN)
print((usage.ru_utime + usage.ru_stime) / seconds)
"""
PROBE_SECONDS = 3.0


def cores_free(n: int) -> float:
    out = subprocess.run(
        [common.PYTHON, "-c", _PROBE, str(n), str(PROBE_SECONDS)],
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return float(out.strip())


def parameters() -> tuple[int, int]:
    return common.env_int("BENCH_MAIL_COUNT", 400), common.env_int("BENCH_MAIL_LIMIT", 20)


def redis_url() -> str:
    url = os.environ.get("REDIS_URL", "").strip()
    if not url.startswith(("redis://", "rediss://")):
        sys.exit("bench_mail: REDIS_URL must name the Redis broker the workers use")
    return url


def mail_db_name() -> str:
    name = f"{common.bench_db_name()}_mail"
    if name == urlsplit(common.server_url()).path.lstrip("/"):
        sys.exit("bench_mail: <BENCH_DATABASE>_mail must differ from DATABASE_URL's database")
    return name


def worker_env(name: str, *, mail_dir: Path) -> dict[str, str]:
    broker = redis_url()
    return common.child_env(
        name,
        REDIS_URL=broker,
        CELERY_BROKER_URL=broker,
        DJANGO_SETTINGS_MODULE="tests.bench.mail_settings",
        BENCH_MAIL_DIR=str(mail_dir),
    )


def execute(name: str, *statements: str) -> list[tuple]:
    conn = common.connect(name)
    try:
        with conn, conn.cursor() as cur:
            for sql in statements:
                cur.execute(sql)
            return cur.fetchall() if cur.description else []
    finally:
        conn.close()


def prepare(name: str, *, count: int) -> int:
    """The month's acts and their e-mails; returns how many act_issued e-mails wait."""
    first = bench_acts.month()
    last = dataset.month_end_of(first.year, first.month)
    dataset.build(name, n=2 * count, clients=count, resellers=max(1, count // 50), day=last)
    bench_acts.requisites(name)
    env = common.child_env(name)
    common.run_timed(
        [
            *(common.PYTHON, "-m", "tests.at", last.isoformat()),
            *("manage.py", "billing_run", "--date", last.isoformat()),
        ],
        env=env,
    )
    common.run_timed(
        [common.PYTHON, "manage.py", "acts_issue", "--month", f"{first:%Y-%m}"], env=env
    )
    # Only the acts' e-mails are measured: whatever else the month's run wrote is out of
    # the drain's way.
    execute(
        name,
        "UPDATE notifications_notification SET email_status = 'sent' WHERE kind <> 'act_issued'",
    )
    ((waiting,),) = execute(
        name,
        "SELECT COUNT(*) FROM notifications_notification n JOIN documents_act a "
        "ON a.id = (n.payload->>'act_id')::bigint WHERE n.kind = 'act_issued' "
        "AND n.email_status = 'pending'",
    )
    return waiting


def reset(name: str) -> None:
    execute(
        name,
        "UPDATE notifications_notification SET email_status = 'pending', email_attempts = 0, "
        "email_next_attempt_at = NULL, email_locked_until = NULL, emailed_at = NULL, "
        "email_error = '' WHERE kind = 'act_issued'",
    )


def purge(env: dict[str, str]) -> None:
    subprocess.run(
        [common.PYTHON, "-m", "celery", "-A", "config", "purge", "-f", "-Q", "email"],
        cwd=common.ROOT,
        env=env,
        check=True,
        stdout=subprocess.DEVNULL,
    )


def start_workers(n: int, *, env: dict[str, str], logs: Path) -> list[subprocess.Popen]:
    workers = []
    for i in range(1, n + 1):
        log = logs / f"worker{i}.log"
        workers.append(
            subprocess.Popen(
                [
                    *(common.PYTHON, "-m", "celery", "-A", "config", "worker"),
                    *("-Q", "email", "--pool", "prefork", "--concurrency", "1"),
                    *("-n", f"bench_mail{i}@%h", "--loglevel", "INFO", "-f", str(log)),
                    *("--without-gossip", "--without-mingle", "--without-heartbeat"),
                ],
                cwd=common.ROOT,
                env=env,
                stdout=subprocess.DEVNULL,
                stderr=subprocess.DEVNULL,
            )
        )
    deadline = time.monotonic() + READY_TIMEOUT
    for i, worker in enumerate(workers, start=1):
        log = logs / f"worker{i}.log"
        while not (log.exists() and " ready." in log.read_text(errors="replace")):
            if worker.poll() is not None or time.monotonic() > deadline:
                stop_workers(workers)
                text = log.read_text(errors="replace") if log.exists() else ""
                raise SystemExit(f"bench_mail: worker {i} did not start\n{text[-2000:]}")
            time.sleep(0.2)
    return workers


def stop_workers(workers: list[subprocess.Popen]) -> None:
    for worker in workers:
        if worker.poll() is None:
            worker.send_signal(signal.SIGTERM)  # warm shutdown: the task in hand finishes
    for worker in workers:
        try:
            worker.wait(timeout=STOP_TIMEOUT)
        except subprocess.TimeoutExpired:
            worker.kill()
            worker.wait()


def cpu_seconds(workers: list[subprocess.Popen]) -> float:
    """CPU time the workers and their pool processes have used so far (Linux /proc): set
    against the wall time, it says how much of the cores the workers got."""
    tick = os.sysconf("SC_CLK_TCK")
    total = 0
    for worker in workers:
        pids = [worker.pid]
        children = Path(f"/proc/{worker.pid}/task/{worker.pid}/children")
        if children.exists():
            pids += [int(pid) for pid in children.read_text().split()]
        for pid in pids:
            try:
                fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
            except OSError:
                continue
            total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / tick


def written(mail_dir: Path) -> tuple[int, int]:
    """(messages, messages with a PDF attached) in the file backend's directory."""
    messages = pdfs = 0
    separator = b"\n" + b"-" * 79 + b"\n"
    for path in mail_dir.iterdir():
        for message in path.read_bytes().split(separator):
            if message.strip():
                messages += 1
                pdfs += b"Content-Type: application/pdf" in message
    return messages, pdfs


def round_with(n: int, *, name: str, count: int, limit: int, work: Path) -> dict:
    mail_dir = Path(tempfile.mkdtemp(prefix=f"mail{n}_", dir=work))
    env = worker_env(name, mail_dir=mail_dir)
    reset(name)
    purge(env)
    workers = start_workers(n, env=env, logs=work)
    free = cores_free(n)
    try:
        load_before, cpu_before = os.getloadavg(), cpu_seconds(workers)
        timed = common.run_timed(
            [common.PYTHON, "-c", _DRIVE, str(count), str(limit), "600"], env=env
        )
        load_after, cpu = os.getloadavg(), cpu_seconds(workers) - cpu_before
    finally:
        stop_workers(workers)
        purge(env)
    report = json.loads(timed.stdout.strip().splitlines()[-1])
    messages, pdfs = written(mail_dir)
    report.update(
        messages=messages, pdfs=pdfs, load=(load_before[0], load_after[0]), cpu_s=cpu, free=free
    )
    common.say(
        f"mail: {n} worker{'s' if n > 1 else ''}: {count} e-mails in {report['seconds']:.1f} s "
        f"({report['tasks']} tasks of limit {limit}, {messages} written, {pdfs} with a PDF, "
        f"{report['failed']} failed), workers' CPU {cpu:.1f} s "
        f"({cpu / report['seconds']:.2f} cores; {n} busy loop{'s' if n > 1 else ''} "
        f"just before got {free:.2f}), "
        f"load average {load_before[0]:.2f} → {load_after[0]:.2f}"
    )
    return report


def main() -> None:
    count, limit = parameters()
    rounds = common.env_int("BENCH_MAIL_ROUNDS", 2)
    reports: dict[int, list[dict]] = {1: [], 2: []}
    name = mail_db_name()
    redis_url()
    common.say(f"mail: {count} act e-mails with their PDFs in {name}")
    started = time.perf_counter()
    work = Path(tempfile.mkdtemp(prefix="bench_mail_"))
    try:
        waiting = prepare(name, count=count)
        if waiting != count:
            raise SystemExit(f"bench_mail: {waiting} act e-mails wait, expected {count}")
        subprocess.run(
            [common.PYTHON, "-c", _WARM], cwd=common.ROOT, env=common.child_env(name), check=True
        )
        common.say(f"mail: data written in {time.perf_counter() - started:.1f} s")
        # 1, 2, then 2, 1 workers, and so on: a load that drifts over the minutes falls on
        # both sides; each side's best round is kept, the least disturbed by the others.
        for i in range(rounds):
            for n in (1, 2) if i % 2 == 0 else (2, 1):
                reports[n].append(round_with(n, name=name, count=count, limit=limit, work=work))
    finally:
        shutil.rmtree(work, ignore_errors=True)
        if os.environ.get("BENCH_KEEP_MAIL", "0") != "1":
            common.drop_db(name)
    every = reports[1] + reports[2]
    complete = all(r["messages"] == r["pdfs"] == count and not r["failed"] for r in every)
    one, two = (min(reports[n], key=lambda r: r["seconds"]) for n in (1, 2))
    if not complete:
        common.say("mail: INCOMPLETE: not every e-mail was written once with its PDF")
    ratio = one["seconds"] / two["seconds"]
    probe = statistics.mean(r["free"] for r in reports[2]) / statistics.mean(
        r["free"] for r in reports[1]
    )
    common.say(
        f"mail: 1 worker {one['seconds']:.1f} s, 2 workers {two['seconds']:.1f} s, "
        f"ratio {ratio:.2f} (best of {rounds} round{'s' if rounds > 1 else ''} each, "
        f"{os.cpu_count()} cores); the machine gave 2 busy loops {probe:.2f}× the CPU of 1"
    )
    for n, report in ((1, one), (2, two)):
        common.result(
            figure=f"{count} e-mails with PDFs, {n} worker{'s' if n > 1 else ''}",
            value=round(report["seconds"], 2),
            unit="s",
            target="—",
            ok=complete,
            tasks=report["tasks"],
            load=[round(x, 2) for x in report["load"]],
            cpu_s=round(report["cpu_s"], 2),
            rounds=[round(r["seconds"], 2) for r in reports[n]],
            cores_free=[round(r["free"], 2) for r in reports[n]],
        )
    common.result(
        figure="e-mails 1 worker / 2 workers",
        value=round(ratio, 2),
        unit="x",
        target=f">= {TARGET_RATIO:g}",
        ok=ratio >= TARGET_RATIO and complete,
        cores=os.cpu_count(),
        busy_loops_ratio=round(probe, 2),
    )
    if not complete:
        raise SystemExit(1)


if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    main()
