"""The home timeline read (store/rawsql; docs/decisions.md "The read path"): the fan-out's
entries, broadcast followees merged in, the home rules applied to the rows, and the fallback
past the home cap."""

from __future__ import annotations

import time
from dataclasses import dataclass
from typing import Any

from sqlalchemy import and_, literal_column
from sqlalchemy.orm import aliased

from parley.lib.ids import MAX_ID
from parley.lib.paging import Page
from parley.posts.models import Post
from parley.posts.rows import (
    POST_JOINS,
    POST_SELECT,
    VIEWER_CONTEXT,
    Exclusions,
    PostRow,
    RowBatch,
    ids_of,
    load_exclusions,
)
from parley.posts.shown import without_repeated_originals
from parley.social.models import Follow
from parley.store.rawsql import (
    Fragment,
    PerRow,
    Reader,
    RowColumn,
    Sql,
    is_missing_table,
    param,
)
from parley.timelines.fanout_rules import PostFacts, excluded_by_lists, home_rules

# Rounds of "read further" when exclusions drop entries, so one page never turns into a scan.
HOME_ROUNDS = 4
# The cap fallback reads followees' posts in windows of this many snowflake ids (7 days).
FALLBACK_WINDOW = (7 * 24 * 3600 * 1000) << 16
FALLBACK_WINDOWS = 4


def _home_sql(order: str) -> Sql:
    return Sql(f"SELECT {POST_SELECT} FROM timeline_entries t "
               f"JOIN posts p ON p.id = t.post_id {POST_JOINS} "
               "WHERE t.owner_id = :viewer AND t.post_id < :upper AND t.post_id > :lower "
               f"ORDER BY t.post_id {order} LIMIT :limit")


_HOME = {False: _home_sql("DESC"), True: _home_sql("ASC")}
_DOMAINS = Sql("SELECT id, domain FROM accounts WHERE id IN_IDS(:ids) AND domain IS NOT NULL")
_HOME_SIZE = Sql("SELECT COUNT(*) FROM (SELECT 1 FROM timeline_entries "
                 "WHERE owner_id = :viewer LIMIT :cap) capped")
# The fan-out's home rules (timelines/fanout_rules.py) applied per post of a followee `p`
# (followed through `f`: a follows row, or a broadcast followee's row of values), compiled once.
_POST = aliased(Post, name="p")
_POST_FACTS = PostFacts(_POST.id, _POST.account_id, _POST.visibility,
                        _POST.in_reply_to_account_id, _POST.repost_of_id)
_FOLLOW = aliased(Follow, name="f")
# The broadcast followee's row of values (PerRow below) shows reposts: untyped, so that
# SQLite tests it as it is (a typed boolean is compared `= 1`: ~6% more per statement).
_EACH_SHOWS_REPOSTS: Any = literal_column("f.show_reposts")


def _followee_rules(show_reposts: Any) -> Fragment:
    return Fragment(lambda: and_(*home_rules(_POST_FACTS, param("viewer"), show_reposts)))


_FOLLOWEE_RULES = {"each": _followee_rules(_EACH_SHOWS_REPOSTS),
                   "follows": _followee_rules(_FOLLOW.show_reposts)}
_NOT_EXCLUSIVE = {
    "broadcast": Fragment(lambda: ~excluded_by_lists(param("viewer"), _FOLLOW.target_account_id),
                          over=lambda: [_FOLLOW]),
    "post": Fragment(lambda: ~excluded_by_lists(param("viewer"), _POST.account_id),
                     over=lambda: [_POST])}
# The broadcast accounts the viewer follows (3: reposts shown, 4: not), at most 50, newest
# follows first, none in an exclusive list (hybrid fan-out: read-time merge of their posts),
# after the viewer context. Driven from broadcast_accounts (a few big accounts) into the
# follow's unique index.
_BROADCAST_FOLLOWS = (
    "SELECT f.target_account_id, f.show_reposts FROM broadcast_accounts b "
    "CROSS JOIN follows f WHERE f.account_id = :viewer "
    "AND f.target_account_id = b.account_id AND f.state = 'accepted' "
    f"AND {_NOT_EXCLUSIVE['broadcast']} ORDER BY f.id DESC LIMIT 50")
_HOME_CONTEXT = Sql(
    f"{VIEWER_CONTEXT.source} UNION ALL SELECT CASE WHEN bf.show_reposts THEN 3 ELSE 4 END, "
    f"bf.target_account_id, NULL FROM ({_BROADCAST_FOLLOWS}) bf")
_no_broadcast_table_until = [0.0]


