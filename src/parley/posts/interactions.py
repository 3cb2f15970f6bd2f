"""Reposts, likes and bookmarks: idempotent toggles with their counters and events."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import Forbidden, Invalid
from parley.events import record
from parley.events.posts import Liked, Reposted, Unliked, Unreposted
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.lib.timefmt import utcnow
from parley.posts.compose import post_urls
from parley.posts.counters import bump
from parley.posts.lookup import get_proper_post
from parley.posts.models import DISTRIBUTABLE, Bookmark, Like, Post
from parley.posts.visibility import account_hidden, visible_to


async def _insert_once(session: AsyncSession, row: Any) -> bool:
    """Insert `row` unless a unique constraint says it exists (a concurrent double click)."""
    try:
        async with session.begin_nested():
            session.add(row)
    except IntegrityError:
        return False
    return True


async def _own_repost(session: AsyncSession, actor_id: int, post_id: int) -> Post | None:
    found: Post | None = await session.scalar(select(Post).where(
        Post.repost_of_id == post_id, Post.account_id == actor_id))
    return found


def _repost_visibility(original: Post, actor_id: int, requested: str | None) -> str:
    """Public and unlisted posts may be reposted; a private one only by its author."""
    if original.visibility == "private" and original.account_id == actor_id:
        return "private"
    if original.visibility not in DISTRIBUTABLE:
        raise Forbidden("This post cannot be reposted")
    if requested is None:
        return original.visibility
    if requested not in ("public", "unlisted", "private"):
        raise Invalid("Validation failed: visibility must be public, unlisted or private")
    return requested


async def repost(session: AsyncSession, *, settings: Settings, actor: Account, post_id: int,
                 visibility: str | None = None, application_id: int | None = None) -> Post:
    """Repost a post (once: reposting again returns the existing repost)."""
    original = await get_proper_post(session, post_id, viewer_id=actor.id)
    chosen = _repost_visibility(original, actor.id, visibility)
    existing = await _own_repost(session, actor.id, original.id)
    if existing is not None:
        return existing
    repost_id = new_id()
    uri, url = post_urls(settings, actor.username, repost_id)
    row = repost_row(repost_id, actor, original, uri=f"{uri}/activity", url=url,
                     visibility=chosen, created_at=utcnow(), application_id=application_id)
    return await add_repost(session, row, original)


def repost_row(repost_id: int, actor: Account, original: Post, *, uri: str, url: str,
               visibility: str, created_at: datetime, application_id: int | None = None
               ) -> Post:
    """A repost's row (a local one's or a remote one's): no text of its own, its own
    thread, counted from zero."""
    return Post(id=repost_id, account_id=actor.id, domain=actor.domain, uri=uri, url=url,
                visibility=visibility, thread_id=repost_id, repost_of_id=original.id,
                application_id=application_id, text="", content="", spoiler_text="",
                sensitive=False, replies_count=0, reposts_count=0, likes_count=0,
                quotes_count=0, created_at=created_at)


async def add_repost(session: AsyncSession, row: Post, original: Post) -> Post:
    """Insert a repost's row, count it and tell the subscribers (a local repost and one
    from another server alike); a repost its author already has is returned instead."""
    if not await _insert_once(session, row):
        raced = await _own_repost(session, row.account_id, original.id)
        if raced is None:
            raise Invalid("Could not repost this post")
        return raced
    await bump(session, Account.posts_count, row.account_id, 1, last_post_at=row.created_at)
    await bump(session, Post.reposts_count, original.id, 1)
    await record(session, Reposted(row.id, row.account_id, original.id, original.account_id))
    return row


async def unrepost(session: AsyncSession, *, actor: Account, post_id: int) -> Post:
    """Undo a repost (a no-op when there is none); returns the original post."""
    original = await get_proper_post(session, post_id, viewer_id=actor.id)
    existing = await _own_repost(session, actor.id, original.id)
    if existing is not None:
        await remove_repost(session, existing, original)
    return original


async def remove_repost(session: AsyncSession, repost: Post, original: Post) -> None:
    """Delete a repost and uncount it (its author's Undo, here or on another server)."""
    await session.delete(repost)
    await session.flush()
    await bump(session, Account.posts_count, repost.account_id, -1)
    await bump(session, Post.reposts_count, original.id, -1)
    await record(session, Unreposted(repost.account_id, original.id, original.account_id,
                                     repost_uri=repost.uri))


async def like(session: AsyncSession, *, actor_id: int, post_id: int) -> Post:
    """Like a post the actor can see; liking twice changes nothing."""
    post = await get_proper_post(session, post_id, viewer_id=actor_id)
    if await _insert_once(session, Like(id=new_id(), account_id=actor_id, post_id=post.id)):
        await bump(session, Post.likes_count, post.id, 1)
        await record(session, Liked(actor_id, post.id, post.account_id))
    return post


async def unlike(session: AsyncSession, *, actor_id: int, post_id: int) -> Post:
    post = await get_proper_post(session, post_id, viewer_id=actor_id)
    await remove_like(session, actor_id=actor_id, post=post)
    return post


async def remove_like(session: AsyncSession, *, actor_id: int, post: Post) -> None:
    """Take back a like of a post (a no-op when there is none), here or from elsewhere."""
    like_id = await session.scalar(select(Like.id).where(Like.account_id == actor_id,
                                                         Like.post_id == post.id))
    if like_id is None:
        return
    result = await session.execute(delete(Like).where(Like.id == like_id))
    if getattr(result, "rowcount", 0):
        await bump(session, Post.likes_count, post.id, -1)
        await record(session, Unliked(actor_id, post.id, post.account_id, like_id=like_id))


async def bookmark(session: AsyncSession, *, actor_id: int, post_id: int) -> Post:
    post = await get_proper_post(session, post_id, viewer_id=actor_id)
    await _insert_once(session, Bookmark(id=new_id(), account_id=actor_id, post_id=post.id))
    return post


async def unbookmark(session: AsyncSession, *, actor_id: int, post_id: int) -> Post:
    post = await get_proper_post(session, post_id, viewer_id=actor_id)
    await session.execute(delete(Bookmark).where(Bookmark.account_id == actor_id,
                                                 Bookmark.post_id == post.id))
    return post


async def reposted_by(session: AsyncSession, *, post_id: int, viewer_id: int | None,
                      page: Page) -> list[tuple[int, Account]]:
    """(repost id, reposter) newest first, for viewers who may see the post; accounts
    blocked either way (or by domain) are left out, and so are reposts the viewer may not
    see (an author's repost of their own followers-only post, for others)."""
    post = await get_proper_post(session, post_id, viewer_id=viewer_id)
    stmt = (select(Post.id, Account).join(Account, Account.id == Post.account_id)
            .where(Post.repost_of_id == post.id, visible_to(viewer_id),
                   ~account_hidden(viewer_id, Account.id, Account.domain, mutes="none")))
    rows = (await session.execute(page.apply(stmt, Post.id))).tuples().all()
    return page.arrange(rows)


async def liked_by(session: AsyncSession, *, post_id: int, viewer_id: int | None,
                   page: Page) -> list[tuple[int, Account]]:
    """(like id, account) newest first, for viewers who may see the post; accounts
    blocked either way (or by domain) are left out."""
    post = await get_proper_post(session, post_id, viewer_id=viewer_id)
    stmt = (select(Like.id, Account).join(Account, Account.id == Like.account_id)
            .where(Like.post_id == post.id,
                   ~account_hidden(viewer_id, Account.id, Account.domain, mutes="none")))
    rows = (await session.execute(page.apply(stmt, Like.id))).tuples().all()
    return page.arrange(rows)
