"""Atomic file replacement: a reader sees the old file or the new one, never a torn mix.

The server's watcher reloads whenever a file changes, and a crash or full disk mid-write
must not leave a half-written places.geojson or layer behind. So we write a temp file in
the same folder (same file system, so ``os.replace`` is an atomic rename), fsync it, rename
it over the target and fsync the folder so the rename itself survives a power cut.
"""

from __future__ import annotations

import contextlib
import json
import os
import tempfile
from pathlib import Path
from typing import Any

NEW_FILE_MODE = 0o644


def _fsync_dir(folder: Path) -> None:
    """Persist the rename; not every platform lets us open a directory, which is fine."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def atomic_write_bytes(path: str | Path, data: bytes) -> None:
    """Replace ``path`` with ``data``; on any error the old file is left as it was."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    # The temp name keeps neither the ".json"/".geojson" suffix nor a "*.json*" match, so
    # the watcher's globs never pick up a half-written file.
    fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.", suffix=".tmp")
    tmp = Path(tmp_name)
    try:
        with os.fdopen(fd, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
        try:
            mode = path.stat().st_mode & 0o7777
        except FileNotFoundError:
            mode = NEW_FILE_MODE  # mkstemp creates 0600; the server may run as another user
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    _fsync_dir(path.parent)


def atomic_write_group(files: dict[Path, bytes]) -> None:
    """Replace several files together: all temp files are written and synced first; if a
    rename fails part-way, the files already replaced get their old contents back."""
    staged: list[tuple[Path, Path, bytes | None]] = []
    try:
        for path, data in files.items():
            path.parent.mkdir(parents=True, exist_ok=True)
            old = path.read_bytes() if path.exists() else None
            fd, tmp_name = tempfile.mkstemp(dir=path.parent, prefix=f".{path.stem}.",
                                            suffix=".tmp")
            with os.fdopen(fd, "wb") as handle:
                handle.write(data)
                handle.flush()
                os.fsync(handle.fileno())
            os.chmod(tmp_name, NEW_FILE_MODE)
            staged.append((path, Path(tmp_name), old))
        done: list[tuple[Path, bytes | None]] = []
        try:
            for path, tmp, old in staged:
                os.replace(tmp, path)
                done.append((path, old))
        except BaseException:
            for path, old in reversed(done):
                with contextlib.suppress(OSError):
                    if old is None:
                        path.unlink()
                    else:
                        atomic_write_bytes(path, old)
            raise
    finally:
        for _path, tmp, _old in staged:
            with contextlib.suppress(OSError):
                tmp.unlink()
    for folder in {path.parent for path in files}:
        _fsync_dir(folder)


def atomic_write_text(path: str | Path, text: str) -> None:
    atomic_write_bytes(path, text.encode("utf-8"))


def dump_json(data: Any) -> str:
    """The project's JSON style (as in geodata/): 2-space indent, UTF-8, final newline."""
    return json.dumps(data, indent=2, ensure_ascii=False) + "\n"


def atomic_write_json(path: str | Path, data: Any) -> None:
    """Serialise first, then write: a value that cannot be serialised never touches disk."""
    atomic_write_text(path, dump_json(data))