def _broadcast_sql(order: str) -> PerRow:
    """The newest posts of each broadcast followee (store/rawsql.PerRow: one statement over
    all of them where the dialect has LATERAL, else one per followee)."""
    inner = (f"SELECT p.* FROM posts p WHERE p.account_id = f.target_account_id "
             f"AND p.id < :upper AND p.id > :lower AND {_FOLLOWEE_RULES['each']} "
             f"ORDER BY p.id {order} LIMIT :limit")
    return PerRow(POST_SELECT, inner, "p", POST_JOINS, row="f", columns=(
        RowColumn("target_account_id", "BIGINT", one="author", many="authors"),
        RowColumn("show_reposts", "BOOLEAN", one="show_reposts", many="shows")))


_BROADCASTS = {order == "ASC": _broadcast_sql(order) for order in ("DESC", "ASC")}
_FALLBACK = Sql(
    f"SELECT {POST_SELECT} FROM follows f JOIN posts p "
    f"ON p.account_id = f.target_account_id {POST_JOINS} "
    "WHERE f.account_id = :viewer AND f.state = 'accepted' AND p.id < :upper "
    f"AND p.id > :lower AND {_FOLLOWEE_RULES['follows']} AND {_NOT_EXCLUSIVE['post']} "
    f"UNION ALL SELECT {POST_SELECT} FROM posts p {POST_JOINS} "
    "WHERE p.account_id = :viewer AND p.id < :upper AND p.id > :lower "
    "ORDER BY 1 DESC LIMIT :limit")


def _home_shows(post: PostRow, batch: RowBatch, hidden: Exclusions) -> bool:
    """Neither by, replying to nor mentioning an account hidden from the viewer."""
    if hidden.hides(post.account_id, post.domain):
        return False
    if hidden.hides(post.in_reply_to_account_id):
        return False
    return not any(hidden.hides(m.id, m.domain) for m in batch.mentions.get(post.id, ()))


def feed_shows(post: PostRow, batch: RowBatch, hidden: Exclusions) -> bool:
    """posts/visibility.py feed_visible for a loaded row: visible (and its original), and
    unless it is the viewer's own, neither it nor its original involves a hidden account."""
    if not post.visible:
        return False
    original = batch.posts.get(post.repost_of_id) if post.repost_of_id else None
    if post.repost_of_id is not None and (original is None or not original.visible):
        return False
    if post.account_id == batch.viewer_id:
        return True
    return _home_shows(post, batch, hidden) and (
        original is None or _home_shows(original, batch, hidden))


async def _keep(batch: RowBatch, rows: list[PostRow], hidden: Exclusions) -> list[PostRow]:
    """The rows feed_shows keeps; loads their originals and mentions on the way."""
    if not rows:
        return []
    await batch.load_posts(ids_of(row.repost_of_id for row in rows))
    considered = [*rows, *(batch.posts[i] for i in ids_of(row.repost_of_id for row in rows)
                           if i in batch.posts)]
    await batch.load_related(row.id for row in considered)
    if hidden.domains:
        replied = [i for i in ids_of(row.in_reply_to_account_id for row in considered)
                   if i not in hidden.account_domains]
        if replied:
            for account_id, domain in await batch.reader.fetch(_DOMAINS, {"ids": replied}):
                hidden.account_domains[account_id] = domain
    return [row for row in rows if feed_shows(row, batch, hidden)]


@dataclass
class _Range:
    upper: int
    lower: int
    ascending: bool

    def params(self, viewer_id: int, limit: int) -> dict[str, Any]:
        return {"viewer": viewer_id, "upper": self.upper, "lower": self.lower, "limit": limit}

    def after(self, row_id: int) -> None:
        """Continue past `row_id` in the reading direction."""
        if self.ascending:
            self.lower = row_id
        else:
            self.upper = row_id


async def _entries(batch: RowBatch, hidden: Exclusions, span: _Range, limit: int
                   ) -> tuple[list[PostRow], bool, int | None]:
    """Kept home entries in the range, reading further while exclusions drop some; whether
    the entries ran out, and the oldest entry id read."""
    viewer_id = batch.viewer_param
    kept: list[PostRow] = []
    oldest: int | None = None
    for _ in range(HOME_ROUNDS):
        rows = batch.add(await batch.reader.fetch(_HOME[span.ascending],
                                                  span.params(viewer_id, limit)))
        if rows:
            oldest = min(rows[0].id, rows[-1].id) if oldest is None else min(
                oldest, rows[0].id, rows[-1].id)
        kept += await _keep(batch, rows, hidden)
        if len(rows) < limit:
            return kept, True, oldest
        if len(kept) >= limit:
            break
        span.after(rows[-1].id)
    return kept, False, oldest


