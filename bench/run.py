"""`make bench`: the app as production runs it (gunicorn, 2 workers) on SQLite and PostgreSQL,
generated data, a load client over loopback (wrk) at 1 and 8 clients, and the floor beside it.

Writes bench/results/<date>-<db>.json and .md and the table in the README's performance section.
"""

import argparse
import json
import os
import platform
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from contextlib import contextmanager
from dataclasses import asdict, dataclass, field
from datetime import date
from pathlib import Path

import sqlalchemy as sa

ROOT = Path(__file__).resolve().parent.parent
WORK = ROOT / "bench" / ".work"
RESULTS = ROOT / "bench" / "results"
PYTHON = sys.executable
BIN = Path(PYTHON).parent
PASSWORD = "bench-password-2017"
POSTGRES_SERVER = "postgresql+psycopg://postgres@127.0.0.1:5432"
SIZES = {"councils": 10, "agencies": 300, "users": 3000, "meetings": 5000}
SMALL_FOLLOWUPS = 1000


@dataclass
class Page:
    name: str
    #: a path with {placeholders} filled from the targets found in the data
    path: str
    role: str


PAGES = [
    Page("dashboard", "/", "coordinator"),
    Page("/followups (coordinator)", "/followups", "coordinator"),
    Page("/followups (agency member)", "/followups", "agency_member"),
    Page("/followups?overdue=1", "/followups?overdue=1", "coordinator"),
    Page("review of the busiest liaison meeting", "/meetings/{meeting}/review", "secretariat"),
    Page("progress list (one council-year)", "/reports/progress?council={council}&fy={fy}", "secretariat"),
    Page("progress list, Excel", "/reports/progress.xlsx?council={council}&fy={fy}", "secretariat"),
    Page("progress list, PDF", "/reports/progress.pdf?council={council}&fy={fy}", "secretariat"),
]
#: the downloads whose first request draws the file (then served from the cache until it changes)
DRAWN = ("progress list, Excel", "progress list, PDF")
FLOOR = Page("floor (same SQL as /followups, bare template)", "/", "coordinator")


@dataclass
class Measurement:
    name: str
    path: str
    status: int
    queries: int | None = None
    queries_small: int | None = None
    #: the first request's time, in-process (for a download: drawing the file before it is cached)
    first_ms: float | None = None
    #: the response's size in kB
    kilobytes: float | None = None
    runs: dict[str, dict] = field(default_factory=dict)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--followups", type=int, default=100_000)
    parser.add_argument("--duration", type=int, default=6, help="seconds per measurement")
    parser.add_argument("--databases", default="sqlite,postgresql")
    parser.add_argument("--no-readme", action="store_true", help="do not rewrite the README's table")
    args = parser.parse_args()
    if not shutil.which("wrk"):
        sys.exit("wrk is needed: apt-get install wrk (make bench installs it)")
    WORK.mkdir(parents=True, exist_ok=True)
    RESULTS.mkdir(parents=True, exist_ok=True)
    tables = []
    for kind in args.databases.split(","):
        if kind == "postgresql" and not _postgres_answers():
            print("PostgreSQL does not answer on 127.0.0.1:5432: skipped")
            continue
        result = run_database(kind, args.followups, args.duration)
        stem = RESULTS / f"{date.today().isoformat()}-{kind}"
        stem.with_suffix(".json").write_text(
            json.dumps(result, ensure_ascii=False, indent=2), encoding="utf-8"
        )
        table = markdown(result)
        stem.with_suffix(".md").write_text(table, encoding="utf-8")
        tables.append(table)
        print(table)
    if tables and not args.no_readme:
        _update_readme("\n".join(tables))


