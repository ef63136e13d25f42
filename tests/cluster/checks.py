"""What `make cluster-test` checks, one function per claim of the README; each prints its figures."""

import http.client
import os
import re
import subprocess
import threading
import time
from collections import Counter
from dataclasses import dataclass, field

import sqlalchemy as sa

from kosodate.auth.lockout import LOCKED_MESSAGE
from kosodate.auth.models import LoginThrottle
from kosodate.auth.services import LOGIN_FAILED
from kosodate.followups.models import FollowUpComment
from kosodate.reminders.models import OutboxMessage, OutboxStatus

from .client import Answer, Client
from .mailbox import Mailbox
from .processes import Cluster, wait_until

PASSWORD = "cluster-password-2017"
COORDINATOR = "coordinator@example.org"
#: the user whose sign-in the throttling check locks
LOCKED_USER = "zama@example.org"


@dataclass
class Report:
    failures: list[str] = field(default_factory=list)

    def section(self, title: str) -> None:
        print(f"\n== {title}", flush=True)

    def figure(self, label: str, value) -> None:
        print(f"   {label}: {value}", flush=True)

    def check(self, ok: bool, claim: str) -> None:
        print(f"   {'ok  ' if ok else 'FAIL'} {claim}", flush=True)
        if not ok:
            self.failures.append(claim)


def sessions(cluster: Cluster, report: Report) -> Client:
    """A session signed in through nginx is one every node accepts (the signed cookie, one
    SECRET_KEY). Returns the signed-in client."""
    report.section("a session signed in through nginx works on both nodes")
    client = Client(cluster.nginx_port)
    answer = client.log_in(COORDINATOR, PASSWORD)
    report.check(
        answer.status == 302, f"{COORDINATOR} signed in on node {cluster.node_name(answer.upstream)}"
    )
    served, refused = Counter(), 0
    for _ in range(6):
        answer = client.get("/followups")
        served[cluster.node_name(answer.upstream)] += 1
        refused += answer.status != 200
    report.figure(
        "/followups through nginx", f"node a {served['a']}, node b {served['b']}, not 200: {refused}"
    )
    direct = {
        name: Client(node.port, client.cookie).get("/followups").status
        for name, node in cluster.nodes.items()
    }
    report.figure("/followups on each node directly, same cookie", direct)
    report.check(
        refused == 0 and served["a"] > 0 and served["b"] > 0 and set(direct.values()) == {200},
        "the session is signed in on both nodes",
    )
    return client


def login_throttling(cluster: Cluster, report: Report, database: sa.Engine) -> None:
    """Failed sign-ins on either node count toward one lock, kept in Redis."""
    report.section("login throttling counts across nodes")
    client = Client(cluster.nginx_port)
    token = client.csrf_token("/login")  # once: the sign-ins then go to the nodes in turn
    attempts = []
    for password in ["wrong-password-123"] * 5 + [PASSWORD]:
        answer = client.request(
            "POST", "/login", {"email": LOCKED_USER, "password": password, "csrf_token": token}
        )
        attempts.append((cluster.node_name(answer.upstream), _sign_in_outcome(answer)))
    report.figure("5 wrong passwords, then the right one", ", ".join(f"{n}: {o}" for n, o in attempts))
    outcomes = [outcome for _node, outcome in attempts]
    report.check(
        outcomes == ["wrong"] * 4 + ["locked"] * 2 and {node for node, _ in attempts} == {"a", "b"},
        "failures on both nodes locked the account on both, right password included",
    )
    keys = cluster.redis_keys("login:*")
    limits = cluster.redis_keys("limits*")
    with database.connect() as connection:
        rows = connection.scalar(sa.select(sa.func.count()).select_from(LoginThrottle.__table__))
    report.figure(
        "Redis keys", f"{len(keys)} of the lockout, {len(limits)} of the rate limits; database rows {rows}"
    )
    report.check(bool(keys) and bool(limits) and rows == 0, "the counts are kept in Redis, not on a node")


def _sign_in_outcome(answer: Answer) -> str:
    if answer.status == 302:
        return "signed in"
    if LOCKED_MESSAGE in answer.body:
        return "locked"
    return "wrong" if LOGIN_FAILED in answer.body else str(answer.status)


