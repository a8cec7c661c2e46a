"""Host header (issue 13, finding 4), against the real server (`explorer serve`, waitress).

A malformed Host (a label over 63 characters, bad IDNA, empty, spaces, a bad port) or one
not in EXPLORER_ALLOWED_HOSTS gets 400 on every path, never 500, and no traceback in the
server's log; with EXPLORER_PUBLIC_URL set, absolute URLs (embed snippet, builder, oEmbed,
calendar feed, place pages' JSON-LD) use it and never the request's Host. Requests are
written to the socket by hand: http.client refuses some of these Host values.
"""

from __future__ import annotations

import json
import os
import re
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote

import pytest

from explorer import config, create_app
from explorer.config import SettingError
from explorer.web.http import HostGuard

REPO = Path(__file__).resolve().parent.parent
GEODATA = REPO / "geodata"
sys.path.insert(0, str(REPO / "scripts"))
import loadtest  # noqa: E402

PUBLIC = "https://mint.example.org"
MAX_ANSWER = 8 * 1024 * 1024
BAD_HOSTS = ["a" * 64 + ".example", "xn--zz", "evil.example", "", "local host",
             "localhost:99999", "localhost:8o", "[::1", "h" * 5000 + ".example"]
# path -> the kind of error answer it gives (JSON for API-style paths, else the HTML page)
PATHS = {"/": "text/html", "/healthz": "text/html", "/api/places": "application/json",
         "/embed/builder": "text/html",
         "/oembed?format=json&url=http%3A%2F%2F127.0.0.1%2F": "application/json"}


@dataclass
class Server:
    port: int
    log: Path

    def get(self, path: str, host: str | None = None) -> tuple[int, dict[str, str], bytes]:
        return raw_get(self.port, path, f"127.0.0.1:{self.port}" if host is None else host)

    def log_text(self, start: int = 0) -> str:
        return self.log.read_text(encoding="utf-8", errors="replace")[start:]


def raw_get(port: int, path: str, host: str,
            timeout: float = 20.0) -> tuple[int, dict[str, str], bytes]:
    """One GET with exactly this Host line; bounded in time and size."""
    request = f"GET {path} HTTP/1.1\r\nHost: {host}\r\nConnection: close\r\n\r\n"
    data = bytearray()
    deadline = time.monotonic() + timeout
    with socket.create_connection(("127.0.0.1", port), timeout=timeout) as sock:
        sock.sendall(request.encode("latin-1"))
        while len(data) < MAX_ANSWER and time.monotonic() < deadline:
            chunk = sock.recv(65536)
            if not chunk:
                break
            data += chunk
    head, sep, body = bytes(data).partition(b"\r\n\r\n")
    assert sep, f"no complete answer for Host {host[:40]!r} {path}: {bytes(data[:200])!r}"
    status_line, *lines = head.decode("latin-1").split("\r\n")
    headers = {k.strip().lower(): v.strip() for k, _, v in (line.partition(":") for line in lines)}
    return int(status_line.split()[1]), headers, body


def serve(factory: pytest.TempPathFactory, **settings: str):
    env = {"EXPLORER_DATA_DIR": str(GEODATA), "EXPLORER_DATABASE_URL": "none",
           "EXPLORER_STATE_DIR": str(factory.mktemp("state")), "EXPLORER_RELOAD_INTERVAL": "0",
           "EXPLORER_PUBLIC_URL": "",
           # the documented default, whatever the developer's environment says
           "EXPLORER_ALLOWED_HOSTS": config.defaults()["ALLOWED_HOSTS"],
           **{f"EXPLORER_{name}": value for name, value in settings.items()}}
    with loadtest.production_server(env, threads=2) as (address, proc):
        yield Server(int(address.rsplit(":", 1)[1]), Path(proc.log_path))
    Path(proc.log_path).unlink(missing_ok=True)


@pytest.fixture(scope="module")
def plain(tmp_path_factory):
    """No PUBLIC_URL, default ALLOWED_HOSTS."""
    yield from serve(tmp_path_factory)


@pytest.fixture(scope="module")
def public(tmp_path_factory):
    yield from serve(tmp_path_factory, PUBLIC_URL=PUBLIC)


