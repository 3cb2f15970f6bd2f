"""Browser tests: headless Debian Chromium driven by Playwright against a live Parley.

Chromium comes from the system (apt-get install chromium), never `playwright install`.
Screenshots go to artifacts/screenshots/ (kept by CI); axe-core checks accessibility.
"""

from __future__ import annotations

import shutil
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import ExitStack
from typing import Any, TypeVar

import pytest

from browser.helpers import SECRET_KEY, Browsers, People
from support.federation import FEDERATING
from support.server import LiveServer, run_server

playwright_api = pytest.importorskip("playwright.sync_api")
T = TypeVar("T")

CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic",
                 "--no-first-run", "--disable-background-networking",
                 "--disable-component-update", "--disable-sync"]


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/browser/" in str(item.fspath).replace("\\", "/"):
            item.add_marker(pytest.mark.browser)


@pytest.fixture(scope="session")
def live(tmp_path_factory: pytest.TempPathFactory) -> Iterator[LiveServer]:
    """A Parley of the browser tests' own, with open registrations."""
    with run_server(tmp_path_factory.mktemp("browser"),
                    extra_env={"PARLEY_REGISTRATIONS": "open",
                               "PARLEY_SECRET_KEY": SECRET_KEY}) as server:
        yield server


@pytest.fixture(scope="session")
def chromium(live: LiveServer) -> Iterator[Any]:
    """Started after (and stopped before) the server: Playwright's sync API keeps an event
    loop running, and the server's PostgreSQL set-up and clean-up need asyncio.run()."""
    executable = shutil.which("chromium")
    if executable is None:
        pytest.skip("Debian's chromium is not installed (apt-get install chromium)")
    with playwright_api.sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=executable, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


@pytest.fixture(scope="session")
def people(live: LiveServer) -> People:
    return People(live.base_url)


@pytest.fixture
def browsers(chromium: Any, live: LiveServer) -> Iterator[Browsers]:
    opened = Browsers(chromium, live.base_url)
    yield opened
    opened.close()
    assert not opened.csp_errors, f"Content-Security-Policy violations: {opened.csp_errors}"


def _aside(work: Callable[..., T], *args: Any) -> T:
    """Run in a thread of its own: Playwright's sync API keeps an event loop running in
    this one, and a server's PostgreSQL set-up and clean-up call asyncio.run()."""
    with ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(work, *args).result()


@pytest.fixture(scope="session")
def pair(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[LiveServer, LiveServer]]:
    """Two Parleys federating on 127.0.0.1 (each its own port: its own domain), with open
    registrations and the browser tests' secret."""
    servers = ExitStack()
    env = {**FEDERATING, "PARLEY_REGISTRATIONS": "open", "PARLEY_SECRET_KEY": SECRET_KEY}
    try:
        a = _aside(servers.enter_context, run_server(tmp_path_factory.mktemp("remote-a"),
                                                    extra_env=env))
        b = _aside(servers.enter_context, run_server(tmp_path_factory.mktemp("remote-b"),
                                                    extra_env=env))
        yield a, b
    finally:
        _aside(servers.close)
