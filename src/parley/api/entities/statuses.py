"""Status entities, built for a whole page in a fixed number of queries."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.api.entities.applications import status_application
from parley.api.entities.filters import attach_filter_results
from parley.config import Settings
from parley.featured.service import pinned_among
from parley.lib.text import tag_url
from parley.lib.timefmt import iso
from parley.oauth.models import Application
from parley.posts.models import DISTRIBUTABLE, Bookmark, Like, Mention, Post, PostTag, Tag
from parley.posts.visibility import visible_to


@dataclass
class _Batch:
    """Everything a page of statuses needs, loaded once for the page."""

    viewer_id: int | None
    settings: Settings
    originals: dict[int, Post] = field(default_factory=dict)
    quoted: dict[int, Post] = field(default_factory=dict)
    # Visibility to the viewer of every post some rendered post quotes.
    quote_visible: dict[int, bool] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)
    account_entities: dict[int, dict[str, Any]] = field(default_factory=dict)
    mentions: dict[int, list[Account]] = field(default_factory=lambda: defaultdict(list))
    tags: dict[int, list[Tag]] = field(default_factory=lambda: defaultdict(list))
    applications: dict[int, Application] = field(default_factory=dict)
    liked: set[int] = field(default_factory=set)
    reposted: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    pinned: set[int] = field(default_factory=set)

    def account(self, account_id: int) -> dict[str, Any]:
        if account_id not in self.account_entities:
            self.account_entities[account_id] = account_entity(self.accounts[account_id],
                                                               self.settings)
        return self.account_entities[account_id]


def _ids(values: Iterable[int | None]) -> set[int]:
    return {value for value in values if value is not None}


async def _load_posts(session: AsyncSession, ids: set[int]) -> dict[int, Post]:
    if not ids:
        return {}
    rows = await session.scalars(select(Post).where(Post.id.in_(ids)))
    return {post.id: post for post in rows}


async def _load_quotes(session: AsyncSession, batch: _Batch, quoting: Sequence[Post]) -> None:
    """The posts `quoting` quote, with whether the viewer may see each; then, for the
    visible ones, only whether their own quoted posts are visible (shown shallow)."""
    ids = _ids(post.quote_of_id for post in quoting)
    if not ids:
        return
    rows = await session.execute(
        select(Post, visible_to(batch.viewer_id).label("visible")).where(Post.id.in_(ids)))
    for post, visible in rows.tuples():
        batch.quote_visible[post.id] = bool(visible)
        if visible:
            batch.quoted[post.id] = post
    nested = _ids(post.quote_of_id for post in batch.quoted.values()) - batch.quote_visible.keys()
    if nested:
        flags = await session.execute(
            select(Post.id, visible_to(batch.viewer_id).label("visible"))
            .where(Post.id.in_(nested)))
        batch.quote_visible.update({post_id: bool(visible) for post_id, visible in flags})


async def _load_related(session: AsyncSession, batch: _Batch, posts: list[Post]) -> None:
    """Accounts, mentions, tags and applications of every post rendered on the page."""
    post_ids = {post.id for post in posts}
    account_ids = {post.account_id for post in posts}
    mention_rows = await session.execute(
        select(Mention.post_id, Account).join(Account, Account.id == Mention.account_id)
        .where(Mention.post_id.in_(post_ids)).order_by(Mention.post_id, Account.id))
    for post_id, account in mention_rows.tuples():
        batch.mentions[post_id].append(account)
    account_ids -= {account.id for accounts in batch.mentions.values() for account in accounts}
    for accounts in batch.mentions.values():
        batch.accounts.update({account.id: account for account in accounts})
    if account_ids:
        loaded = await session.scalars(select(Account).where(Account.id.in_(account_ids)))
        batch.accounts.update({account.id: account for account in loaded})
    tag_rows = await session.execute(
        select(PostTag.post_id, Tag).join(Tag, Tag.id == PostTag.tag_id)
        .where(PostTag.post_id.in_(post_ids)).order_by(PostTag.post_id, Tag.name))
    for post_id, tag in tag_rows.tuples():
        batch.tags[post_id].append(tag)
    app_ids = _ids(post.application_id for post in posts)
    if app_ids:
        apps = await session.scalars(select(Application).where(Application.id.in_(app_ids)))
        batch.applications = {app.id: app for app in apps}


async def _load_viewer_state(session: AsyncSession, batch: _Batch, post_ids: set[int]) -> None:
    """Whether the viewer liked, reposted, bookmarked or pinned each post: one query each."""
    viewer = batch.viewer_id
    if viewer is None or not post_ids:
        return
    batch.liked = set(await session.scalars(select(Like.post_id).where(
        Like.account_id == viewer, Like.post_id.in_(post_ids))))
    batch.reposted = _ids(await session.scalars(select(Post.repost_of_id).where(
        Post.account_id == viewer, Post.repost_of_id.in_(post_ids))))
    batch.bookmarked = set(await session.scalars(select(Bookmark.post_id).where(
        Bookmark.account_id == viewer, Bookmark.post_id.in_(post_ids))))
    batch.pinned = await pinned_among(session, account_id=viewer, post_ids=list(post_ids))


def _quote_approval(post: Post, viewer_id: int | None) -> dict[str, Any]:
    """Who may quote this post: anyone for public and unlisted posts, else only its author."""
    if post.visibility in DISTRIBUTABLE:
        current = "automatic" if viewer_id is not None else "unknown"
        return {"automatic": ["public"], "manual": [], "current_user": current}
    current = "automatic" if viewer_id == post.account_id else "denied"
    return {"automatic": [], "manual": [], "current_user": current}


def _quote(post: Post, batch: _Batch, *, shallow: bool) -> dict[str, Any] | None:
    """Mastodon 4.4+ Quote (ShallowQuote one level down); nothing leaks of a hidden post."""
    quoted_id = post.quote_of_id
    if quoted_id is None:
        return None
    if not batch.quote_visible.get(quoted_id, False):
        key = "quoted_status_id" if shallow else "quoted_status"
        return {"state": "unauthorized", key: None}
    if shallow:
        return {"state": "accepted", "quoted_status_id": str(quoted_id)}
    inner = _status(batch.quoted[quoted_id], batch, shallow_quote=True)
    return {"state": "accepted", "quoted_status": inner}


def _mention(account: Account) -> dict[str, Any]:
    return {"id": str(account.id), "username": account.username, "url": account.url,
            "acct": account.acct}


def _status(post: Post, batch: _Batch, *, shallow_quote: bool = False) -> dict[str, Any]:
    """One Status; a repost wraps its original, fully rendered, in `reblog`."""
    original = batch.originals.get(post.repost_of_id) if post.repost_of_id else None
    shown = original or post  # viewer state of a repost is that of what it reposts
    account = batch.accounts[post.account_id]
    app = batch.applications.get(post.application_id) if post.application_id else None
    application = status_application(app)
    if application is not None and not application.get("website"):
        application["website"] = None
    return {
        "id": str(post.id),
        "uri": post.uri,
        "url": post.url or f"{batch.settings.base_url}/@{account.username}/{post.id}",
        "created_at": iso(post.created_at),
        "edited_at": iso(post.edited_at),
        "account": batch.account(post.account_id),
        "content": post.content,
        "text": None,
        "visibility": post.visibility,
        "sensitive": post.sensitive,
        "spoiler_text": post.spoiler_text,
        "language": post.language,
        "in_reply_to_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "in_reply_to_account_id": (str(post.in_reply_to_account_id)
                                   if post.in_reply_to_account_id else None),
        "reblog": _status(original, batch) if original is not None else None,
        "quote": _quote(post, batch, shallow=shallow_quote),
        "quote_approval": _quote_approval(post, batch.viewer_id),
        "application": application,
        "mentions": [_mention(mentioned) for mentioned in batch.mentions.get(post.id, [])],
        "tags": [{"name": tag.name, "url": tag_url(batch.settings.base_url, tag.name)}
                 for tag in batch.tags.get(post.id, [])],
        "emojis": [],
        "media_attachments": [],
        "poll": None,
        "card": None,
        "replies_count": post.replies_count,
        "reblogs_count": post.reposts_count,
        "favourites_count": post.likes_count,
        "quotes_count": post.quotes_count,
        "favourited": shown.id in batch.liked,
        "reblogged": shown.id in batch.reposted,
        "bookmarked": shown.id in batch.bookmarked,
        "muted": False,
        "pinned": post.id in batch.pinned,
        "filtered": [],
    }


async def render_statuses(session: AsyncSession, posts: Sequence[Post], *,
                          viewer_id: int | None, settings: Settings,
                          with_source: bool = False, filter_context: str | None = None
                          ) -> list[dict[str, Any]]:
    """Mastodon Status entities for `posts`, in order, as `viewer_id` sees them.

    The caller decides which posts the viewer may see; reposted originals are visible with
    their repost, quoted posts are checked here. `with_source` adds the typed `text` (as
    DELETE /statuses/:id does, for redrafting). `filter_context` (home, public, thread,
    account, notifications) fills `filtered` from the viewer's filters for that context.
    """
    if not posts:
        return []
    batch = _Batch(viewer_id=viewer_id, settings=settings)
    known = {post.id: post for post in posts}
    wanted = _ids(post.repost_of_id for post in posts)
    batch.originals = {i: known[i] for i in wanted if i in known}
    batch.originals.update(await _load_posts(session, wanted - known.keys()))
    proper = [post for post in posts if post.repost_of_id is None]
    await _load_quotes(session, batch, [*proper, *batch.originals.values()])
    every = list({post.id: post for post in
                  [*posts, *batch.originals.values(), *batch.quoted.values()]}.values())
    await _load_related(session, batch, every)
    await _load_viewer_state(session, batch, {post.id for post in every})
    rendered = [_status(post, batch) for post in posts]
    if filter_context is not None and viewer_id is not None:
        shown: list[Post | None] = [batch.originals.get(post.repost_of_id)
                                    if post.repost_of_id else post for post in posts]
        await attach_filter_results(session, rendered, shown, viewer_id=viewer_id,
                                    context=filter_context)
    if with_source:
        for entity, post in zip(rendered, posts, strict=True):
            entity["text"] = post.text
    return rendered


async def render_status(session: AsyncSession, post: Post, *, viewer_id: int | None,
                        settings: Settings, with_source: bool = False) -> dict[str, Any]:
    return (await render_statuses(session, [post], viewer_id=viewer_id, settings=settings,
                                  with_source=with_source))[0]
