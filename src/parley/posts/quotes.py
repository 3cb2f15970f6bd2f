"""Quotes as Mastodon 4.5 has them: who may quote a post (its quote policy, the one rule),
what a quote needs to be made, its fallback paragraph, the list of a post's quotes and
revoking one."""

from __future__ import annotations

import html

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import QUOTE_POLICIES, Account
from parley.errors import Forbidden, Invalid, NotFound
from parley.lib.paging import Page
from parley.posts.counters import bump
from parley.posts.lookup import get_post, get_proper_post
from parley.posts.models import DISTRIBUTABLE, Post
from parley.posts.visibility import account_hidden, visible_to
from parley.social.models import Follow

ACCEPTED, REVOKED = "accepted", "revoked"
# Mastodon's one answer to a quote that may not be made, whether the post exists or not.
QUOTED_NOT_FOUND = "The post you are trying to quote does not appear to exist."


def policy_for(requested: str | None, visibility: str, default: str | None) -> str:
    """The policy a post gets: the one asked for, else the author's default; private and
    direct posts are never quotable by others (Mastodon forces `nobody`)."""
    policy = requested or default or "public"
    if policy not in QUOTE_POLICIES:
        raise Invalid(f"Validation failed: quote_approval_policy must be one of "
                      f"{', '.join(QUOTE_POLICIES)}")
    return policy if visibility in DISTRIBUTABLE else "nobody"


def may_quote(*, author_id: int, visibility: str, policy: str, is_repost: bool,
              viewer_id: int | None, follows_author: bool) -> bool:
    """The rule: the author may quote their own posts (not direct ones); others only a
    public or unlisted post whose policy admits them (`followers`: those who follow the
    author). Everything else that decides about quotes calls this."""
    if viewer_id is None or visibility == "direct" or is_repost:
        return False
    if viewer_id == author_id:
        return True
    if visibility not in DISTRIBUTABLE:
        return False
    return policy == "public" or (policy == "followers" and follows_author)


async def follows(session: AsyncSession, account_id: int, target_id: int) -> bool:
    found = await session.scalar(select(Follow.id).where(
        Follow.account_id == account_id, Follow.target_account_id == target_id,
        Follow.state == "accepted"))
    return found is not None


async def quote_target(session: AsyncSession, quote_of_id: int | None, author_id: int
                       ) -> Post | None:
    """The post to quote (a repost's id stands for its original), or Mastodon's 404 when
    the author may not see it or may not quote it (the same answer, as in Mastodon: a
    refusal must not tell that a hidden post exists)."""
    if quote_of_id is None:
        return None
    try:
        quoted = await get_proper_post(session, quote_of_id, viewer_id=author_id)
    except NotFound:
        raise NotFound(QUOTED_NOT_FOUND) from None
    following = (quoted.quote_policy == "followers" and quoted.account_id != author_id
                 and await follows(session, author_id, quoted.account_id))
    if not may_quote(author_id=quoted.account_id, visibility=quoted.visibility,
                     policy=quoted.quote_policy, is_repost=False, viewer_id=author_id,
                     follows_author=following):
        raise NotFound(QUOTED_NOT_FOUND)
    return quoted


def quote_visibility(visibility: str, quoted: Post | None) -> str:
    """A quote of a private post is private itself (or direct), as Mastodon makes it."""
    if quoted is not None and quoted.visibility == "private" and visibility in DISTRIBUTABLE:
        return "private"
    return visibility


def with_fallback(content: str, text: str, quoted_url: str | None) -> str:
    """The post's HTML with Mastodon's `RE:` paragraph first, for clients that do not show
    quotes (those that do hide `.quote-inline`); not when the text links the post itself."""
    if not quoted_url or quoted_url in text:
        return content
    url = html.escape(quoted_url, quote=True)
    return (f'<p class="quote-inline">RE: <a href="{url}" rel="nofollow noopener" '
            f'translate="no" target="_blank">{url}</a></p>{content}')


def url_of(post: Post) -> str:
    return post.url or post.uri


async def set_policy(session: AsyncSession, *, actor_id: int, post_id: int,
                     policy: str | None) -> Post:
    """PUT /statuses/:id/interaction_policy: only the author; past quotes stand."""
    post = await get_post(session, post_id, viewer_id=actor_id)
    if post.account_id != actor_id or post.repost_of_id is not None:
        raise NotFound()
    post.quote_policy = policy_for(policy, post.visibility, post.quote_policy)
    await session.flush()
    return post


async def quotes_of(session: AsyncSession, *, actor_id: int, post_id: int, page: Page
                    ) -> list[Post]:
    """The accepted quotes of one's own post that one may see, newest first."""
    post = await get_post(session, post_id, viewer_id=actor_id)
    if post.account_id != actor_id:
        raise Forbidden("This action is not allowed")
    query = (select(Post).join(Account, Account.id == Post.account_id)
             .where(Post.quote_of_id == post.id, Post.quote_state == ACCEPTED,
                    visible_to(actor_id),
                    ~account_hidden(actor_id, Account.id, Account.domain)))
    return page.arrange((await session.scalars(page.apply(query, Post.id))).all())


async def revoke_quote(session: AsyncSession, *, actor_id: int, post_id: int,
                       quoting_id: int) -> Post:
    """The quoted author takes their post back from a quote: the quote stays, showing
    `revoked` and no longer the post, and stops counting."""
    post = await get_post(session, post_id, viewer_id=actor_id)
    if post.account_id != actor_id:
        raise Forbidden("This action is not allowed")
    quote = await session.scalar(select(Post).where(
        Post.id == quoting_id, Post.quote_of_id == post.id, visible_to(actor_id)))
    if quote is None:
        raise NotFound()
    if quote.quote_state == ACCEPTED:
        quote.quote_state = REVOKED
        if quote.visibility in DISTRIBUTABLE:
            await bump(session, Post.quotes_count, post.id, -1)
        await session.flush()
    return quote
