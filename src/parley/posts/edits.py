"""Editing posts: a new version of the text and attachments, its history kept, and everyone
told."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import NotFound
from parley.events import record
from parley.events.posts import PostEdited
from parley.lib import text as post_text
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.polls.rules import PollSpec
from parley.polls.service import replace_poll
from parley.posts import quotes
from parley.posts.compose import Draft, Mentioned, _attach_tags, _resolve_mentions, validate_draft
from parley.posts.lookup import get_post
from parley.posts.media import MediaChange, chosen_media, post_media, replace_media, snapshot
from parley.posts.models import Mention, Post, PostEdit, PostTag


@dataclass
class Revision:
    """The new text of a post; None keeps the current value. The attachments are the
    ones `media_ids` names, in order (none named: none, as in Mastodon)."""

    text: str
    spoiler_text: str | None = None
    sensitive: bool | None = None
    language: str | None = None
    quote_policy: str | None = None
    # Mastodon's edit sets the poll as sent: no poll removes it. `edits_poll` False (a
    # caller that only edits text) keeps the poll as it is.
    poll: PollSpec | None = None
    edits_poll: bool = False
    media_ids: tuple[int, ...] = ()
    media_changes: tuple[MediaChange, ...] = ()


def _version(post: Post, *, at: object = None, media: list[Any] | None = None) -> PostEdit:
    return PostEdit(id=new_id(), post_id=post.id, account_id=post.account_id, text=post.text,
                    content=post.content, spoiler_text=post.spoiler_text,
                    sensitive=post.sensitive, language=post.language, media=media,
                    created_at=at or utcnow())


async def _shown_media(session: AsyncSession, post: Post) -> list[Any] | None:
    """The snapshot of what the post shows now (post_edits.media)."""
    return snapshot(await post_media(session, post.id)) if post.media_count else None


async def _has_history(session: AsyncSession, post_id: int) -> bool:
    found = await session.scalar(select(PostEdit.id).where(PostEdit.post_id == post_id).limit(1))
    return found is not None


async def keep_original(session: AsyncSession, post: Post) -> list[Any] | None:
    """Before a post's first edit, keep it as first posted (the first history entry);
    returns the snapshot of the media it shows now. Local and remote edits alike."""
    before = await _shown_media(session, post)
    if not await _has_history(session, post.id):
        session.add(_version(post, at=post.created_at, media=before))
    return before


def keep_version(session: AsyncSession, post: Post, media: list[Any] | None) -> None:
    """Keep the post's new version (as of its edited_at) in its history."""
    session.add(_version(post, at=post.edited_at, media=media))


async def _remention(session: AsyncSession, settings: Settings, post: Post, text: str
                     ) -> tuple[str, list[Mentioned]]:
    """Render the new text; returns its HTML and the newly mentioned accounts. Earlier
    mentions stay, so nobody who could see the post loses it by an edit."""
    parsed = post_text.parse(text)
    accounts = await _resolve_mentions(session, settings, parsed.mentions)
    links = {handle: post_text.MentionLink(url=a.url, username=a.username)
             for handle, a in accounts.items()}
    html = post_text.render(text, base_url=settings.base_url, mentions=links).html
    already = set((await session.scalars(
        select(Mention.account_id).where(Mention.post_id == post.id))).all())
    added = [a for a in {a.id: a for a in accounts.values()}.values() if a.id not in already]
    session.add_all([Mention(post_id=post.id, account_id=a.id) for a in added])
    await session.execute(delete(PostTag).where(PostTag.post_id == post.id))
    await _attach_tags(session, post.id, parsed.tags)
    return html, added


async def _quoted_url(session: AsyncSession, post: Post) -> str | None:
    """The quoted post's address, for the fallback paragraph an edit keeps."""
    if post.quote_of_id is None:
        return None
    quoted = await session.get(Post, post.quote_of_id)
    return quotes.url_of(quoted) if quoted is not None else None


async def edit_post(session: AsyncSession, *, settings: Settings, actor: Account,
                    post_id: int, revision: Revision) -> Post:
    """Replace a post's text (only its author may), keeping every version; PostEdited's
    subscribers tell the newly mentioned, reposters and quoters."""
    post = await get_post(session, post_id, viewer_id=actor.id)
    if post.account_id != actor.id or post.repost_of_id is not None:
        raise NotFound()
    spoiler = post.spoiler_text if revision.spoiler_text is None else revision.spoiler_text
    media = await chosen_media(session, account_id=actor.id, media_ids=revision.media_ids,
                               post_id=post.id)
    draft = Draft(text=revision.text, spoiler_text=spoiler, visibility=post.visibility,
                  language=revision.language or post.language, media_ids=revision.media_ids)
    _, language = validate_draft(draft, actor, settings)
    before = await keep_original(session, post)
    if media or before:
        await replace_media(session, post, media, revision.media_changes)
    html, added = await _remention(session, settings, post, revision.text)
    html = quotes.with_fallback(html, revision.text, await _quoted_url(session, post))
    post.quote_policy = quotes.policy_for(revision.quote_policy or post.quote_policy,
                                          post.visibility, None)
    post.text, post.content, post.spoiler_text = revision.text, html, spoiler
    post.language = language
    if revision.sensitive is not None or spoiler.strip():
        post.sensitive = bool(revision.sensitive) or bool(spoiler.strip())
    if revision.edits_poll:
        post.poll_id = await replace_poll(session, post_id=post.id, account_id=actor.id,
                                          current_id=post.poll_id, spec=revision.poll)
    post.edited_at = utcnow()
    keep_version(session, post, snapshot(media))
    await session.flush()
    await record(session, PostEdited(
        post.id, new_local_mentions=tuple(account.id for account in added if account.is_local)))
    return post


async def post_history(session: AsyncSession, *, post_id: int, viewer_id: int | None
                       ) -> list[PostEdit]:
    """Every version, oldest first; an unedited post's history is its one version."""
    post = await get_post(session, post_id, viewer_id=viewer_id)
    versions = list((await session.scalars(
        select(PostEdit).where(PostEdit.post_id == post.id).order_by(PostEdit.id))).all())
    return versions or [_version(post, at=post.created_at,
                                 media=await _shown_media(session, post))]
