"""Settings declared once as data, with their help text.

Every setting can be given as an environment variable ``EXPLORER_<NAME>`` or in the
``test_config`` mapping passed to :func:`explorer.create_app`. The README's settings table
is checked against this list by the tests, so a setting cannot go undocumented.
"""

from __future__ import annotations

import ipaddress
import os
import re
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

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
    # validates and normalises a value (from the environment or test_config); ValueError
    check: Callable[[Any], Any] | None = None

    def parse(self, raw: str) -> Any:
        """Environment values are strings; coerce them to the default's type."""
        value: Any = raw
        if isinstance(self.default, bool):
            value = raw.strip().lower() in {"1", "true", "yes", "on"}
        elif isinstance(self.default, int):
            value = int(raw)
        elif isinstance(self.default, float):
            value = float(raw)
        return self.check(value) if self.check else value


# name or IPv4 | [IPv6], then an optional port: what a Host header may hold
HOST_RE = re.compile(r"(\[[0-9a-f:.]+\]|[a-z0-9.-]+)(?::([0-9]{1,5}))?", re.ASCII)
MAX_HOST = 260  # a DNS name has at most 253 characters, plus a port


def host_name(value: str) -> str | None:
    """The name in a Host value (``name[:port]``), lower case, without the port or a final
    dot; None when malformed: characters, port, an IPv6 literal that is none, or a name that IDNA
    cannot encode and decode (a label over 63 characters, ``xn--zz``), which is what
    werkzeug does with it when it builds a URL."""
    match = HOST_RE.fullmatch(value.lower()) if len(value) <= MAX_HOST else None
    if match is None or (match[2] and not 0 < int(match[2]) < 65536):
        return None
    name = match[1]
    try:
        if name.startswith("["):
            ipaddress.IPv6Address(name[1:-1])
        else:
            name.encode("idna").decode("idna")
    except ValueError:  # UnicodeError and AddressValueError are ValueErrors
        return None
    return name.rstrip(".")


def public_url(raw: str | None) -> str:
    """PUBLIC_URL without a trailing slash ('' when unset); ValueError says what is wrong."""
    raw = (raw or "").strip()
    if not raw:
        return ""
    parts = urlsplit(raw)  # ValueError for e.g. an unclosed IPv6 bracket
    if parts.scheme not in ("http", "https"):
        raise ValueError("must start with http:// or https://")
    if "?" in raw or "#" in raw or any(c.isspace() for c in raw):
        raise ValueError("must have no query, fragment or spaces")
    if "@" in parts.netloc or host_name(parts.netloc) is None:
        raise ValueError("needs a valid host name, e.g. https://mint.example.org")
    return f"{parts.scheme}://{parts.netloc.lower()}{parts.path.rstrip('/')}"


