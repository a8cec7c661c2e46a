"""pygeoapi for scripts/bench_ogc.py: its own venv, a config for one GeoJSON file, the server.

pygeoapi is installed into a venv of its own (``~/.cache/explorer-bench/pygeoapi-venv`` by
default) so its pins can never disturb ours. Its provider is the GeoJSON one: what a small
project with one file would pick, and the only file provider that needs nothing outside PyPI
(the OGR provider needs GDAL's ``osgeo`` bindings built against a system libgdal; the
SQLite/GeoPackage one the system library mod_spatialite *and* a Python whose sqlite3 can load
extensions, which this machine's pyenv build cannot; the Parquet one pyarrow and s3fs).
The GeoJSON provider reads and parses the whole file on every request, by design.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

CACHE = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "explorer-bench"
VENV = CACHE / "pygeoapi-venv"
PACKAGES = ("pygeoapi", "waitress")


def ensure_venv(venv: Path = VENV, log=print) -> Path:
    """The venv's python; created (pip from PyPI, a few minutes) when missing."""
    python = venv / "bin" / "python"
    if (venv / "bin" / "waitress-serve").exists() and (venv / "bin" / "pygeoapi").exists():
        return python
    log(f"creating {venv} for pygeoapi (once; python -m venv + pip install "
        f"{' '.join(PACKAGES)}); --skip-pygeoapi leaves it out")
    venv.parent.mkdir(parents=True, exist_ok=True)
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True, timeout=300)
    subprocess.run([str(python), "-m", "pip", "install", "--quiet", *PACKAGES], check=True,
                   timeout=900)
    return python


def version(python: Path) -> str:
    out = subprocess.run([str(python), "-c", "import pygeoapi; print(pygeoapi.__version__)"],
                         capture_output=True, text=True, timeout=60, check=True)
    return out.stdout.strip()


def package_dir(python: Path) -> Path:
    out = subprocess.run([str(python), "-c", "import pygeoapi, os; "
                          "print(os.path.dirname(pygeoapi.__file__))"],
                         capture_output=True, text=True, timeout=60, check=True)
    return Path(out.stdout.strip())


def config(data: Path, port: int, bbox: list[float]) -> dict[str, Any]:
    """The smallest valid config: one collection from one GeoJSON file, gzip on, and
    limits that allow the 1000-feature pages GDAL and our client ask for."""
    url = f"http://127.0.0.1:{port}"
    return {
        "server": {"bind": {"host": "127.0.0.1", "port": port}, "url": url,
                   "mimetype": "application/json; charset=UTF-8", "encoding": "utf-8",
                   "gzip": True, "languages": ["en-US"], "pretty_print": False,
                   "limits": {"default_items": 10, "max_items": 10_000},
                   "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
                           "attribution": "OpenStreetMap contributors"}},
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {"title": "bench", "description": "scripts/bench_ogc.py",
                               "keywords": ["bench"], "url": url, "terms_of_service": url},
            "license": {"name": "CC-BY 4.0", "url": url},
            "provider": {"name": "bench", "url": url},
            "contact": {"name": "bench", "url": url, "email": "bench@example.org"}},
        "resources": {"places": {
            "type": "collection", "title": "places", "description": "synthetic places",
            "keywords": ["places"],
            "extents": {"spatial": {"bbox": bbox,
                                    "crs": "http://www.opengis.net/def/crs/OGC/1.3/CRS84"}},
            "providers": [{"type": "feature", "name": "GeoJSON", "data": str(data),
                           "id_field": "id"}]}},
    }


def write_config(work: Path, data: Path, port: int, bbox: list[float]) -> tuple[Path, Path]:
    """pygeoapi-config.yml (YAML when PyYAML is there; JSON is YAML too)."""
    path = work / "pygeoapi-config.yml"
    doc = config(data, port, bbox)
    try:
        import yaml

        path.write_text(yaml.safe_dump(doc, sort_keys=False), encoding="utf-8")
    except ImportError:
        path.write_text(json.dumps(doc, indent=2), encoding="utf-8")
    return path, work / "pygeoapi-openapi.yml"


def env(cfg: Path, openapi: Path, base_env: dict[str, str]) -> dict[str, str]:
    return {**base_env, "PYGEOAPI_CONFIG": str(cfg), "PYGEOAPI_OPENAPI": str(openapi)}


def generate_openapi(python: Path, cfg: Path, openapi: Path, environ: dict[str, str]) -> None:
    done = subprocess.run([str(python.parent / "pygeoapi"), "openapi", "generate", str(cfg),
                           "--output-file", str(openapi)], env=environ, timeout=600,
                          capture_output=True, text=True)
    if done.returncode:
        raise RuntimeError(f"pygeoapi openapi generate failed: {done.stderr[-1500:]}")


def serve_cmd(python: Path, port: int, threads: int = 8) -> list[str]:
    return [str(python.parent / "waitress-serve"), f"--listen=127.0.0.1:{port}",
            f"--threads={threads}", "pygeoapi.flask_app:APP"]


def code_lines(files: list[Path]) -> dict[str, int]:
    texts = [f.read_text(encoding="utf-8", errors="replace").splitlines() for f in files]
    return {"files": len(files), "lines": sum(map(len, texts)),
            "non_blank": sum(1 for t in texts for line in t if line.strip())}


def run(work: Path, data: Path, r: dict[str, Any], measure: Callable[[str, str, int], dict],
        items: str) -> None:
    """Config, OpenAPI document, server; then ``measure`` paging and GDAL as for ours."""
    import bench
    import bench_data

    python = ensure_venv(log=bench.log)
    r["machine"]["pygeoapi"] = version(python)
    port = bench.free_port()
    cfg, openapi = write_config(work, data, port, list(bench_data.BBOX))
    environ = env(cfg, openapi, bench.clean_env({}))
    t0 = time.perf_counter()
    generate_openapi(python, cfg, openapi, environ)
    r["startup_s"]["pygeoapi openapi generate"] = round(time.perf_counter() - t0, 2)
    with bench.running("pygeoapi", serve_cmd(python, port), environ, port, "/?f=json", work,
                       timeout=600) as srv:
        r["startup_s"]["pygeoapi"] = round(srv.started_s, 2)
        bench.log("pygeoapi: paging")
        r["runs"]["page_pygeoapi"] = measure("page", f"http://127.0.0.1:{port}{items}",
                                             srv.proc.pid)
        bench.log("pygeoapi: GDAL OAPIF")
        r["runs"]["gdal_pygeoapi"] = measure("gdal", f"OAPIF:http://127.0.0.1:{port}/",
                                             srv.proc.pid)
    pkg = package_dir(python)
    r["code"]["pygeoapi"] = {
        "py": code_lines(sorted(pkg.rglob("*.py"))),
        "templates": code_lines(sorted(pkg.joinpath("templates").rglob("*.html"))),
        "config": code_lines([cfg]), "openapi": code_lines([openapi])}
