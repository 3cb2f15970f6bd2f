"""Parley's own OpenAPI document, and a short schemathesis pass over it: requests generated
from the document against a server of the test's own (every operation without a token, the
API's and OAuth's again with an admin's) must never answer a server error."""

from __future__ import annotations

import re
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from openapi_spec_validator import validate
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.schemas import APIOperation

from e2e.test_admin import bearer, make_staff
from support.clients import Clients, SchemaLog
from support.media_files import png
from support.schema import SchemaChecker
from support.server import LiveServer, run_server

# Examples per operation and token: ~270 operations make this ~1,800 requests, the same ones
# each run (derandomized), so a failure here is reproducible. Far more find nothing more today
# (40 per operation, ~7,000 requests, were tried).
EXAMPLES = 4
WITH_TOKEN = r"^/(api|oauth)/"
# Not fuzzed: the streaming endpoints (API and web) answer with streams that stay open.
SKIPPED = r"^/(api/v1/streaming|live/)"
Known = dict[str, list[str]]  # a path parameter's name -> ids that exist


@pytest.fixture(scope="module")
def fuzz_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A server of the pass's own: what it posts, blocks and deletes touches no other test."""
    with run_server(tmp_path_factory.mktemp("fuzz")) as live:
        yield live


def test_openapi_document_is_valid_and_complete(http: httpx.Client) -> None:
    spec = http.get("/openapi.json").json()
    validate(spec)
    operations = {(method.upper(), path) for path, item in spec["paths"].items()
                  for method in item}
    fast_routes = {("GET", "/api/v1/timelines/home"), ("GET", "/api/v1/notifications"),
                   ("GET", "/api/v1/statuses/{id}/context"),
                   ("GET", "/api/v1/accounts/{id}/statuses"), ("POST", "/api/v1/statuses")}
    assert fast_routes <= operations
    home = spec["paths"]["/api/v1/timelines/home"]["get"]
    assert {p["name"] for p in home["parameters"]} >= {"max_id", "since_id", "min_id", "limit"}
    context = spec["paths"]["/api/v1/statuses/{id}/context"]["get"]
    assert [p["name"] for p in context["parameters"] if p["in"] == "path"] == ["id"]
    post = spec["paths"]["/api/v1/statuses"]["post"]
    status_form = post["requestBody"]["content"]["application/json"]["schema"]
    assert {"status", "media_ids", "poll", "visibility"} <= set(status_form["properties"])
    notifications = spec["paths"]["/api/v1/notifications"]["get"]
    assert "types[]" in {p["name"] for p in notifications["parameters"]}


