"""Discovery: host-meta (XML and JSON) pointing at WebFinger, WebFinger for local accounts,
and NodeInfo 2.0 and 2.1."""

from __future__ import annotations

import xml.etree.ElementTree as ET
from urllib.parse import quote

import httpx
import pytest

from support.clients import Clients

XRD = "{http://docs.oasis-open.org/ns/xri/xrd-1.0}"


def _domain(http: httpx.Client) -> str:
    return str(http.base_url.netloc.decode())


def test_host_meta_points_at_webfinger(http: httpx.Client) -> None:
    response = http.get("/.well-known/host-meta")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/xrd+xml")
    root = ET.fromstring(response.text)
    assert root.tag == f"{XRD}XRD"
    (link,) = root.findall(f"{XRD}Link")
    assert link.get("rel") == "lrdd"
    assert link.get("template") == f"{http.base_url}/.well-known/webfinger?resource={{uri}}"
    as_json = http.get("/.well-known/host-meta.json").json()
    assert as_json == {"links": [{"rel": "lrdd", "template": link.get("template")}]}


def test_webfinger_finds_local_accounts(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("finger")
    domain = _domain(http)
    profile = f"{http.base_url}/@{user.username}"
    for resource in (f"acct:{user.username}@{domain}", f"{user.username.upper()}@{domain}",
                     profile, f"{http.base_url}/users/{user.username}"):
        response = http.get("/.well-known/webfinger", params={"resource": resource})
        assert response.status_code == 200, resource
        assert response.headers["content-type"].startswith("application/jrd+json")
        assert response.json() == {
            "subject": f"acct:{user.username}@{domain}",
            "aliases": [profile],
            "links": [{"rel": "http://webfinger.net/rel/profile-page", "type": "text/html",
                       "href": profile},
                      # The actor document, typed exactly as Mastodon looks for it.
                      {"rel": "self", "type": "application/activity+json",
                       "href": f"{http.base_url}/users/{user.username}"}],
        }
    # Through host-meta's template, as a client follows it.
    template = http.get("/.well-known/host-meta.json").json()["links"][0]["template"]
    url = template.replace("{uri}", quote(f"acct:{user.username}@{domain}"))
    assert http.get(url).json()["subject"] == f"acct:{user.username}@{domain}"


@pytest.mark.parametrize("resource, status", [
    ("", 400), ("acct:nobody_here@{domain}", 404), ("acct:someone@elsewhere.example", 404),
    ("someone", 404), ("https://elsewhere.example/@someone", 404),
    ("acct:@{domain}", 404), ("{base}/@a/b", 404),
])
def test_webfinger_refuses_what_is_not_a_local_account(http: httpx.Client, resource: str,
                                                       status: int) -> None:
    resource = resource.format(domain=_domain(http), base=http.base_url)
    response = http.get("/.well-known/webfinger", params={"resource": resource})
    assert response.status_code == status
    assert "error" in response.json()


def test_nodeinfo_2_0_and_2_1(clients: Clients, http: httpx.Client) -> None:
    clients.new_user("nodeinfo")
    links = http.get("/.well-known/nodeinfo").json()["links"]
    assert [link["rel"].rsplit("/", 1)[1] for link in links] == ["2.0", "2.1"]
    for link in links:
        version = link["rel"].rsplit("/", 1)[1]
        assert link["href"] == f"{http.base_url}/nodeinfo/{version}"
        response = http.get(link["href"])
        assert response.headers["content-type"] == (
            f'application/json; profile="{link["rel"]}#"')
        info = response.json()
        assert info["version"] == version
        assert info["software"]["name"] == "parley"
        assert info["usage"]["users"]["total"] >= 1
        assert info["usage"]["users"]["activeMonth"] >= 1
        assert info["openRegistrations"] is True
        assert ("repository" in info["software"]) is (version == "2.1")
