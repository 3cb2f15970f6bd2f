"""List fan-out: the set-based inserts that fill list timelines, and the exclusive-list rule.

Called from the home fan-out job (timelines/jobs.py) with the same batches of followers, and
from the list jobs below. Rows go in with INSERT ... SELECT ... ON CONFLICT DO NOTHING, so
every handler is idempotent.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from sqlalchemy import (
    Select,
    and_,
    delete,
    exists,
    false,
    or_,
    select,
    true,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.dml import Insert
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.events import Subscriber
from parley.events.social import FollowEnded
from parley.jobs.registry import JobContext, JobKind
from parley.lists.models import List, ListEntry, ListMember
from parley.posts.models import Post
from parley.posts.shown import shows_post_or_repost
from parley.posts.visibility import visible_to
from parley.social.models import Follow
from parley.social.predicates import follows
from parley.store.sql import alias_of, bigint, insert_ignoring

# How many of a new member's recent posts go into the list at once.
MERGE_LIMIT = 100
LISTED_VISIBILITIES = ("public", "unlisted", "private")
_COLUMNS = ["list_id", "post_id", "author_id"]
# (list_id, post_id, author_id) rows for list_entries.
Rows = Select[int, int, int]
Column = ColumnElement[Any] | QueryableAttribute[Any]


class FanPost(Protocol):
    """What the list rules read of a post being fanned out (timelines/fanout_facts.py)."""

    @property
    def id(self) -> int: ...
    @property
    def account_id(self) -> int: ...
    @property
    def visibility(self) -> str: ...
    @property
    def in_reply_to_account_id(self) -> int | None: ...
    @property
    def repost_of_id(self) -> int | None: ...




def insert_list_entries(session: AsyncSession, rows: Rows) -> Insert:
    """INSERT INTO list_entries SELECT ... that skips rows already there."""
    return insert_ignoring(session, ListEntry, _COLUMNS, rows)


def exclusive_listers(member_id: int) -> Select[int]:
    """Owners of an exclusive list containing `member_id`: its posts skip their homes. The
    fan-out anti-joins this small set once per batch instead of probing per receiver."""
    return (select(List.account_id).join(ListMember, ListMember.list_id == List.id)
            .where(ListMember.account_id == member_id, List.exclusive.is_(True)))


def _is_member(list_id: Column | int, account: Column | int) -> ColumnElement[bool]:
    other = alias_of(ListMember, "lf_other_member")
    return exists(select(other.list_id).where(other.list_id == list_id,
                                              other.account_id == account))


def _has_original(list_id: Column | int, original_id: Column | int) -> ColumnElement[bool]:
    """The list already shows the original post or another repost of it."""
    return shows_post_or_repost(ListEntry, "list_id", list_id, original_id)


def reply_allowed(owner: Column | int, list_id: Column | int, policy: Column | str,
                  replied_to: Column | int) -> ColumnElement[bool]:
    """A reply to someone else reaches the list if it answers the owner, or (as in home) an
    account the owner follows, and the list's replies_policy admits it: `followed` any such
    reply, `list` replies to members, `none` none."""
    owner_ref = bigint(owner) if isinstance(owner, int) else owner
    if isinstance(policy, str):
        by_policy = {"followed": true(), "list": _is_member(list_id, replied_to)}.get(
            policy, false())
    else:
        by_policy = or_(policy == "followed",
                        and_(policy == "list", _is_member(list_id, replied_to)))
    return or_(owner_ref == replied_to, and_(follows(owner_ref, replied_to), by_policy))


def list_rows(post: FanPost, after: int | None, upper: int | None) -> Rows:
    """Lists of local owners in this batch of followers that contain the post's author."""
    stmt = (
        select(ListMember.list_id, bigint(post.id), bigint(post.account_id))
        .join(List, List.id == ListMember.list_id)
        .join(Follow, and_(Follow.account_id == List.account_id,
                           Follow.target_account_id == post.account_id,
                           Follow.state == "accepted"))
        .join(Account, Account.id == List.account_id)
        .where(ListMember.account_id == post.account_id, Account.domain.is_(None))
    )
    replied_to = post.in_reply_to_account_id
    if replied_to is not None and replied_to != post.account_id:
        stmt = stmt.where(reply_allowed(List.account_id, ListMember.list_id,
                                        List.replies_policy, replied_to))
    if post.repost_of_id is not None:
        stmt = stmt.where(Follow.show_reposts.is_(True),
                          ~_has_original(ListMember.list_id, post.repost_of_id))
    if after is not None:
        stmt = stmt.where(Follow.account_id > after)
    if upper is not None:
        stmt = stmt.where(Follow.account_id <= upper)
    return stmt


