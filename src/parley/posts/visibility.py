"""Who may see a post: the one rule every endpoint applies, as SQL and in Python.

public/unlisted: everyone. private (followers-only): the author, accepted followers and the
accounts it mentions. direct: the author and the accounts it mentions. Nobody sees the posts
of an account that blocks them.

Beyond that rule, what a viewer chose not to see (accounts they block, mute or whose domain
they block) is left out of feeds, threads and notifications by the exclusion clauses below,
though a post they open directly still shows.
"""

from __future__ import annotations

from typing import Any, Literal

from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.lib.timefmt import utcnow
from parley.posts.models import DISTRIBUTABLE, Mention, Post
from parley.social.models import Block, DomainBlock, Follow, Mute
from parley.store.sql import alias_of

# An account id: a Python value or a column of the enclosing query (fan-out receivers).
AccountRef = int | ColumnElement[Any] | QueryableAttribute[Any]
DomainRef = str | None | ColumnElement[Any] | QueryableAttribute[Any]
MuteScope = Literal["posts", "notifications", "none"]


def visible_to(viewer_id: int | None, post: type[Post] = Post) -> ColumnElement[bool]:
    """A WHERE clause keeping only posts `viewer_id` (None: signed out) may see.

    `post` may be an aliased Post when the query joins posts twice (reposts, quotes).
    """
    public = post.visibility.in_(DISTRIBUTABLE)
    if viewer_id is None:
        return public
    mentioned = exists(select(Mention.post_id).where(Mention.post_id == post.id,
                                                      Mention.account_id == viewer_id))
    follows_author = exists(select(Follow.id).where(Follow.account_id == viewer_id,
                                                    Follow.target_account_id == post.account_id,
                                                    Follow.state == "accepted"))
    allowed = or_(
        public,
        post.account_id == viewer_id,
        mentioned,
        and_(post.visibility == "private", follows_author),
    )
    return and_(allowed, ~blocking(post.account_id, viewer_id))


async def can_view(session: AsyncSession, post: Post, viewer_id: int | None) -> bool:
    """The same rule for one post already loaded."""
    if viewer_id is None:
        return post.visibility in DISTRIBUTABLE
    if post.account_id == viewer_id:
        return True
    if await session.scalar(select(blocking(post.account_id, viewer_id))):
        return False
    if post.visibility in DISTRIBUTABLE:
        return True
    mentioned = await session.scalar(select(Mention.post_id).where(
        Mention.post_id == post.id, Mention.account_id == viewer_id))
    if mentioned is not None:
        return True
    if post.visibility != "private":
        return False
    follow = await session.scalar(select(Follow.id).where(
        Follow.account_id == viewer_id, Follow.target_account_id == post.account_id,
        Follow.state == "accepted"))
    return follow is not None


def visible_with_original(viewer_id: int | None) -> ColumnElement[bool]:
    """visible_to, and for a repost the reposted post must be visible too."""
    original = alias_of(Post, "vis_original_1")
    return and_(
        visible_to(viewer_id),
        or_(Post.repost_of_id.is_(None),
            exists(select(original.id).where(original.id == Post.repost_of_id,
                                             visible_to(viewer_id, original)))),
    )


def blocking(blocker: AccountRef, blocked: AccountRef) -> ColumnElement[bool]:
    """`blocker` blocks `blocked`."""
    block = alias_of(Block, "vis_block")  # the enclosing query may itself read blocks
    return exists(select(block.id).where(block.account_id == blocker,
                                         block.target_account_id == blocked))


def muting(viewer: AccountRef, target: AccountRef, *, notifications: bool = False
           ) -> ColumnElement[bool]:
    """`viewer` mutes `target` now (an expired mute no longer counts); with `notifications`,
    only mutes that also silence the target's notifications."""
    mute = alias_of(Mute, "vis_mute")
    conditions = [mute.account_id == viewer, mute.target_account_id == target,
                  or_(mute.expires_at.is_(None), mute.expires_at > utcnow())]
    if notifications:
        conditions.append(mute.notifications.is_(True))
    return exists(select(mute.id).where(*conditions))


