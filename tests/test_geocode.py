"""`explorer geocode` against a real local HTTP server that behaves like Nominatim."""

from __future__ import annotations

import csv
import io
import json
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from click.testing import CliRunner, Result
from conftest import GEODATA
from pytest_httpserver import HTTPServer
from trickle import LASTS, TricklingHeaders, trickling_body
from werkzeug import Request, Response

from explorer.cli import main
from explorer.pipeline import atomic
from explorer.pipeline.geocode import Address, GeocodeCache, RateLimiter, retry_after_seconds
from explorer.schema import validate_places

PLANETARIUM = (51.485439, 7.227772)
BERLIN = (52.520008, 13.404954)
USER_AGENT = "mint-explorer-tests/1.0 (ops@example.org)"
HEADER = "name,street,postcode,city,note\n"


def hits(*points: tuple[float, float]) -> Response:
    body = [{"lat": str(lat), "lon": str(lon), "display_name": "somewhere",
             "licence": "Data © OpenStreetMap contributors, ODbL 1.0."} for lat, lon in points]
    return Response(json.dumps(body), content_type="application/json")


def by_street(table: dict[str, tuple[float, float] | None],
              free_text: dict[str, tuple[float, float] | None] | None = None):
    """Structured answers by street, free-text answers by the start of q."""
    def answer(request: Request, _n: int) -> Response:
        if "q" in request.args:
            street = request.args["q"].split(",")[0]
            point = (free_text or {}).get(street)
        else:
            point = table.get(request.args["street"])
        return hits(point) if point else hits()
    return answer


def geocode(server: HTTPServer | TricklingHeaders, state: Path, *args: str,
            min_interval: float = 0.0, timeout: float = 2.0, backoff: float = 0.01) -> Result:
    env = {"EXPLORER_GEOCODER_URL": server.url_for("/search"),
           "EXPLORER_GEOCODER_USER_AGENT": USER_AGENT,
           "EXPLORER_GEOCODER_EMAIL": "ops@example.org"}
    options = ["--state-dir", str(state), "--min-interval", str(min_interval),
               "--timeout", str(timeout), "--backoff", str(backoff)]
    return CliRunner().invoke(main, ["geocode", *args, *options], env=env)


def write_csv(path: Path, *rows: str) -> Path:
    path.write_text(HEADER + "".join(r + "\n" for r in rows), encoding="utf-8")
    return path


def read_csv(path: Path) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(path.read_text(encoding="utf-8"))))


def test_structured_hit_fills_csv_keeps_columns_and_follows_policy(
        tmp_path: Path, server, nominatim) -> None:
    fake = nominatim(by_street({"Castroper Str. 67": PLANETARIUM}))
    path = write_csv(tmp_path / "in.csv", "Planetarium,Castroper Str. 67,44791,Bochum,dome")
    result = geocode(server, tmp_path / "state", str(path))
    assert result.exit_code == 0, result.output
    [row] = read_csv(path)
    assert (row["lat"], row["lon"]) == ("51.485439", "7.227772")
    assert row["note"] == "dome" and row["name"] == "Planetarium"
    assert server.url_for("/search") in row["coordinate_source"]
    assert "structured" in row["coordinate_source"]
    assert row["geocoded_at"].endswith("Z") and row["geocoded_at"][:4].isdigit()
    [(_, args, headers)] = fake.calls
    assert args == {"format": "jsonv2", "countrycodes": "de", "limit": "1",
                    "email": "ops@example.org", "street": "Castroper Str. 67",
                    "postalcode": "44791", "city": "Bochum", "country": "Deutschland"}
    assert headers["User-Agent"] == USER_AGENT
    assert "geocoded 1, from cache 0, not found 0 (0 cached), failed 0" in result.stdout


def test_free_text_fallback_after_empty_structured_answer(tmp_path: Path, server,
                                                          nominatim) -> None:
    fake = nominatim(by_street({}, free_text={"Kortumstr. 1": PLANETARIUM}))
    path = write_csv(tmp_path / "in.csv", "X,Kortumstr. 1,44787,Bochum,")
    result = geocode(server, tmp_path / "state", str(path))
    assert result.exit_code == 0, result.output
    assert [("q" in a) for a in fake.args] == [False, True]
    assert fake.args[1]["q"] == "Kortumstr. 1, 44787 Bochum, Deutschland"
    [row] = read_csv(path)
    assert row["lat"] == "51.485439" and "free-text" in row["coordinate_source"]


