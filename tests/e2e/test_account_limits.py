"""The per-account budgets (issue 17, item 2; http/ratelimit.py): 1,500 API requests per 5
minutes over all of an account's tokens, and Mastodon's per-action limits, whichever way the
action is asked for (API or web form): posts and reposts 300 per 3 hours, follows (accounts
and tags) 400 per day, reports 400 per day.

Each runs on the in-process storage (one `parley run`) and on Redis: on PostgreSQL two
`parley serve` processes spending one budget, requests alternating between them; on SQLite
one process (two processes do not share a SQLite file)."""

from __future__ import annotations

import os
import secrets
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass

import httpx
import pytest

from support.forms import form
from support.limits import (
    PASSWORD,
    REDIS_URL,
    from_address,
    password_grant,
    redis_answers,
    register_app,
    user_token,
)
from support.oauth_flow import browser
from support.server import LiveServer, fresh_database, run_cluster, run_server

LIMITED = {"PARLEY_RATE_LIMITS": "1"}
MASTODON_429 = {"error": "Too many requests"}


@dataclass
class Servers:
    """The web processes of one deployment, each with a client; `http(n)` takes turns."""

    processes: list[LiveServer]
    clients: list[httpx.Client]

    def http(self, turn: int = 0) -> httpx.Client:
        return self.clients[turn % len(self.clients)]


@pytest.fixture(scope="module", params=["memory", "redis"])
def servers(request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
            ) -> Iterator[Servers]:
    tmp = tmp_path_factory.mktemp(f"limits_{request.param}")
    on_postgres = os.environ.get("PARLEY_TEST_DATABASE_URL", "").startswith("postgres")
    if request.param == "redis" and not redis_answers():
        pytest.skip("needs Redis on 127.0.0.1")
    if request.param == "redis" and on_postgres:
        with fresh_database(tmp) as url, \
                run_cluster(tmp, url, REDIS_URL, extra_env=LIMITED) as cluster:
            yield _with_clients(cluster.web)
        return
    env = LIMITED if request.param == "memory" else {
        **LIMITED, "PARLEY_REDIS_URL": REDIS_URL,
        "PARLEY_REDIS_PREFIX": f"test-limits-{secrets.token_hex(4)}"}
    with run_server(tmp, extra_env=env) as server:
        yield _with_clients([server])


def _with_clients(processes: list[LiveServer]) -> Servers:
    return Servers(processes, [httpx.Client(base_url=p.base_url, timeout=30)
                               for p in processes])


