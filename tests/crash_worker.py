"""Run approvals in a loop until killed (tests/test_db_crash.py kills it with SIGKILL)."""

import json
import sys

from sqlalchemy.orm import Session

from explorer.db import make_engine, records
from explorer.db.models import PLACE, User
from explorer.editorial import workflow

engine = make_engine(sys.argv[1])
with Session(engine) as session:
    editor = session.query(User).filter_by(email="editor@example.org").one()
    ids = [r.id for r in session.query(records.Record).filter_by(kind=PLACE)]
i = 0
while True:
    pid = ids[i % len(ids)]
    with Session(engine) as session, session.begin():
        row = records.get(session, PLACE, pid)
        data = json.loads(row.data)
        name = data["properties"]["name"].split(" #")[0]
        data["properties"]["name"] = f"{name} #{sys.argv[2]}-{i}"
        sub = workflow.suggest(session, kind=PLACE, place_id=pid, target_id=pid, data=data,
                               message=f"change {i}", contact=None)
        sub.base_version = row.version
        workflow.approve(session, session.merge(editor), sub)
    print(i, flush=True)
    i += 1
