"""Who may see a post: the one rule every endpoint applies, defined once (visible_to) and
derived from there: compiled once per dialect for the raw read path (visible_condition),
evaluated by the database for one loaded post (can_view).

public/unlisted: everyone. private (followers-only): the author, accepted followers and the
accounts it mentions. direct: the author and the accounts it mentions. Nobody sees the posts
of an account that blocks them. Moderation narrows this (accounts.suspended_at, silenced_at):
nobody sees a suspended account's posts; a silenced account's posts reach only its
followers and the accounts they mention, as Mastodon limits them.

Beyond that rule, what a viewer chose not to see (social/exclusions.py: accounts they block,
mute or whose domain they block) is left out of feeds, threads and notifications by the
clauses below, though a post they open directly still shows.
"""

from __future__ import annotations

import functools
from typing import Any

from sqlalchemy import and_, exists, false, or_, select, true
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import QueryableAttribute, aliased
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.posts.models import DISTRIBUTABLE, Mention, Post
from parley.social import exclusions
from parley.social.exclusions import MuteScope
from parley.social.models import Follow
from parley.store.rawsql import Fragment, param
from parley.store.sql import alias_of

# An account id: a Python value or a column of the enclosing query (fan-out receivers).
AccountRef = int | ColumnElement[Any] | QueryableAttribute[Any]
DomainRef = str | None | ColumnElement[Any] | QueryableAttribute[Any]


def visible_to(viewer_id: AccountRef | None, post: type[Post] = Post) -> ColumnElement[bool]:
    """A WHERE clause keeping only posts `viewer_id` (None: signed out) may see: the rule's
    one definition (the raw read path runs it compiled: visible_condition).

    `post` may be an aliased Post when the query joins posts twice (reposts, quotes).
    """
    public = and_(post.visibility.in_(DISTRIBUTABLE), author_unrestricted(post))
    if viewer_id is None:
        return public
    mention, follow = alias_of(Mention, "vis_mention_v"), alias_of(Follow, "vis_follow_v")
    mentioned = exists(select(mention.post_id).where(mention.post_id == post.id,
                                                      mention.account_id == viewer_id))
    follows_author = exists(select(follow.id).where(follow.account_id == viewer_id,
                                                    follow.target_account_id == post.account_id,
                                                    follow.state == "accepted"))
    # Aliased so that it never correlates with an enclosing query's own accounts.
    author = alias_of(Account, "vis_author_s")
    suspended = exists(select(author.id).where(author.id == post.account_id,
                                               author.suspended_at.is_not(None)))
    allowed = or_(
        public,
        post.account_id == viewer_id,
        mentioned,
        # Followers see private posts, and the public posts of a silenced account.
        and_(post.visibility != "direct", follows_author),
    )
    return and_(allowed, ~suspended,
                ~exclusions.edge_holds(exclusions.BLOCKED_BY, viewer_id, post.account_id))


def author_unrestricted(post: type[Post] = Post) -> ColumnElement[bool]:
    """The post's author is neither suspended nor silenced: its public posts reach everyone
    (visible_to), and the public and hashtag timelines (which leave the others out even for
    their followers, as Mastodon's public feeds do)."""
    author = alias_of(Account, "vis_author_r")
    return ~exists(select(author.id).where(
        author.id == post.account_id,
        or_(author.suspended_at.is_not(None), author.silenced_at.is_not(None))))


@functools.cache
def visible_condition(alias: str) -> Fragment:
    """visible_to(:viewer) for the post `alias` of a raw statement (store/rawsql), compiled
    once per dialect; no viewer is NOBODY there (an id no account has: public and unlisted
    pass, as for visible_to(None))."""
    return Fragment(lambda: visible_to(param("viewer"), aliased(Post, name=alias)))


async def can_view(session: AsyncSession, post: Post, viewer_id: int | None) -> bool:
    """The same rule for one post already loaded (evaluated by the database)."""
    return bool(await session.scalar(select(visible_to(viewer_id)).where(Post.id == post.id)))


def visible_with_original(viewer_id: int | None) -> ColumnElement[bool]:
    """visible_to, and for a repost the reposted post must be visible too."""
    original = alias_of(Post, "vis_original_1")
    return and_(
        visible_to(viewer_id),
        or_(Post.repost_of_id.is_(None),
            exists(select(original.id).where(original.id == Post.repost_of_id,
                                             visible_to(viewer_id, original)))),
    )


def account_hidden(viewer_id: AccountRef | None, account: AccountRef, domain: DomainRef = None,
                   *, mutes: MuteScope = "posts", now: Any = None) -> ColumnElement[bool]:
    """The viewer blocks, is blocked by, or blocks the domain of `account`, or mutes it
    (`mutes`: any mute, only mutes of notifications, or mutes do not count): the exclusion
    rule of social/exclusions.py. `domain` is the account's domain (a column) when the query
    has it; None looks it up. `now` (default: the clock when built) ends timed mutes."""
    if viewer_id is None:
        return false()
    return exclusions.account_hidden(viewer_id, account, domain, now=now, mutes=mutes)


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