def run_database(kind: str, followups: int, duration: int) -> dict:
    load_before = os.getloadavg()[0]
    # the app's files (the cached downloads) start empty, apart from other runs and other checkouts
    instance = WORK / f"instance-{kind}"
    shutil.rmtree(instance, ignore_errors=True)
    os.environ["KOSODATE_INSTANCE_PATH"] = str(instance)
    small_url = _fresh_database(kind, "small")
    _generate(small_url, SMALL_FOLLOWUPS)
    url = _fresh_database(kind, "large")
    generate_seconds = _generate(url, followups)

    floor_sql = WORK / f"floor-{kind}.json"
    _, small_counts = _count_queries(small_url, None)
    targets, counts = _count_queries(url, floor_sql)  # last: its downloads stay in the cache
    measurements = []
    with (
        _server("app:app", url) as app_base,
        _server("bench.floor_app:app", url, FLOOR_SQL=floor_sql) as floor,
    ):
        cookies = {role: _log_in(app_base, email) for role, email in targets["users"].items()}
        for page in PAGES:
            path = page.path.format(**targets)
            status, queries, first_ms, kilobytes = counts[page.name]
            measurement = Measurement(
                page.name,
                path,
                status,
                queries,
                small_counts.get(page.name, [0, None])[1],
                first_ms,
                kilobytes,
            )
            if measurement.status == 200:
                measurement.runs = _load(app_base + path, cookies[page.role], duration)
            measurements.append(measurement)
        floor_runs = _load(floor + "/", "", duration)
        measurements.append(Measurement(FLOOR.name, "/", 200, runs=floor_runs))
        memory = _worker_memory_mb(app_base)
    return {
        "date": date.today().isoformat(),
        "database": kind,
        "machine": _machine(url),
        #: the 1-minute load average at the start and after the pages: other work shows in the figures
        "load": [round(load_before, 2), round(os.getloadavg()[0], 2)],
        "sizes": {**SIZES, "followups": followups},
        "generate_seconds": round(generate_seconds, 1),
        "worker_memory": memory,
        "reminders": _reminders_pass(url),
        "outbox_messages_per_s": _outbox_rate(url),
        "pages": [asdict(m) for m in measurements],
    }


# --- data ------------------------------------------------------------------------------------------


def _postgres_answers() -> bool:
    try:
        with socket.create_connection(("127.0.0.1", 5432), timeout=1):
            return True
    except OSError:
        return False


def _fresh_database(kind: str, name: str) -> str:
    if kind == "sqlite":
        path = WORK / f"bench-{name}.sqlite3"
        path.unlink(missing_ok=True)
        return f"sqlite:///{path}"
    database = f"kosodate_bench_{name}"
    engine = sa.create_engine(f"{POSTGRES_SERVER}/postgres", isolation_level="AUTOCOMMIT")
    with engine.connect() as connection:
        connection.exec_driver_sql(f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)')
        connection.exec_driver_sql(f'CREATE DATABASE "{database}"')
    engine.dispose()
    return f"{POSTGRES_SERVER}/{database}"


def _environment(url: str, **extra) -> dict:
    return {
        **os.environ,
        "KOSODATE_CONFIG": "production",
        "DATABASE_URL": url,
        "SECRET_KEY": "bench-" + secrets.token_hex(16),
        "KOSODATE_REQUIRE_2FA": "0",  # the generated users have no authenticator app
        **{key: str(value) for key, value in extra.items()},
    }


def _flask(url: str, *args: str) -> None:
    subprocess.run([BIN / "flask", "--app", "app", *args], cwd=ROOT, env=_environment(url), check=True)


def _generate(url: str, followups: int) -> float:
    _flask(url, "db", "upgrade")
    sizes = [f"--{name}={value}" for name, value in SIZES.items()]
    started = time.perf_counter()
    _flask(url, "demo", "generate", *sizes, f"--followups={followups}", "--seed=1", f"--password={PASSWORD}")
    return time.perf_counter() - started


