"""Database fixtures: real SQLite files and a real, throwaway PostgreSQL cluster.

The cluster is made with Debian's ``initdb`` in a temporary folder and started with
``pg_ctl`` on a free port of 127.0.0.1 (as the ``postgres`` user when the tests run as
root, which PostgreSQL requires). Tests can stop and start it. Without PostgreSQL the
PostgreSQL variants skip with the reason; with EXPLORER_REQUIRE_POSTGRES set (CI) they fail.
"""

from __future__ import annotations

import itertools
import os
import pwd
import shutil
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

from explorer.db import make_engine
from explorer.db.seed import prepare

REPO = Path(__file__).resolve().parent.parent
GEODATA = REPO / "geodata"
_counter = itertools.count()


def pg_bin() -> Path | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists():
            return folder
    return None


class PostgresCluster:
    def __init__(self, root: Path):
        from conftest import free_port

        self.bin = pg_bin()
        self.root, self.data, self.sockets = root, root / "data", root / "run"
        self.port = free_port()
        self.user = "postgres" if os.getuid() == 0 else pwd.getpwuid(os.getuid()).pw_name

    def _run(self, *args: str, check: bool = True) -> subprocess.CompletedProcess:
        cmd = [str(a) for a in args]
        if os.getuid() == 0:
            cmd = ["runuser", "-u", "postgres", "--", *cmd]
        return subprocess.run(cmd, capture_output=True, text=True, timeout=120, check=check)

    def init(self) -> None:
        self.root.mkdir(parents=True, exist_ok=True)
        self.sockets.mkdir(exist_ok=True)
        if os.getuid() == 0:
            shutil.chown(self.root, "postgres")
            shutil.chown(self.sockets, "postgres")
        self._run(self.bin / "initdb", "-D", self.data, "-A", "trust", "-U", self.user,
                  "-E", "UTF8", "--no-sync")
        self.start()

    def start(self) -> None:
        options = (f"-c listen_addresses=127.0.0.1 -c port={self.port} "
                   f"-c unix_socket_directories={self.sockets} -c fsync=off "
                   f"-c max_connections=200")
        self._run(self.bin / "pg_ctl", "-D", self.data, "-o", options, "-l",
                  self.root / "log", "-w", "-t", "60", "start")

    def stop(self, mode: str = "fast") -> None:
        self._run(self.bin / "pg_ctl", "-D", self.data, "-m", mode, "-w", "stop", check=False)

    def url(self, database: str = "postgres") -> str:
        return f"postgresql+psycopg://{self.user}@127.0.0.1:{self.port}/{database}"

    def create_database(self, name: str, template: str | None = None) -> str:
        engine = create_engine(self.url(), isolation_level="AUTOCOMMIT")
        with engine.connect() as conn:
            extra = f" TEMPLATE {template}" if template else ""
            conn.execute(text(f'CREATE DATABASE "{name}"{extra}'))
        engine.dispose()
        return self.url(name)


@pytest.fixture(scope="session")
def pg_cluster(tmp_path_factory) -> Iterator[PostgresCluster]:
    if pg_bin() is None:
        if os.environ.get("EXPLORER_REQUIRE_POSTGRES"):
            pytest.fail("PostgreSQL (initdb) not found but EXPLORER_REQUIRE_POSTGRES is set")
        pytest.skip("PostgreSQL not installed (Debian: apt-get install -y postgresql)")
    root = Path(f"/tmp/explorer-pg-{os.getpid()}-{int(time.time())}")
    cluster = PostgresCluster(root)
    cluster.init()
    yield cluster
    cluster.stop("immediate")
    shutil.rmtree(root, ignore_errors=True)


@pytest.fixture(scope="session")
def seeded_templates(tmp_path_factory) -> dict:
    """One seeded database per backend, copied for each test (seeding once is enough)."""
    return {"dir": tmp_path_factory.mktemp("seed")}


def seeded_url(kind: str, templates: dict, tmp_path: Path, request) -> str:
    if kind == "sqlite":
        if "sqlite" not in templates:
            path = templates["dir"] / "seed.db"
            engine = make_engine(f"sqlite:///{path}")
            prepare(engine, GEODATA)
            engine.dispose()
            templates["sqlite"] = path
        target = tmp_path / "explorer.db"
        shutil.copyfile(templates["sqlite"], target)
        return f"sqlite:///{target}"
    cluster = request.getfixturevalue("pg_cluster")
    if "postgresql" not in templates:
        url = cluster.create_database("seed_template")
        engine = make_engine(url)
        prepare(engine, GEODATA)
        engine.dispose()
        templates["postgresql"] = "seed_template"
    return cluster.create_database(f"t{os.getpid()}_{next(_counter)}", "seed_template")


@pytest.fixture(params=["sqlite", "postgresql"])
def backend(request) -> str:
    return request.param


@pytest.fixture
def db_url(backend, seeded_templates, tmp_path, request) -> str:
    """A seeded database of the bundled geodata, private to this test."""
    return seeded_url(backend, seeded_templates, tmp_path, request)


@pytest.fixture
def empty_db_url(backend, tmp_path, request) -> str:
    if backend == "sqlite":
        return f"sqlite:///{tmp_path / 'empty.db'}"
    return request.getfixturevalue("pg_cluster").create_database(
        f"e{os.getpid()}_{next(_counter)}")


@pytest.fixture
def engine(db_url):
    engine = make_engine(db_url)
    yield engine
    engine.dispose()
