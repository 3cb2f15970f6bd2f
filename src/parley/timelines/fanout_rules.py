"""Home delivery: which homes a followee's post reaches. The rule is defined once here
(home_rules, excluded_by_lists, with the exclusion rule of social/exclusions.py and the
"shown already" rule of posts/shown.py), over a post's facts that are values (the fan-out
knows its post: the SQL simplifies) or columns (reads that apply it per post: the home's
merge and cap fallback, timelines/home.py; the streaming hub, timelines/reached.py). Here also
the fan-out's statements: which receivers (followers, tag followers, mentioned followers, the
author) it inserts into `timeline_entries`. Used by the fan-out job (timelines/jobs.py)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import (
    BigInteger,
    CompoundSelect,
    Select,
    bindparam,
    exists,
    or_,
    select,
    true,
    union_all,
)
from sqlalchemy import cast as sql_cast
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.lib.timefmt import utcnow
from parley.lists.fanout import exclusive_listers
from parley.posts.models import Mention, Post, PostTag
from parley.posts.shown import shows_post_or_repost
from parley.posts.visibility import visible_to
from parley.social.exclusions import hidden_to
from parley.social.models import Follow
from parley.social.predicates import follows
from parley.store.dialect import dialect_of
from parley.store.sql import alias_of, bigint, insert_ignoring
from parley.tags.models import TagFollow
from parley.timelines.fanout_facts import Fanout, FanPost
from parley.timelines.models import TimelineEntry

_COLUMNS = ["owner_id", "post_id", "author_id"]
# (owner_id, post_id, author_id) rows for timeline_entries.
Rows = Select[int, int, int]
Column = ColumnElement[Any] | QueryableAttribute[Any]


def insert_entries(session: AsyncSession, rows: Rows) -> Insert:
    """INSERT INTO timeline_entries SELECT ... that skips rows already there (every caller's
    SELECT has a WHERE, which SQLite's upsert needs)."""
    return insert_ignoring(session, TimelineEntry, _COLUMNS, rows)


async def deliver(session: AsyncSession, rows: Rows) -> list[int]:
    """Insert home entries and return who newly got one (for the live `update` events): for
    the few receivers besides followers (followers' batches return nobody: see Delivered)."""
    result = await session.execute(insert_entries(session, rows)
                                   .returning(TimelineEntry.owner_id))
    return list(result.scalars().all())


def has_original(receiver: Column, original_id: Column | int) -> ColumnElement[bool]:
    """The receiver's home already shows the original post or another repost of it."""
    return shows_post_or_repost(TimelineEntry, "owner_id", receiver, original_id)


HOMED_VISIBILITIES = ("public", "unlisted", "private")
# A fact of a post: a Python value, or a column or parameter of the enclosing statement.
Fact = Any


@dataclass(frozen=True)
class PostFacts:
    """What the home rules read of a post."""

    id: Fact
    account_id: Fact
    visibility: Fact
    in_reply_to_account_id: Fact
    repost_of_id: Fact


@dataclass(frozen=True, slots=True)
class Bound:
    """A fact known while a statement is built, so that its shape follows the value (a reply
    to someone else, a repost: see home_rules), yet sent as a parameter (`sql`): such a
    statement is built once per shape and reused (follower_batch)."""

    value: Any
    sql: ColumnElement[Any]


def _value(fact: Fact) -> Any:
    return fact.value if isinstance(fact, Bound) else fact


def _sql(fact: Fact) -> Any:
    return fact.sql if isinstance(fact, Bound) else fact


def _known(fact: Fact) -> bool:
    value = _value(fact)
    return value is None or isinstance(value, int | str)


def _mentions(post_id: Fact, receiver: Column) -> ColumnElement[bool]:
    mention = alias_of(Mention, "home_mention")
    return exists(select(mention.post_id).where(mention.post_id == post_id,
                                                mention.account_id == receiver))


def home_rules(post: PostFacts, receiver: Column, show_reposts: Column | None, *,
               audience: bool = True) -> list[ColumnElement[bool]]:
    """Mastodon's home rules for a followee's post and a follower (`receiver`, whose follow
    shows reposts when `show_reposts`: None where no follow applies): a direct post reaches
    only those it mentions (`audience` False: the receivers are the mentioned), a repost only
    follows that show reposts, a reply to someone else only those who also follow (or are)
    that person."""
    rules: list[ColumnElement[bool]] = []
    if audience and not _known(post.visibility):
        rules.append(or_(post.visibility.in_(HOMED_VISIBILITIES),
                         _mentions(post.id, receiver)))
    elif audience and _value(post.visibility) not in HOMED_VISIBILITIES:
        rules.append(_mentions(_sql(post.id), receiver))
    if show_reposts is not None and not _known(post.repost_of_id):
        rules.append(or_(post.repost_of_id.is_(None), show_reposts))
    elif show_reposts is not None and _value(post.repost_of_id) is not None:
        rules.append(cast(ColumnElement[bool], show_reposts))
    replied = post.in_reply_to_account_id
    if not _known(replied):
        rules.append(or_(replied.is_(None), replied == post.account_id, receiver == replied,
                         follows(receiver, replied)))
    elif _value(replied) is not None and _value(replied) != _value(post.account_id):
        rules.append(or_(receiver == _sql(replied), follows(receiver, _sql(replied))))
    return rules


def excluded_by_lists(receiver: Column, author: Fact) -> ColumnElement[bool]:
    """The author is in one of the receiver's exclusive lists (correlated form of
    lists/fanout.py exclusive_listers): its posts skip the receiver's home."""
    listers = exclusive_listers(author)
    return exists(listers.where(listers.selected_columns[0] == receiver))


def facts_of(fan: Fanout) -> PostFacts:
    post = fan.post
    return PostFacts(post.id, post.account_id, post.visibility, post.in_reply_to_account_id,
                     post.repost_of_id)


def _skipped(fan: Fanout, *, exclusive: bool, remote: bool, now: Fact = None) -> CompoundSelect:
    """Every receiver the post must skip, as one uncorrelated set: the database builds it once
    per statement and anti-joins it (a handful of index lookups) instead of evaluating four or
    five correlated NOT EXISTS for every follower. With `remote`, remote accounts too (a
    partial index of them; cheaper than reading every follower's account row while they are
    few — with federation at scale a local flag on follows would serve better)."""
    post, now = fan.post, utcnow() if now is None else _sql(now)
    parts = hidden_to(_sql(post.account_id), _sql(post.domain), now)
    if fan.original_author is not None:
        parts += hidden_to(_sql(fan.original_author), _sql(fan.original_domain), now)
    if exclusive:
        parts.append(exclusive_listers(_sql(post.account_id)))
    if remote:
        parts.append(select(Account.id).where(Account.domain.is_not(None)))
    return union_all(*parts)


def receiver_rules(fan: Fanout, receiver: Column, show_reposts: Column | None = None, *,
                   exclusive: bool = True, remote: bool = False, audience: bool = True,
                   now: Fact = None) -> list[ColumnElement[bool]]:
    """The home rules for one post, as conditions on a receiver column, with the skip set
    (hidden from the author or original author, `exclusive`: in one of the receiver's
    exclusive lists; `remote`: remote receivers, for callers that do not join accounts) and
    the "shown already" rule for reposts."""
    post = fan.post
    skipped = _skipped(fan, exclusive=exclusive, remote=remote, now=now)
    rules: list[ColumnElement[bool]] = [receiver.not_in(skipped)]
    rules += home_rules(facts_of(fan), receiver, show_reposts, audience=audience)
    if post.repost_of_id is not None:
        rules.append(~has_original(receiver, _sql(post.repost_of_id)))
    return rules


def follower_rows(fan: Fanout, after: Fact, upper: Fact, *, now: Fact = None) -> Rows:
    post, receiver = fan.post, Follow.account_id
    stmt = (
        select(receiver, _bigint(post.id), _bigint(post.account_id))
        .where(Follow.target_account_id == _sql(post.account_id), Follow.state == "accepted",
               *receiver_rules(fan, receiver, Follow.show_reposts.is_(True), remote=True,
                               now=now))
    )
    return in_range(stmt, receiver, after, upper)


def _bigint(fact: Fact) -> ColumnElement[int]:
    return sql_cast(_sql(fact), BigInteger) if isinstance(fact, Bound) else bigint(fact)


def in_range(stmt: Any, column: Column, after: Fact, upper: Fact) -> Any:
    """One batch: followers with after < id <= upper (None: unbounded)."""
    if after is not None:
        stmt = stmt.where(column > _sql(after))
    if upper is not None:
        stmt = stmt.where(column <= _sql(upper))
    return stmt


# follower_batch's statements, by dialect and shape.
_BATCHES: dict[tuple[Any, ...], Insert] = {}
_BATCH_FACTS = ("fan_post", "fan_author", "fan_replied", "fan_repost", "fan_domain",
                "fan_original", "fan_original_domain", "fan_after", "fan_upper")


def follower_batch(session: AsyncSession, fan: Fanout, after: int | None, upper: int | None
                   ) -> tuple[Insert, dict[str, Any]]:
    """follower_rows' INSERT for one batch, and its parameters: built once per dialect and
    shape (what home_rules and the skip set decide from the values: a reply to someone else,
    a repost, a remote author, a range's ends) with this post's values as parameters (Bound),
    then reused. Building and compiling it anew cost three times running it (a received
    reply's fan-out, any small account's post)."""
    post = fan.post
    replied = post.in_reply_to_account_id
    if replied == post.account_id:
        replied = None  # a reply to oneself reaches followers as any post: no rule for it
    values = dict(zip(_BATCH_FACTS, (
        post.id, post.account_id, replied, post.repost_of_id, post.domain, fan.original_author,
        fan.original_domain, after, upper), strict=True))
    shape = (dialect_of(session).name, post.visibility,
             *(value is None for value in values.values()))
    stmt = _BATCHES.get(shape)
    if stmt is None:
        bound: dict[str, Any] = {name: None if value is None else Bound(value, bindparam(name))
                                 for name, value in values.items()}
        template = Fanout(FanPost(
            bound["fan_post"], bound["fan_author"], bound["fan_domain"], post.visibility,
            bound["fan_replied"], bound["fan_repost"]), original_author=bound["fan_original"],
            original_domain=bound["fan_original_domain"])
        stmt = _BATCHES[shape] = insert_entries(session, follower_rows(
            template, bound["fan_after"], bound["fan_upper"], now=bindparam("fan_now")))
    params = {name: value for name, value in values.items() if value is not None}
    return stmt, {**params, "fan_now": utcnow()}


def tag_follower_rows(fan: Fanout) -> Rows:
    """Local accounts following a tag the (public, original) post carries; the home rules
    apply as for followers, and an author in one of their exclusive lists stays out."""
    post, receiver = fan.post, TagFollow.account_id
    return (
        select(receiver, bigint(post.id), bigint(post.account_id)).distinct()
        .join(Account, Account.id == receiver)
        .where(TagFollow.tag_id.in_(select(PostTag.tag_id).where(PostTag.post_id == post.id)),
               Account.domain.is_(None), receiver != post.account_id,
               # Followers get it from their batch under the same rules; leaving them out
               # here keeps each home's one live `update` (batches report ranges, not ids).
               ~follows(receiver, post.account_id),
               *receiver_rules(fan, receiver))
    )


def mentioned_follower_rows(fan: Fanout, *, exclusive: bool) -> Rows:
    """Mentioned local followers: a direct post's audience (exclusive lists do not hold those
    back), or a broadcast post's mentions, which must reach a home as any follower's would."""
    post, receiver = fan.post, Mention.account_id
    return (
        select(receiver, bigint(post.id), bigint(post.account_id))
        .join(Account, Account.id == receiver)
        .where(Mention.post_id == post.id, Account.domain.is_(None),
               follows(receiver, post.account_id),
               *receiver_rules(fan, receiver, exclusive=exclusive, audience=False))
    )


def author_row(post: FanPost) -> Rows:
    # The author always sees their own replies; only the repost rule applies to them.
    receiver = bigint(post.account_id)
    rules = [~has_original(receiver, post.repost_of_id)] if post.repost_of_id else []
    return select(receiver, bigint(post.id), bigint(post.account_id)).where(true(), *rules)


def merge_rows(owner_id: int, target_id: int, limit: int) -> Rows:
    """A newly followed account's recent posts (never direct ones) for the follower's home,
    by the same rules."""
    owner = bigint(owner_id)
    show_reposts = exists(select(Follow.id).where(
        Follow.account_id == owner_id, Follow.target_account_id == target_id,
        Follow.show_reposts.is_(True)))
    facts = PostFacts(Post.id, Post.account_id, Post.visibility, Post.in_reply_to_account_id,
                      Post.repost_of_id)
    return (
        select(owner, Post.id, Post.account_id)
        .where(Post.account_id == target_id, Post.visibility.in_(HOMED_VISIBILITIES),
               visible_to(owner_id), *home_rules(facts, owner, show_reposts, audience=False),
               or_(Post.repost_of_id.is_(None), ~has_original(owner, Post.repost_of_id)))
        .order_by(Post.id.desc())
        .limit(limit)
    )
