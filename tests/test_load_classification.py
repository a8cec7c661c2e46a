"""Issue 13, findings 2 and 3: every load failure is one classified DataLoadError.

A lone surrogate, NaN, deep nesting, an unreadable file: ``explorer check`` and ``explorer
serve`` exit 2 naming file, record and field (never a traceback), a reload keeps the last
good data and reports it at /healthz, and the watcher notices the fix even when stat shows
the file as it was (same size and mtime, or a read error that went away).
"""

from __future__ import annotations

import errno
import json
import os
import pathlib
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, update
from sqlalchemy.orm import Session

from explorer import create_app
from explorer.db import make_engine, records
from explorer.db.models import PLACE, Record
from explorer.db.seed import prepare
from explorer.db.source import DatabaseSource
from explorer.load import load_reference
from explorer.schema import DECODE, DataLoadError
from tests.conftest import GEODATA, free_port

EXPLORER = Path(sys.executable).parent / "explorer"
MARK = "ZZ-SURROGATE-ZZ"  # replaced by the JSON escape \ud800 in the file's text


def places_doc(data_dir: Path) -> dict:
    return json.loads((data_dir / "places.geojson").read_text(encoding="utf-8"))


def write_places(data_dir: Path, doc: dict, marked: str | None = None) -> None:
    """Write ``doc``; ``marked``: replace MARK by ``marked`` in the text (an escape that
    json.dumps would never write)."""
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    (data_dir / "places.geojson").write_text(text.replace(MARK, marked or MARK),
                                             encoding="utf-8")


def with_surrogate(data_dir: Path, where: str) -> tuple[str, str]:
    """Put a lone surrogate in the first place; (record id, field the message names)."""
    doc = places_doc(data_dir)
    feature = doc["features"][0]
    props = feature["properties"]
    if where == "name":
        props["name"] = f"Schülerlabor {MARK}"
        field = "name"
    elif where == "offer":
        offer = props["offers"][0]
        offer["title"]["de"] = MARK
        field = f"offers[{offer['id']}].title.de"
    else:  # a key
        props["address"][MARK] = "x"
        field = "address.\ud800"  # the key, as read
    write_places(data_dir, doc, "\\ud800")
    return feature["id"], field


def nested(data_dir: Path, where: str) -> None:
    if where == "file":  # the whole file: 100,000 arrays inside each other
        (data_dir / "places.geojson").write_text("[" * 100_000 + "]" * 100_000)
        return
    doc = places_doc(data_dir)  # inside a record, shallow enough for json.loads
    doc["features"][0]["properties"]["extra"] = MARK
    text = json.dumps(doc, ensure_ascii=False, indent=1)
    (data_dir / "places.geojson").write_text(text.replace(f'"{MARK}"', "[" * 200 + "]" * 200),
                                             encoding="utf-8")


