"""`make cluster-test`: nginx (Debian's) in front of two gunicorn nodes, two `scheduler run`
processes, PostgreSQL and Redis, all on loopback, and the checks of the README's "Production"
section, each printing its figures. Exits non-zero when one fails; kills and removes all it started.

    .venv/bin/python -m tests.cluster.run [--database-url URL] [--redis-url URL] [--seconds 5] [--keep]
"""

import argparse
import os
import shutil
import sys
import tempfile
import time
import traceback
from datetime import timedelta
from pathlib import Path

import sqlalchemy as sa

from kosodate import create_app
from kosodate.auth.models import User
from kosodate.core.time import now, today_tokyo
from kosodate.extensions import db
from kosodate.followups.changes import FollowUpData, create_followup
from kosodate.followups.models import FollowUpPriority
from kosodate.reminders.rules import due_reminders

from . import checks
from .client import Client
from .mailbox import Mailbox
from .processes import Cluster, drop_database, recreate_database, wait_until

DATABASE_URL = "postgresql+psycopg://postgres@127.0.0.1:5432/kosodate_cluster_run"
REDIS_URL = "redis://127.0.0.1:6379/0"
OVERDUE_FOLLOWUPS = 40
OWNER = "momiji@example.org"


def main() -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--database-url",
        default=os.environ.get("KOSODATE_CLUSTER_DATABASE_URL", DATABASE_URL),
        help="a PostgreSQL database of its own: dropped and created again (KOSODATE_CLUSTER_DATABASE_URL)",
    )
    parser.add_argument(
        "--redis-url",
        default=os.environ.get("KOSODATE_CLUSTER_REDIS_URL", REDIS_URL),
        help="the run's keys get a prefix of their own, deleted at the end (KOSODATE_CLUSTER_REDIS_URL)",
    )
    parser.add_argument("--seconds", type=int, default=4, help="length of each throughput measurement")
    parser.add_argument("--keep", action="store_true", help="keep the database and the work folder (logs)")
    args = parser.parse_args()
    for tool in ("nginx", "wrk"):
        if not shutil.which(tool) and not Path(f"/usr/sbin/{tool}").exists():
            sys.exit(f"{tool} is needed: apt-get install -y {tool} (make cluster-test installs it)")

    started = time.monotonic()
    report = checks.Report()
    work = Path(tempfile.mkdtemp(prefix="kosodate-cluster-"))
    cluster = Cluster(args.database_url, args.redis_url, work)
    mailbox = Mailbox(hold_message=10)
    database = sa.create_engine(args.database_url)
    try:
        report.section("setting up")
        recreate_database(args.database_url)
        cluster.flask("db", "upgrade")
        cluster.flask("demo", "load", "--password", checks.PASSWORD)
        followup_id, expected = overdue_followups(cluster)
        report.figure(
            "data", f"the demo, {OVERDUE_FOLLOWUPS} overdue follow-ups; {len(expected)} reminders due now"
        )
        mailbox.start()
        for name in ("a", "b"):
            cluster.start_node(name)
        for node in cluster.nodes.values():
            wait_until(lambda node=node: _healthy(node.port), 60, f"{node.name} answers /healthz")
        cluster.start_nginx()
        report.figure(
            "running",
            f"nginx :{cluster.nginx_port} (node a alone: :{cluster.one_node_port}), "
            + ", ".join(f"node {name} :{node.port}" for name, node in cluster.nodes.items())
            + f", work folder {work}",
        )
        valid, output = cluster.test_site_config()
        report.check(valid, "the production site deploy/nginx/kosodate.conf passes nginx -t")
        if not valid:
            report.figure("nginx -t", output)
        client = checks.sessions(cluster, report)
        checks.login_throttling(cluster, report, database)
        checks.schedulers(cluster, report, mailbox, database, expected)
        checks.throughput(cluster, report, client.cookie, args.seconds)
        checks.web_node_killed(cluster, report, client, database, followup_id)
    except Exception as error:  # a step that could not run at all is a failure like the others
        traceback.print_exc()
        report.failures.append(f"{type(error).__name__}: {error}")
        for process in cluster.processes:
            print(f"\n--- {process.log.name} (last lines)\n{process.log_text()[-2000:]}")
    finally:
        steps = [cluster.stop, mailbox.stop, database.dispose, cluster.forget_redis_keys]
        if not args.keep:
            steps += [
                lambda: drop_database(args.database_url),
                lambda: shutil.rmtree(work, ignore_errors=True),
            ]
        _clean_up(steps)

    elapsed = time.monotonic() - started
    if report.failures:
        print(f"\ncluster test FAILED in {elapsed:.0f} s:\n  " + "\n  ".join(report.failures))
        return 1
    print(f"\ncluster test passed in {elapsed:.0f} s")
    return 0


def overdue_followups(cluster: Cluster) -> tuple[int, set[str]]:
    """Follow-ups due ten days ago, so that the schedulers have reminders to send; returns one of
    them and the keys of every reminder due now."""
    app = create_app(
        "production",
        instance_path=str(cluster.work / "instance"),
        SQLALCHEMY_DATABASE_URI=cluster.database_url,
        SECRET_KEY=cluster.secret_key,
        SCHEDULER_EMBEDDED=False,
    )
    with app.app_context():
        coordinator = db.session.scalar(sa.select(User).where(User.email == checks.COORDINATOR))
        owner = db.session.scalar(sa.select(User).where(User.email == OWNER))
        for number in range(1, OVERDUE_FOLLOWUPS + 1):
            data = FollowUpData(
                title=f"クラスタ試験の対応事項 {number}",
                description="",
                responsible_agency=owner.agency,
                owner=owner,
                linked_agencies=[],
                due_date=today_tokyo() - timedelta(days=10),
                priority=FollowUpPriority.NORMAL,
                discuss_at_next_meeting=False,
            )
            followup = create_followup(coordinator, data)
        db.session.commit()
        expected = {reminder.key for reminder in due_reminders(now())}
        followup_id = followup.id
        db.engine.dispose()
    return followup_id, expected


def _clean_up(steps: list) -> None:
    """Every step, whatever the others did (a database that never answered cannot be dropped)."""
    for step in steps:
        try:
            step()
        except Exception as error:  # reported, and the next step still runs
            print(f"clean-up: {error}", file=sys.stderr)


def _healthy(port: int) -> bool:
    try:
        return Client(port).get("/healthz", timeout=5).status == 200
    except OSError:
        return False


if __name__ == "__main__":
    sys.exit(main())
