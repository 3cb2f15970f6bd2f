"""Mastodon.py clients for tests, whose every response is checked against the schema."""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, TypeVar

import requests
from mastodon import Mastodon

from support.schema import SchemaChecker
from support.server import LiveServer

T = TypeVar("T")
PASSWORD = "correct horse battery"
_numbers = itertools.count(1)


@dataclass
class SchemaLog:
    """Schema problems seen in responses since the last check."""

    checker: SchemaChecker
    problems: list[str] = field(default_factory=list)

    def hook(self, response: requests.Response, *_args: Any, **_kwargs: Any) -> None:
        if "application/json" not in response.headers.get("content-type", ""):
            return
        path = requests.utils.urlparse(response.url).path
        try:
            body = response.json()
        except ValueError:
            self.problems.append(f"{response.request.method} {path}: body is not JSON")
            return
        if response.status_code >= 400:
            if not isinstance(body, dict) or not isinstance(body.get("error"), str):
                self.problems.append(f"{path}: error body without an 'error' string: {body}")
            return
        self.problems.extend(self.checker.check(response.request.method or "GET", path,
                                                response.status_code, body))

    def session(self) -> requests.Session:
        session = requests.Session()
        session.hooks["response"].append(self.hook)
        return session


@dataclass
class TestUser:
    """A registered account with its own Mastodon.py client."""

    __test__ = False  # not a test class, despite its name

    api: Mastodon
    account: dict[str, Any]
    username: str
    password: str

    @property
    def id(self) -> str:
        return str(self.account["id"])


class Clients:
    """Registers one app per test session and makes users through the real sign-up API."""

    def __init__(self, server: LiveServer, schema_log: SchemaLog) -> None:
        self.server = server
        self.schema_log = schema_log
        self.client_id, self.client_secret = Mastodon.create_app(
            "Parley tests", api_base_url=server.base_url,
            scopes=["read", "write", "follow", "push"], session=schema_log.session(),
        )

    def mastodon(self, access_token: str | None = None) -> Mastodon:
        return Mastodon(client_id=self.client_id, client_secret=self.client_secret,
                        access_token=access_token, api_base_url=self.server.base_url,
                        session=self.schema_log.session(), request_timeout=30,
                        ratelimit_method="throw")

    def new_user(self, prefix: str = "user", *, scopes: list[str] | None = None) -> TestUser:
        username = f"{prefix}{next(_numbers)}"
        api = self.mastodon()
        api.create_account(username, PASSWORD, f"{username}@example.com", agreement=True,
                           scopes=["read", "write", "follow", "push"])
        if scopes is not None:  # sign-up needs write:accounts; narrower tokens come by login
            api = self.mastodon()
            api.log_in(username=f"{username}@example.com", password=PASSWORD, scopes=scopes,
                       allow_http=True)
        return TestUser(api=api, account=dict(api.account_verify_credentials()),
                        username=username, password=PASSWORD)

    def anonymous(self) -> Mastodon:
        return self.mastodon()


def eventually(probe: Callable[[], T], *, timeout: float = 10.0, interval: float = 0.05) -> T:
    """Poll `probe` until it returns something truthy (background jobs finish), bounded."""
    deadline = time.monotonic() + timeout
    while True:
        value = probe()
        if value or time.monotonic() > deadline:
            return value
        time.sleep(interval)