def host_list(raw: str | None) -> str:
    """ALLOWED_HOSTS normalised (lower case, no ports, no spaces); ValueError names the
    entry that is no host name."""
    names = []
    for entry in (e.strip().lower() for e in (raw or "").split(",")):
        if entry == "*":
            names.append(entry)
        elif entry:
            name = host_name(entry.removeprefix("."))
            if name is None:
                raise ValueError(f"{entry!r} is not a host name (a name, IPv4 address or "
                                 "[IPv6] address; '.example.org' for its subdomains too; "
                                 "'*' for any)")
            names.append("." + name if entry.startswith(".") else name)
    return ",".join(names)


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
            "Planner work per client and minute before 429 (0 disables): each new analysis "
            "or export that must be computed costs its estimated cells / 10,000 (at least 1)."),
    Setting("PLANNER_REQUEST_LIMIT", 60,
            "Requests to the planner (page, map, /api/coverage, exports) per client and "
            "minute, whatever they ask; beyond them 429, answered before the app (0 "
            "disables)."),
    Setting("PLANNER_REQUESTS_PER_SECOND", 25,
            "Planner requests one server process lets into the app each second, all clients "
            "together; beyond them 503, answered before the app (0 disables). A client "
            "also gets at most a twentieth of PLANNER_REQUEST_LIMIT (at least 3) in any second."),
    Setting("PLANNER_HOLD_S", 2.0,
            "`explorer serve` holds the refusal of a client that asks the planner again "
            "before its Retry-After for up to this long, without a worker thread (0 answers "
            "at once)."),
    Setting("PLANNER_CACHE_MB", 24,
            "Memory for the planner's serialised answers, kept gzip-compressed (MiB)."),
    Setting("PLANNER_WORKERS", 1,
            "Analyses and exports computed at once, across all clients (one leaves the "
            "other core to the map's visitors on a 2-core server)."),
    Setting("PLANNER_TOTAL_RATE_LIMIT", 120,
            "Units of planner work a minute for all clients together (costs as for "
            "COVERAGE_RATE_LIMIT); beyond them 503 with Retry-After (0 disables)."),
    Setting("PLANNER_QUEUE", 2,
            "Further analyses and exports that may wait for a worker; beyond them 503."),
    Setting("PLANNER_QUEUE_WAIT", 2.0,
            "Seconds a waiting analysis or export waits for a worker before 503."),
    Setting("PLANNER_CELL_BUDGET", 60_000,
            "Largest grid (cells over the study area's bounds) an analysis may use; a "
            "larger one is refused with 400 before any work."),
    Setting("TRUSTED_PROXIES", "",
            "Reverse proxies (IP addresses or networks, comma-separated) whose "
            "X-Forwarded-For names the client; from any other address the header is ignored."),
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
            "The site's public address (http or https, a host, maybe a path; no query), "
            "e.g. https://mint.example.org. When set, every absolute URL the app writes "
            "(embed snippets, builder, oEmbed, calendar feeds, place pages' JSON-LD, "
            "e-mail links) starts with it, never with a request's Host. Password resets "
            "and `explorer remind` need it.", public_url),
    Setting("DATA_LICENSE", "cc-by/4.0",
            "Licence of the published data (downloads, APIs, planner exports) as a "
            "DCAT-AP.de licence URI (http://dcat-ap.de/def/licenses/...) or its tail; "
            "/catalog.ttl names it on every distribution. The project's own data in "
            "geodata/ is CC BY 4.0; empty states no licence."),
    Setting("PUBLISHER_NAME", "MINT explorer Bochum",
            "Publisher of the data named in /catalog.ttl (foaf:Agent)."),
    Setting("PUBLISHER_URL", "",
            "The publisher's IRI (e.g. its website); empty: /catalog#publisher."),
    Setting("CONTACT_EMAIL", "",
            "Contact e-mail for the published data (dcat:contactPoint in /catalog.ttl)."),
    Setting("CONTACT_URL", "",
            "Contact page for the published data (dcat:contactPoint in /catalog.ttl)."),
    Setting("CONTRIBUTOR_ID", "",
            "dcatde:contributorID for GovData: a URI of http://dcat-ap.de/def/contributors/."),
    Setting("ALLOWED_HOSTS", "127.0.0.1,localhost,[::1]",
            "Host names the app answers to, comma-separated; PUBLIC_URL's host is always "
            "added. Ports do not matter; `.example.org` also allows its subdomains, `*` any "
            "well-formed host. A request with another or a malformed Host header gets 400.",
            host_list),
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
    Setting("MALLOC_ARENAS", 2,
            "glibc malloc arenas for `explorer serve` (M_ARENA_MAX; 0 keeps glibc's default "
            "of 8 per core): fewer arenas keep less freed memory."),
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
        values[setting.name] = _parsed(setting, raw, setting.parse)
    return values


def _parsed(setting: Setting, value: Any, parse: Callable[[Any], Any]) -> Any:
    try:
        return parse(value)
    except ValueError as exc:
        raise SettingError(f"{ENV_PREFIX}{setting.name}={value!r}: {exc}") from None


def validate(cfg: dict[str, Any]) -> None:
    """Check (and normalise) the settings that declare a check, wherever they came from."""
    for setting in SETTINGS:
        if setting.check is not None:
            cfg[setting.name] = _parsed(setting, cfg[setting.name], setting.check)


def allowed_hosts(cfg: dict[str, Any]) -> frozenset[str] | None:
    """The Host names answered (after :func:`validate`): ALLOWED_HOSTS and PUBLIC_URL's
    host; None: any well-formed one."""
    names = {n for n in cfg["ALLOWED_HOSTS"].split(",") if n}
    if cfg["PUBLIC_URL"]:
        names.add(host_name(urlsplit(cfg["PUBLIC_URL"]).netloc) or "")
    if "*" in names:
        return None
    if not names:
        raise SettingError(f"{ENV_PREFIX}ALLOWED_HOSTS is empty and {ENV_PREFIX}PUBLIC_URL "
                           "is not set: no request could be answered")
    return frozenset(names)
