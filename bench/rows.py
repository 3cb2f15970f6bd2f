"""Table rows of a synthetic network, in chunks, with the denormalised counters computed here.

Timestamps are passed to a `stamp` function of the target database (SQLite wants
SQLAlchemy's text format, PostgreSQL datetimes), so one row builder serves both.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import numpy as np
import numpy.typing as npt

from bench.graph import ID_SHIFT, PRIVATE, VISIBILITY_NAMES, Graph

Row = tuple[Any, ...]
Millis = Sequence[int] | npt.NDArray[np.int64]
Stamp = Callable[[Millis], list[Any]]
CHUNK = 50_000
APP_ID = 1 << 40
BENCH_PASSWORD = "benchmark"
SCOPES = "read write follow push"


def token_for(account_id: int) -> str:
    """The bearer token of a benchmark account (a benchmark database is never public)."""
    return f"bench-{account_id}"


def sqlite_stamps(ms: Millis) -> list[Any]:
    values = np.asarray(ms, dtype="int64").astype("datetime64[ms]").astype("datetime64[us]")
    return [text.replace("T", " ") for text in np.datetime_as_string(values, unit="us")]


def pg_stamps(ms: Millis) -> list[Any]:
    return [datetime.fromtimestamp(int(value) / 1000, UTC) for value in ms]


@dataclass
class Table:
    """Rows for one table: its name, columns and a chunked row iterator."""

    name: str
    columns: tuple[str, ...]
    rows: Callable[[], Iterator[list[Row]]]
    count: int


def _chunks(total: int) -> Iterator[tuple[int, int]]:
    for start in range(0, total, CHUNK):
        yield start, min(total, start + CHUNK)


class RowBuilder:
    """Builds every table of `graph` for a server at `base_url`."""

    def __init__(self, graph: Graph, base_url: str, stamp: Stamp, password_hash: str) -> None:
        self.g = graph
        self.base_url = base_url
        self.stamp = stamp
        self.password_hash = password_hash
        n = graph.accounts
        self.followers = np.bincount(graph.follow_dst, minlength=n)
        self.following = np.bincount(graph.follow_src, minlength=n)
        self.posts_count = np.bincount(graph.post_author, minlength=n)
        last = np.full(n, -1, dtype=np.int64)
        np.maximum.at(last, graph.post_author, graph.created_ms())
        self.last_post_ms = last
        replies = graph.post_parent >= 0
        counted = replies & (graph.post_visibility != PRIVATE)
        self.replies_count = np.bincount(graph.post_parent[counted],
                                         minlength=len(graph.post_ids))
        self.account_ms = (graph.account_ids >> ID_SHIFT).tolist()

    def tables(self) -> list[Table]:
        g = self.g
        return [
            Table("oauth_applications", ("id", "name", "website", "redirect_uris", "scopes",
                                         "client_id", "client_secret", "owner_account_id",
                                         "created_at"), self._apps, 1),
            Table("accounts", ACCOUNT_COLUMNS, self._accounts, g.accounts),
            Table("users", USER_COLUMNS, self._users, g.accounts),
            Table("follows", FOLLOW_COLUMNS, self._follows, len(g.follow_src)),
            Table("posts", POST_COLUMNS, self._posts, len(g.post_ids)),
            Table("mentions", ("post_id", "account_id"), self._mentions, len(g.mention_post)),
            Table("notifications", NOTIFICATION_COLUMNS, self._notifications,
                  len(g.mention_post)),
            Table("oauth_access_tokens", TOKEN_COLUMNS, self._tokens, len(g.active)),
        ]

    def _apps(self) -> Iterator[list[Row]]:
        yield [(APP_ID, "parley-bench", None, "urn:ietf:wg:oauth:2.0:oob", SCOPES,
                "parley-bench", "parley-bench-secret", None, self.stamp([self.g.start_ms])[0])]

    def _accounts(self) -> Iterator[list[Row]]:
        g, base = self.g, self.base_url
        for lo, hi in _chunks(g.accounts):
            created = self.stamp(self.account_ms[lo:hi])
            last = self.last_post_ms[lo:hi]
            last_stamps = self.stamp([max(0, int(v)) for v in last])
            rows = []
            for k, i in enumerate(range(lo, hi)):
                name = g.usernames[i]
                rows.append((
                    int(g.account_ids[i]), name, None, name, f"{base}/users/{name}",
                    f"{base}/@{name}", name.capitalize(), "", "", "[]", None, None, False,
                    False, True, True, "public", False, None, int(self.followers[i]),
                    int(self.following[i]), int(self.posts_count[i]),
                    last_stamps[k] if last[k] >= 0 else None, created[k]))
            yield rows

    def _users(self) -> Iterator[list[Row]]:
        g = self.g
        for lo, hi in _chunks(g.accounts):
            created = self.stamp(self.account_ms[lo:hi])
            yield [(int(g.account_ids[i]), f"{g.usernames[i]}@bench.invalid", self.password_hash,
                    "user", True, False, "en", None, created[k])
                   for k, i in enumerate(range(lo, hi))]

    def _follows(self) -> Iterator[list[Row]]:
        g = self.g
        base_ms = g.start_ms - 3_600_000
        ids = (base_ms << ID_SHIFT) + np.arange(len(g.follow_src), dtype=np.int64)
        created = self.stamp([base_ms])[0]
        src = g.account_ids[g.follow_src]
        dst = g.account_ids[g.follow_dst]
        for lo, hi in _chunks(len(ids)):
            yield [(i, a, t, "accepted", "import", None, True, False, None, created, created)
                   for i, a, t in zip(ids[lo:hi].tolist(), src[lo:hi].tolist(),
                                      dst[lo:hi].tolist(), strict=True)]

    def _post_text(self, index: int, mentioned: dict[int, int]) -> tuple[str, str]:
        account = mentioned.get(index)
        words = f"Post number {index} of the benchmark network, with a few words to read."
        if account is None:
            return words, f"<p>{words}</p>"
        name = self.g.usernames[account]
        link = (f'<span class="h-card"><a href="{self.base_url}/@{name}" class="u-url mention">'
                f"@<span>{name}</span></a></span>")
        return f"@{name} {words}", f"<p>{link} {words}</p>"

    def _posts(self) -> Iterator[list[Row]]:
        g, base = self.g, self.base_url
        mentioned = dict(zip(g.mention_post.tolist(), g.mention_account.tolist(), strict=True))
        ms = g.created_ms()
        for lo, hi in _chunks(len(g.post_ids)):
            created = self.stamp(ms[lo:hi])
            rows = []
            for k, i in enumerate(range(lo, hi)):
                author = int(g.post_author[i])
                name, post_id = g.usernames[author], int(g.post_ids[i])
                parent = int(g.post_parent[i])
                text, content = self._post_text(i, mentioned)
                rows.append((
                    post_id, int(g.account_ids[author]), None,
                    f"{base}/users/{name}/statuses/{post_id}", f"{base}/@{name}/{post_id}",
                    text, content, "", False, "en", VISIBILITY_NAMES[g.post_visibility[i]],
                    int(g.post_ids[parent]) if parent >= 0 else None,
                    int(g.account_ids[g.post_author[parent]]) if parent >= 0 else None,
                    int(g.post_ids[g.post_thread[i]]), None, None, None,
                    int(self.replies_count[i]), 0, 0, 0, created[k], None))
            yield rows

    def _mentions(self) -> Iterator[list[Row]]:
        g = self.g
        posts = g.post_ids[g.mention_post]
        accounts = g.account_ids[g.mention_account]
        for lo, hi in _chunks(len(posts)):
            yield list(zip(posts[lo:hi].tolist(), accounts[lo:hi].tolist(), strict=True))

    def _notifications(self) -> Iterator[list[Row]]:
        """One "mention" notification per mention, as compose writes them."""
        g = self.g
        order = np.argsort(g.mention_post, kind="stable")
        post_index = g.mention_post[order]
        # A post of this network mentions one account at most, so its id can be the notification's.
        ids = g.post_ids[post_index]
        recipients = g.account_ids[g.mention_account[order]]
        senders = g.account_ids[g.post_author[post_index]]
        posts = g.post_ids[post_index]
        ms = g.created_ms()[post_index]
        for lo, hi in _chunks(len(ids)):
            created = self.stamp(ms[lo:hi])
            yield [(i, r, s, "mention", p, created[k]) for k, (i, r, s, p) in enumerate(
                zip(ids[lo:hi].tolist(), recipients[lo:hi].tolist(), senders[lo:hi].tolist(),
                    posts[lo:hi].tolist(), strict=True))]

    def _tokens(self) -> Iterator[list[Row]]:
        g = self.g
        created = self.stamp([g.start_ms])[0]
        accounts = g.account_ids[g.active].tolist()
        yield [(APP_ID + 1 + k, hashlib.sha256(token_for(a).encode()).hexdigest(), None, APP_ID,
                a, SCOPES, None, None, None, created) for k, a in enumerate(accounts)]


ACCOUNT_COLUMNS = (
    "id", "username", "domain", "acct_key", "uri", "url", "display_name", "note", "note_source",
    "fields", "avatar_url", "header_url", "locked", "bot", "discoverable", "indexable",
    "default_privacy", "default_sensitive", "default_language", "followers_count",
    "following_count", "posts_count", "last_post_at", "created_at")
USER_COLUMNS = ("account_id", "email", "password_hash", "role", "approved", "disabled",
                "locale", "registration_reason", "created_at")
FOLLOW_COLUMNS = ("id", "account_id", "target_account_id", "state", "source", "source_post_id",
                  "show_reposts", "notify", "uri", "created_at", "accepted_at")
POST_COLUMNS = (
    "id", "account_id", "domain", "uri", "url", "text", "content", "spoiler_text", "sensitive",
    "language", "visibility", "in_reply_to_id", "in_reply_to_account_id", "thread_id",
    "repost_of_id", "quote_of_id", "application_id", "replies_count", "reposts_count",
    "likes_count", "quotes_count", "created_at", "edited_at")
NOTIFICATION_COLUMNS = ("id", "account_id", "from_account_id", "type", "post_id", "created_at")
TOKEN_COLUMNS = ("id", "token_hash", "refresh_token_hash", "application_id", "account_id",
                 "scopes", "expires_at", "revoked_at", "last_used_at", "created_at")
