"""Database fixtures: real SQLite files and a real, throwaway PostgreSQL cluster.

The cluster is made with Debian's ``initdb`` in a temporary folder and started with
``pg_ctl`` on a free port of 127.0.0.1 (as the ``postgres`` user when the tests run as
root, which PostgreSQL requires). Tests can stop and start it. Without PostgreSQL the
PostgreSQL variants skip with the reason; with EXPLORER_REQUIRE_POSTGRES set (CI) they fail.
"""

from __future__ import annotations

import itertools
import os
import shutil
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent.parent / "scripts"))
from pgcluster import PostgresCluster, pg_bin  # noqa: E402

from explorer.db import make_engine
from explorer.db.seed import prepare

REPO = Path(__file__).resolve().parent.parent
GEODATA = REPO / "geodata"
_counter = itertools.count()


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