def raw(body: str) -> Callable[[Request, int], Response]:
    return lambda request, n: Response(body, content_type="application/json")


WRONG_ANSWERS = {  # what the geocoder answers -> what the record's report must say
    "outside Bochum": (by_street({"Hauptstr. 1": BERLIN}, free_text={"Hauptstr. 1": BERLIN}),
                       "result outside Bochum"),
    "outside, then nothing": (by_street({"Hauptstr. 1": BERLIN}),
                              "result outside Bochum"),
    "NaN strings": (raw('[{"lat": "NaN", "lon": "nan"}]'), "lat/lon not finite"),
    "NaN literals": (raw('[{"lat": NaN, "lon": NaN}]'), "malformed JSON"),
    "Infinity": (raw('[{"lat": Infinity, "lon": 7.2}]'), "malformed JSON"),
    "overflow": (raw('[{"lat": "1e999", "lon": "7.2"}]'), "lat/lon not finite"),
    "entry without lat": (raw('[{"lon": "7.2", "display_name": "x"}]'), "no numeric lat/lon"),
    "entry not an object": (raw('["Bochum"]'), "no numeric lat/lon"),
}


@pytest.mark.parametrize("case", WRONG_ANSWERS)
def test_wrong_answers_fail_the_record_are_not_cached_and_are_asked_again(
        tmp_path: Path, server, nominatim, case: str) -> None:
    answer, message = WRONG_ANSWERS[case]
    nominatim(answer)
    state = tmp_path / "state"
    path = write_csv(tmp_path / "in.csv", "X,Hauptstr. 1,44801,Bochum,")
    result = geocode(server, state, str(path))
    assert result.exit_code == 1, result.output
    assert 'FAILED: row 2 "X": ' in result.stderr and message in result.stderr
    assert "asked again next run" in result.stderr
    assert "not found 0 (0 cached), failed 1" in result.stdout
    assert read_csv(path)[0]["lat"] == ""
    cache = state / "geocode-cache.json"
    assert not cache.exists() or json.loads(cache.read_text())["entries"] == {}
    server.clear()  # the geocoder is fixed
    fixed = nominatim(lambda request, n: hits(PLANETARIUM))
    again = geocode(server, state, str(path))
    assert again.exit_code == 0, again.output
    assert len(fixed.calls) == 1  # asked, not answered "not found" from the cache
    assert read_csv(path)[0]["lat"] == "51.485439"
    assert "geocoded 1, from cache 0, not found 0 (0 cached), failed 0" in again.stdout


def test_outside_bochum_then_a_free_text_hit_is_found(tmp_path: Path, server,
                                                      nominatim) -> None:
    nominatim(by_street({"Hauptstr. 1": BERLIN}, free_text={"Hauptstr. 1": PLANETARIUM}))
    path = write_csv(tmp_path / "in.csv", "X,Hauptstr. 1,44801,Bochum,")
    result = geocode(server, tmp_path / "state", str(path))
    assert result.exit_code == 0, result.output
    assert read_csv(path)[0]["lat"] == "51.485439"
    assert "free-text" in read_csv(path)[0]["coordinate_source"]