def unfolded(ics: bytes) -> str:
    return ics.replace(b"\r\n ", b"").decode()


def test_bad_hosts_get_400_on_every_path_never_500_and_no_traceback(plain):
    start = len(plain.log_text())
    began = time.monotonic()
    wrong = []
    for host in BAD_HOSTS:
        for path, kind in PATHS.items():
            status, headers, body = plain.get(path, host)
            problem = []
            if status != 400:
                problem.append(f"status {status}")
            if not headers.get("content-type", "").startswith(kind):
                problem.append(f"content-type {headers.get('content-type')!r}")
            if host and host.encode() in body:
                problem.append("the Host is in the answer")
            if problem:
                wrong.append(f"Host {host[:70]!r} {path}: {', '.join(problem)}")
    assert not wrong, "\n".join(wrong)
    log = plain.log_text(start)
    assert "Traceback" not in log and "ERROR" not in log, log[:3000]
    warnings = [line for line in log.splitlines() if "WARNING" in line]
    # rate-limited: one line per interval at most, each short (not the whole header)
    assert len(warnings) <= 2 + (time.monotonic() - began) / HostGuard.WARN_EVERY, warnings
    assert warnings and all(len(line) < 400 for line in warnings), warnings


def test_400_answers_are_the_apps_error_page_and_json_error(plain):
    status, headers, body = plain.get("/api/places", "evil.example")
    assert status == 400 and json.loads(body)["status"] == 400
    assert "Host" in json.loads(body)["error"]
    status, headers, body = plain.get("/healthz?lang=en", "a" * 64 + ".example")
    assert status == 400 and b'class="error-page"' in body
    assert "frame-ancestors" in headers["content-security-policy"]  # the usual headers


def test_allowed_hosts_are_served_as_before_whatever_the_port(plain):
    port = plain.port
    for host, base in [(f"127.0.0.1:{port}", f"http://127.0.0.1:{port}"),
                       (f"localhost:{port}", f"http://localhost:{port}"),
                       ("localhost", "http://localhost"), (f"[::1]:{port}", f"http://[::1]:{port}"),
                       (f"LocalHost:{port}", f"http://localhost:{port}")]:
        for path in ("/", "/healthz", "/api/places"):
            assert plain.get(path, host)[0] == 200, (host, path)
        status, _headers, body = plain.get("/embed/builder?topic=physik", host)
        assert status == 200 and f'src="{base}/embed?topic=physik"'.encode() in body, host
        url = quote(f"{base}/?topic=physik", safe="")
        status, _headers, body = plain.get(f"/oembed?format=json&url={url}", host)
        answer = json.loads(body)
        assert status == 200 and answer["provider_url"] == base + "/", (host, answer)
        assert f'src="{base}/embed?topic=physik"' in answer["html"]


def test_public_url_makes_every_absolute_url_and_never_the_request_host(public):
    host = f"127.0.0.1:{public.port}"
    status, _headers, builder = public.get("/embed/builder?topic=physik")
    assert status == 200 and f'src="{PUBLIC}/embed?topic=physik"'.encode() in builder
    assert host.encode() not in builder
    snippet = json.loads(public.get("/embed/snippet?topic=physik&responsive=0")[2])
    assert snippet["src"] == f"{PUBLIC}/embed?topic=physik" and host not in snippet["snippet"]
    for page_url in (f"{PUBLIC}/?topic=physik", f"http://{host}/?topic=physik"):
        status, _headers, body = public.get(
            f"/oembed?format=json&url={quote(page_url, safe='')}")
        answer = json.loads(body)
        assert status == 200 and answer["provider_url"] == PUBLIC + "/", answer
        assert f'src="{PUBLIC}/embed?topic=physik"' in answer["html"] and host not in body.decode()
    index = public.get("/?topic=physik")[2].decode()
    assert "url=" + quote(f"{PUBLIC}/?topic=physik", safe="") in index.replace("&amp;", "&")
    calendar = unfolded(public.get("/api/offers.ics")[2])
    assert f"{PUBLIC}/places/" in calendar and host not in calendar
    place_id = json.loads(public.get("/api/places")[2])["features"][0]["id"]
    page = public.get(f"/places/{place_id}")[2].decode()
    assert re.search(rf'"@id": "{re.escape(PUBLIC)}/places/{re.escape(place_id)}"', page)
    assert host not in page