def schedulers(
    cluster: Cluster, report: Report, mailbox: Mailbox, database: sa.Engine, expected: set[str]
) -> None:
    """One active scheduler; kill -9 it in the middle of a delivery; the standby takes over, every
    e-mail arrives, and only what the dead sender had delivered of its batch without recording it yet
    arrives twice (the lease's guarantee, counted as uncertain)."""
    report.section("exactly one scheduler is active; kill -9 of it, the standby takes over")
    settings = {
        "SCHEDULER_STANDBY_SECONDS": "2",
        "OUTBOX_INTERVAL_SECONDS": "1",
        "OUTBOX_LEASE_SECONDS": "10",
    }
    first = cluster.start_scheduler("a", mailbox.port, **settings)
    wait_until(lambda: cluster.lock_holders(database) == ["a"], 60, "scheduler a holds the lock")
    second = cluster.start_scheduler("b", mailbox.port, **settings)
    wait_until(lambda: "standby" in second.log_text(), 60, "scheduler b waits on standby")
    samples = []
    for _ in range(10):
        samples.append(cluster.lock_holders(database))
        time.sleep(0.2)
    holders = Counter(",".join(sample) or "none" for sample in samples)
    report.figure(
        "lock holders, 10 looks at pg_locks in 2 s", ", ".join(f"{k} {n}×" for k, n in holders.items())
    )
    report.check(
        all(sample == ["a"] for sample in samples) and first.alive() and second.alive(),
        "two schedulers run, exactly one (a) is active, b is on standby",
    )

    wait_until(mailbox.holding.is_set, 60, "scheduler a delivers", interval=0.05)
    delivered_before = sum(mailbox.received.values())
    first.kill()
    killed_at = time.monotonic()
    takeover = wait_until(lambda: cluster.lock_holders(database) == ["b"], 60, "scheduler b takes over")
    mailbox.let_go()  # the message in flight was never taken: the dead sender's connection is gone
    report.figure(
        "killed",
        f"scheduler a (kill -9) with message {mailbox.hold_message} in flight, "
        f"{delivered_before} delivered before",
    )
    report.figure("takeover", f"scheduler b active {takeover:.1f} s after the kill")
    report.check(
        takeover < 60 and "this scheduler is active" in second.log_text(),
        "the standby took over within a minute",
    )

    wait_until(lambda: _unfinished(database) == 0, 90, "the outbox is empty", interval=0.5)
    drained = time.monotonic() - killed_at
    with database.connect() as connection:
        rows = connection.execute(sa.select(OutboxMessage.__table__)).all()
    sent = [row for row in rows if row.status is OutboxStatus.SENT]
    received = Counter(mailbox.received)
    twice = {key: count for key, count in received.items() if count > 1}
    never = [row.dedupe_key for row in sent if received[row.message_id] == 0]
    unknown = set(received) - {row.message_id for row in rows}
    by_a = sum(row.claimed_by.endswith(f":{first.pid}") for row in sent)
    report.figure(
        "e-mails",
        f"{len(rows)} in the outbox, {len(sent)} sent ({by_a} by a, {len(sent) - by_a} by b, "
        f"{sum(row.uncertain for row in sent)} taken again after a's lease ran out); "
        f"received {sum(received.values())}, {len(received)} distinct Message-IDs; "
        f"all sent {drained:.1f} s after the kill",
    )
    report.check(len(sent) == len(rows) and not never and not unknown, "every e-mail arrived (by Message-ID)")
    # a batch's outcomes are committed together: what the dead sender delivered of its batch comes again
    uncertain = {row.message_id for row in sent if row.uncertain}
    report.figure(
        "twice",
        f"{len(twice)} (delivered by a before the kill, its batch not yet recorded; at most "
        f"{delivered_before}, and each counted as uncertain: {len(set(twice) & uncertain)})",
    )
    report.check(
        all(count == 2 for count in twice.values())
        and set(twice) <= uncertain
        and len(twice) <= delivered_before,
        "nothing else arrived twice: only the killed sender's unrecorded batch, counted as uncertain",
    )
    missing = expected - {row.dedupe_key for row in sent}
    report.check(not missing, f"all {len(expected)} reminders due at the start were sent")
    if never or unknown or missing:
        report.figure("never / unknown / missing", (never[:5], list(unknown)[:5], sorted(missing)[:5]))


def _unfinished(database: sa.Engine) -> int:
    outbox = OutboxMessage.__table__
    query = sa.select(sa.func.count()).where(outbox.c.status.in_([OutboxStatus.QUEUED, OutboxStatus.SENDING]))
    with database.connect() as connection:
        return connection.scalar(query)