def test_poisoned_entries_of_an_older_cache_are_asked_again(tmp_path: Path, server,
                                                            nominatim) -> None:
    url = server.url_for("/search")
    streets = {"Weg 1": "found", "Weg 2": "honest miss", "Weg 3": "outside", "Weg 4": "NaN"}
    reasons = {"honest miss": "structured query: no match; free-text query: no match",
               "outside": "structured query: result outside Bochum (Berlin); free-text "
                          "query: result outside Bochum (Berlin)",
               "NaN": "structured query: result outside Bochum (nan, nan)"}
    entries = {}
    for street, kind in streets.items():
        key = GeocodeCache.key(url, Address(street, "44791", "Bochum"))
        entries[key] = ({"status": "found", "lat": PLANETARIUM[0], "lon": PLANETARIUM[1],
                         "query": "structured", "url": url, "obtained": "2025-01-01T00:00:00Z",
                         "reason": "", "licence": ""} if kind == "found" else
                        {"status": "not_found", "lat": None, "lon": None, "query": "",
                         "url": url, "obtained": "2025-01-01T00:00:00Z",
                         "reason": reasons[kind], "licence": ""})
    state = tmp_path / "state"
    state.mkdir()
    (state / "geocode-cache.json").write_text(json.dumps({"version": 1, "entries": entries}))
    fake = nominatim(lambda request, n: hits(PLANETARIUM))
    path = write_csv(tmp_path / "in.csv", *(f"{s},{s},44791,Bochum," for s in streets))
    result = geocode(server, state, str(path))
    assert result.exit_code == 0, result.output
    assert sorted(a["street"] for a in fake.args) == ["Weg 3", "Weg 4"]
    assert "2 cached answer(s) were not real answers" in result.stderr
    assert "geocoded 2, from cache 1, not found 1 (1 cached), failed 0" in result.stdout
    assert [r["lat"] != "" for r in read_csv(path)] == [True, False, True, True]
    cache = json.loads((state / "geocode-cache.json").read_text())["entries"]
    assert sorted(e["status"] for e in cache.values()) == ["found", "found", "found",
                                                           "not_found"]


def test_429_then_success_honours_retry_after(tmp_path: Path, server, nominatim) -> None:
    def answer(request: Request, n: int) -> Response:
        if n == 1:
            return Response("slow down", status=429, headers={"Retry-After": "1"})
        return hits(PLANETARIUM)

    fake = nominatim(answer)
    path = write_csv(tmp_path / "in.csv", "X,Castroper Str. 67,44791,Bochum,")
    result = geocode(server, tmp_path / "state", str(path), backoff=0.01)
    assert result.exit_code == 0, result.output
    assert len(fake.calls) == 2
    assert fake.times[1] - fake.times[0] >= 1.0  # Retry-After wins over the 0.01 s backoff
    assert read_csv(path)[0]["lat"] == "51.485439"


def test_server_errors_are_retried_with_backoff_then_fail(tmp_path: Path, server,
                                                          nominatim) -> None:
    fake = nominatim(lambda request, n: Response("down", status=503))
    path = write_csv(tmp_path / "in.csv", "X,Castroper Str. 67,44791,Bochum,")
    result = geocode(server, tmp_path / "state", str(path), "--retries", "2", backoff=0.1)
    assert result.exit_code == 1
    assert len(fake.calls) == 3
    gaps = [b - a for a, b in zip(fake.times, fake.times[1:], strict=False)]
    assert gaps[0] >= 0.1 and gaps[1] >= 0.2  # exponential: 0.1 s, then 0.2 s
    assert "HTTP 503" in result.stderr and "3 attempts" in result.stderr
    assert "failed 1" in result.stdout


def test_hanging_request_times_out_and_is_retried(tmp_path: Path, server, nominatim) -> None:
    def answer(request: Request, n: int) -> Response:
        if n == 1:
            time.sleep(1.5)
        return hits(PLANETARIUM)

    fake = nominatim(answer)
    path = write_csv(tmp_path / "in.csv", "X,Castroper Str. 67,44791,Bochum,")
    result = geocode(server, tmp_path / "state", str(path), "--retries", "1", timeout=0.5)
    # A second call happens only because the first one was abandoned at the timeout.
    assert result.exit_code == 0, result.output
    assert len(fake.calls) == 2
    assert read_csv(path)[0]["lat"] == "51.485439"


def test_hanging_server_fails_the_record_in_bounded_time(tmp_path: Path, server,
                                                         nominatim) -> None:
    def answer(request: Request, n: int) -> Response:
        time.sleep(1.5)
        return hits(PLANETARIUM)

    nominatim(answer)
    path = write_csv(tmp_path / "in.csv", "X,Castroper Str. 67,44791,Bochum,")
    result = geocode(server, tmp_path / "state", str(path), "--retries", "1", timeout=0.5)
    assert result.exit_code == 1
    assert "timed out after 0.5 s" in result.stderr and "failed 1" in result.stdout
    assert not (tmp_path / "state" / "geocode-cache.json").exists()  # failures not cached