def domain_blocking(viewer: AccountRef, domain: DomainRef) -> ColumnElement[bool]:
    """`viewer` blocks `domain` (a local account's domain, NULL, never matches)."""
    if domain is None:
        return false()
    block = alias_of(DomainBlock, "vis_domain_block")
    return exists(select(block.id).where(block.account_id == viewer, block.domain == domain))


def domain_blocking_account(viewer: AccountRef, account: AccountRef) -> ColumnElement[bool]:
    """`viewer` blocks the domain of `account` (an id, when its domain is not at hand)."""
    # A join, not a scalar subquery for the domain: a subquery two levels down would not
    # correlate with the outer query's columns.
    block = alias_of(DomainBlock, "vis_account_domain_block")
    other = alias_of(Account, "vis_blocked_account")
    return exists(select(block.id).join(other, other.domain == block.domain)
                  .where(block.account_id == viewer, other.id == account))


def account_hidden(viewer_id: AccountRef | None, account: AccountRef, domain: DomainRef = None,
                   *, mutes: MuteScope = "posts") -> ColumnElement[bool]:
    """The viewer blocks, is blocked by, or blocks the domain of `account`, or mutes it
    (`mutes`: any mute, only mutes of notifications, or mutes do not count). `domain` is
    the account's domain (a column) when the query has it; None looks it up."""
    if viewer_id is None:
        return false()
    terms = [blocking(viewer_id, account), blocking(account, viewer_id),
             domain_blocking_account(viewer_id, account) if domain is None
             else domain_blocking(viewer_id, domain)]
    if mutes != "none":
        terms.append(muting(viewer_id, account, notifications=mutes == "notifications"))
    return or_(*terms)


def not_blocked_or_muted(viewer_id: AccountRef | None, post: type[Post] = Post
                         ) -> ColumnElement[bool]:
    """The post's author is not blocked (either way), muted or domain-blocked by the viewer:
    what feeds, threads and notifications show."""
    if viewer_id is None:
        return true()
    return ~account_hidden(viewer_id, post.account_id, post.domain)


def original_not_excluded(viewer_id: int | None) -> ColumnElement[bool]:
    """A post that is not a repost, or whose reposted original passes not_blocked_or_muted."""
    if viewer_id is None:
        return true()
    original = alias_of(Post, "vis_original_2")
    return or_(Post.repost_of_id.is_(None),
               exists(select(original.id).where(original.id == Post.repost_of_id,
                                                not_blocked_or_muted(viewer_id, original))))


def involves_hidden(viewer_id: int, post: type[Post] = Post) -> ColumnElement[bool]:
    """The post replies to or mentions an account hidden from the viewer (blocked either
    way, muted or domain-blocked): home feeds leave these out, as Mastodon does."""
    mention = alias_of(Mention, "vis_mention")
    replied = post.in_reply_to_account_id
    return or_(
        and_(replied.is_not(None), account_hidden(viewer_id, replied)),
        exists(select(mention.post_id).where(mention.post_id == post.id,
                                             account_hidden(viewer_id, mention.account_id))),
    )


def _home_shows(viewer_id: int, post: type[Post]) -> ColumnElement[bool]:
    return and_(not_blocked_or_muted(viewer_id, post), ~involves_hidden(viewer_id, post))


def feed_visible(viewer_id: int | None) -> ColumnElement[bool]:
    """What a home feed (home, lists) shows the viewer: visible posts and originals; none
    by, replying to or mentioning accounts the viewer excluded or that exclude the viewer,
    for a repost neither the repost nor its original. One's own posts always show."""
    if viewer_id is None:
        return visible_with_original(None)
    original = alias_of(Post, "vis_original_3")
    original_shows = or_(Post.repost_of_id.is_(None),
                         exists(select(original.id).where(original.id == Post.repost_of_id,
                                                          _home_shows(viewer_id, original))))
    return and_(visible_with_original(viewer_id),
                or_(Post.account_id == viewer_id,
                    and_(_home_shows(viewer_id, Post), original_shows)))