def _seed(base_url: str, admin: dict[str, str], other: dict[str, str]) -> Known:
    """Rows for the generated requests to find: an id drawn at random names nothing, so
    each path parameter is also drawn from these."""
    with httpx.Client(base_url=base_url, timeout=30) as http:
        def made(path: str, headers: dict[str, str], **kwargs: Any) -> dict[str, Any]:
            response = http.post(path, headers=headers, **kwargs)
            assert response.status_code < 300, (path, response.text)
            found: dict[str, Any] = response.json()
            return found

        me = http.get("/api/v1/accounts/verify_credentials", headers=admin).json()
        them = http.get("/api/v1/accounts/verify_credentials", headers=other).json()
        made(f"/api/v1/accounts/{me['id']}/follow", other)
        post = made("/api/v1/statuses", admin, json={
            "status": "seed #fuzz", "poll": {"options": ["a", "b"], "expires_in": 3600}})
        reply = made("/api/v1/statuses", other, json={
            "status": f"@{me['username']} #fuzz", "in_reply_to_id": post["id"]})
        made("/api/v1/statuses", other, json={"status": f"@{me['username']} secret",
                                              "visibility": "direct"})
        made(f"/api/v1/statuses/{reply['id']}/favourite", admin)
        listed = made("/api/v1/lists", admin, json={"title": "seed"})
        filtered = made("/api/v2/filters", admin, json={
            "title": "seed", "context": ["home"], "keywords_attributes": [{"keyword": "seed"}]})
        media = made("/api/v2/media", admin, files={"file": ("seed.png", png(), "image/png")})
        scheduled = made("/api/v1/statuses", admin, json={
            "status": "later", "scheduled_at": (datetime.now(UTC) + timedelta(days=1)).isoformat()})
        report = made("/api/v1/reports", admin, json={"account_id": them["id"],
                                                      "status_ids": [reply["id"]]})
        block = made("/api/v1/admin/domain_blocks", admin, json={"domain": "seed.example"})
        notifications = http.get("/api/v1/notifications", headers=admin).json()
        conversations = http.get("/api/v1/conversations", headers=admin).json()
    statuses = [post["id"], reply["id"]]
    accounts = [them["id"], me["id"]]
    return {
        "status_id": statuses, "post_id": statuses, "quoting_status_id": statuses,
        "id": statuses + accounts, "account_id": accounts, "poll_id": [post["poll"]["id"]],
        "list_id": [listed["id"]], "filter_id": [filtered["id"]],
        "keyword_id": [keyword["id"] for keyword in filtered["keywords"]],
        "media_id": [media["id"]], "scheduled_id": [scheduled["id"]],
        "report_id": [report["id"]], "block_id": [block["id"]],
        "notification_id": [n["id"] for n in notifications][:3],
        "conversation_id": [c["id"] for c in conversations][:1],
        "group_key": [f"ungrouped-{n['id']}" for n in notifications][:1],
        "name": ["fuzz"], "hashtag": ["fuzz"], "acct": [them["acct"]],
    }


def _operations(base_url: str) -> list[APIOperation]:
    schema = schemathesis.openapi.from_url(f"{base_url}/openapi.json")
    return [result.ok() for result in schema.exclude(path_regex=SKIPPED).get_all_operations()]


def _fuzz(operation: APIOperation, session: requests.Session, base_url: str,
          headers: dict[str, str], known: Known, failures: list[str]) -> None:
    # Data that fits the document and data that does not, half and half.
    cases = st.one_of(operation.as_strategy(),
                      operation.as_strategy(GenerationMode.NEGATIVE))

    @given(case=cases, data=st.data())
    @settings(max_examples=EXAMPLES, derandomize=True, database=None, deadline=None,
              phases=[Phase.explicit, Phase.generate],  # no shrinking: report, don't minimise
              suppress_health_check=list(HealthCheck))
    def run(case: Case, data: st.DataObject) -> None:
        for name, value in (case.path_parameters or {}).items():
            case.path_parameters[name] = data.draw(st.sampled_from([*known.get(name, ()),
                                                                      value]))
        response = case.call(base_url=base_url, session=session, headers=headers, timeout=30,
                             allow_redirects=False)
        try:
            case.validate_response(response, checks=[not_a_server_error])
        except FailureGroup:
            failures.append(f"{response.status_code} {case.as_curl_command(headers)}")

    run()


def test_schemathesis_finds_no_server_error(fuzz_server: LiveServer, tmp_path: Path) -> None:
    schema_log = SchemaLog(SchemaChecker.load())
    admin = bearer(make_staff(fuzz_server, tmp_path, schema_log, "admin"))
    other = Clients(fuzz_server, schema_log).new_user("other")
    known = _seed(fuzz_server.base_url, admin, bearer(other.api))
    failures: list[str] = []
    with requests.Session() as session:
        for operation in _operations(fuzz_server.base_url):
            _fuzz(operation, session, fuzz_server.base_url, {}, known, failures)
            if re.match(WITH_TOKEN, operation.path):
                _fuzz(operation, session, fuzz_server.base_url, admin, known, failures)
    assert not failures, "Server errors:\n" + "\n".join(failures)
    log = fuzz_server.log_tail(100_000)
    assert "Traceback" not in log, log[log.index("Traceback") - 2000:][:6000]
