"""The federation benchmark's database, bulk-loaded as bench/load.py loads a network: one
local account with a token, and remote accounts spread over loopback servers (accounts with
a domain, remote_actors rows with their inbox and shared inbox, accepted follows), each
server named by a loopback address of its own: 127.0.x.y:PORT."""

from __future__ import annotations

import hashlib
import time
from collections.abc import Iterator
from dataclasses import dataclass

from rich.progress import Progress

from bench.load import Destination, _open, _write_tables
from bench.rows import (
    ACCOUNT_COLUMNS,
    APP_ID,
    BENCH_PASSWORD,
    FOLLOW_COLUMNS,
    SCOPES,
    TOKEN_COLUMNS,
    USER_COLUMNS,
    Row,
    Stamp,
    Table,
    token_for,
)

ID_SHIFT = 16  # as parley.lib.ids: ms << 16 | sequence
ACTOR_COLUMNS = ("account_id", "actor_type", "inbox_url", "shared_inbox_url", "followers_url")


def server_host(index: int) -> str:
    """The loopback address of remote server number `index` (under 63,500): 127.0.1.1 on,
    leaving 127.0.0.x (Parley's own address) alone."""
    if not 0 <= index < 250 * 254:
        raise ValueError(f"no loopback address for server {index}")
    return f"127.0.{1 + index // 250}.{1 + index % 250}"


@dataclass(frozen=True)
class Remote:
    """A remote account to seed: its server (host:port) and username."""

    domain: str
    username: str
    shared_inbox: bool = True

    @property
    def uri(self) -> str:
        return f"http://{self.domain}/users/{self.username}"


@dataclass(frozen=True)
class Seeded:
    local_id: int
    token: str
    remote_ids: list[int]


def followers(count: int, servers: int, port: int, *, shared: bool) -> list[Remote]:
    """`count` remote accounts, dealt over `servers` loopback servers in turn."""
    return [Remote(f"{server_host(i % servers)}:{port}", f"f{i}", shared) for i in range(count)]


class _Rows:
    """Row builders for the few tables the benchmark needs."""

    def __init__(self, stamp: Stamp, base_url: str) -> None:
        self.now_ms = int(time.time() * 1000) - 60_000
        self.created = stamp([self.now_ms])[0]
        self.base_url = base_url
        self.next = self.now_ms << ID_SHIFT

    def new_id(self) -> int:
        self.next += 1
        return self.next

    def account(self, account_id: int, name: str, domain: str | None, uri: str,
                followers_count: int = 0, following_count: int = 0) -> Row:
        acct = name if domain is None else f"{name}@{domain}"
        url = f"{self.base_url}/@{name}" if domain is None else uri
        return (account_id, name, domain, acct.lower(), uri, url, name.capitalize(), "", "",
                "[]", None, None, False, False, True, True, "public", False, None,
                followers_count, following_count, 0, None, self.created)

    def follow(self, follower: int, target: int, uri: str | None) -> Row:
        return (self.new_id(), follower, target, "accepted", "import", None, True, False, uri,
                self.created, self.created)


async def seed(dest: Destination, base_url: str, local_name: str, remotes: list[Remote], *,
               local_follows_remotes: bool = False) -> Seeded:
    """A fresh, migrated database with the local account `local_name` (its bearer token is
    bench.rows.token_for(id)) followed by every remote (or following them)."""
    from parley.accounts.passwords import hash_password

    target = await _open(dest)
    rows = _Rows(target.stamp, base_url)
    local_id = rows.new_id()
    remote_ids = [rows.new_id() for _ in remotes]
    n = len(remotes)
    local = rows.account(local_id, local_name, None, f"{base_url}/users/{local_name}",
                         followers_count=0 if local_follows_remotes else n,
                         following_count=n if local_follows_remotes else 0)

    def accounts() -> Iterator[list[Row]]:
        yield [local, *(rows.account(i, r.username, r.domain, r.uri,
                                     followers_count=int(local_follows_remotes),
                                     following_count=int(not local_follows_remotes))
                        for i, r in zip(remote_ids, remotes, strict=True))]

    def actors() -> Iterator[list[Row]]:
        yield [(i, "Person", f"{r.uri}/inbox",
                f"http://{r.domain}/inbox" if r.shared_inbox else None, f"{r.uri}/followers")
               for i, r in zip(remote_ids, remotes, strict=True)]

    def follows() -> Iterator[list[Row]]:
        if local_follows_remotes:
            yield [rows.follow(local_id, i, f"{base_url}/users/{local_name}/follows/{k}")
                   for k, i in enumerate(remote_ids)]
        else:
            yield [rows.follow(i, local_id, f"{r.uri}/follows/1")
                   for i, r in zip(remote_ids, remotes, strict=True)]

    def user() -> Iterator[list[Row]]:
        yield [(local_id, f"{local_name}@bench.invalid", hash_password(BENCH_PASSWORD),
                "user", True, False, "en", None, rows.created)]

    def app() -> Iterator[list[Row]]:
        yield [(APP_ID, "parley-bench", None, "urn:ietf:wg:oauth:2.0:oob", SCOPES,
                "parley-bench", "parley-bench-secret", None, rows.created)]

    def token() -> Iterator[list[Row]]:
        yield [(APP_ID + 1, hashlib.sha256(token_for(local_id).encode()).hexdigest(), None,
                APP_ID, local_id, SCOPES, None, None, None, rows.created)]

    app_columns = ("id", "name", "website", "redirect_uris", "scopes", "client_id",
                   "client_secret", "owner_account_id", "created_at")
    tables = [Table("oauth_applications", app_columns, app, 1),
              Table("accounts", ACCOUNT_COLUMNS, accounts, n + 1),
              Table("users", USER_COLUMNS, user, 1),
              Table("remote_actors", ACTOR_COLUMNS, actors, n),
              Table("follows", FOLLOW_COLUMNS, follows, n),
              Table("oauth_access_tokens", TOKEN_COLUMNS, token, 1)]
    with Progress(disable=True) as progress:
        await _write_tables(target, tables, progress)
    if not dest.is_sqlite:
        await target.analyze()
    await target.close()
    return Seeded(local_id, token_for(local_id), remote_ids)
