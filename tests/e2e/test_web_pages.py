"""The server-rendered pages: front page, profiles, posts with their public thread, sign-in
and sign-out; nothing that is not public may appear, and unknown pages are readable 404s."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from support.clients import Clients
from support.forms import form, submit
from support.server import LiveServer


@pytest.fixture
def tab(server: LiveServer) -> Iterator[httpx.Client]:
    """A cookie-keeping browser tab that does not follow redirects."""
    with httpx.Client(base_url=server.base_url, timeout=30, follow_redirects=False) as client:
        yield client


def assert_html(response: httpx.Response, status: int = 200) -> str:
    assert response.status_code == status, response.text[:500]
    assert response.headers["content-type"].startswith("text/html")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    assert "frame-ancestors 'none'" in response.headers["content-security-policy"]
    return response.text


def test_front_page(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("web")
    user.api.status_post("Hello from the front page", visibility="public")
    user.api.status_post("Quietly unlisted", visibility="unlisted")
    html = assert_html(http.get("/"))
    assert "<h1 id=\"home-heading\">Parley</h1>" in html
    assert 'href="/auth/sign_in"' in html
    assert "Hello from the front page" in html
    assert "Quietly unlisted" not in html
    assert http.get("/static/parley.css").status_code == 200


def test_profile_page_shows_only_public_posts(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("web")
    friend = clients.new_user("web")
    user.api.account_update_credentials(display_name="Ada <b>L</b>", note="Writes & thinks")
    user.api.status_post("My public thought", visibility="public")
    user.api.status_post("My unlisted thought", visibility="unlisted")
    user.api.status_post("My followers-only thought", visibility="private")
    user.api.status_post(f"@{friend.username} my direct thought", visibility="direct")
    html = assert_html(http.get(f"/@{user.username}"))
    assert "Ada &lt;b&gt;L&lt;/b&gt;" in html
    assert "Writes &amp; thinks" in html
    assert "My public thought" in html
    assert "My unlisted thought" in html
    assert "followers-only thought" not in html
    assert "direct thought" not in html
    assert "<dt>Posts</dt><dd>4</dd>" in html
    assert_html(http.get(f"/@{user.username.upper()}"))


def test_account_and_status_urls_resolve_to_pages(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("web")
    status = user.api.status_post("Follow my url", visibility="public")
    account_page = httpx.get(user.account["url"], timeout=30)
    assert "Follow my url" in assert_html(account_page)
    assert status["url"].endswith(f"/@{user.username}/{status['id']}")
    post_page = httpx.get(status["url"], timeout=30)
    html = assert_html(post_page)
    assert "Follow my url" in html
    assert 'aria-current="page"' in html


def test_post_page_shows_the_public_thread(clients: Clients, http: httpx.Client) -> None:
    alice, bob, carol = (clients.new_user("web") for _ in range(3))
    root = alice.api.status_post("What should we cook tonight?", visibility="public")
    reply = bob.api.status_post("Soup, obviously", in_reply_to_id=root["id"],
                                visibility="public")
    nested = alice.api.status_post("Soup it is", in_reply_to_id=reply["id"],
                                   visibility="unlisted")
    hidden = carol.api.status_post("A followers-only aside", in_reply_to_id=root["id"],
                                   visibility="private")
    html = assert_html(http.get(f"/@{alice.username}/{root['id']}"))
    html = html[html.index("<main"):]
    assert "What should we cook tonight?" in html
    assert "Soup, obviously" in html
    assert "Soup it is" in html
    assert "followers-only aside" not in html
    assert html.index("What should we cook") < html.index("Soup, obviously") < html.index(
        "Soup it is")
    from_reply = assert_html(http.get(f"/@{bob.username}/{reply['id']}"))
    assert "<title>" in from_reply and "Soup, obviously" in from_reply.split("</title>")[0]
    from_reply = from_reply[from_reply.index("<main"):]
    assert from_reply.index("What should we cook") < from_reply.index("Soup, obviously")
    assert_html(http.get(f"/@{alice.username}/{nested['id']}"))
    assert_html(http.get(f"/@{carol.username}/{hidden['id']}"), 404)


def test_private_direct_and_unknown_posts_are_404(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("web")
    friend = clients.new_user("web")
    private = user.api.status_post("secret for followers", visibility="private")
    direct = user.api.status_post(f"@{friend.username} secret for you", visibility="direct")
    public = user.api.status_post("open to all", visibility="public")
    for path in (f"/@{user.username}/{private['id']}", f"/@{user.username}/{direct['id']}",
                 f"/@{friend.username}/{public['id']}",
                 f"/@{user.username}/12345", f"/@{user.username}/not-a-number",
                 f"/@{user.username}/99999999999999999999999",
                 "/@nobody_here", f"/@nobody_here/{public['id']}"):
        html = assert_html(http.get(path), 404)
        assert "<h1>Not found</h1>" in html
        assert "secret" not in html


def test_deleted_post_is_gone(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("web")
    status = user.api.status_post("Soon gone", visibility="public")
    user.api.status_delete(status["id"])
    assert_html(http.get(f"/@{user.username}/{status['id']}"), 404)


def test_sign_in_and_out(clients: Clients, tab: httpx.Client) -> None:
    user = clients.new_user("web")
    page = assert_html(tab.get("/auth/sign_in"))
    sign_in_form = form(page, "/auth/sign_in")
    assert set(sign_in_form.fields) == {"csrf", "next", "login", "password"}
    assert '<label for="login">' in page and '<label for="password">' in page
    signed_in = submit(tab, page, "/auth/sign_in", login=user.username,
                       password=user.password)
    assert signed_in.status_code == 303
    assert signed_in.headers["location"] == "/"
    home = assert_html(tab.get("/"))
    assert f'href="/@{user.username}"' in home
    signed_out = submit(tab, home, "/auth/sign_out")
    assert signed_out.status_code == 303
    assert 'href="/auth/sign_in"' in assert_html(tab.get("/"))


def test_sign_in_refuses_open_redirects_and_forged_forms(clients: Clients,
                                                          tab: httpx.Client) -> None:
    user = clients.new_user("web")
    page = tab.get("/auth/sign_in", params={"next": "//evil.example/phish"}).text
    assert form(page, "/auth/sign_in").fields["next"] == "/"
    forged = tab.post("/auth/sign_in", data={"login": user.username,
                                             "password": user.password,
                                             "csrf": "forged", "next": "/"})
    assert forged.status_code == 403
    assert user.username in form(forged.text, "/auth/sign_in").fields["login"]
    page = tab.get("/auth/sign_in").text
    signed_in = submit(tab, page, "/auth/sign_in", login=user.username,
                       password=user.password, next="https://evil.example/")
    assert signed_in.headers["location"] == "/"
    refused = tab.post("/auth/sign_out", data={"csrf": "forged"})
    assert refused.status_code == 403
    assert f'href="/@{user.username}"' in tab.get("/").text


def test_disabled_session_cookie_is_ignored(tab: httpx.Client) -> None:
    tab.cookies.set("parley_session", "eyJzaWQiOiJ4In0.forged")
    html = assert_html(tab.get("/"))
    assert 'href="/auth/sign_in"' in html
