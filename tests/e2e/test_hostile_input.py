"""Hostile input that once answered 500 (issue 17's findings): nesting, huge ids, bodies without
boundaries or far too large, digits that are not ASCII. Each answers a 4xx {"error": ...}."""

from __future__ import annotations

import time
from collections.abc import Iterator
from contextlib import contextmanager

import httpx
import pytest

from support.clients import Clients, TestUser
from support.forms import form, submit
from support.server import LiveServer

HUGE_IDS = [str(2**63), str(2**63 + 1), str(2**64), "9" * 40]
NOT_ASCII_NUMBERS = ["\u00b3", "-\u00b2", "9" * 5000]
PAGED = ["/api/v1/timelines/public", "/api/v1/timelines/home", "/api/v1/notifications",
         "/api/v1/favourites", "/api/v1/bookmarks", "/api/v1/blocks", "/api/v1/mutes",
         "/api/v1/conversations", "/api/v1/timelines/tag/parley"]


@pytest.fixture(scope="module")
def hostile(clients: Clients) -> TestUser:
    return clients.new_user("hostile")


def _auth(user: TestUser) -> dict[str, str]:
    return {"authorization": f"Bearer {user.api.access_token}"}


def _refused(response: httpx.Response, *statuses: int) -> None:
    assert response.status_code in statuses, (response.status_code, response.text[:300])
    assert isinstance(response.json().get("error"), str)


def test_deeply_nested_query_parameter_is_a_4xx(http: httpx.Client) -> None:
    key = "limit" + "[a]" * 2000
    response = http.get("/api/v1/timelines/public", params={key: "1"})
    _refused(response, 400, 422)


def test_deeply_nested_json_body_is_a_4xx(http: httpx.Client, hostile: TestUser) -> None:
    body = b'{"status": "x", "poll": ' + b"[" * 900 + b"]" * 900 + b"}"
    response = http.post("/api/v1/statuses", content=body, headers={
        **_auth(hostile), "content-type": "application/json"})
    _refused(response, 400, 422)


@pytest.mark.parametrize("path", PAGED)
def test_ids_beyond_64_bits_page_nothing(http: httpx.Client, hostile: TestUser,
                                          path: str) -> None:
    for name in ("max_id", "since_id", "min_id"):
        for value in HUGE_IDS:
            response = http.get(path, params={name: value}, headers=_auth(hostile))
            assert response.status_code < 500, (path, name, value, response.text[:300])
            if response.status_code == 200:
                assert isinstance(response.json(), list)


def test_relationships_with_huge_ids(http: httpx.Client, hostile: TestUser) -> None:
    response = http.get("/api/v1/accounts/relationships",
                        params=[("id[]", value) for value in HUGE_IDS], headers=_auth(hostile))
    assert response.status_code < 500, response.text[:300]


@pytest.mark.parametrize("path", ["/api/v1/statuses/{}", "/api/v1/accounts/{}",
                                  "/api/v1/filters/{}", "/api/v1/lists/{}"])
def test_path_ids_beyond_64_bits_or_not_ascii_are_404(http: httpx.Client, hostile: TestUser,
                                                      path: str) -> None:
    for value in [*HUGE_IDS, "³", "\u0661\u0662\u0663", "\uff11\uff12"]:
        response = http.get(path.format(value), headers=_auth(hostile))
        _refused(response, 404)


def test_multipart_without_boundary_is_a_4xx(http: httpx.Client, hostile: TestUser) -> None:
    response = http.post("/api/v1/statuses", content=b"status=hi", headers={
        **_auth(hostile), "content-type": "multipart/form-data"})
    _refused(response, 400, 422)


def test_huge_form_body_is_413(http: httpx.Client, hostile: TestUser) -> None:
    body = b"status=" + b"x" * (20 * 1024 * 1024)
    response = http.post("/api/v1/statuses", content=body, headers={
        **_auth(hostile), "content-type": "application/x-www-form-urlencoded"})
    _refused(response, 413)


