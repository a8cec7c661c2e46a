"""schemathesis against /api/openapi.json: no server error, no schema violation."""

import datetime as dt

import schemathesis
from hypothesis import HealthCheck, settings

from explorer import create_app

APP = create_app({"TESTING": True, "RELOAD_INTERVAL": 0, "TILE_URL": "",
                  "COVERAGE_RATE_LIMIT": 0, "PLANNER_TOTAL_RATE_LIMIT": 0,
                  "PLANNER_REQUEST_LIMIT": 0, "PLANNER_REQUESTS_PER_SECOND": 0,
                  "STATE_DIR": "/nonexistent-state",
                  "DATABASE_URL": "none"})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP)


def text_date(value: object) -> dt.date | None:
    try:
        return dt.date.fromisoformat(str(value))
    except ValueError:
        return None


def broken_rule(query: dict | None) -> str | None:
    """The parameter of a rule across parameters that OpenAPI 3.0 cannot express (each is
    stated in that parameter's description in the document), if the query breaks one."""
    q = query or {}
    cal = APP.extensions["store"].snapshot.offers.calendar
    first, last = cal.first, cal.date(cal.n_days - 1)
    start, end = text_date(q.get("from", "")), text_date(q.get("to", ""))
    for name, day in (("from", start), ("to", end)):
        if day is not None and not first <= day <= last:
            return name  # "within the offer calendar"
    if start and end and end < start:
        return "to"  # "not before from"
    if end and not start and end < dt.date.today():
        return "to"  # "without from, not in the past"
    if q.get("radius_km") not in (None, "") and not q.get("near"):
        return "radius_km"  # "needs near"
    if q.get("sort") == "distance" and not q.get("near"):
        return "sort"  # "sort=distance needs near"
    if q.get("sort") == "relevance" and not q.get("q"):
        return "sort"  # "sort=relevance needs q"
    box = str(q.get("bbox", "")).split(",")
    if len(box) == 4 and float(box[1]) > float(box[3]):
        return "bbox"  # "S <= N"
    return None


@schema.parametrize()
@settings(max_examples=200, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case):
    """Every check, 200 examples per operation, no failure. A request that breaks a rule
    across parameters must get 400 naming the parameter of that rule (whichever rule the
    server checks first); every other check holds for it too."""
    # The in-process WSGI transport does not undo gzip; gzip is tested in test_api.py.
    headers = {"Accept-Encoding": "identity"}
    meta = case._meta  # schemathesis has no public accessor for the generation mode
    positive = meta is None or meta.generation.mode == schemathesis.GenerationMode.POSITIVE
    rule = broken_rule(case.query) if positive else None
    if rule is None:
        case.call_and_validate(headers=headers)
        return
    response = case.call(headers=headers)
    case.validate_response(response,
                           excluded_checks=[schemathesis.checks.positive_data_acceptance])
    assert response.status_code == 400, (rule, response.text)
    assert response.json()["parameter"] in RULE_PARAMETERS, response.text


RULE_PARAMETERS = {"from", "to", "radius_km", "sort", "bbox"}


def test_document_lists_every_api_route():
    documented = set(APP.test_client().get("/api/openapi.json").get_json()["paths"])
    routes = {rule.rule.replace("<", "{").replace(">", "}").replace("{path:", "{")
              for rule in APP.url_map.iter_rules()
              if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json"}
    routes = {r.replace("{place_id}", "{place_id}") for r in routes}
    assert routes <= documented, routes - documented