def _count_queries(url: str, floor_sql: Path | None) -> tuple[dict, dict[str, list]]:
    """In-process: the targets of the parametrised pages, and per page its status and query count.
    The statements of the coordinator's /followups are stored for the floor app."""
    sys.path.insert(0, str(ROOT))
    from bench.queries import dump_statements, recorded_statements
    from kosodate import create_app

    app = create_app(
        "production",
        SQLALCHEMY_DATABASE_URI=url,
        SECRET_KEY="count",
        SESSION_COOKIE_SECURE=False,
        KOSODATE_REQUIRE_2FA=False,
    )
    app.config["WTF_CSRF_ENABLED"] = False
    with app.app_context():
        from kosodate.extensions import db

        targets = _targets(db)
        counts = {}
        clients = {}
        for role, email in targets["users"].items():
            client = app.test_client()
            response = client.post("/login", data={"email": email, "password": PASSWORD})
            assert response.status_code == 302, f"cannot log in as {email}"
            clients[role] = client
        for page in PAGES:
            path = page.path.format(**targets)
            if page.name in DRAWN:  # time drawing the file, not reading it from an earlier run's cache
                shutil.rmtree(Path(app.instance_path) / "exports", ignore_errors=True)
            started = time.perf_counter()
            with recorded_statements(db.engine) as statements:
                response = clients[page.role].get(path)
            first_ms = round((time.perf_counter() - started) * 1000, 1)
            kilobytes = round(len(response.get_data()) / 1000, 1)
            counts[page.name] = [response.status_code, len(statements), first_ms, kilobytes]
            if floor_sql and page is PAGES[1]:
                floor_sql.write_text(dump_statements(statements), encoding="utf-8")
        db.engine.dispose()
    return targets, counts


def _targets(db) -> dict:
    from kosodate.agencies.models import Agency
    from kosodate.auth.models import Role, User
    from kosodate.core.time import fiscal_year_of, today_tokyo
    from kosodate.followups.models import FollowUp
    from kosodate.meetings.models import Meeting, MeetingKind

    council_id = 1

    def first_user(role):
        query = sa.select(User.email).join(Agency, User.agency_id == Agency.id)
        return db.session.scalar(
            query.where(User.role == role, Agency.council_id == council_id).order_by(User.id)
        )

    busiest = db.session.scalar(
        sa.select(Meeting.id)
        .join(FollowUp, FollowUp.source_meeting_id == Meeting.id)
        .where(Meeting.council_id == council_id, Meeting.kind == MeetingKind.LIAISON)
        .group_by(Meeting.id)
        .order_by(sa.func.count().desc(), Meeting.id)
        .limit(1)
    )
    return {
        "council": council_id,
        "fy": fiscal_year_of(today_tokyo()),
        "meeting": busiest,
        "users": {
            role.value: first_user(role) for role in (Role.SECRETARIAT, Role.COORDINATOR, Role.AGENCY_MEMBER)
        },
    }