@pytest.mark.parametrize("upstream", ["body", "headers"])
def test_trickling_upstream_fails_the_record_within_the_deadline(
        tmp_path: Path, server, nominatim, upstream: str) -> None:
    """One byte every 0.5 s never trips a timeout per read; the 2 s deadline per request
    must end each attempt, so the record fails in about timeout x attempts + backoff."""
    path = write_csv(tmp_path / "in.csv", "X,Castroper Str. 67,44791,Bochum,")
    state = tmp_path / "state"
    timeout, attempts = 2.0, 2
    start = time.monotonic()
    if upstream == "body":
        fake = nominatim(lambda request, n: trickling_body(b'[{"lat": "51.485439", "lon": '
                                                           b'"7.227772"}]', "application/json"))
        result = geocode(server, state, str(path), "--retries", "1", timeout=timeout)
        seen = len(fake.calls)
    else:
        with TricklingHeaders() as slow:
            result = geocode(slow, state, str(path), "--retries", "1", timeout=timeout)
            seen = len(slow.requests)
    elapsed = time.monotonic() - start
    assert result.exit_code == 1, result.output
    assert seen == attempts  # each attempt reached the upstream and was cut off
    assert elapsed < 3 * timeout * attempts < LASTS  # the upstream would take 20 s each
    assert f"timed out after {timeout:g} s" in result.stderr
    assert f"gave up after {attempts} attempts" in result.stderr
    assert "failed 1" in result.stdout and read_csv(path)[0]["lat"] == ""
    assert not (state / "geocode-cache.json").exists()


def test_malformed_json_fails_only_that_record(tmp_path: Path, server, nominatim) -> None:
    def answer(request: Request, n: int) -> Response:
        if request.args.get("street") == "Kaputt 1":
            return Response("<html>proxy error", content_type="application/json")
        return hits(PLANETARIUM)

    nominatim(answer)
    path = write_csv(tmp_path / "in.csv", "A,Kaputt 1,44791,Bochum,",
                     "B,Castroper Str. 67,44791,Bochum,")
    result = geocode(server, tmp_path / "state", str(path))
    assert result.exit_code == 1
    assert 'FAILED: row 2 "A": malformed JSON' in result.stderr
    rows = read_csv(path)
    assert rows[0]["lat"] == "" and rows[1]["lat"] == "51.485439"  # progress is kept
    assert "geocoded 1, from cache 0, not found 0 (0 cached), failed 1" in result.stdout


def test_cache_answers_second_run_without_any_request(tmp_path: Path, server,
                                                      nominatim) -> None:
    fake = nominatim(by_street({"Castroper Str. 67": PLANETARIUM}))
    rows = ("A,Castroper Str. 67,44791,Bochum,", "B,Nirgendwo 9,44791,Bochum,",
            "C,castroper  str. 67,44791,Bochum,")  # same address, other spelling
    first = geocode(server, tmp_path / "state", str(write_csv(tmp_path / "1.csv", *rows)))
    assert first.exit_code == 0, first.output
    assert len(fake.calls) == 3  # A: 1 structured; B: structured + free text; C: cached
    assert "geocoded 1, from cache 1, not found 1 (0 cached)" in first.stdout
    second = geocode(server, tmp_path / "state", str(write_csv(tmp_path / "2.csv", *rows)))
    assert second.exit_code == 0, second.output
    assert len(fake.calls) == 3  # the server saw nothing new
    assert "geocoded 0, from cache 2, not found 1 (1 cached), failed 0" in second.stdout
    assert "0 request(s) sent" in second.stdout
    assert read_csv(tmp_path / "2.csv")[0]["lat"] == "51.485439"
    cache = json.loads((tmp_path / "state" / "geocode-cache.json").read_text())
    statuses = sorted(e["status"] for e in cache["entries"].values())
    assert statuses == ["found", "not_found"]


def test_rate_limit_spacing_seen_by_the_server(tmp_path: Path, server, nominatim) -> None:
    fake = nominatim(lambda request, n: hits(PLANETARIUM))
    path = write_csv(tmp_path / "in.csv", "A,Weg 1,44791,Bochum,", "B,Weg 2,44791,Bochum,",
                     "C,Weg 3,44791,Bochum,")
    result = geocode(server, tmp_path / "state", str(path), min_interval=0.2)
    assert result.exit_code == 0, result.output
    assert len(fake.calls) == 3
    assert fake.times[2] - fake.times[0] >= 0.4
    assert all(b - a >= 0.2 for a, b in zip(fake.times, fake.times[1:], strict=False))


