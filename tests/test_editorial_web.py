"""The editorial workflow through its pages, on SQLite and on PostgreSQL: suggestions,
review, provider drafts, roles, conflicts, history, limits and bad input."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from editorial_helpers import PASSWORD, account, csrf, login, post
from sqlalchemy import select
from sqlalchemy.orm import Session

from explorer import create_app
from explorer.db.models import Submission

GEODATA = Path(__file__).resolve().parent.parent / "geodata"
BUNDLED = json.loads((GEODATA / "places.geojson").read_text(encoding="utf-8"))["features"]
PLACE = next(f for f in BUNDLED if f["properties"]["offers"])
OTHER = next(f for f in BUNDLED if f["properties"]["offers"] and f["id"] != PLACE["id"])


@pytest.fixture
def db_config(db_url, tmp_path) -> dict:
    return {"TESTING": True, "DATA_DIR": str(GEODATA), "STATE_DIR": str(tmp_path / "state"),
            "DATABASE_URL": db_url, "RELOAD_INTERVAL": 0, "TILE_URL": "",
            "SECRET_KEY": "test secret", "SUGGEST_RATE_LIMIT": "100 per minute",
            "LOGIN_RATE_LIMIT": "100 per minute"}


@pytest.fixture
def app(db_config):
    return create_app(db_config)


def offer_suggestion(**extra) -> dict:
    return {"what": "offer", "place": PLACE["id"], "title": "Sternenkunde für Kinder",
            "description": "Ein Nachmittag am Teleskop.", "topics": ["astronomie"],
            "groups": ["grundschule"], "format": "workshop",
            "link": "https://example.org/sterne", "message": "", "contact": "", **extra}


def submissions(app) -> list[Submission]:
    with Session(app.extensions["db"]) as session:
        return list(session.execute(select(Submission).order_by(Submission.id)).scalars())


def test_visitor_suggestion_approved_appears_in_the_api(app, client):
    answer = post(client, "/suggest", offer_suggestion(), "/suggest?what=offer")
    assert answer.status_code == 200
    status_url = re.search(r'id="status-link" href="([^"]+)"', answer.get_data(as_text=True))
    sub = submissions(app)[-1]
    assert sub.state == "submitted" and sub.user_id is None
    assert "zur Prüfung eingereicht" in client.get(status_url.group(1)).get_data(as_text=True)

    account(app, "editor@example.org", "editor")
    editor = app.test_client()
    login(editor, "editor@example.org")
    queue = editor.get("/edit/").get_data(as_text=True)
    assert f"#{sub.id}" in queue
    review = editor.get(f"/edit/submission/{sub.id}").get_data(as_text=True)
    assert "Sternenkunde für Kinder" in review and "title" in review
    done = post(editor, f"/edit/submission/{sub.id}/approve", {}, f"/edit/submission/{sub.id}")
    assert done.status_code == 302
    assert app.extensions["store"].reload()
    offers = client.get("/api/offers?q=Sternenkunde&lang=de").get_json()
    assert [o["properties"]["title"] for o in offers["features"]] == ["Sternenkunde für Kinder"]
    assert "übernommen" in client.get(status_url.group(1)).get_data(as_text=True)


def test_rejected_suggestion_shows_its_reason(app, client):
    post(client, "/suggest", {"what": "report", "place": PLACE["id"],
                              "message": "Die Telefonnummer ist veraltet."}, "/suggest")
    sub = submissions(app)[-1]
    account(app, "editor@example.org", "editor")
    editor = app.test_client()
    login(editor, "editor@example.org")
    missing = post(editor, f"/edit/submission/{sub.id}/reject", {"reason": " "},
                   f"/edit/submission/{sub.id}")
    assert missing.status_code == 400 and "darf nicht leer sein" in missing.get_data(as_text=True)
    post(editor, f"/edit/submission/{sub.id}/reject",
         {"reason": "Die Nummer stimmt laut Webseite."}, f"/edit/submission/{sub.id}")
    page = client.get(f"/suggest/status/{sub.token}").get_data(as_text=True)
    assert "abgelehnt" in page and "Die Nummer stimmt laut Webseite." in page


def test_suggestion_form_names_each_bad_field_in_the_page_language(client, app):
    bad = offer_suggestion(title="", topics=[], link="kein link", contact="nope")
    answer = post(client, "/suggest", bad, "/suggest")
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    for field in ("title", "topics", "link", "contact"):
        assert f'id="{field}-errors"' in html
    assert "darf nicht leer sein" in html and "must be" not in html
    english = post(client, "/suggest?lang=en", bad, "/suggest?lang=en").get_data(as_text=True)
    assert "must be a non-empty text" in english and "darf nicht" not in english
    assert submissions(app) == []


def test_typed_markup_is_never_rendered_as_html(client, app):
    evil = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    answer = post(client, "/suggest", offer_suggestion(title=evil, description=evil), "/suggest")
    assert answer.status_code == 200
    sub = submissions(app)[-1]
    account(app, "editor@example.org", "editor")
    editor = app.test_client()
    login(editor, "editor@example.org")
    html = editor.get(f"/edit/submission/{sub.id}").get_data(as_text=True)
    assert "<script>alert(1)" not in html and "&lt;script&gt;" in html


def test_honeypot_and_per_client_limit(db_config):
    app = create_app({**db_config, "SUGGEST_RATE_LIMIT": "2 per minute"})
    client = app.test_client()
    robot = post(client, "/suggest", offer_suggestion(homepage="http://spam.example"),
                 "/suggest")
    assert robot.status_code == 200 and submissions(app) == []  # stored nothing
    post(client, "/suggest", offer_suggestion(), "/suggest")
    limited = post(client, "/suggest", offer_suggestion(), "/suggest")
    assert limited.status_code == 429 and limited.headers.get("Retry-After")
    assert "Zu viele Versuche" in limited.get_data(as_text=True)
    assert len(submissions(app)) == 1


def test_forms_refuse_a_post_without_csrf_token(client):
    answer = client.post("/suggest", data=offer_suggestion())
    assert answer.status_code == 400 and "abgelaufen" in answer.get_data(as_text=True)


def test_an_oversized_body_gets_a_polite_413(client):
    answer = client.post("/suggest", data={"message": "x" * 200_000})
    assert answer.status_code == 413
    assert "zu groß" in answer.get_data(as_text=True)


def test_provider_edits_own_offer_and_is_refused_elsewhere(app, client):
    offer = PLACE["properties"]["offers"][0]
    account(app, "provider@example.org", "provider", (PLACE["id"],))
    login(client, "provider@example.org")
    form = client.get(f"/edit/offer/{offer['id']}").get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', form).group(1)
    fields = {"title_de": "Neu betitelt", "title_en": "", "description_de": "Kurz.",
              "topics": offer["topics"], "groups": offer["groups"],
              "format": offer["format"], "cost": offer["cost"], "status": "active",
              "source_url": offer["source"]["url"], "when": "", "version": version,
              "action": "submit"}
    saved = post(client, f"/edit/offer/{offer['id']}", fields)
    assert saved.status_code == 302
    sub = submissions(app)[-1]
    assert sub.state == "submitted" and json.loads(sub.data)["title"]["de"] == "Neu betitelt"
    other_offer = OTHER["properties"]["offers"][0]["id"]
    assert client.get(f"/edit/offer/{other_offer}").status_code == 403
    token = csrf(client, f"/edit/offer/{offer['id']}")
    assert client.post(f"/edit/offer/{other_offer}", data={**fields, "csrf_token": token}
                       ).status_code == 403
    assert client.get(f"/edit/place/{OTHER['id']}").status_code == 403
    assert client.post(f"/edit/submission/{sub.id}/approve",
                       data={"csrf_token": token}).status_code == 403
    assert client.get("/edit/users/").status_code == 403

    stranger = app.test_client()
    account(app, "other@example.org", "provider", (OTHER["id"],))
    login(stranger, "other@example.org")
    assert stranger.get(f"/edit/submission/{sub.id}").status_code == 403  # not their draft


def test_field_messages_sit_next_to_the_field(app, client):
    account(app, "editor@example.org", "editor")
    login(client, "editor@example.org")
    answer = post(client, f"/edit/place/{PLACE['id']}",
                  {"name": "", "postcode": "123", "lat": "51.1", "lon": "7.2", "version": "1",
                   "kind": "museum", "street": "Weg 1", "coordinate_text": "x",
                   "description_de": "Text", "action": "publish"})
    html = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert re.search(r'id="f-name"[^>]*aria-invalid="true"', html)
    assert 'id="postcode-errors"' in html and "fünfstellige Postleitzahl" in html
    assert 'id="lat-errors"' in html and "außerhalb Bochums" in html


def test_a_stale_save_gets_the_conflict_page_and_overwrites_nothing(app):
    account(app, "a@example.org", "editor")
    account(app, "b@example.org", "editor")
    first, second = app.test_client(), app.test_client()
    login(first, "a@example.org")
    login(second, "b@example.org")
    path = f"/edit/place/{PLACE['id']}"
    html = first.get(path).get_data(as_text=True)
    version = re.search(r'name="version" value="(\d+)"', html).group(1)
    props = PLACE["properties"]
    base = {"name": props["name"], "kind": props["kind"], "street": props["address"]["street"],
            "postcode": props["address"]["postcode"], "stadtteil": props.get("stadtteil") or "",
            "stadtbezirk": props["stadtbezirk"],
            "lat": PLACE["geometry"]["coordinates"][1],
            "lon": PLACE["geometry"]["coordinates"][0],
            "coordinate_text": props["coordinate_source"]["text"],
            "coordinate_url": props["coordinate_source"].get("url") or "",
            "website": props.get("website") or "", "description_de": props["description"]["de"],
            "description_en": props["description"].get("en", ""), "version": version,
            "action": "publish"}
    assert post(first, path, {**base, "name": "Fassung A"}).status_code == 302
    clash = post(second, path, {**base, "name": "Fassung B"})
    html = clash.get_data(as_text=True)
    assert clash.status_code == 409 and "Fassung A" in html and "Fassung B" in html
    app.extensions["store"].reload()
    place = app.test_client().get(f"/api/places/{PLACE['id']}").get_json()
    assert place["properties"]["name"] == "Fassung A"


def test_history_restore_and_place_page_dates(app, client):
    account(app, "editor@example.org", "editor")
    login(client, "editor@example.org")
    path = f"/edit/place/{PLACE['id']}"
    post(client, f"/edit/confirm/place/{PLACE['id']}", {}, "/edit/")
    history = client.get(f"/edit/history/place/{PLACE['id']}").get_data(as_text=True)
    assert "properties.checked" in history and "editor@example.org" in history
    revision = re.search(r'action="/edit/restore/(\d+)', history).group(1)
    assert post(client, f"/edit/restore/{revision}", {}, path.replace(
        "/edit/place/", "/edit/history/place/")).status_code == 302
    app.extensions["store"].reload()
    page = client.get(f"/places/{PLACE['id']}").get_data(as_text=True)
    assert "Zuletzt geändert" in page and "Zuletzt geprüft" in page
    assert "Angebot vorschlagen" in page and "Fehler melden" in page


def test_login_failures_are_throttled(db_config):
    app = create_app({**db_config, "LOGIN_RATE_LIMIT": "3 per minute"})
    client = app.test_client()
    account(app, "editor@example.org", "editor")
    codes = [login(client, "editor@example.org", "wrong").status_code for _ in range(4)]
    assert codes == [401, 401, 401, 429]


def test_session_cookie_is_httponly_and_samesite(app, client):
    account(app, "editor@example.org", "editor")
    answer = login(client, "editor@example.org")
    cookie = answer.headers.get("Set-Cookie", "")
    assert "HttpOnly" in cookie and "SameSite=Lax" in cookie


def test_admin_adds_accounts_editor_binds_places(app, client):
    account(app, "admin@example.org", "admin")
    login(client, "admin@example.org")
    made = post(client, "/edit/users/", {"email": "neu@example.org", "role": "provider",
                                         "password": PASSWORD}, "/edit/users/")
    assert made.status_code == 302
    short = post(client, "/edit/users/", {"email": "x@example.org", "role": "provider",
                                          "password": "kurz"}, "/edit/users/")
    assert short.status_code == 400 and "zu kurz" in short.get_data(as_text=True)
    editor = app.test_client()
    account(app, "editor@example.org", "editor")
    login(editor, "editor@example.org")
    html = editor.get("/edit/users/").get_data(as_text=True)
    user_id = re.search(r'id="user-(\d+)">\s*<th scope="row">neu@example.org', html).group(1)
    assert post(editor, f"/edit/users/{user_id}/bind", {"place_id": PLACE["id"]},
                "/edit/users/").status_code == 302
    assert post(editor, "/edit/users/", {"email": "y@example.org", "role": "admin",
                                         "password": PASSWORD}, "/edit/users/"
                ).status_code == 403  # editors bind, admins manage accounts
    provider = app.test_client()
    login(provider, "neu@example.org")
    assert provider.get(f"/edit/place/{PLACE['id']}").status_code == 200


def test_login_redirects_only_to_this_site(app, client):
    account(app, "editor@example.org", "editor")
    for target in ("//evil.example/", "/\t/evil.example", "https://evil.example/",
                   "/\\evil.example", "/x\r\nSet-Cookie: a=b"):
        answer = post(client, "/login?next=x", {"email": "editor@example.org",
                                                "password": PASSWORD, "next": target})
        assert answer.status_code == 302
        assert answer.headers["Location"].startswith("/edit/"), target
        client.post("/logout", data={"csrf_token": csrf(client, "/edit/")})


def test_a_submission_is_decided_once(app, client):
    post(client, "/suggest", offer_suggestion(), "/suggest")
    sub = submissions(app)[-1]
    account(app, "a@example.org", "editor")
    first = app.test_client()
    login(first, "a@example.org")
    token = csrf(first, f"/edit/submission/{sub.id}")
    assert first.post(f"/edit/submission/{sub.id}/approve",
                      data={"csrf_token": token}).status_code == 302
    late = first.post(f"/edit/submission/{sub.id}/reject",
                      data={"csrf_token": token, "reason": "zu spät"})
    assert late.status_code == 400
    assert submissions(app)[-1].state == "approved"


def test_a_taken_offer_id_is_never_overwritten_by_an_approval(app, client):
    post(client, "/suggest", offer_suggestion(), "/suggest")
    sub = submissions(app)[-1]
    taken = OTHER["properties"]["offers"][0]["id"]
    with Session(app.extensions["db"]) as session, session.begin():
        row = session.get(Submission, sub.id)
        row.target_id = taken  # the id of another place's offer
        data = json.loads(row.data)
        data["id"] = taken
        row.data = json.dumps(data)
    account(app, "editor@example.org", "editor")
    editor = app.test_client()
    login(editor, "editor@example.org")
    answer = post(editor, f"/edit/submission/{sub.id}/approve", {}, f"/edit/submission/{sub.id}")
    assert answer.status_code == 400 and "ist schon vergeben" in answer.get_data(as_text=True)
    app.extensions["store"].reload()
    other = app.test_client().get(f"/api/offers/{taken}").get_json()
    assert other["properties"]["title"] == OTHER["properties"]["offers"][0]["title"]["de"]


def test_provider_reopens_the_draft_of_a_new_offer(app, client):
    account(app, "provider@example.org", "provider", (PLACE["id"],))
    login(client, "provider@example.org")
    fields = {"id": "neues-angebot-test", "title_de": "Neues Angebot", "topics": ["physik"],
              "groups": ["sek1"], "format": "workshop", "cost": "unknown", "status": "active",
              "source_url": "https://example.org/neu", "version": "0", "action": "draft"}
    assert post(client, f"/edit/place/{PLACE['id']}/new-offer", fields).status_code == 302
    again = client.get("/edit/offer/neues-angebot-test")
    assert again.status_code == 200 and "Neues Angebot" in again.get_data(as_text=True)
    changed = {**fields, "title_de": "Neues Angebot, verbessert", "action": "submit"}
    changed.pop("id")
    assert post(client, "/edit/offer/neues-angebot-test", changed).status_code == 302
    drafts = [s for s in submissions(app) if s.target_id == "neues-angebot-test"]
    assert len(drafts) == 1 and drafts[0].state == "submitted"
    stranger = app.test_client()
    account(app, "other@example.org", "provider", (OTHER["id"],))
    login(stranger, "other@example.org")
    assert stranger.get("/edit/offer/neues-angebot-test").status_code in (403, 404)