def test_list_stream_with_a_huge_id_is_a_4xx(http: httpx.Client, hostile: TestUser) -> None:
    for value in [*HUGE_IDS, "\u00b3"]:
        response = http.get("/api/v1/streaming/list", params={"list": value},
                            headers=_auth(hostile))
        _refused(response, 400, 404, 422)


def test_access_tokens_in_the_query_stay_out_of_the_log(server: LiveServer, http: httpx.Client,
                                                       hostile: TestUser) -> None:
    token = hostile.api.access_token
    response = http.get("/api/v1/timelines/home", params={"access_token": token, "limit": "1"})
    assert response.status_code == 200
    marker = http.get("/api/v1/instance", params={"after": "token-check"})
    assert marker.status_code == 200
    deadline = time.monotonic() + 5
    log = ""
    while "token-check" not in log and time.monotonic() < deadline:
        time.sleep(0.05)
        log = server.log_path.read_text(errors="replace")
    assert "token-check" in log  # the access log is on and flushed
    assert token not in log
    assert "access_token=[FILTERED]" in log


def test_common_and_overlong_passwords_are_refused_at_sign_up(http: httpx.Client,
                                                             clients: Clients) -> None:
    grant = http.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": clients.client_id,
        "client_secret": clients.client_secret, "scope": "read write"})
    token = grant.json()["access_token"]
    for password, words in (("12345678", "most common"), ("Password1", "most common"),
                            ("x" * 73, "longer than 72")):
        response = http.post("/api/v1/accounts", headers={"authorization": f"Bearer {token}"},
                             data={"username": "weakling", "email": "weakling@example.com",
                                   "password": password, "agreement": "true"})
        assert response.status_code == 422, response.text
        assert words in response.json()["error"]


@pytest.mark.parametrize(("when", "offset"), [
    ("2030-01-01T10:00", "\u00b3"), ("2030-01-01T10:00", "9" * 20),
    ("2030-01-01T10:00", "-" + "9" * 14), ("9999-12-31T23:59", "600"),
])
def test_a_scheduled_web_post_with_an_impossible_time_is_a_4xx_page(
        clients: Clients, server: LiveServer, when: str, offset: str) -> None:
    """The compose page's browser-sent time zone offset, forged: never a 500."""
    with _signed_in_tab(server, clients.new_user("forger")) as tab:
        response = submit(tab, tab.get("/compose").text, "/compose", status="Later",
                          scheduled_at=when, tz_offset=offset)
    assert response.status_code in (303, 422), response.text[:300]
    assert response.status_code == 303 or "text/html" in response.headers["content-type"]


@contextmanager
def _signed_in_tab(server: LiveServer, user: TestUser) -> Iterator[httpx.Client]:
    """A browser tab (cookies kept, redirects not followed) signed in as `user`."""
    with httpx.Client(base_url=server.base_url, timeout=30, follow_redirects=False) as tab:
        signed_in = submit(tab, tab.get("/auth/sign_in").text, "/auth/sign_in",
                           login=user.username, password=user.password)
        assert signed_in.status_code == 303
        yield tab


@pytest.mark.parametrize("choice", NOT_ASCII_NUMBERS)
def test_a_web_vote_for_a_choice_that_is_not_a_number_is_a_4xx_page(
        clients: Clients, server: LiveServer, choice: str) -> None:
    author = clients.new_user("asker")
    poll = author.api.status_post("Which?", poll=author.api.make_poll(["a", "b"],
                                                                      expires_in=3600))["poll"]
    with _signed_in_tab(server, clients.new_user("voter")) as tab:
        csrf = form(tab.get("/compose").text, "/compose").fields["csrf"]
        response = tab.post(f"/polls/{poll['id']}/vote", data={"csrf": csrf, "choice": choice})
    assert response.status_code == 422, response.text[:300]
    assert "Choose an option first." in response.text