async def fanout_to_lists(session: AsyncSession, post: FanPost, after: int | None,
                          upper: int | None) -> list[int]:
    """Put a new post into the lists of this batch's followers (never a direct post);
    returns the lists that newly got it (for live list streams)."""
    if post.visibility not in LISTED_VISIBILITIES:
        return []
    # Most authors are in nobody's list: one index probe saves the per-follower join.
    listed = await session.scalar(select(ListMember.list_id)
                                  .where(ListMember.account_id == post.account_id).limit(1))
    if listed is None:
        return []
    result = await session.execute(insert_list_entries(session, list_rows(post, after, upper))
                                   .returning(ListEntry.list_id))
    return list(result.scalars().all())


def _merge_rows(lst: List, member_id: int) -> Rows:
    show_reposts = exists(select(Follow.id).where(
        Follow.account_id == lst.account_id, Follow.target_account_id == member_id,
        Follow.show_reposts.is_(True)))
    reply_ok = or_(Post.in_reply_to_account_id.is_(None),
                   Post.in_reply_to_account_id == Post.account_id,
                   reply_allowed(lst.account_id, lst.id, lst.replies_policy,
                                 Post.in_reply_to_account_id))
    repost_ok = or_(Post.repost_of_id.is_(None),
                    and_(show_reposts, ~_has_original(lst.id, Post.repost_of_id)))
    return (
        select(bigint(lst.id), Post.id, Post.account_id)
        .where(Post.account_id == member_id, Post.visibility.in_(LISTED_VISIBILITIES),
               visible_to(lst.account_id), reply_ok, repost_ok)
        .order_by(Post.id.desc())
        .limit(MERGE_LIMIT)
    )


@dataclass(frozen=True)
class ListAdditions:
    """Accounts added to a list."""

    list_id: int
    account_ids: list[int]


async def merge_list(ctx: JobContext, payload: ListAdditions) -> None:
    """Accounts were added to a list: bring their recent posts into its timeline."""
    session = ctx.session
    lst = await session.get(List, payload.list_id)
    if lst is None:
        return
    for member_id in payload.account_ids:
        # Removed again, or unfollowed, before the job ran: nothing to merge.
        still_member = await session.scalar(select(ListMember.account_id).where(
            ListMember.list_id == lst.id, ListMember.account_id == member_id))
        followed = await session.scalar(select(Follow.id).where(
            Follow.account_id == lst.account_id, Follow.target_account_id == member_id,
            Follow.state == "accepted"))
        if still_member is not None and followed is not None:
            await session.execute(insert_list_entries(session, _merge_rows(lst, member_id)))


async def remove_from_lists(session: AsyncSession, *, owner_id: int, member_ids: Sequence[int],
                            list_id: int | None = None) -> None:
    """Take accounts out of the owner's lists (one list, or all), with their list entries."""
    if not member_ids:
        return
    owned = select(List.id).where(List.account_id == owner_id)
    if list_id is not None:
        owned = owned.where(List.id == list_id)
    await session.execute(delete(ListEntry).where(
        ListEntry.list_id.in_(owned), ListEntry.author_id.in_(member_ids))
        .execution_options(synchronize_session=False))
    await session.execute(delete(ListMember).where(
        ListMember.list_id.in_(owned), ListMember.account_id.in_(member_ids))
        .execution_options(synchronize_session=False))


async def _follow_ended(session: AsyncSession, event: FollowEnded) -> None:
    """As in Mastodon, list membership ends with the follow."""
    await remove_from_lists(session, owner_id=event.follower_id, member_ids=[event.target_id])


SUBSCRIBERS = (Subscriber(FollowEnded, _follow_ended),)
MERGE_LIST = JobKind("merge_list", ListAdditions, merge_list)
JOBS = (MERGE_LIST,)
