"""Password reset by e-mail (real SMTP server: aiosmtpd on 127.0.0.1), reminders, and the
command line of the database: users add, export/import geodata, backup/restore."""

from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
from editorial_helpers import PASSWORD, account, login, post, start_smtp

from explorer import create_app
from explorer.when import local_today

REPO = Path(__file__).resolve().parent.parent
GEODATA = REPO / "geodata"


@pytest.fixture
def smtp():
    controller, box = start_smtp()
    yield controller, box
    controller.stop()


@pytest.fixture
def mail_app(db_url, tmp_path, smtp):
    controller, _box = smtp
    return create_app({"TESTING": True, "DATA_DIR": str(GEODATA),
                       "STATE_DIR": str(tmp_path / "state"), "DATABASE_URL": db_url,
                       "RELOAD_INTERVAL": 0, "TILE_URL": "", "SECRET_KEY": "k",
                       "MAIL_SERVER": "127.0.0.1", "MAIL_PORT": controller.port,
                       "MAIL_FROM": "office@example.org",
                       "PUBLIC_URL": "https://mint.example.org"})


def test_password_reset_by_mailed_link_works_once(mail_app, smtp):
    _controller, box = smtp
    account(mail_app, "editor@example.org", "editor")
    client = mail_app.test_client()
    unknown = post(client, "/password/reset", {"email": "nobody@example.org"})
    known = post(client, "/password/reset", {"email": "editor@example.org"})
    assert unknown.get_data() == known.get_data()  # no hint which addresses exist
    message = box.wait(1)[0]
    assert message["To"] == "editor@example.org" and message["From"] == "office@example.org"
    link = re.search(r"https://mint\.example\.org(/password/reset/\S+)",
                     message.get_payload(decode=True).decode())
    path = link.group(1)
    new = "a brand new password"
    assert post(client, path, {"password": "short"}).status_code == 400
    assert post(client, path, {"password": new}).status_code == 200
    assert client.get(path).status_code == 400  # used: the hash it was bound to changed
    assert login(mail_app.test_client(), "editor@example.org").status_code == 401
    assert login(mail_app.test_client(), "editor@example.org", new).status_code == 302
    assert len(box.messages) == 1


def test_a_reset_ends_older_sessions(mail_app, smtp):
    _controller, box = smtp
    account(mail_app, "editor@example.org", "editor")
    old = mail_app.test_client()
    login(old, "editor@example.org")
    assert old.get("/edit/").status_code == 200
    client = mail_app.test_client()
    post(client, "/password/reset", {"email": "editor@example.org"})
    body = box.wait(1)[0].get_payload(decode=True).decode()
    path = re.search(r"https://mint\.example\.org(/password/reset/\S+)", body).group(1)
    post(client, path, {"password": "another long password"})
    assert old.get("/edit/").status_code == 302  # logged out: back to the login page


def test_reset_links_never_take_the_requests_host(mail_app, smtp):
    _controller, box = smtp
    mail_app.config["PUBLIC_URL"] = ""
    account(mail_app, "editor@example.org", "editor")
    client = mail_app.test_client()
    # a Host outside EXPLORER_ALLOWED_HOSTS is not served at all (tests/test_host_header.py);
    # an allowed one that is not the configured address must not make links either
    assert client.get("/password/reset", headers={"Host": "evil.example"}).status_code == 400
    other = {"Host": "127.0.0.1:8080"}
    form = client.get("/password/reset", headers=other).get_data(as_text=True)
    token = re.search(r'name="csrf_token" value="([^"]+)"', form).group(1)
    answer = client.post("/password/reset", headers=other,
                         data={"email": "editor@example.org", "csrf_token": token})
    assert answer.status_code == 200 and "unterwegs" in answer.get_data(as_text=True)
    assert box.wait(1, timeout=1) == []  # nothing sent without a configured address


def run(args: list[str], env: dict, input: str | None = None) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "explorer", *args], capture_output=True,
                          text=True, env=env, input=input, timeout=300, cwd=REPO)


@pytest.fixture
def cli_env(db_url, tmp_path) -> dict:
    import os

    return {**os.environ, "EXPLORER_DATABASE_URL": db_url,
            "EXPLORER_STATE_DIR": str(tmp_path / "state"), "EXPLORER_DATA_DIR": str(GEODATA)}


