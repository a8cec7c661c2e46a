"""schemathesis against /api/openapi.json: no server error, no schema violation."""

import schemathesis
from hypothesis import HealthCheck, settings

from explorer import create_app

APP = create_app({"TESTING": True, "RELOAD_INTERVAL": 0, "TILE_URL": "",
                  "COVERAGE_RATE_LIMIT": 0, "PLANNER_TOTAL_RATE_LIMIT": 0,
                  "STATE_DIR": "/nonexistent-state",
                  "DATABASE_URL": "none"})
schema = schemathesis.openapi.from_wsgi("/api/openapi.json", APP)


# Rules across parameters (radius_km needs near, bbox needs S <= N, a latitude within
# +-90) cannot be written in OpenAPI, so a schema-valid request may rightly get a
# documented 400: every other check runs, including "no 5xx" and response schemas.
@schema.parametrize()
@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
def test_api_conforms_to_its_openapi_document(case):
    # The in-process WSGI transport does not undo gzip; gzip is tested in test_api.py.
    case.call_and_validate(headers={"Accept-Encoding": "identity"},
                           excluded_checks=[schemathesis.checks.positive_data_acceptance])


def test_document_lists_every_api_route():
    documented = set(APP.test_client().get("/api/openapi.json").get_json()["paths"])
    routes = {rule.rule.replace("<", "{").replace(">", "}").replace("{path:", "{")
              for rule in APP.url_map.iter_rules()
              if rule.rule.startswith("/api/") and rule.rule != "/api/openapi.json"}
    routes = {r.replace("{place_id}", "{place_id}") for r in routes}
    assert routes <= documented, routes - documented