def run(*args: str, env: dict | None = None, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([str(EXPLORER), *args], capture_output=True, text=True,
                          timeout=timeout, env={**os.environ, **(env or {})})


@pytest.mark.parametrize("where", ["name", "offer", "key"])
def test_check_names_file_record_and_field_of_a_lone_surrogate(data_dir, where):
    record, field = with_surrogate(data_dir, where)
    result = run("check", "--data-dir", str(data_dir))
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert "Traceback" not in out
    line = next(line for line in out.splitlines() if "surrogate" in line)
    assert "places.geojson" in line and f"record {record!r}" in line, line
    assert f"field {field!r}" in line, line


@pytest.mark.parametrize("where", ["file", "record"])
def test_check_refuses_deep_nesting_without_a_traceback(data_dir, where):
    nested(data_dir, where)
    result = run("check", "--data-dir", str(data_dir))
    out = result.stdout + result.stderr
    assert result.returncode == 2, out
    assert "Traceback" not in out
    assert "places.geojson" in out and "nested deeper than 64 levels" in out
    assert "line" in out and "column" in out


def test_check_refuses_nan(data_dir):
    path = data_dir / "gazetteer.json"
    text = path.read_text(encoding="utf-8")
    path.write_text(text.replace('"lat": 51.4829', '"lat": NaN', 1), encoding="utf-8")
    result = run("check", "--data-dir", str(data_dir))
    assert result.returncode == 2, result.stderr
    assert "gazetteer.json" in result.stderr and "NaN at line 6" in result.stderr


@pytest.mark.parametrize("database", ["none", ""])  # files only; SQLite seeded from files
def test_serve_refuses_a_lone_surrogate_at_start_up(data_dir, tmp_path, database):
    record, field = with_surrogate(data_dir, "name")
    env = {"EXPLORER_DATA_DIR": str(data_dir), "EXPLORER_STATE_DIR": str(tmp_path / "state"),
           "EXPLORER_DATABASE_URL": database, "EXPLORER_HOST": "127.0.0.1",
           "EXPLORER_PORT": str(free_port()), "EXPLORER_TILE_URL": ""}
    proc = subprocess.Popen([str(EXPLORER), "serve"], stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, text=True, env={**os.environ, **env})
    try:
        out, _ = proc.communicate(timeout=120)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.communicate()
        pytest.fail("explorer serve started on data with a lone surrogate")
    assert proc.returncode == 2, out
    assert "Traceback" not in out
    assert f"places.geojson: record {record!r}, field {field!r}" in out, out


# --- reloads on a running app ------------------------------------------------------------

@pytest.fixture
def store_app(data_dir, app_config):
    app = create_app({**app_config, "DATA_DIR": str(data_dir)})
    return app, app.extensions["store"]


def health(app) -> dict:
    return app.test_client().get("/healthz").get_json()


def poll(store, times: int = 3) -> None:
    """What the watcher does on each tick."""
    for _ in range(times):
        if store.changed():
            store.reload()


def make_directory(data_dir: Path) -> None:
    path = data_dir / "places.geojson"
    path.unlink()
    path.mkdir()


BAD = {
    "surrogate": lambda d: with_surrogate(d, "name"),
    "surrogate in a key": lambda d: with_surrogate(d, "key"),
    "nesting in a file": lambda d: nested(d, "file"),
    "nesting in a record": lambda d: nested(d, "record"),
    "not utf-8": lambda d: (d / "places.geojson").write_bytes(b'{"type": "\xff"}'),
    "a directory": make_directory,
}
MESSAGE = {"surrogate": "lone surrogate", "surrogate in a key": "lone surrogate",
           "nesting in a file": "nested deeper", "nesting in a record": "nested deeper",
           "not utf-8": "not UTF-8 text: byte 0xff at line 1 column 11",
           "a directory": "is a directory, not a file"}


@pytest.mark.parametrize("bad", list(BAD))
def test_reload_of_a_bad_file_degrades_health_and_keeps_the_data(store_app, bad):
    app, store = store_app
    before = app.test_client().get("/api/places").get_json()["count"]
    BAD[bad](Path(store.data_dir))
    assert store.changed()
    assert store.reload() is False  # today a surrogate or deep nesting raises out of here
    body = health(app)
    assert body["status"] == "degraded"
    errors = body["last_reload_error"]
    assert any("places.geojson" in e and MESSAGE[bad] in e for e in errors), errors
    assert app.test_client().get("/api/places").get_json()["count"] == before


def test_an_unexpected_error_in_a_reload_still_degrades_health(store_app, monkeypatch):
    app, store = store_app

    def boom(*_args, **_kwargs):
        raise RuntimeError("a bug, not bad data")

    monkeypatch.setattr("explorer.store.Snapshot.build", boom)
    assert store.reload() is False
    body = health(app)
    assert body["status"] == "degraded"
    assert any("RuntimeError: a bug" in e for e in body["last_reload_error"])


def test_a_restored_file_with_the_same_size_and_mtime_heals(store_app):
    app, store = store_app
    path = Path(store.data_dir) / "places.geojson"
    good = path.read_bytes()
    bad = good.rstrip()[:-1] + b" " + good[len(good.rstrip()):]  # last "}" gone, same size
    assert len(bad) == len(good)
    path.write_bytes(bad)
    poll(store)
    assert health(app)["status"] == "degraded"
    stat = path.stat()
    path.write_bytes(good)  # back, and stat shows size and mtime of the bad file
    os.utime(path, ns=(stat.st_atime_ns, stat.st_mtime_ns))
    assert (path.stat().st_size, path.stat().st_mtime_ns) == (stat.st_size, stat.st_mtime_ns)
    poll(store)
    assert health(app)["status"] == "ok"


def test_while_degraded_the_load_is_retried_bounded(store_app, monkeypatch):
    """A read error that goes away without any change to the file (EIO on a flaky disk):
    only a retry can see the fix; it runs at most every ``retry_interval`` seconds."""
    app, store = store_app
    real = pathlib.Path.read_bytes

    def flaky(self):
        if self.name == "places.geojson":
            raise OSError(errno.EIO, "Input/output error")
        return real(self)

    monkeypatch.setattr(pathlib.Path, "read_bytes", flaky)
    assert store.reload() is False
    errors = health(app)["last_reload_error"]
    assert any("places.geojson" in e and "Input/output error (EIO)" in e for e in errors)
    monkeypatch.setattr(pathlib.Path, "read_bytes", real)  # the disk recovered
    store.retry_interval = 3600
    poll(store)
    assert health(app)["status"] == "degraded"  # bounded: not yet
    store.retry_interval = 0
    poll(store)
    assert health(app)["status"] == "ok"


def reads_mode_000(tmp_path: Path) -> bool:
    """True for root with CAP_DAC_OVERRIDE: file modes do not stop it."""
    probe = tmp_path / "mode-000-probe"
    probe.write_text("x")
    probe.chmod(0o000)
    try:
        probe.read_text()
        return True
    except PermissionError:
        return False


def test_a_file_made_readable_again_heals_without_a_touch(store_app, tmp_path):
    if reads_mode_000(tmp_path):  # root (CI): run this test again without the capabilities
        setpriv = shutil.which("setpriv")
        if not setpriv:
            pytest.skip("running as root, and setpriv (util-linux) is missing to drop "
                        "CAP_DAC_OVERRIDE, so a file of mode 000 stays readable")
        node = f"{__file__}::test_a_file_made_readable_again_heals_without_a_touch"
        run = subprocess.run(
            [setpriv, "--bounding-set=-dac_override,-dac_read_search", sys.executable, "-m",
             "pytest", "-q", "-p", "no:cacheprovider", node],
            capture_output=True, text=True, timeout=300, cwd=Path(__file__).parent.parent)
        assert run.returncode == 0 and "1 passed" in run.stdout, run.stdout + run.stderr
        return
    app, store = store_app
    path = Path(store.data_dir) / "places.geojson"
    temp = path.with_suffix(".tmp-write")
    shutil.copyfile(path, temp)
    temp.chmod(0o000)
    os.replace(temp, path)  # new data, written unreadable
    poll(store)
    assert health(app)["status"] == "degraded"
    assert any("permission denied" in e for e in health(app)["last_reload_error"])
    path.chmod(0o644)
    poll(store)
    assert health(app)["status"] == "ok"


# --- the database source ------------------------------------------------------------------

def test_a_lone_surrogate_in_a_database_record_is_refused_and_named(tmp_path):
    engine = make_engine(f"sqlite:///{tmp_path / 'explorer.db'}")
    try:
        prepare(engine, GEODATA)
        source = DatabaseSource(engine)
        reference = load_reference(GEODATA)
        source.load(reference)
        pid = places_doc(GEODATA)["features"][0]["id"]
        with Session(engine) as session, session.begin():
            row = records.get(session, PLACE, pid)
            data = json.loads(row.data)
            data["properties"]["name"] = MARK
            records.publish(session, PLACE, pid, data, base_version=row.version,
                            author="t@example.org")
            session.execute(update(Record).where(Record.kind == PLACE, Record.id == pid)
                            .values(data=func.replace(Record.data, MARK, "\\ud800")))
        with pytest.raises(DataLoadError) as caught:
            source.load(reference)
        problem = caught.value.problems[0]
        assert (problem.record, problem.field, problem.kind) == (pid, "name", DECODE)
        assert caught.value.exit_code == 2
    finally:
        engine.dispose()