def _reminders_pass(url: str) -> dict[str, float]:
    """Seconds of one reminders pass over all the follow-ups, as the scheduler runs it (in a process
    that has the app loaded), and of the `reminders run` command with its start-up (a second pass,
    which finds everything queued)."""
    from kosodate import create_app
    from kosodate.core.time import now
    from kosodate.reminders.outbox import enqueue
    from kosodate.reminders.rules import due_reminders

    app = create_app("production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="reminders")
    with app.app_context():
        from kosodate.extensions import db

        started = time.perf_counter()
        moment = now()
        queued = enqueue(due_reminders(moment), moment)
        db.session.commit()
        elapsed = time.perf_counter() - started
        db.engine.dispose()
    started = time.perf_counter()
    _flask(url, "reminders", "run")
    return {
        "pass_seconds": round(elapsed, 2),
        "queued": sum(queued.values()),
        "command_seconds": round(time.perf_counter() - started, 2),
    }


def _outbox_rate(url: str, messages: int = 2000) -> float:
    """Messages per second that `outbox send` delivers to a local SMTP server (aiosmtpd)."""
    from aiosmtpd.controller import Controller

    class Sink:
        async def handle_DATA(self, server, session, envelope):
            return "250 OK"

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    controller = Controller(Sink(), hostname="127.0.0.1", port=port)
    controller.start()
    try:
        from kosodate import create_app
        from kosodate.reminders.outbox import send_all

        app = create_app(
            "production", SQLALCHEMY_DATABASE_URI=url, SECRET_KEY="outbox", MAIL_SERVER="127.0.0.1",
            MAIL_PORT=port, MAIL_BACKEND="smtp",
        )  # fmt: skip
        with app.app_context():
            batches = messages // app.config["OUTBOX_BATCH_SIZE"]
            started = time.perf_counter()
            result = send_all(max_batches=batches)
            elapsed = time.perf_counter() - started
        return round(result.sent / elapsed, 1) if result.sent else 0.0
    finally:
        controller.stop()


# --- servers and load ------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@contextmanager
def _server(application: str, url: str, **extra):
    port = _free_port()
    # the production settings (gc.freeze() in each worker), with the bench's port and quieter logs
    process = subprocess.Popen(
        [
            BIN / "gunicorn",
            "-c",
            str(ROOT / "deploy" / "gunicorn.conf.py"),
            "--workers",
            "2",
            "--bind",
            f"127.0.0.1:{port}",
            "--log-level",
            "warning",
            application,
        ],
        cwd=ROOT,
        env=_environment(url, **extra),
    )
    base = f"http://127.0.0.1:{port}"
    try:
        _wait_for(base + ("/healthz" if application == "app:app" else "/"))
        yield base
    finally:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def _wait_for(url: str) -> None:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            with urllib.request.urlopen(url, timeout=2):
                return
        except OSError:  # refused, or a timeout while the workers still load the app
            time.sleep(0.3)
    raise RuntimeError(f"server did not answer: {url}")


class _NoRedirect(urllib.request.HTTPRedirectHandler):
    def redirect_request(self, *args, **kwargs):
        return None


def _request(url: str, cookie: str = "", data: dict | None = None) -> tuple[int, dict, str]:
    opener = urllib.request.build_opener(_NoRedirect)
    body = urllib.parse.urlencode(data).encode() if data is not None else None
    request = urllib.request.Request(url, data=body, headers={"Cookie": cookie} if cookie else {})
    try:
        with opener.open(request, timeout=60) as response:
            return response.status, response.headers, response.read().decode("utf-8", "replace")
    except urllib.error.HTTPError as error:
        return error.code, error.headers, error.read().decode("utf-8", "replace")


def _session_cookie(headers) -> str:
    for header in headers.get_all("Set-Cookie") or []:
        if header.startswith("session="):
            return header.split(";", 1)[0]
    return ""


def _log_in(base: str, email: str) -> str:
    _status, headers, page = _request(base + "/login")
    token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
    data = {"email": email, "password": PASSWORD, "csrf_token": token, "next": ""}
    status, headers, _ = _request(base + "/login", _session_cookie(headers), data)
    if status != 302:
        raise RuntimeError(f"login failed for {email}: {status}")
    return _session_cookie(headers)


def _load(url: str, cookie: str, duration: int) -> dict[str, dict]:
    """Warm up, then wrk at 1 and at 8 concurrent connections."""
    for _ in range(20):
        status, _headers, _body = _request(url, cookie)
        if status != 200:
            raise RuntimeError(f"{url} answered {status} during warm-up")
    runs = {}
    for clients in (1, 8):
        command = ["wrk", f"-t{min(clients, 2)}", f"-c{clients}", f"-d{duration}s", "--timeout", "30s"]
        command += ["-s", str(ROOT / "bench" / "wrk_report.lua"), "-H", f"Cookie: {cookie}", url]
        output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
        report = json.loads(output.strip().splitlines()[-1])
        runs[f"c{clients}"] = {
            "median_ms": round(report["p50_us"] / 1000, 1),
            "p95_ms": round(report["p95_us"] / 1000, 1),
            "requests_per_s": round(report["requests"] / (report["duration_us"] / 1e6), 1),
            "errors": report["errors"],
        }
    return runs


def _worker_memory_mb(base: str) -> dict[str, float]:
    """The largest resident set now (VmRSS) and at its peak (VmHWM) among the gunicorn processes of
    the app on this port. The peak includes argon2's working memory of a login (ARGON2_MEMORY_COST,
    19 MiB), which is given back after it."""
    port = base.rsplit(":", 1)[1]
    memory = {"rss_mb": 0.0, "peak_rss_mb": 0.0}
    for status in Path("/proc").glob("[0-9]*/status"):
        try:
            cmdline = (status.parent / "cmdline").read_bytes().replace(b"\0", b" ").decode()
            text = status.read_text()
        except OSError:
            continue
        if "gunicorn" not in cmdline or f":{port}" not in cmdline or "app:app" not in cmdline:
            continue
        for key, field_name in (("rss_mb", "VmRSS"), ("peak_rss_mb", "VmHWM")):
            match = re.search(rf"{field_name}:\s+(\d+) kB", text)
            if match:
                memory[key] = max(memory[key], round(int(match.group(1)) / 1024, 1))
    return memory


# --- reporting -------------------------------------------------------------------------------------


def _machine(url: str) -> dict:
    cpu = next(
        (line.split(":", 1)[1].strip() for line in Path("/proc/cpuinfo").read_text().splitlines()
         if line.startswith("model name")),
        platform.processor(),
    )  # fmt: skip
    memory_kb = int(re.search(r"MemTotal:\s+(\d+)", Path("/proc/meminfo").read_text()).group(1))
    engine = sa.create_engine(url)
    with engine.connect() as connection:
        version = connection.exec_driver_sql(
            "select sqlite_version()" if url.startswith("sqlite") else "show server_version"
        ).scalar()
    engine.dispose()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(memory_kb / 1024 / 1024, 1),
        "python": platform.python_version(),
        "database_version": version,
    }


