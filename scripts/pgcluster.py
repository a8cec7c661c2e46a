"""A throwaway PostgreSQL cluster from Debian's packages (initdb + pg_ctl, no Docker).

Used by the tests (tests/dbfixtures.py) and by scripts/bench_db.py. Runs as the
``postgres`` user when started by root (PostgreSQL refuses root); listens on a free port
of 127.0.0.1 only.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
from pathlib import Path

from sqlalchemy import create_engine, text


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def pg_bin() -> Path | None:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        if (folder / "initdb").exists():
            return folder
    return None


class PostgresCluster:
    def __init__(self, root: Path):
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
