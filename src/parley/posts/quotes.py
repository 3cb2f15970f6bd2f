"""Quotes as Mastodon 4.5 has them: who may quote a post (its quote policy, the one rule),
what a quote needs to be made, its fallback paragraph, the list of a post's quotes, and
the states a quote goes through (pending until its quoted author consents, then accepted
or rejected; revoked later by them), whoever decides: the policy at once, the author by
hand (`manual`), or another server (FEP-044f, in federation/)."""

from __future__ import annotations

import html
from typing import Literal

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import QUOTE_POLICIES, Account
from parley.errors import Forbidden, Invalid, NotFound
from parley.events import record
from parley.events.posts import QuoteSettled
from parley.lib.paging import Page
from parley.posts.counters import bump
from parley.posts.lookup import get_post, get_proper_post
from parley.posts.models import DISTRIBUTABLE, Post
from parley.posts.visibility import account_hidden, visible_to
from parley.social.models import Follow

ACCEPTED, REVOKED = "accepted", "revoked"
PENDING, REJECTED = "pending", "rejected"
# Mastodon's one answer to a quote that may not be made, whether the post exists or not.
QUOTED_NOT_FOUND = "The post you are trying to quote does not appear to exist."
Approval = Literal["automatic", "manual", "denied"]


def policy_for(requested: str | None, visibility: str, default: str | None) -> str:
    """The policy a post gets: the one asked for, else the author's default; private and
    direct posts are never quotable by others (Mastodon forces `nobody`)."""
    policy = requested or default or "public"
    if policy not in QUOTE_POLICIES:
        raise Invalid(f"Validation failed: quote_approval_policy must be one of "
                      f"{', '.join(QUOTE_POLICIES)}")
    return policy if visibility in DISTRIBUTABLE else "nobody"


def approval(*, author_id: int, visibility: str, policy: str, is_repost: bool,
             viewer_id: int | None, follows_author: bool) -> Approval:
    """The rule: the author may quote their own posts (not direct ones); others only a
    public or unlisted post whose policy admits them (`followers`: those who follow the
    author), at once, or once its author approves (`manual`). Everything else that decides
    about quotes calls this."""
    if viewer_id is None or visibility == "direct" or is_repost:
        return "denied"
    if viewer_id == author_id:
        return "automatic"
    if visibility not in DISTRIBUTABLE:
        return "denied"
    if policy == "public" or (policy == "followers" and follows_author):
        return "automatic"
    return "manual" if policy == "manual" else "denied"


def may_quote(*, author_id: int, visibility: str, policy: str, is_repost: bool,
              viewer_id: int | None, follows_author: bool) -> bool:
    """Whether the viewer may make a quote of the post (at once or subject to approval)."""
    return approval(author_id=author_id, visibility=visibility, policy=policy,
                    is_repost=is_repost, viewer_id=viewer_id,
                    follows_author=follows_author) != "denied"


async def follows(session: AsyncSession, account_id: int, target_id: int) -> bool:
    found = await session.scalar(select(Follow.id).where(
        Follow.account_id == account_id, Follow.target_account_id == target_id,
        Follow.state == "accepted"))
    return found is not None


async def approval_of(session: AsyncSession, quoted: Post, author_id: int) -> Approval:
    """What the rule says of `author_id` quoting `quoted`, which they may see."""
    following = (quoted.quote_policy == "followers" and quoted.account_id != author_id
                 and await follows(session, author_id, quoted.account_id))
    return approval(author_id=quoted.account_id, visibility=quoted.visibility,
                    policy=quoted.quote_policy, is_repost=quoted.repost_of_id is not None,
                    viewer_id=author_id, follows_author=following)


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
    if await approval_of(session, quoted, author_id) == "denied":
        raise NotFound(QUOTED_NOT_FOUND)
    return quoted


