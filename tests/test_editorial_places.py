"""New places through the editors' form follow the data rules: a source, an official
Stadtteil in its Stadtbezirk (both databases)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
from editorial_helpers import account, login, post
from sqlalchemy import select
from sqlalchemy.orm import Session

from explorer import create_app
from explorer.db.models import Record
from explorer.when import local_today

GEODATA = Path(__file__).resolve().parent.parent / "geodata"


@pytest.fixture
def app(db_url, tmp_path):
    return create_app({"TESTING": True, "DATA_DIR": str(GEODATA),
                       "STATE_DIR": str(tmp_path / "state"), "DATABASE_URL": db_url,
                       "RELOAD_INTERVAL": 0, "TILE_URL": "", "SECRET_KEY": "test secret",
                       "LOGIN_RATE_LIMIT": "100 per minute"})


def new_place(**extra) -> dict:
    return {"id": "sternfreunde-test", "name": "Sternfreunde Test", "kind": "club",
            "street": "Weg 1", "postcode": "44801", "stadtteil": "Querenburg",
            "stadtbezirk": "Bochum-Süd", "lat": "51.445", "lon": "7.26",
            "coordinate_text": "Vereinsseite (Kartenpunkt)",
            "coordinate_url": "https://example.org/karte", "website": "",
            "description_de": "Ein Verein für Himmelsbeobachtung.", "description_en": "",
            "wheelchair": "", "transit_stop": "", "transit_lines": "",
            "source_url": "https://example.org/verein", "version": "0", "action": "publish",
            **extra}


def test_a_new_place_needs_a_source_and_an_official_stadtteil(app, client):
    account(app, "editor@example.org", "editor")
    login(client, "editor@example.org")
    form = client.get("/edit/new-place").get_data(as_text=True)
    assert '<option value="Weitmar-Mark">Weitmar-Mark (Bochum-Südwest)</option>' in form

    refused = post(client, "/edit/new-place", new_place(source_url="", stadtteil="Gerthe"))
    html = refused.get_data(as_text=True)
    assert refused.status_code == 400
    assert re.search(r'id="f-source_url"[^>]*aria-invalid="true"', html)
    assert re.search(r'id="f-stadtteil"[^>]*aria-invalid="true"', html)
    assert client.get("/api/places/sternfreunde-test").status_code == 404  # nothing written

    published = post(client, "/edit/new-place", new_place())
    assert published.status_code in (200, 302, 303), published.get_data(as_text=True)
    exported = client.get("/api/places/sternfreunde-test")
    assert exported.status_code == 404  # no offer yet: kept, not served
    with Session(app.extensions["db"]) as session:
        row = session.execute(select(Record).where(Record.id == "sternfreunde-test")).scalar_one()
    props = json.loads(row.data)["properties"]
    assert props["sources"] == [{"url": "https://example.org/verein",
                                 "read": local_today().isoformat()}]
    assert props["stadtteil"] == "Querenburg"