def markdown(result: dict) -> str:
    machine = result["machine"]
    pages = result["pages"]
    floor = pages[-1]["runs"]
    reminders = result["reminders"]
    drawn = [page for page in pages if page["name"] in DRAWN and page.get("first_ms") is not None]
    lines = [
        f"#### {result['database']} {machine['database_version']} — {result['date']}",
        "",
        f"{machine['cpu']}, {machine['cores']} cores, {machine['memory_gib']} GiB, "
        f"Python {machine['python']}; "
        f"load average {result['load'][0]} at the start, {result['load'][1]} after the pages; "
        f"{result['sizes']['followups']:,} follow-ups generated in {result['generate_seconds']} s; "
        f"web worker RSS {result['worker_memory']['rss_mb']} MB "
        f"(peak {result['worker_memory']['peak_rss_mb']} MB)"
        + f"; one reminders pass {reminders['pass_seconds']} s ({reminders['queued']:,} reminders queued; "
        f"the `reminders run` command with its start-up {reminders['command_seconds']} s); "
        f"`outbox send` {result['outbox_messages_per_s']} messages/s to a local aiosmtpd; "
        + ", ".join(f"{page['name']} drawn in {page['first_ms']:,.0f} ms" for page in drawn)
        + " at its first download, then served from the cache",
        "",
        "| page | kB | SQL queries (1,000 / all) | 1 client: median / p95 ms, req/s "
        "| 8 clients: median / p95 ms, req/s | × floor (1 / 8) | p95 ÷ median (1 client) |",
        "|---|---|---|---|---|---|---|",
    ]
    for page in pages:
        runs = page["runs"]
        if not runs:
            lines.append(f"| {page['name']} | | — | answered {page['status']} | | | |")
            continue
        queries = "" if page["queries"] is None else f"{page['queries_small']} / {page['queries']}"
        ratio = " / ".join(
            f"{runs[c]['median_ms'] / max(floor[c]['median_ms'], 0.1):.1f}" for c in ("c1", "c8")
        )
        cells = [_run_cell(runs[c]) for c in ("c1", "c8")]
        tail = runs["c1"]["p95_ms"] / max(runs["c1"]["median_ms"], 0.1)
        size = "" if page.get("kilobytes") is None else f"{page['kilobytes']:,.0f}"
        lines.append(
            f"| {page['name']} | {size} | {queries} | {cells[0]} | {cells[1]} | {ratio} | {tail:.2f} |"
        )
    return "\n".join(lines) + "\n"


def _run_cell(run: dict) -> str:
    errors = f" ({run['errors']} errors)" if run["errors"] else ""
    return f"{run['median_ms']} / {run['p95_ms']}, {run['requests_per_s']}{errors}"


def _update_readme(tables: str) -> None:
    readme = ROOT / "README.md"
    text = readme.read_text(encoding="utf-8")
    start, end = "<!-- bench:start -->", "<!-- bench:end -->"
    if start in text and end in text:
        before, rest = text.split(start, 1)
        after = rest.split(end, 1)[1]
        readme.write_text(f"{before}{start}\n{tables}{end}{after}", encoding="utf-8")


if __name__ == "__main__":
    main()