def test_public_url_host_is_allowed_others_are_not(public):
    assert public.get("/healthz", "mint.example.org")[0] == 200
    assert public.get("/healthz", f"127.0.0.1:{public.port}")[0] == 200
    for path in ("/embed/builder", "/embed/snippet", "/oembed?format=json&url=x", "/"):
        status, _headers, body = public.get(path, "evil.example")
        assert status == 400 and b"evil.example" not in body, path
    assert "Traceback" not in public.log_text()


def test_test_client_host_localhost_still_works_and_others_are_refused(client):
    assert client.get("/healthz").status_code == 200
    refused = client.get("/api/places", headers={"Host": "evil.example"})
    assert refused.status_code == 400 and refused.is_json


@pytest.mark.parametrize("value", [
    "ftp://mint.example.org", "mint.example.org", "https://", "https://mint.example.org/?a=1",
    "https://mint.example.org/#top", "https://user@mint.example.org",
    "https://" + "a" * 64 + ".org", "https://xn--zz", "https://mint example.org",
    "https://mint.example.org:99999", "http://[::1",
])
def test_bad_public_url_is_a_setting_error_naming_it(value):
    cfg = {**config.defaults(), "PUBLIC_URL": value}
    with pytest.raises(SettingError, match="EXPLORER_PUBLIC_URL"):
        config.validate(cfg)


def test_public_url_is_normalised_and_its_host_allowed():
    cfg = {**config.defaults(), "PUBLIC_URL": " HTTPS://Mint.Example.org:8443/karte/ ",
           "ALLOWED_HOSTS": " .Schule.example , 10.0.0.5:80,"}
    config.validate(cfg)
    assert cfg["PUBLIC_URL"] == "https://mint.example.org:8443/karte"
    assert config.allowed_hosts(cfg) == {".schule.example", "10.0.0.5", "mint.example.org"}
    assert config.allowed_hosts({**cfg, "ALLOWED_HOSTS": "*"}) is None


@pytest.mark.parametrize("value", ["local host", "xn--zz", "a" * 64, "[::1", "localhost:0"])
def test_bad_allowed_hosts_is_a_setting_error_naming_it(value):
    with pytest.raises(SettingError, match="EXPLORER_ALLOWED_HOSTS"):
        config.validate({**config.defaults(), "ALLOWED_HOSTS": f"localhost,{value}"})


def test_no_allowed_host_at_all_is_a_setting_error():
    cfg = {**config.defaults(), "ALLOWED_HOSTS": ""}
    with pytest.raises(SettingError, match="EXPLORER_ALLOWED_HOSTS"):
        config.allowed_hosts(cfg)
    assert config.allowed_hosts({**cfg, "PUBLIC_URL": PUBLIC}) == {"mint.example.org"}


def test_create_app_refuses_a_bad_public_url(app_config):
    with pytest.raises(SettingError, match="EXPLORER_PUBLIC_URL"):
        create_app({**app_config, "PUBLIC_URL": "https://mint.example.org/?x"})


@pytest.mark.parametrize(("name", "value"), [("PUBLIC_URL", "ftp://mint.example.org"),
                                             ("ALLOWED_HOSTS", "local host")])
def test_explorer_serve_stops_with_the_setting_named_and_no_traceback(tmp_path, name, value):
    env = {**os.environ, "EXPLORER_STATE_DIR": str(tmp_path), "EXPLORER_DATABASE_URL": "none",
           "EXPLORER_PORT": str(loadtest.free_port()), f"EXPLORER_{name}": value}
    explorer = Path(sys.executable).parent / "explorer"
    result = subprocess.run([str(explorer), "serve"], env=env, capture_output=True, text=True,
                            timeout=120)
    assert result.returncode != 0
    assert f"EXPLORER_{name}" in result.stderr and "Traceback" not in result.stderr, \
        result.stderr[-2000:]