@dataclass
class Member:
    """An account with several tokens (each has its own 300 requests)."""

    id: str
    username: str
    tokens: list[str]

    def token(self, turn: int, per_token: int) -> str:
        return self.tokens[turn // per_token]


def _member(servers: Servers, address: str, name: str, tokens: int) -> Member:
    http = servers.http()
    first = user_token(http, address, name)
    app = register_app(http, address)
    more = []
    for _ in range(tokens - 1):
        grant = password_grant(http, app, address, name, PASSWORD)
        assert grant.status_code == 200, grant.text
        more.append(str(grant.json()["access_token"]))
    me = http.get("/api/v1/accounts/verify_credentials", headers=from_address(address, first))
    return Member(str(me.json()["id"]), name, [first, *more])


@contextmanager
def _web_tab(servers: Servers, member: Member) -> Iterator[httpx.Client]:
    """A browser tab signed in as `member`."""
    with browser(servers.processes[-1]) as tab:
        page = tab.get("/auth/sign_in")
        done = tab.post("/auth/sign_in", data={**form(page.text, "/auth/sign_in").fields,
                                               "login": member.username, "password": PASSWORD})
        assert done.status_code == 303, done.text
        yield tab


def _refused(response: httpx.Response, limit: int) -> None:
    """Mastodon's answer to a spent budget."""
    assert response.status_code == 429, response.text
    assert response.json() == MASTODON_429
    assert response.headers["x-ratelimit-limit"] == str(limit)
    assert response.headers["x-ratelimit-remaining"] == "0"
    assert response.headers["x-ratelimit-reset"].endswith("Z")


def _readable_refusal(page: httpx.Response) -> None:
    assert page.status_code == 429, page.text
    assert page.headers["content-type"].startswith("text/html")
    assert "Try again in a while" in page.text


def test_an_account_has_1500_api_requests_per_five_minutes_over_all_its_tokens(
        servers: Servers) -> None:
    address = "10.20.0.1"
    member = _member(servers, address, "busy", tokens=7)  # one request spent: its id
    for turn in range(1499):
        response = servers.http(turn).get(
            "/api/v1/accounts/verify_credentials",
            headers=from_address(address, member.token(turn, 250)))
        assert response.status_code == 200, (turn, response.text)
    assert response.headers["x-ratelimit-limit"] == "1500"
    assert response.headers["x-ratelimit-remaining"] == "0"
    # A seventh token, with all of its own 300 left, speaks for the same spent account.
    for turn in range(2):
        _refused(servers.http(turn).get("/api/v1/accounts/verify_credentials",
                                        headers=from_address(address, member.tokens[6])), 1500)
    other = user_token(servers.http(), "10.20.0.2", "idle")
    assert servers.http(1).get("/api/v1/accounts/verify_credentials",
                               headers=from_address(address, other)).status_code == 200


def _post(servers: Servers, turn: int, token: str, text: str) -> httpx.Response:
    return servers.http(turn).post("/api/v1/statuses", data={"status": text},
                                   headers=from_address("10.21.0.1", token))


def _posts_count(servers: Servers, member: Member) -> int:
    me = servers.http().get("/api/v1/accounts/verify_credentials",
                            headers=from_address("10.21.0.1", member.tokens[0]))
    return int(me.json()["statuses_count"])


def test_an_account_posts_300_times_per_three_hours(servers: Servers) -> None:
    member = _member(servers, "10.21.0.1", "prolific", tokens=3)
    other = _member(servers, "10.21.0.2", "quiet", tokens=1)
    reposted = _post(servers, 0, other.tokens[0], "worth sharing").json()["id"]
    for turn in range(299):
        posted = _post(servers, turn, member.tokens[1 + turn % 2], f"post {turn}")
        assert posted.status_code == 200, (turn, posted.text)
        assert posted.headers["x-ratelimit-remaining"] == str(299 - turn)
    repost = servers.http(1).post(f"/api/v1/statuses/{reposted}/reblog",
                                  headers=from_address("10.21.0.1", member.tokens[0]))
    assert repost.status_code == 200, repost.text  # the 300th
    before = _posts_count(servers, member)
    for turn in range(2):
        _refused(_post(servers, turn, member.tokens[0], "one too many"), 300)
    assert _posts_count(servers, member) == before  # the refused post was not made
    unreblogged = servers.http().post(f"/api/v1/statuses/{reposted}/unreblog",
                                      headers=from_address("10.21.0.1", member.tokens[0]))
    assert unreblogged.status_code == 200, unreblogged.text
    _refused(servers.http(1).post(f"/api/v1/statuses/{reposted}/reblog",
                                  headers=from_address("10.21.0.1", member.tokens[0])), 300)
    with _web_tab(servers, member) as tab:
        home = tab.get("/")
        refused = tab.post("/compose", data={**form(home.text, "/compose").fields,
                                             "text": "from the web, one too many"})
        _readable_refusal(refused)
        assert "from the web, one too many" in refused.text  # the draft is kept
    assert _post(servers, 0, other.tokens[0], "others still post").status_code == 200


def test_an_account_follows_400_times_per_day(servers: Servers) -> None:
    member = _member(servers, "10.22.0.1", "joiner", tokens=3)
    target = _member(servers, "10.22.0.2", "popular", tokens=1)
    for turn in range(399):
        token = member.token(turn, 140)
        followed = servers.http(turn).post(f"/api/v1/accounts/{target.id}/follow",
                                           headers=from_address("10.22.0.1", token))
        assert followed.status_code == 200, (turn, followed.text)
        assert servers.http(turn + 1).post(f"/api/v1/accounts/{target.id}/unfollow",
                                           headers=from_address("10.22.0.1", token)
                                           ).status_code == 200
    tag = servers.http().post("/api/v1/tags/gardening/follow",
                              headers=from_address("10.22.0.1", member.tokens[2]))
    assert tag.status_code == 200, tag.text  # the 400th
    _refused(servers.http(1).post(f"/api/v1/accounts/{target.id}/follow",
                                  headers=from_address("10.22.0.1", member.tokens[2])), 400)
    _refused(servers.http().post("/api/v1/tags/cooking/follow",
                                 headers=from_address("10.22.0.1", member.tokens[2])), 400)
    relationship = servers.http().get(f"/api/v1/accounts/relationships?id[]={target.id}",
                                      headers=from_address("10.22.0.1", member.tokens[2]))
    assert relationship.json()[0]["following"] is False
    with _web_tab(servers, member) as tab:
        profile = tab.get(f"/@{target.username}")
        follow = form(profile.text, f"/accounts/{target.id}/follow")
        _readable_refusal(tab.post(follow.action, data=follow.fields))


def test_an_account_reports_400_times_per_day(servers: Servers) -> None:
    member = _member(servers, "10.23.0.1", "watchful", tokens=2)
    target = _member(servers, "10.23.0.2", "rowdy", tokens=1)
    for turn in range(400):
        filed = servers.http(turn).post(
            "/api/v1/reports", data={"account_id": target.id, "comment": f"again {turn}"},
            headers=from_address("10.23.0.1", member.token(turn, 200)))
        assert filed.status_code == 200, (turn, filed.text)
    _refused(servers.http().post("/api/v1/reports", data={"account_id": target.id},
                                 headers=from_address("10.23.0.1", member.tokens[1])), 400)