async def _broadcast_posts(batch: RowBatch, hidden: Exclusions, span: _Range, limit: int
                           ) -> list[PostRow]:
    """Hybrid fan-out, read side: the newest posts in range of the broadcast accounts the
    viewer follows (they are not written into followers' homes)."""
    if not hidden.broadcasters:
        return []
    reader = batch.reader
    params = span.params(batch.viewer_param, limit)
    rows = await _BROADCASTS[span.ascending].fetch(reader, params, hidden.broadcasters)
    return await _keep(batch, batch.add(rows), hidden)


async def _viewer_context(reader: Reader, viewer_id: int, *, broadcasts: bool) -> Exclusions:
    if broadcasts and time.monotonic() >= _no_broadcast_table_until[0]:
        try:
            return await load_exclusions(reader, viewer_id, statement=_HOME_CONTEXT)
        except Exception as error:
            if not is_missing_table(error):
                raise
            # No broadcast_accounts table yet (its migration comes with the write side):
            # look again in a while rather than fail a statement on every read.
            _no_broadcast_table_until[0] = time.monotonic() + 30
    return await load_exclusions(reader, viewer_id)


async def _fallback_posts(batch: RowBatch, hidden: Exclusions, upper: int, limit: int
                          ) -> list[PostRow]:
    """Past the oldest entry of a capped home: the followees' posts themselves, read in
    bounded windows of ids going back."""
    kept: list[PostRow] = []
    for _ in range(FALLBACK_WINDOWS):
        lower = max(0, upper - FALLBACK_WINDOW)
        rows = batch.add(await batch.reader.fetch(_FALLBACK, {
            "viewer": batch.viewer_param, "upper": upper, "lower": lower, "limit": limit}))
        kept += await _keep(batch, rows, hidden)
        if len(kept) >= limit or lower == 0:
            break
        upper = rows[-1].id if len(rows) == limit else lower
    return kept


async def home_rows(reader: Reader, *, viewer_id: int, page: Page, home_cap: int,
                    broadcasts: bool = True) -> tuple[list[PostRow], RowBatch]:
    """A page of the viewer's home as rows, with the batch that loaded them (for rendering):
    timeline entries merged with broadcast followees' posts, filtered by feed_visible's rules
    in Python, and past the end of a capped home, filled from the followees' posts.
    `broadcasts` False (broadcast_threshold 0: hybrid fan-out off) ignores that table."""
    batch = RowBatch(reader, viewer_id)
    hidden = await _viewer_context(reader, viewer_id, broadcasts=broadcasts)
    batch.has_filters = hidden.has_filters
    lower = max(page.since_id or 0, page.min_id or 0)
    span = _Range(page.max_id if page.max_id is not None else MAX_ID, lower,
                  page.ascending)
    limit = page.limit
    start = _Range(span.upper, span.lower, span.ascending)
    entries, ran_out, oldest = await _entries(batch, hidden, span, limit)
    found = {row.id: row for row in entries}
    for row in await _broadcast_posts(batch, hidden, _within_page(start, entries, limit),
                                      limit):
        found.setdefault(row.id, row)
    if (ran_out and not page.ascending and page.max_id is not None and len(found) < limit
            and await _capped(reader, viewer_id, home_cap)):
        below = min(start.upper, oldest) if oldest is not None else start.upper
        for row in await _fallback_posts(batch, hidden, below, limit):
            found.setdefault(row.id, row)
    # As the fan-out does on write: a merged (broadcast or fallback) repost is left out when
    # the page shows its original or an older repost of it. Entries stay as written.
    rows = without_repeated_originals(
        sorted(found.values(), key=lambda row: row.id, reverse=not page.ascending)[:limit],
        kept={row.id for row in entries})
    return page.arrange(rows), batch


def _within_page(span: _Range, entries: list[PostRow], limit: int) -> _Range:
    """The part of `span` a merged post can still reach the page from: when the entries fill
    the page, only posts beyond its last entry (in reading order) can displace one, so a
    broadcast followee's older posts are neither read nor hydrated."""
    if len(entries) < limit:
        return span
    last = entries[limit - 1].id
    if span.ascending:
        return _Range(min(span.upper, last), span.lower, True)
    return _Range(span.upper, max(span.lower, last), False)


async def _capped(reader: Reader, viewer_id: int, home_cap: int) -> bool:
    rows = await reader.fetch(_HOME_SIZE, {"viewer": viewer_id, "cap": home_cap})
    return bool(rows) and int(rows[0][0]) >= home_cap
