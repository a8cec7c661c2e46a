"""Settings declared once as data, with their help text.

Every setting can be given as an environment variable ``EXPLORER_<NAME>`` or in the
``test_config`` mapping passed to :func:`explorer.create_app`. The README's settings table
is checked against this list by the tests, so a setting cannot go undocumented.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any

REPO_ROOT = Path(__file__).resolve().parent.parent
ENV_PREFIX = "EXPLORER_"


class SettingError(SystemExit):
    """A setting, or a combination of settings, that cannot work. Start-up stops with the
    message, which names the variable; a SystemExit, so no traceback."""


@dataclass(frozen=True)
class Setting:
    name: str
    default: Any
    help: str

    def parse(self, raw: str) -> Any:
        """Environment values are strings; coerce them to the default's type."""
        if isinstance(self.default, bool):
            return raw.strip().lower() in {"1", "true", "yes", "on"}
        if isinstance(self.default, int):
            return int(raw)
        if isinstance(self.default, float):
            return float(raw)
        return raw


SETTINGS: list[Setting] = [
    Setting("DATA_DIR", str(REPO_ROOT / "geodata"),
            "Folder with the curated data: places.geojson, taxonomy.json, areas.geojson, "
            "gazetteer.json."),
    Setting("AREAS_FILE", "",
            "GeoJSON file with focus areas that replaces DATA_DIR/areas.geojson "
            "(e.g. an official WLAB boundary)."),
    Setting("CITY_OUTLINE_FILE", "",
            "GeoJSON of Bochum's outline for the planner grid; several named features "
            "(e.g. Stadtbezirke) also become district rows. Empty: the bounding box."),
    Setting("STATE_DIR", str(REPO_ROOT / "instance"),
            "Writable folder for imported layers and the geocoding cache (not in the repo)."),
    Setting("TILE_URL", "https://tile.openstreetmap.org/{z}/{x}/{y}.png",
            "Map tile URL template; the only third-party request a page makes. Empty: no tiles."),
    Setting("TILE_ATTRIBUTION", "&copy; OpenStreetMap contributors",
            "Attribution shown for the tiles (HTML allowed, it is set by the operator)."),
    Setting("DEFAULT_LANG", "de", "Language of pages and API answers without lang= (de or en)."),
    Setting("EMBED_FRAME_ANCESTORS", "*",
            "Origins allowed to frame /embed, space-separated (CSP frame-ancestors); "
            "'*' allows any. Other pages may only be framed by the app itself."),
    Setting("CACHE_MAX_AGE", 60, "Cache-Control max-age in seconds for API answers."),
    Setting("RESPONSE_CACHE_MB", 64,
            "Memory for cached answers, each of plain and gzip bodies (MiB); keyed by ETag."),
    Setting("GEOCODER_URL", "https://nominatim.openstreetmap.org/search",
            "Nominatim-compatible search endpoint used by `explorer geocode` and, with "
            "ADDRESS_LOOKUP, by `/api/where/address`."),
    Setting("GEOCODER_USER_AGENT",
            "mint-explorer-bochum/0.1 (map of MINT learning places in Bochum; data upkeep)",
            "Descriptive User-Agent sent to the geocoder (Nominatim usage policy)."),
    Setting("GEOCODER_EMAIL", "",
            "Contact e-mail sent to the geocoder as `email=`; required for the public "
            "Nominatim."),
    Setting("GEOCODER_MIN_INTERVAL", 1.0,
            "Seconds between two geocoder requests (Nominatim allows one per second; the "
            "public one is never asked more often)."),
    Setting("GEOCODER_TIMEOUT", 10.0,
            "Seconds a geocoder request may take in all (connecting, waiting, reading the "
            "answer) before it counts as timed out."),
    Setting("GEOCODER_RETRIES", 3,
            "Retries of a geocoder request after a timeout, connection error, HTTP 429 or 5xx."),
    Setting("GEOCODER_BACKOFF", 2.0,
            "Seconds before the first geocoder retry; doubled for each further retry. The "
            "address lookup asks nothing for this long after a failed request."),
    Setting("ADDRESS_LOOKUP", False,
            "Street addresses in the \"where\" box: `/api/where/address` asks GEOCODER_URL, "
            "server-side, cached, one request per GEOCODER_MIN_INTERVAL. Off: no visitor's "
            "input leaves the server. The public Nominatim needs GEOCODER_EMAIL."),
    Setting("ADDRESS_RATE_LIMIT", 20,
            "Address lookups that need the geocoder, per client and minute, before 429 "
            "(0 disables)."),
    Setting("OPENDATA_BASE_URL",
            "https://raw.githubusercontent.com/StadtBochum/OpenData/main/data/EDUC",
            "Upstream folder of the City of Bochum's education POI files."),
    Setting("COVERAGE_RATE_LIMIT", 30,
            "Coverage analyses per client and minute before 429 (0 disables)."),
    Setting("RELOAD_INTERVAL", 2.0,
            "Seconds between checks for changed data files (0: no automatic reload)."),
    Setting("DATABASE_URL", "",
            "Editorial database. Empty: SQLite in STATE_DIR/explorer.db (created, migrated "
            "and seeded from DATA_DIR on start). `postgresql://user@host/db` for a shared "
            "one; `none`: serve DATA_DIR's files read-only, no editing."),
    Setting("SECRET_KEY", "",
            "Signs session cookies, CSRF and reset tokens. Empty: a random key kept in "
            "STATE_DIR/secret_key (give several processes the same key)."),
    Setting("COOKIE_SECURE", False,
            "Send session cookies only over HTTPS (set it behind an HTTPS proxy)."),
    Setting("PUBLIC_URL", "",
            "The site's public address (e.g. https://mint.example.org) for links in e-mails; "
            "password resets and `explorer remind` need it (a request's Host is not "
            "trusted for them)."),
    Setting("MAIL_SERVER", "", "SMTP host for password resets and reminders (empty: no mail)."),
    Setting("MAIL_PORT", 25, "SMTP port."),
    Setting("MAIL_SECURITY", "none", "SMTP security: none, starttls or ssl."),
    Setting("MAIL_USERNAME", "", "SMTP user (empty: no login)."),
    Setting("MAIL_PASSWORD", "", "SMTP password."),
    Setting("MAIL_FROM", "mint-explorer@localhost", "Sender address of the e-mails."),
    Setting("SUGGEST_RATE_LIMIT", "5 per minute;30 per day",
            "Visitor suggestions per client before 429 (Flask-Limiter syntax)."),
    Setting("LOGIN_RATE_LIMIT", "10 per minute;50 per hour",
            "Login and password-reset attempts per client before 429."),
    Setting("LIMITER_STORAGE_URI", "memory://",
            "Where the limits count (e.g. redis://localhost:6379 to share them between "
            "processes)."),
    Setting("STALE_MONTHS", 12,
            "Records not checked for this many months are flagged and reminded."),
    Setting("HOST", "127.0.0.1", "Address `explorer serve` listens on."),
    Setting("PORT", 5000, "Port `explorer serve` listens on."),
    Setting("THREADS", 8, "Worker threads of the production server (waitress)."),
    Setting("SWITCH_INTERVAL_MS", 1.0,
            "Python's thread switch interval in `explorer serve` (ms): short, so requests "
            "are not held up while a reload computes (Python's default is 5)."),
]


def defaults() -> dict[str, Any]:
    return {s.name: s.default for s in SETTINGS}


def from_env(environ: dict[str, str] | None = None) -> dict[str, Any]:
    """Settings from ``EXPLORER_*`` variables; a malformed value names the variable."""
    environ = os.environ if environ is None else environ
    values: dict[str, Any] = {}
    for setting in SETTINGS:
        raw = environ.get(ENV_PREFIX + setting.name)
        if raw is None:
            continue
        try:
            values[setting.name] = setting.parse(raw)
        except ValueError as exc:
            raise SettingError(f"{ENV_PREFIX}{setting.name}={raw!r}: {exc}") from None
    return values
