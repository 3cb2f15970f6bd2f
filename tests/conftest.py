"""Shared fixtures: one live Parley server per test session, driven through Mastodon.py."""

from __future__ import annotations

import sys
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).parent))

from support.clients import Clients, SchemaLog, TestUser
from support.schema import SchemaChecker
from support.server import LiveServer, fresh_database, run_server


@pytest.fixture(scope="session")
def server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    with run_server(tmp_path_factory.mktemp("parley")) as live:
        yield live
        errors = [line for line in live.log_tail(2000).splitlines()
                  if "Traceback" in line or " ERROR " in line]
        if errors:
            print(f"\nServer log had errors:\n{live.log_tail(200)}", file=sys.stderr)


@pytest.fixture(scope="module")
def database_url(tmp_path_factory: pytest.TempPathFactory, request: pytest.FixtureRequest
                 ) -> Iterator[str]:
    """A migrated database of the test module's own (SQLite, or PostgreSQL when configured),
    for tests that run services and job handlers directly rather than through a server."""
    from parley.store.dialect import engine_url
    from parley.store.migrate import migrate
    name = request.module.__name__.rsplit(".", 1)[-1]
    with fresh_database(Path(tmp_path_factory.mktemp(name))) as url:
        resolved = engine_url(url)
        migrate(resolved)
        yield resolved


@pytest.fixture(scope="session")
def schema_log() -> SchemaLog:
    return SchemaLog(SchemaChecker.load())


@pytest.fixture(autouse=True)
def _responses_match_schema(request: pytest.FixtureRequest) -> Iterator[None]:
    """Every JSON response a test saw must match the Mastodon schema."""
    if "schema_log" not in request.fixturenames:
        yield
        return
    log: SchemaLog = request.getfixturevalue("schema_log")
    log.problems.clear()
    yield
    problems, log.problems[:] = list(log.problems), []
    assert not problems, "Responses disagree with the Mastodon schema:\n" + "\n".join(problems)


@pytest.fixture(scope="session")
def clients(server: LiveServer, schema_log: SchemaLog) -> Clients:
    return Clients(server, schema_log)


@pytest.fixture
def new_user(clients: Clients) -> type[TestUser] | object:
    """Call new_user() or new_user("alice") to get a fresh signed-up user."""
    return clients.new_user


@pytest.fixture
def http(server: LiveServer) -> Iterator[httpx.Client]:
    """A raw HTTP client, for what Mastodon.py would not send (bad input, odd encodings)."""
    with httpx.Client(base_url=server.base_url, timeout=30) as client:
        yield client


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    """Browser tests last: Playwright's sync API keeps an event loop running in this process
    until the session ends, which would break later tests that call asyncio.run()."""
    items.sort(key=lambda item: item.get_closest_marker("browser") is not None)
