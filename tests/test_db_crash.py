"""kill -9 during approvals: the published state is before or after each, never between."""

from __future__ import annotations

import json
import os
import random
import signal
import subprocess
import sys
import time
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from explorer.db.models import Record, Revision, Submission
from explorer.db.records import data_version
from explorer.db.source import DatabaseSource
from explorer.editorial.accounts import add_user
from explorer.load import load_reference

REPO = Path(__file__).resolve().parent.parent


def counts(engine) -> tuple[int, int]:
    with Session(engine) as session:
        return (data_version(session),
                session.execute(select(func.count()).select_from(Revision)).scalar_one())


def consistent(engine, seeded: tuple[int, int]) -> int:
    """Invariants of a whole publish; returns the approvals that landed."""
    version, revisions = counts(engine)
    assert version - seeded[0] == revisions - seeded[1]  # one version step per revision
    with Session(engine) as session:
        for row in session.execute(select(Record)).scalars():
            count = session.execute(select(func.count()).select_from(Revision).where(
                Revision.kind == row.kind, Revision.record_id == row.id)).scalar_one()
            assert row.version == count, row.id
            latest = session.execute(select(Revision.data).where(
                Revision.kind == row.kind, Revision.record_id == row.id)
                .order_by(Revision.version.desc())).scalars().first()
            assert json.loads(latest) == json.loads(row.data), row.id
        approved = session.execute(select(Submission.id).where(
            Submission.state == "approved")).scalars().all()
        linked = set(session.execute(select(Revision.submission_id).where(
            Revision.submission_id.is_not(None))).scalars())
        assert set(approved) == linked
        assert session.execute(select(func.count()).select_from(Submission).where(
            Submission.state == "submitted")).scalar_one() == 0  # none half-approved
        return len(approved)


def test_kill_during_approvals_leaves_a_whole_state(engine, db_url):
    with Session(engine) as session, session.begin():
        add_user(session, "editor@example.org", "editor", "long password 9")
    seeded = counts(engine)
    rng = random.Random(7)
    landed = 0
    for _round in range(3):
        worker = subprocess.Popen([sys.executable, str(REPO / "tests" / "crash_worker.py"),
                                   db_url, str(_round)], stdout=subprocess.PIPE, text=True,
                                  env={**os.environ, "PYTHONPATH": str(REPO)})
        for _ in range(rng.randint(3, 12)):  # let some approvals land, then kill mid-loop
            assert worker.stdout.readline(), "the worker stopped on its own"
        time.sleep(rng.random() * 0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        worker.stdout.close()
        now = consistent(engine, seeded)
        assert now > landed
        landed = now
    DatabaseSource(engine).load(load_reference(REPO / "geodata"))  # still loads, validated