def test_retries_go_through_the_rate_limiter(tmp_path: Path, server, nominatim) -> None:
    fake = nominatim(lambda request, n: Response("busy", status=429) if n == 1
                     else hits(PLANETARIUM))
    path = write_csv(tmp_path / "in.csv", "A,Weg 1,44791,Bochum,")
    result = geocode(server, tmp_path / "state", str(path), min_interval=0.3, backoff=0)
    assert result.exit_code == 0, result.output
    assert fake.times[1] - fake.times[0] >= 0.3


def test_places_geojson_records_get_geometry_and_source(tmp_path: Path, server,
                                                        nominatim) -> None:
    nominatim(lambda request, n: hits(PLANETARIUM))
    data = json.loads((GEODATA / "places.geojson").read_text(encoding="utf-8"))
    data["features"] = data["features"][:3]
    data["features"][1]["geometry"] = None
    del data["features"][1]["properties"]["coordinate_source"]
    path = tmp_path / "places.geojson"
    path.write_text(json.dumps(data, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")
    result = geocode(server, tmp_path / "state", str(path))
    assert result.exit_code == 0, result.output
    out = json.loads(path.read_text(encoding="utf-8"))
    feature = out["features"][1]
    assert feature["geometry"] == {"type": "Point", "coordinates": [7.227772, 51.485439]}
    source = feature["properties"]["coordinate_source"]
    assert source["url"] == server.url_for("/search") and "structured" in source["text"]
    assert len(source["obtained"]) == 10  # ISO date, as in the curated records
    assert out["features"][0] == data["features"][0]
    assert out["features"][2] == data["features"][2]
    taxonomy = json.loads((GEODATA / "taxonomy.json").read_text(encoding="utf-8"))
    assert validate_places(out, str(path), taxonomy) == []


BAD_INPUTS = [
    ("in.csv", "name,street,postcode\nA,Weg 1,44791\n", "missing column(s) city"),
    ("in.csv", HEADER + "A,Weg 1,44791,Bochum,\nB,Weg 2,44791\n", "row 3: 3 fields"),
    ("in.csv", "name,street,postcode,city,lat,lon\nA,Weg 1,44791,Bochum,x,7.2\n",
     "row 2 (\"A\"), column 'lat'"),
    ("in.csv", HEADER + "A,,44791,Bochum,\n", "row 2 (\"A\"), column 'street'"),
    ("in.csv", HEADER.encode() + b"A,Weg \xff,44791,Bochum,\n", "not UTF-8"),
    ("places.geojson", '{"type": "FeatureCollection",\n "features": [,]}',
     "invalid JSON at line 2 column"),
    ("places.geojson", '{"type": "FeatureCollection", "features": [{"type": "Feature", '
     '"id": "x", "geometry": null, "properties": {"name": "X"}}]}',
     'feature "x", field "properties.address"'),
]


@pytest.mark.parametrize(("name", "content", "message"), BAD_INPUTS)
def test_bad_input_exits_2_names_the_place_and_touches_nothing(
        tmp_path: Path, server, nominatim, name: str, content: str | bytes,
        message: str) -> None:
    fake = nominatim(lambda request, n: hits(PLANETARIUM))
    path = tmp_path / name
    raw = content if isinstance(content, bytes) else content.encode()
    path.write_bytes(raw)
    result = geocode(server, tmp_path / "state", str(path))
    assert result.exit_code == 2, result.output
    assert str(path) in result.stderr and message in result.stderr, result.stderr
    assert path.read_bytes() == raw
    assert fake.calls == []


def test_missing_input_file_exits_2(tmp_path: Path, server) -> None:
    result = geocode(server, tmp_path / "state", str(tmp_path / "nope.csv"))
    assert result.exit_code == 2 and "cannot read" in result.stderr


def test_failed_write_leaves_input_untouched(tmp_path: Path, server, nominatim,
                                            monkeypatch) -> None:
    nominatim(lambda request, n: hits(PLANETARIUM))
    path = write_csv(tmp_path / "in.csv", "A,Weg 1,44791,Bochum,")
    before = path.read_bytes()
    real_replace = atomic.os.replace

    def replace(src, dst):
        if Path(dst) == path:
            raise OSError(28, "No space left on device")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    result = geocode(server, tmp_path / "state", str(path))
    assert result.exit_code == 1
    assert "cannot write" in result.stderr and "is unchanged" in result.stderr
    assert path.read_bytes() == before
    assert sorted(p.name for p in tmp_path.iterdir()) == ["in.csv", "state"]


def test_output_option_leaves_input_alone(tmp_path: Path, server, nominatim) -> None:
    nominatim(lambda request, n: hits(PLANETARIUM))
    path = write_csv(tmp_path / "in.csv", "A,Weg 1,44791,Bochum,")
    before = path.read_bytes()
    out = tmp_path / "out.csv"
    result = geocode(server, tmp_path / "state", str(path), "--output", str(out))
    assert result.exit_code == 0, result.output
    assert path.read_bytes() == before
    assert read_csv(out)[0]["lon"] == "7.227772"


def test_rate_limiter_counts_from_end_of_previous_request() -> None:
    now = [100.0]
    slept: list[float] = []
    limiter = RateLimiter(1.0, clock=lambda: now[0], sleep=slept.append)
    limiter.wait()
    now[0] += 0.3  # a slow request
    limiter.done()
    now[0] += 0.2
    limiter.wait()
    assert slept == [pytest.approx(0.8)]


def test_retry_after_forms() -> None:
    assert retry_after_seconds("7") == 7.0
    assert retry_after_seconds("Wed, 21 Oct 2015 07:28:00 GMT") == 0.0  # in the past
    assert retry_after_seconds("soon") is None and retry_after_seconds(None) is None


def test_unsaveable_cache_warns_but_keeps_results(tmp_path: Path, server, nominatim,
                                                  monkeypatch) -> None:
    nominatim(lambda request, n: hits(PLANETARIUM))
    path = write_csv(tmp_path / "in.csv", "A,Weg 1,44791,Bochum,")
    real_replace = atomic.os.replace

    def replace(src, dst):
        if Path(dst).name == "geocode-cache.json":
            raise OSError(13, "Permission denied")
        real_replace(src, dst)

    monkeypatch.setattr(atomic.os, "replace", replace)
    result = geocode(server, tmp_path / "state", str(path))
    assert result.exit_code == 0, result.output
    assert "cannot save the geocoding cache" in result.stderr
    assert read_csv(path)[0]["lat"] == "51.485439"


def test_corrupt_cache_is_refused_not_silently_dropped(tmp_path: Path, server,
                                                       nominatim) -> None:
    fake = nominatim(lambda request, n: hits(PLANETARIUM))
    state = tmp_path / "state"
    state.mkdir()
    (state / "geocode-cache.json").write_text("{not json")
    path = write_csv(tmp_path / "in.csv", "A,Weg 1,44791,Bochum,")
    before = path.read_bytes()
    result = geocode(server, state, str(path))
    assert result.exit_code == 2
    assert "geocode-cache.json: unusable geocoding cache" in result.stderr
    assert path.read_bytes() == before and fake.calls == []


def test_connection_refused_is_retried_then_reported(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", "A,Weg 1,44791,Bochum,")
    env = {"EXPLORER_GEOCODER_URL": "http://127.0.0.1:9/search"}  # discard port: closed
    result = CliRunner().invoke(main, ["geocode", str(path), "--state-dir",
                                       str(tmp_path / "state"), "--min-interval", "0",
                                       "--retries", "1", "--backoff", "0.01"], env=env)
    assert result.exit_code == 1
    assert "network error" in result.stderr and "gave up after 2 attempts" in result.stderr
    assert "Traceback" not in result.output


def test_public_nominatim_is_not_asked_without_a_contact(tmp_path: Path) -> None:
    path = write_csv(tmp_path / "in.csv", "X,Castroper Str. 67,44791,Bochum,")
    before = path.read_bytes()
    env = {"EXPLORER_GEOCODER_URL": "https://nominatim.openstreetmap.org/search",
           "EXPLORER_GEOCODER_EMAIL": "", "EXPLORER_STATE_DIR": str(tmp_path / "state")}
    result = CliRunner().invoke(main, ["geocode", str(path)], env=env)
    assert result.exit_code == 2
    assert "EXPLORER_GEOCODER_EMAIL" in result.output
    assert path.read_bytes() == before