def throughput(cluster: Cluster, report: Report, cookie: str, seconds: int, rounds: int = 2) -> None:
    """The same signed-in page through the same nginx: both nodes, then the first node alone, in
    turns (the machine's other work changes from one second to the next)."""
    report.section(
        f"throughput, two nodes against one (wrk, 8 connections, {rounds} × {seconds} s each, in turns)"
    )
    targets = {"two nodes": cluster.nginx_port, "one node": cluster.one_node_port}
    rates: dict[str, list[float]] = {label: [] for label in targets}
    for port in targets.values():
        warm = Client(port, cookie)
        report.check(
            {warm.get("/followups").status for _ in range(8)} == {200}, f":{port} answers 200 when warm"
        )
    for _ in range(rounds):
        for label, port in targets.items():
            command = [
                "wrk",
                "-t2",
                "-c8",
                f"-d{seconds}s",
                "--timeout",
                "30s",
                "-H",
                f"Cookie: {cookie}",
                f"http://127.0.0.1:{port}/followups",
            ]
            output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
            rates[label].append(float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1)))
            bad = re.search(r"Non-2xx or 3xx responses: (\d+)", output)
            errors = re.search(r"Socket errors: (.*)", output)
            report.check(
                not bad and not errors,
                f"{label}: {rates[label][-1]:.1f} req/s, every answer 200"
                + (f" (non-2xx {bad.group(1)})" if bad else "")
                + (f" ({errors.group(1)})" if errors else ""),
            )
    two, one = (sum(rates[label]) / rounds for label in targets)
    load = ", ".join(f"{value:.1f}" for value in os.getloadavg())
    report.figure(
        "/followups, signed in", f"two nodes {two:.1f} req/s, one node {one:.1f} req/s: {two / one:.2f}×"
    )
    report.figure(
        "the machine",
        f"{os.cpu_count()} cores for everything (nginx, 4 workers, PostgreSQL, wrk); load average {load}",
    )


@dataclass
class Load:
    """Readers and a writer through nginx until stopped: what each sent and got."""

    port: int
    cookie: str
    followup_id: int
    csrf_token: str
    stop: threading.Event = field(default_factory=threading.Event)
    gets: list[tuple[float, int, str]] = field(default_factory=list)
    posts: list[tuple[str, int]] = field(default_factory=list)

    def read(self) -> None:
        client = Client(self.port, self.cookie)
        while not self.stop.is_set():
            for path in ("/followups", f"/followups/{self.followup_id}"):
                try:
                    answer = client.get(path)
                    self.gets.append((time.monotonic(), answer.status, answer.upstream))
                except (OSError, http.client.HTTPException) as error:  # refused, reset, cut short
                    self.gets.append((time.monotonic(), 0, str(error)))

    def write(self, tag: str) -> None:
        client = Client(self.port, self.cookie)
        number = 0
        while not self.stop.is_set():
            body = f"{tag}-{number}"
            number += 1
            try:
                answer = client.request(
                    "POST",
                    f"/followups/{self.followup_id}/comments",
                    {"body": body, "csrf_token": self.csrf_token},
                )
                self.posts.append((body, answer.status))
            except (OSError, http.client.HTTPException):
                self.posts.append((body, 0))


def web_node_killed(
    cluster: Cluster, report: Report, client: Client, database: sa.Engine, followup_id: int
) -> None:
    report.section("kill -9 of one web node under load")
    tag = f"cluster-{cluster.redis_prefix}"
    load = Load(
        cluster.nginx_port, client.cookie, followup_id, client.csrf_token(f"/followups/{followup_id}")
    )
    threads = [threading.Thread(target=load.read) for _ in range(3)] + [
        threading.Thread(target=load.write, args=(tag,))
    ]
    for thread in threads:
        thread.start()
    time.sleep(2)
    cluster.nodes["b"].kill()
    killed_at = time.monotonic()
    time.sleep(4)
    load.stop.set()
    for thread in threads:
        thread.join(timeout=60)

    before = [get for get in load.gets if get[0] < killed_at]
    after = [get for get in load.gets if get[0] >= killed_at]
    failed = [get for get in load.gets if get[1] != 200]
    retried = [get for get in after if "," in get[2]]
    on_b = sum(cluster.node_name(get[2]) == "b" for get in before)
    report.figure(
        "GETs",
        f"{len(load.gets)} ({len(before)} before the kill, {on_b} of them on node b; "
        f"{len(after)} after: {len(retried)} retried on a by nginx), not 200: {len(failed)}",
    )
    report.check(not failed, "no GET was lost: nginx retried those node b could not answer")
    if failed:
        report.figure("failed GETs (status, upstream or error)", [get[1:] for get in failed[:5]])

    with database.connect() as connection:
        comments = FollowUpComment.__table__
        stored = Counter(
            connection.scalars(sa.select(comments.c.body).where(comments.c.body.startswith(f"{tag}-")))
        )
    acknowledged = [body for body, status in load.posts if status == 302]
    refused = [(body, status) for body, status in load.posts if status != 302]
    lost = [body for body in acknowledged if stored[body] != 1]
    twice = [body for body, count in stored.items() if count > 1]
    report.figure(
        "POSTs (comments)",
        f"{len(load.posts)}: {len(acknowledged)} acknowledged, {len(refused)} not "
        f"({', '.join(f'{status} stored {stored[body]}×' for body, status in refused) or 'none'}); "
        f"rows stored {sum(stored.values())}",
    )
    report.check(
        not lost and not twice, "every acknowledged write is stored, and stored once (nginx resends no POST)"
    )
    report.check(cluster.nodes["a"].alive() and not cluster.nodes["b"].alive(), "node a serves alone")
