"""The other process of the restore drill: edits follow-ups until a stop file appears.

Each edit is one transaction that changes a follow-up's description and adds a comment with the
same words ("drill N"); a snapshot taken in the middle holds edits 1..k, each whole, or it is torn.
Run as: python -m tests.backups.editor DATABASE_URL STOP_FILE FOLLOWUP_ID...
"""

import sys
import time
from datetime import UTC, datetime
from pathlib import Path

import sqlalchemy as sa


def target(ids: list[int], number: int) -> int:
    return ids[number % len(ids)]


def main(url: str, stop_file: str, ids: list[int]) -> None:
    engine = sa.create_engine(url)
    number = 0
    while not Path(stop_file).exists():
        followup_id, words = target(ids, number + 1), f"drill {number + 1}"
        try:
            with engine.begin() as connection:
                connection.execute(
                    sa.text(
                        "UPDATE followups SET description = :words, version = version + 1 WHERE id = :id"
                    ),
                    {"words": words, "id": followup_id},
                )
                connection.execute(
                    sa.text(
                        "INSERT INTO followup_comments (followup_id, body, created_at) "
                        "VALUES (:id, :words, :at)"
                    ),
                    {"id": followup_id, "words": words, "at": datetime.now(UTC).replace(tzinfo=None)},
                )
        except sa.exc.OperationalError:  # SQLite busy past its timeout: try the same edit again
            continue
        number += 1
        time.sleep(0.002)
    engine.dispose()


if __name__ == "__main__":
    main(sys.argv[1], sys.argv[2], [int(value) for value in sys.argv[3:]])
