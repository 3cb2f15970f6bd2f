"""A browser client served from another origin, as Elk or Phanpy run: its page on another
port of 127.0.0.1 calls Parley with `fetch` through Chromium (app registration, the OAuth
code flow with PKCE, a post with an Idempotency-Key, a home timeline read that follows the
Link header), and a cross-origin read of a web form page is refused by the browser."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import urlencode

import httpx
import pytest

from browser.helpers import Browsers, People, sign_in
from support.clients import eventually
from support.oauth_flow import pkce_s256

# The client's whole code: small fetch helpers the test calls with page.evaluate.
CLIENT_PAGE = b"""<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>Another client</title></head>
<body><main><h1>Another client</h1></main>
<script>
window.call = async (url, options) => {
  const response = await fetch(url, options);
  return {status: response.status, body: await response.text(),
          link: response.headers.get("Link")};
};
window.json = (method, url, token, body, extra) => window.call(url, {
  method, body: body === undefined ? undefined : JSON.stringify(body),
  headers: Object.assign({"Content-Type": "application/json"},
                         token ? {"Authorization": "Bearer " + token} : {}, extra || {})});
window.blocked = (url) => fetch(url).then(() => "read", () => "blocked");
</script></body></html>"""


class _ClientPage(BaseHTTPRequestHandler):
    def do_GET(self) -> None:
        self.send_response(200)
        self.send_header("Content-Type", "text/html; charset=utf-8")
        self.send_header("Content-Length", str(len(CLIENT_PAGE)))
        self.end_headers()
        self.wfile.write(CLIENT_PAGE)

    def log_message(self, *_args: Any) -> None:
        return None


@pytest.fixture
def client_origin() -> Iterator[str]:
    """The other origin: a tiny static server on a free port of 127.0.0.1."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), _ClientPage)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


def _ok(result: dict[str, Any], status: int = 200) -> Any:
    """The JSON of a response the other origin could read (fetch rejects otherwise)."""
    assert result["status"] == status, result
    return json.loads(result["body"])


def test_a_client_from_another_origin_signs_in_posts_and_pages(
        browsers: Browsers, people: People, client_origin: str) -> None:
    parley = people.base_url
    person = people.new("corsclient")
    page = browsers.page()
    page.goto(client_origin + "/")
    callback = client_origin + "/callback"

    app = _ok(page.evaluate("([url, cb]) => json('POST', url, null, {client_name: 'Other',"
                            " redirect_uris: cb, scopes: 'read write'})",
                            [parley + "/api/v1/apps", callback]))

    # The person signs in to Parley and authorises the app; Parley sends the browser back
    # to the client's origin with the code.
    verifier, challenge = pkce_s256()
    sign_in(page, person.username)
    page.goto(parley + "/oauth/authorize?" + urlencode({
        "response_type": "code", "client_id": app["client_id"], "redirect_uri": callback,
        "scope": "read write", "state": "s1", "code_challenge": challenge,
        "code_challenge_method": "S256"}))
    page.get_by_role("button", name="Authorize").click()
    page.wait_for_url(callback + "?**")
    assert page.url.startswith(client_origin)
    code = page.evaluate("() => new URLSearchParams(location.search).get('code')")

    token = _ok(page.evaluate("""([url, fields]) => call(url, {method: 'POST',
        body: new URLSearchParams(fields)})""", [parley + "/oauth/token", {
        "grant_type": "authorization_code", "code": code, "client_id": app["client_id"],
        "client_secret": app["client_secret"], "redirect_uri": callback,
        "code_verifier": verifier}]))["access_token"]

    post = "([url, token, text, key]) => json('POST', url, token, {status: text}, " \
           "{'Idempotency-Key': key})"
    statuses = parley + "/api/v1/statuses"
    older = _ok(page.evaluate(post, [statuses, token, "first from afar", "key-1"]))
    again = _ok(page.evaluate(post, [statuses, token, "first from afar", "key-1"]))
    assert again["id"] == older["id"]  # the retried request made no second post
    newer = _ok(page.evaluate(post, [statuses, token, "second from afar", "key-2"]))

    read = "([url, token]) => json('GET', url, token)"
    home = parley + "/api/v1/timelines/home?limit=1"
    # The author's own posts reach their home through the fan-out job: wait for the newer.
    assert eventually(lambda: _ok(page.evaluate(read, [home, token]))[0]["id"] == newer["id"])
    first = page.evaluate(read, [home, token])
    assert [s["id"] for s in _ok(first)] == [newer["id"]]
    links = {part.split(";")[1].strip(): part.split(";")[0].strip(" <>")
             for part in first["link"].split(",")}
    following = page.evaluate(read, [links['rel="next"'], token])
    assert [s["id"] for s in _ok(following)] == [older["id"]]

    # The web UI's pages and forms are for Parley's own origin: the browser refuses to let
    # the other origin read them.
    assert page.evaluate("(url) => blocked(url)", parley + "/auth/sign_in") == "blocked"
    assert page.evaluate("(url) => blocked(url)", parley + "/api/v1/instance") == "read"
    form = httpx.get(parley + "/auth/sign_in", headers={"Origin": client_origin})
    assert "access-control-allow-origin" not in form.headers
