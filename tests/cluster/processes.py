"""The cluster's processes on loopback: two gunicorn nodes, two schedulers and nginx, each in a
process group of its own (a kill takes a node's master and workers at once), all killed at the end."""

import contextlib
import os
import re
import secrets
import shutil
import signal
import socket
import subprocess
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

import sqlalchemy as sa

from kosodate.reminders.scheduler import ADVISORY_LOCK_KEY
from tests.mail import free_port

ROOT = Path(__file__).resolve().parents[2]
BIN = Path(sys.executable).parent
DEPLOY = ROOT / "deploy"
#: the proxy settings of the production site, included as they are
PROXY_SETTINGS = DEPLOY / "nginx" / "kosodate-proxy.conf"
NGINX_CONF = """\
worker_processes 1;
pid {work}/nginx.pid;
error_log {work}/error.log warn;
events {{ worker_connections 512; }}
http {{
    access_log off;
    client_body_temp_path {work}/client_body;
    proxy_temp_path {work}/proxy;
    fastcgi_temp_path {work}/fastcgi;
    uwsgi_temp_path {work}/uwsgi;
    scgi_temp_path {work}/scgi;
    client_max_body_size 25m;

    upstream kosodate_nodes {{
{servers}
    }}
    upstream kosodate_one_node {{
{first_server}
    }}
    # both nodes, as in production (deploy/nginx/kosodate.conf)
    server {{
        listen 127.0.0.1:{port};
        location / {{
            proxy_pass http://kosodate_nodes;
            include {proxy_settings};
            # for the test only: which node answered (both, when nginx retried)
            add_header X-Kosodate-Node $upstream_addr always;
        }}
    }}
    # the first node alone: the throughput of one node through the same nginx
    server {{
        listen 127.0.0.1:{one_node_port};
        location / {{
            proxy_pass http://kosodate_one_node;
            include {proxy_settings};
        }}
    }}
}}
"""


@dataclass
class Process:
    name: str
    popen: subprocess.Popen
    log: Path
    port: int | None = None

    @property
    def pid(self) -> int:
        return self.popen.pid

    def alive(self) -> bool:
        return self.popen.poll() is None

    def signal_group(self, number: int) -> None:
        with contextlib.suppress(ProcessLookupError):  # the group is gone already
            os.killpg(self.popen.pid, number)

    def kill(self) -> None:
        """kill -9 of the whole process group (gunicorn's master and its workers)."""
        self.signal_group(signal.SIGKILL)
        self.popen.wait(timeout=10)

    def log_text(self) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace") if self.log.exists() else ""