@pytest.mark.parametrize("value", NOT_ASCII_NUMBERS)
def test_a_page_size_that_is_not_an_ascii_number_is_the_default(
        http: httpx.Client, hostile: TestUser, value: str) -> None:
    for path in ("/api/v1/timelines/public", "/api/v1/timelines/home", "/api/v1/blocks"):
        response = http.get(path, params={"limit": value}, headers=_auth(hostile))
        assert response.status_code == 200, (path, response.text[:300])


@pytest.mark.parametrize("value", [*NOT_ASCII_NUMBERS, str(2**63), "9" * 19])
def test_media_ids_that_are_not_ids_are_a_4xx(http: httpx.Client, hostile: TestUser,
                                               value: str) -> None:
    response = http.post("/api/v1/statuses", headers=_auth(hostile),
                         data={"status": "with media", "media_ids[]": value})
    _refused(response, 422)


@pytest.mark.parametrize("value", [*NOT_ASCII_NUMBERS, str(10**15), 10**15, 10**30])
def test_filter_expiry_that_is_not_a_number_of_seconds_is_a_4xx(
        http: httpx.Client, hostile: TestUser, value: str | int) -> None:
    response = http.post("/api/v2/filters", headers=_auth(hostile), json={
        "title": "expiring", "context": ["home"], "expires_in": value})
    assert response.status_code < 500, response.text[:300]


@pytest.mark.parametrize("key", ["\u00b3", "9" * 5000])
def test_numbered_form_keys_that_are_not_ascii_numbers_are_no_500(
        http: httpx.Client, hostile: TestUser, key: str) -> None:
    profile = http.patch("/api/v1/accounts/update_credentials", headers=_auth(hostile),
                         data={f"fields_attributes[{key}][name]": "site",
                               f"fields_attributes[{key}][value]": "x",
                               "fields_attributes[0][name]": "a",
                               "fields_attributes[0][value]": "b"})
    assert profile.status_code < 500, profile.text[:300]
    made = http.post("/api/v2/filters", headers=_auth(hostile), data={
        "title": "keyed", "context[]": "home", f"keywords_attributes[{key}][keyword]": "x",
        "keywords_attributes[0][keyword]": "y"})
    assert made.status_code < 500, made.text[:300]


@pytest.mark.parametrize("value", ["9" * 19, str(2**63), "\u0661\u0662", "12"])
def test_a_follow_from_a_post_that_is_not_there_still_follows(
        clients: Clients, http: httpx.Client, hostile: TestUser, value: str) -> None:
    """`source_status_id` (Parley's: the post the follow came from) naming no post the
    follower may see answered 500 (a foreign key); it is only a hint, so the follow stands."""
    target = clients.new_user("followed")
    response = http.post(f"/api/v1/accounts/{target.account['id']}/follow",
                         headers=_auth(hostile), json={"source_status_id": value})
    assert response.status_code == 200, response.text[:300]
    assert response.json()["following"] is True


@pytest.mark.parametrize("when", ["9999-12-31T23:59:59+00:00", "9999-12-31T23:59:59-14:00",
                                  "0001-01-01T00:00:00+14:00", "9999-12-30T12:00:00Z"])
def test_a_post_scheduled_at_the_calendars_ends_is_a_4xx(http: httpx.Client,
                                                         hostile: TestUser, when: str) -> None:
    response = http.post("/api/v1/statuses", headers=_auth(hostile),
                         json={"status": "at the end of time", "scheduled_at": when})
    _refused(response, 422)
    later = http.post("/api/v1/statuses", headers=_auth(hostile),
                      json={"status": "next year", "scheduled_at": "2099-01-01T00:00:00Z"})
    assert later.status_code == 200, later.text[:300]
    moved = http.put(f"/api/v1/scheduled_statuses/{later.json()['id']}",
                     headers=_auth(hostile), json={"scheduled_at": when})
    _refused(moved, 422)