def test_first_editor_from_the_command_line(cli_env, tmp_path, db_url):
    done = run(["users", "add", "Office@Example.org", "--role", "editor"], cli_env,
               input=f"{PASSWORD}\n{PASSWORD}\n")
    assert done.returncode == 0, done.stderr
    again = run(["users", "add", "office@example.org", "--role", "editor"], cli_env,
                input=f"{PASSWORD}\n{PASSWORD}\n")
    assert again.returncode == 1 and "exists already" in again.stderr
    app = create_app({"TESTING": True, "DATA_DIR": str(GEODATA), "DATABASE_URL": db_url,
                      "STATE_DIR": str(tmp_path / "s2"), "RELOAD_INTERVAL": 0,
                      "SECRET_KEY": "k", "TILE_URL": ""})
    assert login(app.test_client(), "office@example.org").status_code == 302


def test_export_then_import_round_trip_on_the_command_line(cli_env, tmp_path):
    out = tmp_path / "export"
    done = run(["export", "geodata", str(out)], cli_env)
    assert done.returncode == 0, done.stderr
    assert (out / "places.geojson").read_bytes() == (GEODATA / "places.geojson").read_bytes()
    assert run(["check", "--data-dir", str(out)], cli_env).returncode == 0
    doc = json.loads((out / "places.geojson").read_text(encoding="utf-8"))
    doc["features"][0]["properties"]["offers"][0]["notes"] = "neu geprüft"
    (out / "places.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    first = run(["import", "geodata", str(out)], cli_env)
    assert first.returncode == 0 and "1 records written" in first.stdout, first.stderr
    second = run(["import", "geodata", str(out)], cli_env)
    assert "0 records written" in second.stdout
    doc["features"][1]["properties"]["address"]["postcode"] = "12"
    (out / "places.geojson").write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    bad = run(["import", "geodata", str(out)], cli_env)
    assert bad.returncode == 1 and "address.postcode" in bad.stderr
    assert "nothing imported" in bad.stderr and "Traceback" not in bad.stderr


def test_backup_and_restore_on_the_command_line(cli_env, tmp_path):
    file = tmp_path / "db.backup"
    assert run(["db", "backup", str(file)], cli_env).returncode == 0
    assert file.stat().st_size > 0
    done = run(["db", "restore", str(file)], cli_env)
    assert done.returncode == 0, done.stderr
    missing = run(["db", "restore", str(tmp_path / "nope")], cli_env)
    assert missing.returncode == 1 and "no such file" in missing.stderr


def test_remind_lists_then_mails_each_provider(cli_env, smtp, db_url, tmp_path):
    controller, box = smtp
    app = create_app({"TESTING": True, "DATA_DIR": str(GEODATA), "DATABASE_URL": db_url,
                      "STATE_DIR": str(tmp_path / "s3"), "RELOAD_INTERVAL": 0,
                      "SECRET_KEY": "k", "TILE_URL": ""})
    place = json.loads((GEODATA / "places.geojson").read_text())["features"][0]["id"]
    account(app, "provider@example.org", "provider", (place,))
    env = {**cli_env, "EXPLORER_STALE_MONTHS": "0", "EXPLORER_MAIL_SERVER": "127.0.0.1",
           "EXPLORER_MAIL_PORT": str(controller.port),
           "EXPLORER_PUBLIC_URL": "https://mint.example.org"}
    dry = run(["remind", "--dry-run"], env)
    assert dry.returncode == 0 and "would mail provider@example.org" in dry.stdout
    assert f"place {place}" in dry.stdout and box.messages == []
    sent = run(["remind"], env)
    assert sent.returncode == 0, sent.stderr
    body = box.wait(1)[0].get_payload(decode=True).decode()
    assert f"https://mint.example.org/edit/place/{place}" in body


def test_stale_lists_what_needs_a_recheck(cli_env):
    features = json.loads((GEODATA / "places.geojson").read_text())["features"]
    offers = [o for f in features for o in f["properties"]["offers"]]
    unconfirmed = {o["id"] for o in offers if o["status"] == "unconfirmed"}
    recent = run(["stale", "--months", "1200"], cli_env)  # only what no source confirms
    assert recent.returncode == 0
    assert {line.split("\t")[2] for line in recent.stdout.splitlines()} == unconfirmed
    everything = run(["stale", "--months", "0"], cli_env)
    lines = everything.stdout.splitlines()
    today = local_today().isoformat()
    older = [f["properties"]["checked"] < today for f in features] + [
        (o.get("checked") or o["source"]["checked"]) < today or o["id"] in unconfirmed
        for o in offers]
    assert len(lines) == sum(older)  # not checked today, or unconfirmed: every one
    assert sorted(lines) == lines  # oldest check first (ISO dates sort as text)