@dataclass
class Cluster:
    database_url: str
    redis_url: str
    work: Path
    secret_key: str = field(default_factory=lambda: secrets.token_hex(32))
    #: this run's keys in the shared Redis (deleted at the end)
    redis_prefix: str = field(default_factory=lambda: f"kosodate-cluster-{secrets.token_hex(4)}")
    nginx_port: int = field(default_factory=free_port)
    one_node_port: int = field(default_factory=free_port)
    processes: list[Process] = field(default_factory=list)
    nodes: dict[str, Process] = field(default_factory=dict)
    schedulers: dict[str, Process] = field(default_factory=dict)

    # --- settings ----------------------------------------------------------------------------------

    def environment(self, **extra: str) -> dict[str, str]:
        """What deploy/kosodate.env.example sets, on loopback."""
        return {
            **os.environ,
            "KOSODATE_CONFIG": "production",
            "SECRET_KEY": self.secret_key,
            "DATABASE_URL": self.database_url,
            "REDIS_URL": self.redis_url,
            "REDIS_KEY_PREFIX": self.redis_prefix,
            "KOSODATE_INSTANCE_PATH": str(self.work / "instance"),
            "KOSODATE_BASE_URL": f"http://127.0.0.1:{self.nginx_port}",
            "KOSODATE_PROXY_FIX": "1",
            "KOSODATE_REQUIRE_2FA": "0",  # the demo users have no authenticator app
            "KOSODATE_LOG_LEVEL": "warning",
            **extra,
        }

    def flask(self, *args: str) -> None:
        done = subprocess.run(
            [BIN / "flask", "--app", "app", *args],
            cwd=ROOT,
            env=self.environment(),
            capture_output=True,
            text=True,
        )
        if done.returncode:
            raise RuntimeError(f"flask {' '.join(args)} failed:\n{done.stdout}{done.stderr}")

    # --- processes ---------------------------------------------------------------------------------

    def _start(self, name: str, command: list, environment: dict, port: int | None = None) -> Process:
        log = self.work / f"{name}.log"
        with log.open("wb") as output:
            popen = subprocess.Popen(
                command,
                cwd=ROOT,
                env=environment,
                stdout=output,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        process = Process(name, popen, log, port)
        self.processes.append(process)
        return process

    def start_node(self, name: str, workers: int = 2) -> Process:
        port = free_port()
        environment = self.environment(KOSODATE_BIND=f"127.0.0.1:{port}", KOSODATE_WORKERS=str(workers))
        command = [BIN / "gunicorn", "-c", DEPLOY / "gunicorn.conf.py", "app:app"]
        self.nodes[name] = self._start(f"node-{name}", command, environment, port)
        return self.nodes[name]

    def start_scheduler(self, name: str, mail_port: int, **settings: str) -> Process:
        url = sa.engine.make_url(self.database_url)
        # the name PostgreSQL shows for its connections (pg_stat_activity): who holds the lock
        url = url.update_query_dict({"application_name": f"kosodate-scheduler-{name}"})
        environment = self.environment(
            DATABASE_URL=url.render_as_string(hide_password=False),
            MAIL_BACKEND="smtp",
            MAIL_SERVER="127.0.0.1",
            MAIL_PORT=str(mail_port),
            MAIL_DEFAULT_SENDER="kosodate@cluster.test",
            **settings,
        )
        command = [BIN / "flask", "--app", "app", "scheduler", "run"]
        self.schedulers[name] = self._start(f"scheduler-{name}", command, environment)
        return self.schedulers[name]

    def start_nginx(self) -> Process:
        prefix = self.work / "nginx"
        prefix.mkdir(mode=0o755)
        # run as root, nginx's workers are `nobody`: they must reach the temporary files
        self.work.chmod(0o711)
        servers = [
            f"        server 127.0.0.1:{node.port} max_fails=1 fail_timeout=10s;"
            for node in self.nodes.values()
        ]
        conf = prefix / "nginx.conf"
        conf.write_text(
            NGINX_CONF.format(
                work=prefix,
                servers="\n".join(servers),
                first_server=servers[0],
                port=self.nginx_port,
                one_node_port=self.one_node_port,
                proxy_settings=PROXY_SETTINGS,
            )
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        command = [nginx, "-p", f"{prefix}/", "-e", f"{prefix}/error.log", "-c", conf, "-g", "daemon off;"]
        process = self._start("nginx", command, dict(os.environ), self.nginx_port)
        wait_for_port(self.nginx_port, process)
        return process

    def test_site_config(self) -> tuple[bool, str]:
        """`nginx -t` of the production site (deploy/nginx/kosodate.conf) with a throwaway
        certificate: it parses and every file it names opens."""
        folder = self.work / "site"
        folder.mkdir()
        key, certificate = folder / "site.key", folder / "site.crt"
        subprocess.run(
            [
                "openssl",
                "req",
                "-x509",
                "-newkey",
                "rsa:2048",
                "-nodes",
                "-days",
                "1",
                "-subj",
                "/CN=kosodate.test",
                "-keyout",
                key,
                "-out",
                certificate,
            ],
            check=True,
            capture_output=True,
        )
        site = (DEPLOY / "nginx" / "kosodate.conf").read_text()
        site = re.sub(r"ssl_certificate\s+\S+;", f"ssl_certificate {certificate};", site)
        site = re.sub(r"ssl_certificate_key\s+\S+;", f"ssl_certificate_key {key};", site)
        site = site.replace("include snippets/kosodate-proxy.conf;", f"include {PROXY_SETTINGS};")
        (folder / "kosodate.conf").write_text(site)
        conf = folder / "nginx.conf"
        conf.write_text(
            f"pid {folder}/nginx.pid;\nevents {{}}\nhttp {{\n    access_log {folder}/access.log;\n"
            f"    include {folder}/kosodate.conf;\n}}\n"
        )
        nginx = shutil.which("nginx") or "/usr/sbin/nginx"
        done = subprocess.run(
            [nginx, "-t", "-p", f"{folder}/", "-e", f"{folder}/error.log", "-c", conf],
            capture_output=True,
            text=True,
        )
        return done.returncode == 0, (done.stdout + done.stderr).strip()

    def node_name(self, upstream: str) -> str:
        """Which node answered: the last address nginx tried."""
        address = upstream.rsplit(",", 1)[-1].strip()
        for name, node in self.nodes.items():
            if address == f"127.0.0.1:{node.port}":
                return name
        return upstream or "?"

    def stop(self) -> None:
        """TERM to every process group, KILL to what is left after a few seconds."""
        for process in self.processes:
            process.signal_group(signal.SIGTERM)
        deadline = time.monotonic() + 8
        for process in self.processes:
            try:
                process.popen.wait(timeout=max(0.1, deadline - time.monotonic()))
            except subprocess.TimeoutExpired:
                process.kill()

    # --- the shared stores -------------------------------------------------------------------------

    def lock_holders(self, engine: sa.Engine) -> list[str]:
        """The schedulers holding the advisory lock now, by the name their connection gave."""
        query = sa.text(
            "SELECT a.application_name FROM pg_locks l JOIN pg_stat_activity a ON a.pid = l.pid "
            "WHERE l.locktype = 'advisory' AND l.granted AND l.classid = :high AND l.objid = :low "
            "AND l.objsubid = 1 "
            "AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())"
        )
        with engine.connect() as connection:
            names = connection.scalars(
                query, {"high": ADVISORY_LOCK_KEY >> 32, "low": ADVISORY_LOCK_KEY & 0xFFFFFFFF}
            )
            return sorted(name.removeprefix("kosodate-scheduler-") for name in names)

    def redis_keys(self, pattern: str) -> list[str]:
        import redis

        client = redis.Redis.from_url(self.redis_url, decode_responses=True)
        return list(client.scan_iter(f"{self.redis_prefix}:{pattern}"))

    def forget_redis_keys(self) -> None:
        import redis

        client = redis.Redis.from_url(self.redis_url, decode_responses=True)
        for key in client.scan_iter(f"{self.redis_prefix}:*"):
            client.delete(key)


def _on_server(url: str, *statements: str) -> None:
    admin = sa.create_engine(sa.engine.make_url(url).set(database="postgres"), isolation_level="AUTOCOMMIT")
    with admin.connect() as connection:
        for statement in statements:
            connection.exec_driver_sql(statement)
    admin.dispose()


def recreate_database(url: str) -> None:
    """Drop and create the cluster's own database (on the server the URL names)."""
    database = sa.engine.make_url(url).database
    _on_server(url, f'DROP DATABASE IF EXISTS "{database}" WITH (FORCE)', f'CREATE DATABASE "{database}"')


def drop_database(url: str) -> None:
    _on_server(url, f'DROP DATABASE IF EXISTS "{sa.engine.make_url(url).database}" WITH (FORCE)')


def wait_for_port(port: int, process: Process, seconds: float = 60) -> None:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if not process.alive():
            raise RuntimeError(f"{process.name} exited:\n{process.log_text()[-3000:]}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=1):
                return
        except OSError:
            time.sleep(0.1)
    raise RuntimeError(f"{process.name} did not listen on {port} within {seconds} s")


def wait_until(condition, seconds: float, what: str, interval: float = 0.1) -> float:
    """Seconds until `condition()` held; RuntimeError naming `what` when it did not in time."""
    started = time.monotonic()
    while time.monotonic() - started < seconds:
        if condition():
            return time.monotonic() - started
        time.sleep(interval)
    raise RuntimeError(f"not within {seconds} s: {what}")
