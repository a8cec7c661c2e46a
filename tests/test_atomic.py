"""Atomic writes: readers never see a torn file, failures leave the old file in place."""

from __future__ import annotations

import fnmatch
import os
import threading
from pathlib import Path

import pytest

from explorer.pipeline import atomic
from explorer.pipeline.atomic import atomic_write_bytes, atomic_write_json


def leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_writes_new_file_readable_by_others(tmp_path: Path) -> None:
    target = tmp_path / "sub" / "layer.geojson"
    atomic_write_bytes(target, b"hello")
    assert target.read_bytes() == b"hello"
    assert target.stat().st_mode & 0o777 == 0o644  # not mkstemp's 0600
    assert leftovers(target.parent, {"layer.geojson"}) == []


def test_keeps_mode_of_replaced_file(tmp_path: Path) -> None:
    target = tmp_path / "places.geojson"
    target.write_text("old")
    target.chmod(0o664)
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert target.stat().st_mode & 0o777 == 0o664


@pytest.mark.parametrize("broken", ["fsync", "replace"])
def test_failure_leaves_old_file_and_no_temp(tmp_path: Path, monkeypatch, broken: str) -> None:
    target = tmp_path / "places.geojson"
    target.write_bytes(b"old content")

    def boom(*args, **kwargs):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(atomic.os, broken, boom)
    with pytest.raises(OSError):
        atomic_write_bytes(target, b"new content")
    monkeypatch.undo()
    assert target.read_bytes() == b"old content"
    assert leftovers(tmp_path, {"places.geojson"}) == []


def test_unserialisable_json_never_touches_disk(tmp_path: Path) -> None:
    target = tmp_path / "cache.json"
    target.write_text('{"ok": true}\n')
    with pytest.raises(TypeError):
        atomic_write_json(target, {"bad": object()})
    assert target.read_text() == '{"ok": true}\n'
    assert leftovers(tmp_path, {"cache.json"}) == []


def test_temp_name_is_invisible_to_the_watcher_globs(tmp_path: Path, monkeypatch) -> None:
    """store.files_signature globs DATA_DIR/*.json* and layers/*.geojson."""
    seen: list[str] = []
    real_replace = os.replace

    def spy(src, dst):
        seen.append(Path(src).name)
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", spy)
    atomic_write_bytes(tmp_path / "places.geojson", b"{}")
    atomic_write_bytes(tmp_path / "taxonomy.json", b"{}")
    assert len(seen) == 2
    for name in seen:
        assert Path(name).parent == Path(".")
        assert not fnmatch.fnmatch(name, "*.json*"), name
        assert not fnmatch.fnmatch(name, "*.geojson"), name


def test_concurrent_reader_sees_old_or_new_never_torn(tmp_path: Path) -> None:
    target = tmp_path / "layer.geojson"
    versions = [b"a" * 200_000, b"b" * 300_000]
    target.write_bytes(versions[0])
    torn: list[int] = []
    stop = threading.Event()

    def reader() -> None:
        while not stop.is_set():
            data = target.read_bytes()
            if data not in versions:
                torn.append(len(data))

    thread = threading.Thread(target=reader)
    thread.start()
    try:
        for i in range(60):
            atomic_write_bytes(target, versions[i % 2])
    finally:
        stop.set()
        thread.join()
    assert torn == []


def test_group_write_rolls_back_when_a_rename_fails(tmp_path):
    from explorer.pipeline.atomic import atomic_write_group

    first = tmp_path / "schools.geojson"
    first.write_bytes(b"old schools")
    blocker = tmp_path / "daycare.geojson"
    blocker.mkdir()  # renaming a file over a directory fails
    with pytest.raises(OSError):
        atomic_write_group({first: b"new schools", blocker: b"new daycare"})
    assert first.read_bytes() == b"old schools"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["daycare.geojson",
                                                          "schools.geojson"]
