"""Authorized fetch (Mastodon's secure mode): a server that requires it gives its documents
only to signed requests, yet federates as before with a server that signs its fetches."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from support.clients import Clients, SchemaLog, eventually
from support.federation import AS_JSON, FEDERATING, follow_across, handle
from support.server import LiveServer, run_server


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    secure = {**FEDERATING, "PARLEY_AUTHORIZED_FETCH": "1"}
    with run_server(tmp_path_factory.mktemp("secure-a"), extra_env=secure) as a, \
            run_server(tmp_path_factory.mktemp("open-b"), extra_env=FEDERATING) as b:
        yield a, b


def test_documents_need_a_signature(servers: tuple[LiveServer, LiveServer],
                                    schema_log: SchemaLog) -> None:
    a, b = servers
    kim, lou = Clients(a, schema_log).new_user("kim"), Clients(b, schema_log).new_user("lou")
    with httpx.Client(base_url=a.base_url, timeout=10) as http:
        unsigned = http.get(f"/users/{kim.username}", headers={"accept": AS_JSON})
        assert unsigned.status_code == 401
        assert "publicKey" not in unsigned.text
        # WebFinger and the instance actor stay open: peers need them to sign at all.
        assert http.get("/actor", headers={"accept": AS_JSON}).status_code == 200
    remote = follow_across(lou, kim, a)  # lou's server signs its fetches: it gets in
    assert remote["acct"] == handle(kim, a)
    assert eventually(lambda: lou.api.account_relationships(remote["id"])[0]["following"],
                      timeout=20)
    kim.api.status_post("signed fetches only")
    assert eventually(lambda: [s for s in lou.api.timeline_home()
                               if "signed fetches only" in s["content"]], timeout=20)