async def first_state(session: AsyncSession, quoted: Post | None, author_id: int
                      ) -> str | None:
    """The state a new quote starts in: accepted when the policy admits it at once;
    pending when its author decides by hand, or when the quoted post lives on another
    server (whose author's consent comes by federation)."""
    if quoted is None:
        return None
    if quoted.domain is not None and quoted.account_id != author_id:
        return PENDING
    manual = await approval_of(session, quoted, author_id) == "manual"
    return PENDING if manual else ACCEPTED


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
    """The quotes of one's own post that one may see, newest first: accepted ones, and
    those waiting for one's approval."""
    post = await get_post(session, post_id, viewer_id=actor_id)
    if post.account_id != actor_id:
        raise Forbidden("This action is not allowed")
    query = (select(Post).join(Account, Account.id == Post.account_id)
             .where(Post.quote_of_id == post.id, Post.quote_state.in_((ACCEPTED, PENDING)),
                    visible_to(actor_id),
                    ~account_hidden(actor_id, Account.id, Account.domain)))
    return page.arrange((await session.scalars(page.apply(query, Post.id))).all())


# The changes a quote's state may go through once it is made.
_MOVES = {(PENDING, ACCEPTED), (PENDING, REJECTED), (ACCEPTED, REVOKED)}


async def settle_quote(session: AsyncSession, quote: Post, state: str) -> bool:
    """Move a quote to `state`, when that is a change it may go through (a repeated or late
    answer changes nothing); it counts on the quoted post while accepted. Whether it
    moved."""
    previous = quote.quote_state
    if previous is None or (previous, state) not in _MOVES:
        return False
    quote.quote_state = state
    if quote.quote_of_id is not None and quote.visibility in DISTRIBUTABLE:
        if state == ACCEPTED:
            await bump(session, Post.quotes_count, quote.quote_of_id, 1)
        elif previous == ACCEPTED:
            await bump(session, Post.quotes_count, quote.quote_of_id, -1)
    await session.flush()
    quoted_author = (await session.scalar(select(Post.account_id).where(
        Post.id == quote.quote_of_id)) if quote.quote_of_id is not None else None)
    await record(session, QuoteSettled(
        post_id=quote.id, author_id=quote.account_id, quoted_id=quote.quote_of_id,
        quoted_author_id=quoted_author, state=state, previous=previous))
    return True


async def answer_request(session: AsyncSession, *, quote: Post, quoted: Post) -> str:
    """A remote account asks to quote a local post (its quote stored pending here): the
    rule decides as for a local quote, which may leave it pending for the author to
    decide by hand (a post it may not see is refused as one it may not quote). The state
    the quote is left in."""
    if quote.quote_state == PENDING:
        try:
            await get_proper_post(session, quoted.id, viewer_id=quote.account_id)
            verdict = await approval_of(session, quoted, quote.account_id)
        except NotFound:
            verdict = "denied"
        if verdict == "manual":  # it stays pending: its author is told, to decide
            await record(session, QuoteSettled(
                post_id=quote.id, author_id=quote.account_id, quoted_id=quoted.id,
                quoted_author_id=quoted.account_id, state=PENDING, previous=PENDING))
        else:
            await settle_quote(session, quote, ACCEPTED if verdict == "automatic"
                               else REJECTED)
    return quote.quote_state or REJECTED


async def _own_quote(session: AsyncSession, actor_id: int, post_id: int, quoting_id: int
                     ) -> Post:
    """A quote of one's own post, for its author to decide on."""
    post = await get_post(session, post_id, viewer_id=actor_id)
    if post.account_id != actor_id:
        raise Forbidden("This action is not allowed")
    quote = await session.scalar(select(Post).where(
        Post.id == quoting_id, Post.quote_of_id == post.id, visible_to(actor_id)))
    if quote is None:
        raise NotFound()
    return quote


async def decide_quote(session: AsyncSession, *, actor_id: int, post_id: int,
                       quoting_id: int, approve: bool) -> Post:
    """The quoted author approves or rejects a quote waiting for them (manual policy)."""
    quote = await _own_quote(session, actor_id, post_id, quoting_id)
    await settle_quote(session, quote, ACCEPTED if approve else REJECTED)
    return quote


async def revoke_quote(session: AsyncSession, *, actor_id: int, post_id: int,
                       quoting_id: int) -> Post:
    """The quoted author takes their post back from a quote: the quote stays, showing
    `revoked` and no longer the post, and stops counting."""
    quote = await _own_quote(session, actor_id, post_id, quoting_id)
    await settle_quote(session, quote, REVOKED)
    return quote
