"""Status entities, built for a whole page in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from parley.api.entities.accounts import account_entity
from parley.api.entities.cards import card_entity
from parley.api.entities.emojis import emoji_entities
from parley.api.entities.filters import attach_filter_results
from parley.api.entities.media import shown_attachments
from parley.api.entities.polls import batch_poll
from parley.config import Settings
from parley.lib.text import tag_url
from parley.lib.urls import web_url
from parley.media.emoji import shortcodes_in
from parley.media.storage import Storage, storage_for
from parley.posts import quotes
from parley.posts.emoji_rows import profile_shortcodes
from parley.posts.media_rows import document_text
from parley.posts.models import DISTRIBUTABLE, Post
from parley.posts.rows import MentionRow, PostPage, PostRow, RowBatch, load_page, post_row_of
from parley.store.rawsql import Reader, iso_of
from parley.store.rawwrite import SessionSql


@dataclass
class _View:
    """A loaded RowBatch and what rendering adds: the settings and Account entities made
    once per page."""

    batch: RowBatch
    settings: Settings
    account_entities: dict[int, dict[str, Any]] = field(default_factory=dict)
    storage: Storage | None = None

    def account(self, account_id: int) -> dict[str, Any]:
        entity = self.account_entities.get(account_id)
        if entity is None:
            account = self.batch.accounts[account_id]
            emojis = (self.emojis(account.domain, profile_shortcodes(account))
                      if account.domain is not None and self.batch.emojis else None)
            entity = self.account_entities[account_id] = account_entity(
                account, self.settings, emojis=emojis)
        return entity

    def post_emojis(self, post: PostRow) -> list[dict[str, Any]]:
        if post.domain is None or not self.batch.emojis:  # local, or a page without any
            return []
        return self.emojis(post.domain, shortcodes_in(post.content, post.spoiler_text))

    def emojis(self, domain: str | None, codes: set[str]) -> list[dict[str, Any]]:
        """The CustomEmojis of these shortcodes of `domain`, those known here."""
        found = self.batch.emojis_for(domain, codes)
        if not found:
            return []
        self.storage = self.storage or storage_for(self.settings)
        return emoji_entities(self.storage, found)

    def media(self, post: PostRow) -> Any:
        """The post's MediaAttachments (the storage looked up once a page)."""
        document = document_text(post.media_shown) if post.media_count else None
        if not document:
            return []
        self.storage = self.storage or storage_for(self.settings)
        return shown_attachments(self.storage, document)

    def card(self, post: PostRow) -> dict[str, Any] | None:
        """The post's PreviewCard, if it has one."""
        card = self.batch.cards.get(post.card_id) if post.card_id is not None else None
        if card is None:
            return None
        self.storage = self.storage or storage_for(self.settings)
        return card_entity(card, self.storage)


def _quote_approval(post: PostRow, batch: RowBatch) -> dict[str, Any]:
    """Mastodon 4.5 QuoteApproval: who may quote the post (its policy; a private or direct
    post none but its author), and what that means for the viewer (posts/quotes.py)."""
    policy = post.quote_policy if post.visibility in DISTRIBUTABLE else "nobody"
    verdict = quotes.approval(
        author_id=post.account_id, visibility=post.visibility, policy=post.quote_policy,
        is_repost=post.repost_of_id is not None, viewer_id=batch.viewer_id,
        follows_author=post.account_id in batch.followed)
    manual = policy == "manual"
    return {"automatic": [] if policy in ("nobody", "manual") else [policy],
            "manual": ["public"] if manual else [], "current_user": verdict}


def _quote(post: PostRow, view: _View, *, shallow: bool) -> dict[str, Any] | None:
    """Mastodon 4.5 Quote (ShallowQuote one level down): the quoted post only while the
    quote is accepted and the viewer may see it; nothing leaks of a hidden post."""
    quoted_id, state = post.quote_of_id, post.quote_state
    if state is None:
        return None
    key = "quoted_status_id" if shallow else "quoted_status"
    if state != quotes.ACCEPTED:
        return {"state": state, key: None}
    if quoted_id is None:  # the quoted post was deleted
        return {"state": "deleted", key: None}
    quoted = view.batch.posts.get(quoted_id)
    if quoted is None or not quoted.visible:
        return {"state": "unauthorized", key: None}
    if shallow:
        return {"state": "accepted", "quoted_status_id": str(quoted_id)}
    return {"state": "accepted", "quoted_status": _status(quoted, view, shallow_quote=True)}


def _mention(account: MentionRow) -> dict[str, Any]:
    return {"id": str(account.id), "username": account.username, "url": account.url,
            "acct": account.acct}


def _application(post: PostRow, view: _View) -> dict[str, Any] | None:
    app = view.batch.apps.get(post.application_id) if post.application_id else None
    # Mastodon's Application: only name and website (null, not "", when there is none).
    return None if app is None else {"name": app[0], "website": web_url(app[1])}


