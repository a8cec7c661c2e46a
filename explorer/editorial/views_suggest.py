"""Visitors suggest an offer or a place, or report an error; no account needed.

Spam is held off by a per-client limit (Flask-Limiter) and a honeypot field that people
never see; there is no third-party captcha. A suggestion gets a secret status link, where
its submitter later reads the decision and, if rejected, the reason.
"""

from __future__ import annotations

import secrets

from flask import Blueprint, abort, current_app, request

from ..db.models import Submission
from ..schema import is_http_url
from ..text import slugify
from ..when import local_today
from . import limiter, workflow
from .accounts import EMAIL
from .web import db, lang, page, snapshot, taxonomy_choices

bp = Blueprint("suggest", __name__)
WHATS = ("offer", "report", "place")
LIMITS = {"title": 200, "description": 2000, "message": 2000, "link": 500, "contact": 254,
          "place": 160, "offer": 160}


def suggest_limit() -> str:
    return current_app.config["SUGGEST_RATE_LIMIT"]


def choices(language: str) -> dict:
    snap = snapshot()
    places = sorted(((f["id"], f["properties"]["name"]) for f in snap.served),
                    key=lambda x: x[1].casefold())
    return {"places": places, "topics": taxonomy_choices("topics", language),
            "groups": taxonomy_choices("groups", language),
            "formats": taxonomy_choices("formats", language)}


def check(form, snap) -> tuple[dict, dict[str, list[str]]]:
    """The typed values and the problems, per field (messages as explorer check words
    them; the page shows them in its language)."""
    errors: dict[str, list[str]] = {}

    def bad(name: str, text: str) -> None:
        errors.setdefault(name, []).append(text)

    v = {k: (form.get(k) or "").strip() for k in ("what", "place", "offer", "title",
                                                   "description", "message", "link",
                                                   "contact", "format")}
    v["topics"], v["groups"] = form.getlist("topics"), form.getlist("groups")
    for name, limit in LIMITS.items():
        if len(v[name]) > limit:
            bad(name, f"is longer than {limit} characters")
    if v["what"] not in WHATS:
        bad("what", f"{v['what']!r} is not one of offer, report, place")
    if v["what"] in ("offer", "report") and v["place"] not in snap.positions:
        bad("place", f"unknown place {v['place']!r}")
    if v["what"] in ("offer", "place") and not v["title"]:
        bad("title", "must be a non-empty text")
    if v["what"] == "offer":
        if not v["topics"]:
            bad("topics", "is empty: an offer on this map needs a MINT topic")
        elif not set(v["topics"]) <= set(snap.taxonomy["topics"]):
            bad("topics", "unknown id")
        if not set(v["groups"]) <= set(snap.taxonomy["groups"]):
            bad("groups", "unknown id")
        if v["format"] not in snap.taxonomy["formats"]:
            bad("format", f"{v['format']!r} is not one of the formats")
    if v["what"] in ("offer", "place") and not is_http_url(v["link"]):
        bad("link", f"{v['link']!r} is not an absolute http(s) URL")
    if v["what"] in ("report", "place") and not v["message"]:
        bad("message", "must be a non-empty text")
    if v["contact"] and not EMAIL.match(v["contact"]):
        bad("contact", f"{v['contact']!r} is not an e-mail address")
    return v, errors


def proposed_offer(v: dict) -> dict:
    today = local_today().isoformat()
    return {"id": f"{slugify(v['title'])}-{secrets.token_hex(3)}",
            "title": {"de": v["title"]},
            "description": {"de": v["description"]} if v["description"] else None,
            "topics": v["topics"], "groups": v["groups"], "format": v["format"],
            "grade_min": None, "grade_max": None, "age_min": None, "age_max": None,
            "cost": "unknown", "price_eur": None, "but_eligible": None, "group_size": None,
            "duration_min": None, "languages": [], "booking": None, "group_booking": None,
            "when": None, "status": "active", "ended_on": None,
            "source": {"url": v["link"], "checked": today}, "notes": None}


@bp.route("/suggest", methods=["GET", "POST"])
@limiter.limit(suggest_limit, methods=["POST"])
def suggest():
    language, snap = lang(), snapshot()
    if request.method == "GET":
        what = request.args.get("what", "offer")
        values = {"what": what if what in WHATS else "offer",
                  "place": request.args.get("place", ""), "offer": request.args.get("offer", "")}
        return page("editorial/suggest.html", values=values, **choices(language))
    if request.form.get("homepage"):  # the honeypot: only robots fill it in
        return page("editorial/suggest_done.html", token=None)
    values, errors = check(request.form, snap)
    if errors:
        return page("editorial/suggest.html", 400, values=values, errors=errors,
                    **choices(language))
    session = db()
    what = values["what"]
    if what == "offer":
        data = proposed_offer(values)
        sub = workflow.suggest(session, kind="offer", place_id=values["place"],
                               target_id=data["id"], data=data, message=values["message"],
                               contact=values["contact"])
    else:
        note = values["message"]
        if what == "place":
            note = f"{values['title']}\n{values['link']}\n\n{note}"
        target = values["offer"] if values["offer"] in snap.offer_positions else None
        place = values["place"] if what == "report" else None  # a new place has none yet
        sub = workflow.suggest(session, kind="report", place_id=place,
                               target_id=target, data=None, message=note,
                               contact=values["contact"])
    session.commit()
    return page("editorial/suggest_done.html", token=sub.token)


@bp.get("/suggest/status/<token>")
def status(token: str):
    sub = db().query(Submission).filter_by(token=token).one_or_none()
    if sub is None or sub.user_id is not None:
        abort(404)
    return page("editorial/suggest_status.html", sub=sub)
