"""Reloads from the database: the new snapshot reuses what did not change, and the most
recent answers are ready in the caches before it serves."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy.orm import Session

from explorer import create_app
from explorer.db import records
from explorer.db.models import OFFER

GEODATA = Path(__file__).resolve().parent.parent / "geodata"
FEATURES = json.loads((GEODATA / "places.geojson").read_text(encoding="utf-8"))["features"]


@pytest.fixture
def app(db_url, tmp_path):
    return create_app({"TESTING": True, "DATA_DIR": str(GEODATA), "DATABASE_URL": db_url,
                       "STATE_DIR": str(tmp_path / "state"), "RELOAD_INTERVAL": 0,
                       "TILE_URL": ""})


def retitle(app, offer_id: str, title: str) -> None:
    with Session(app.extensions["db"]) as session, session.begin():
        row = records.get(session, OFFER, offer_id)
        data = copy.deepcopy(json.loads(row.data))
        data["title"]["de"] = title
        records.publish(session, OFFER, offer_id, data, base_version=row.version,
                        author="t@example.org")


def test_reload_sees_a_publish_and_reuses_the_rest(app):
    store = app.extensions["store"]
    before = store.snapshot
    place = next(f for f in FEATURES if f["properties"]["offers"])
    offer = place["properties"]["offers"][0]
    assert not store.changed()
    retitle(app, offer["id"], "Ganz neuer Titel")
    assert store.changed()
    assert store.reload()
    after = store.snapshot
    assert after.version != before.version
    kept = [a is b for a, b in zip(before.served, after.served, strict=True)]
    assert kept.count(False) == 1  # only the changed place is a new object
    j = after.offer_positions[offer["id"]]
    assert after.offers.records[j]["title"]["de"] == "Ganz neuer Titel"
    assert int((after.offers.reused < 0).sum()) == 1  # its other offers are kept too


def test_recent_answers_are_warm_when_the_new_snapshot_serves(app):
    client = app.test_client()
    path = "/api/places?topic=astronomie&lang=de&view=map"
    headers = {"Accept-Encoding": "gzip"}
    client.get(path, headers=headers)
    offer = next(o for f in FEATURES for o in f["properties"]["offers"]
                 if "astronomie" in o["topics"] and o["status"] == "active")
    retitle(app, offer["id"], "Sterne neu")
    app.extensions["store"].reload()
    cache = app.extensions["gzip_cache"]
    hits = cache.hits
    answer = client.get(path, headers=headers)
    assert cache.hits == hits + 1  # built before the swap, not by this request
    import gzip

    assert "Sterne neu" in gzip.decompress(answer.data).decode()