def _status(post: PostRow, view: _View, *, shallow_quote: bool = False) -> dict[str, Any]:
    """One Status; a repost wraps its original, fully rendered, in `reblog`."""
    batch = view.batch
    original = batch.posts.get(post.repost_of_id) if post.repost_of_id else None
    shown = original or post  # viewer state of a repost is that of what it reposts
    account = view.account(post.account_id)
    base = view.settings.base_url
    return {
        "id": str(post.id),
        "uri": post.uri,
        "url": post.url or f"{base}/@{account['username']}/{post.id}",
        "created_at": iso_of(post.created_at),
        "edited_at": iso_of(post.edited_at),
        "account": account,
        "content": post.content,
        "text": None,
        "visibility": post.visibility,
        "sensitive": bool(post.sensitive),
        "spoiler_text": post.spoiler_text,
        "language": post.language,
        "in_reply_to_id": str(post.in_reply_to_id) if post.in_reply_to_id else None,
        "in_reply_to_account_id": (str(post.in_reply_to_account_id)
                                   if post.in_reply_to_account_id else None),
        "reblog": _status(original, view) if original is not None else None,
        "quote": _quote(post, view, shallow=shallow_quote),
        "quote_approval": _quote_approval(post, batch),
        "application": _application(post, view),
        "mentions": [_mention(mentioned) for mentioned in batch.mentions.get(post.id, ())],
        "tags": [{"name": name, "url": tag_url(base, name)}
                 for name in batch.tags.get(post.id, ())],
        "emojis": view.post_emojis(post),
        "media_attachments": view.media(post),
        "poll": batch_poll(batch.polls, post.poll_id, batch.viewer_id),
        "card": view.card(post),
        "replies_count": post.replies_count,
        "reblogs_count": post.reposts_count,
        "favourites_count": post.likes_count,
        "quotes_count": post.quotes_count,
        "favourited": shown.id in batch.liked,
        "reblogged": shown.id in batch.reposted,
        "bookmarked": shown.id in batch.bookmarked,
        "muted": shown.id in batch.muted,
        "pinned": post.id in batch.pinned,
        "filtered": [],
    }


async def render_rows(reader: Reader, posts: Sequence[PostRow], *, viewer_id: int | None,
                      settings: Settings, filter_context: str | None = None,
                      batch: RowBatch | None = None) -> list[dict[str, Any]]:
    """Mastodon Status entities for `posts`, in order, as `viewer_id` sees them: load_page,
    then render_post_page. `batch` may carry what the caller already loaded (the home read
    loads mentions and originals to filter)."""
    if not posts:
        return []
    page = await load_page(reader, viewer_id, rows=posts, batch=batch)
    return await render_post_page(page, settings=settings, filter_context=filter_context)


async def render_post_page(page: PostPage, *, settings: Settings,
                           filter_context: str | None = None) -> list[dict[str, Any]]:
    """The one Status renderer: a loaded PostPage as Status entities, in order.

    The caller decided which posts the viewer may see; reposted originals are visible with
    their repost, quoted posts are checked here. `filter_context` (home, public, thread,
    account, notifications) fills `filtered` from the viewer's filters.
    """
    batch, posts, viewer_id = page.batch, page.posts, page.batch.viewer_id
    view = _View(batch, settings)
    rendered = [_status(post, view) for post in posts]
    if filter_context is not None and viewer_id is not None:
        shown: list[PostRow | None] = [batch.posts.get(post.repost_of_id)
                                       if post.repost_of_id else post for post in posts]
        if batch.has_filters is not False:
            await attach_filter_results(batch.reader, rendered, shown, viewer_id=viewer_id,
                                        context=filter_context)
    return rendered


async def render_statuses(session: AsyncSession, posts: Sequence[Post], *,
                          viewer_id: int | None, settings: Settings,
                          with_source: bool = False, filter_context: str | None = None
                          ) -> list[dict[str, Any]]:
    """render_rows for ORM posts, reading through the caller's session (a write renders
    what it has just made, uncommitted). `with_source` adds the typed `text` (as
    DELETE /statuses/:id does, for redrafting)."""
    if not posts:
        return []
    rendered = await render_rows(SessionSql(session), [post_row_of(post) for post in posts],
                                 viewer_id=viewer_id, settings=settings,
                                 filter_context=filter_context)
    if with_source:
        for entity, post in zip(rendered, posts, strict=True):
            entity["text"] = post.text
    return rendered


async def render_status(session: AsyncSession, post: Post, *, viewer_id: int | None,
                        settings: Settings, with_source: bool = False) -> dict[str, Any]:
    return (await render_statuses(session, [post], viewer_id=viewer_id, settings=settings,
                                  with_source=with_source))[0]
