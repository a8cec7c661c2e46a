"""One contract for both databases: seed, export, import, publish, conflicts, history,
incremental reads, backup and restore — run against real SQLite and real PostgreSQL."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from explorer.db import backup, records
from explorer.db.models import OFFER, PLACE, Record, Revision
from explorer.db.seed import export_dir, import_features, prepare, read_places
from explorer.db.source import DatabaseSource
from explorer.editorial import workflow
from explorer.editorial.accounts import add_user
from explorer.load import load_reference

REPO = Path(__file__).resolve().parent.parent
GEODATA = REPO / "geodata"


def bundled() -> list[dict]:
    return json.loads((GEODATA / "places.geojson").read_text(encoding="utf-8"))["features"]


def test_seed_then_export_gives_the_bundled_file_byte_for_byte(engine, tmp_path):
    with Session(engine) as session:
        assert export_dir(session, tmp_path / "out", GEODATA) == len(bundled())
    assert ((tmp_path / "out" / "places.geojson").read_bytes()
            == (GEODATA / "places.geojson").read_bytes())
    assert (tmp_path / "out" / "taxonomy.json").exists()  # a complete data folder


def test_seeding_twice_does_nothing(engine):
    assert prepare(engine, GEODATA) is False
    with Session(engine) as session:
        places = session.execute(select(func.count()).select_from(Record)
                                 .where(Record.kind == PLACE)).scalar_one()
    assert places == len(bundled())


def test_import_is_idempotent_and_writes_only_what_changed(engine, tmp_path):
    features = bundled()
    with Session(engine) as session, session.begin():
        assert import_features(session, features, "import", "again").written == 0
    changed = copy.deepcopy(features)
    changed[0]["properties"]["name"] = "Neuer Name"
    changed[0]["properties"]["offers"][0]["title"]["de"] = "Neuer Titel"
    folder = tmp_path / "in"
    folder.mkdir()
    (folder / "places.geojson").write_text(json.dumps(
        {"type": "FeatureCollection", "features": changed}, ensure_ascii=False))
    read = read_places(folder, GEODATA)
    with Session(engine) as session, session.begin():
        assert import_features(session, read, "import", "edit").written == 2
    with Session(engine) as session, session.begin():
        assert import_features(session, read, "import", "edit").written == 0
    with Session(engine) as session:
        revision = session.execute(select(Revision).where(
            Revision.record_id == changed[0]["id"]).order_by(Revision.id.desc())).scalars().first()
        assert json.loads(revision.changes) == [
            ["properties.name", features[0]["properties"]["name"], "Neuer Name"]]


def test_a_stale_version_is_a_conflict_and_changes_nothing(engine):
    pid = bundled()[0]["id"]
    with Session(engine) as session:
        row = records.get(session, PLACE, pid)
        data, version = json.loads(row.data), row.version
    first = copy.deepcopy(data)
    first["properties"]["name"] = "Erste Änderung"
    with Session(engine) as session, session.begin():
        records.publish(session, PLACE, pid, first, base_version=version, author="a@x.de")
    second = copy.deepcopy(data)
    second["properties"]["name"] = "Zweite Änderung"
    with Session(engine) as session, pytest.raises(records.Conflict), session.begin():
        records.publish(session, PLACE, pid, second, base_version=version,
                        author="b@x.de")
    with Session(engine) as session:
        assert json.loads(records.get(session, PLACE, pid).data)["properties"]["name"] == \
            "Erste Änderung"


def test_every_publish_raises_the_data_version_once(engine):
    oid = bundled()[0]["properties"]["offers"][0]["id"]
    with Session(engine) as session:
        before = records.data_version(session)
        row = records.get(session, OFFER, oid)
    data = json.loads(row.data)
    data["notes"] = "geprüft"
    with Session(engine) as session, session.begin():
        records.publish(session, OFFER, oid, data, base_version=row.version, author="e@x.de")
    with Session(engine) as session:
        assert records.data_version(session) == before + 1
        assert records.get(session, OFFER, oid).version == row.version + 1


def test_incremental_read_keeps_unchanged_places_as_the_same_objects(engine):
    source = DatabaseSource(engine)
    reference = load_reference(GEODATA)
    first = source.load(reference)
    assert [f["id"] for f in first.features] == sorted(f["id"] for f in bundled())
    assert first.features == sorted(bundled(), key=lambda f: f["id"])
    target = first.features[3]
    offer = copy.deepcopy(target["properties"]["offers"][0])
    offer["title"]["de"] = "Geändert"
    with Session(engine) as session, session.begin():
        row = records.get(session, OFFER, offer["id"])
        records.publish(session, OFFER, offer["id"], offer, base_version=row.version,
                        author="e@x.de")
    second = source.load(reference)
    assert second.version == first.version + 1
    same = [a is b for a, b in zip(first.features, second.features, strict=True)]
    assert same.count(False) == 1 and not same[3]
    assert second.features[3]["properties"]["offers"][0]["title"]["de"] == "Geändert"


def test_an_invalid_record_in_the_database_is_refused_whole(engine):
    source = DatabaseSource(engine)
    reference = load_reference(GEODATA)
    source.load(reference)
    pid = bundled()[0]["id"]
    with Session(engine) as session, session.begin():
        row = records.get(session, PLACE, pid)
        data = json.loads(row.data)
        data["properties"]["address"]["postcode"] = "4479"
        records.publish(session, PLACE, pid, data, base_version=row.version, author="x@x.de")
    from explorer.schema import DataError

    with pytest.raises(DataError) as caught:
        source.load(reference)
    assert any(p.record == pid and p.field == "address.postcode" for p in caught.value.problems)


def test_restore_brings_back_an_earlier_revision(engine):
    pid = bundled()[1]["id"]
    with Session(engine) as session, session.begin():
        editor = add_user(session, "editor@example.org", "editor", "long password 1")
        row = records.get(session, PLACE, pid)
        original = json.loads(row.data)
        changed = copy.deepcopy(original)
        changed["properties"]["website"] = "https://example.org/neu"
        records.publish(session, PLACE, pid, changed, base_version=row.version,
                        author=editor.email)
    with Session(engine) as session, session.begin():
        first = session.execute(select(Revision).where(Revision.record_id == pid)
                                .order_by(Revision.version)).scalars().first()
        workflow.restore(session, session.merge(editor), first.id)
    with Session(engine) as session:
        assert json.loads(records.get(session, PLACE, pid).data) == original
        assert records.get(session, PLACE, pid).version == 3


def test_stale_records_and_still_correct(engine):
    pid = bundled()[0]["id"]
    with Session(engine) as session, session.begin():
        provider = add_user(session, "p@example.org", "provider", "long password 2")
        session.add(workflow.Binding(user_id=provider.id, place_id=pid))
    import datetime as dt

    later = dt.date.today() + dt.timedelta(days=800)
    with Session(engine) as session:
        stale = workflow.stale(session, 12, today=later, places={pid})
        assert {(k, r) for k, r, _p, _c in stale} >= {(PLACE, pid)}
    with Session(engine) as session, session.begin():
        workflow.confirm(session, session.merge(provider), PLACE, pid, today=later)
    with Session(engine) as session:
        stale = workflow.stale(session, 12, today=later, places={pid})
        assert (PLACE, pid) not in {(k, r) for k, r, _p, _c in stale}
        other = bundled()[1]["id"]
        with pytest.raises(workflow.Denied):
            workflow.confirm(session, session.merge(provider), PLACE, other)


def test_backup_and_restore_round_trip(engine, tmp_path):
    file = tmp_path / "backup.bin"
    backup.backup(engine, file)
    pid = bundled()[2]["id"]
    with Session(engine) as session, session.begin():
        row = records.get(session, PLACE, pid)
        data = json.loads(row.data)
        data["properties"]["name"] = "Nach der Sicherung"
        records.publish(session, PLACE, pid, data, base_version=row.version, author="x@x.de")
        before = records.data_version(session)
    source = DatabaseSource(engine)
    reference = load_reference(GEODATA)
    assert any(f["properties"]["name"] == "Nach der Sicherung"
               for f in source.load(reference).features)
    backup.restore(engine, file)
    with Session(engine) as session:
        assert records.data_version(session) > before  # readers see a new version
        assert json.loads(records.get(session, PLACE, pid).data)["properties"]["name"] != \
            "Nach der Sicherung"
    assert not any(f["properties"]["name"] == "Nach der Sicherung"
                   for f in source.load(reference).features)  # the incremental read too
    with pytest.raises(backup.BackupError):
        backup.restore(engine, tmp_path / "missing.bin")


def test_restore_drops_records_made_after_the_backup_for_running_readers(engine, tmp_path):
    file = tmp_path / "before.bin"
    backup.backup(engine, file)
    place = bundled()[0]
    offer = {**copy.deepcopy(place["properties"]["offers"][0]), "id": "nach-der-sicherung"}
    with Session(engine) as session, session.begin():
        records.publish(session, OFFER, offer["id"], offer, base_version=0, author="x@x.de",
                        place_id=place["id"])
    source = DatabaseSource(engine)
    reference = load_reference(GEODATA)
    ids = {o["id"] for f in source.load(reference).features for o in f["properties"]["offers"]}
    assert "nach-der-sicherung" in ids
    backup.restore(engine, file)
    ids = {o["id"] for f in source.load(reference).features for o in f["properties"]["offers"]}
    assert "nach-der-sicherung" not in ids


def test_an_offer_moved_by_an_import_moves_for_readers(engine):
    features = copy.deepcopy(bundled())
    source = DatabaseSource(engine)
    reference = load_reference(GEODATA)
    source.load(reference)
    a, b = features[0], features[1]
    moved = a["properties"]["offers"].pop(0)
    b["properties"]["offers"].append(moved)
    with Session(engine) as session, session.begin():
        assert import_features(session, [a, b], "import", "move").written >= 1
    loaded = {f["id"]: f for f in source.load(reference).features}
    assert moved["id"] in {o["id"] for o in loaded[b["id"]]["properties"]["offers"]}
    assert moved["id"] not in {o["id"] for o in loaded[a["id"]]["properties"]["offers"]}


def test_a_write_that_lost_the_race_since_its_read_is_a_conflict(engine):
    """SQLite has no row locks: the version check must be part of the write itself."""
    pid = bundled()[3]["id"]
    slow = Session(engine)
    row = records.get(slow, PLACE, pid)  # read; this session now holds that version
    seen = row.version
    with Session(engine) as fast, fast.begin():
        data = json.loads(records.get(fast, PLACE, pid).data)
        data["properties"]["name"] = "Schneller"
        records.publish(fast, PLACE, pid, data, base_version=seen, author="a@x.de")
    data = json.loads(row.data)
    data["properties"]["name"] = "Langsamer"
    with pytest.raises(records.Conflict):
        records.publish(slow, PLACE, pid, data, base_version=seen, author="b@x.de")
    slow.rollback()
    slow.close()
    with Session(engine) as session:
        assert json.loads(records.get(session, PLACE, pid).data)["properties"]["name"] == \
            "Schneller"
