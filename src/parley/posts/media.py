"""Media in posts: which uploads a post may take (Mastodon's rules, in Mastodon's words),
attaching them in order, an edit's new set (the ones it drops stay with the post for its
history), and giving them back to media/ when the post is deleted."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm.attributes import set_committed_value

from parley.errors import Invalid
from parley.events import Subscriber
from parley.events.media import MediaProcessed
from parley.events.posts import PostDeleted
from parley.lib.ids import parse_id
from parley.media.models import DONE, FAILED, MediaAttachment
from parley.media.service import release
from parley.posts.media_rows import media_document
from parley.posts.models import Post

MAX_ATTACHMENTS = 4
# Kept with the post for its edit history, not shown (posts/media_rows.py SHOWN).
REMOVED = -1
TOO_MANY = f"Cannot attach more than {MAX_ATTACHMENTS} files"
MIXED = "Cannot attach a video to a post that already contains images"
NOT_READY = "Cannot attach files that have not finished processing. Try again in a moment!"


def _not_found(ids: Sequence[object]) -> Invalid:
    return Invalid(f"Media {', '.join(str(i) for i in ids)} not found or already attached "
                   "to another post")


def parse_media_ids(raw: Sequence[str | int]) -> tuple[int, ...]:
    """`media_ids[]` as sent: at most four, each an id (Mastodon checks the count first)."""
    if len(raw) > MAX_ATTACHMENTS:
        raise Invalid(TOO_MANY)
    ids = [parse_id(str(value).strip()) for value in raw]
    bad = [value for value, parsed in zip(raw, ids, strict=True) if parsed is None]
    if bad:
        raise _not_found(bad)
    return tuple(dict.fromkeys(parsed for parsed in ids if parsed is not None))


async def chosen_media(session: AsyncSession, *, account_id: int, media_ids: Sequence[int],
                       post_id: int | None = None, processing_ok: bool = False
                       ) -> list[MediaAttachment]:
    """The uploads `media_ids` names, in that order: the account's own, not attached to
    another post (an edit may keep the post's own), processed (or still processing, when
    `processing_ok`: never failed), and no video or audio with anything else. Invalid (422)
    with Mastodon's text otherwise."""
    if not media_ids:
        return []
    if len(media_ids) > MAX_ATTACHMENTS:
        raise Invalid(TOO_MANY)
    free = (MediaAttachment.post_id.is_(None) if post_id is None
            else or_(MediaAttachment.post_id.is_(None), MediaAttachment.post_id == post_id))
    found = {media.id: media for media in (await session.scalars(
        select(MediaAttachment).where(MediaAttachment.id.in_(list(media_ids)),
                                      MediaAttachment.account_id == account_id, free)
        .execution_options(populate_existing=True))).all()}
    missing = [i for i in media_ids if i not in found]
    if missing:
        raise _not_found(missing)
    media = [found[i] for i in media_ids]
    if len(media) > 1 and any(m.type in ("video", "audio") for m in media):
        raise Invalid(MIXED)
    if any(m.state == FAILED or (m.state != DONE and not processing_ok) for m in media):
        raise Invalid(NOT_READY)
    return media


async def attach(session: AsyncSession, post_id: int, media: Sequence[MediaAttachment]
                 ) -> None:
    """Give the post its attachments in order. Only uploads still free (or already the
    post's) are taken: of two posts racing for one upload, the second is refused."""
    for position, attachment in enumerate(media):
        taken = await session.execute(
            update(MediaAttachment)
            .where(MediaAttachment.id == attachment.id,
                   or_(MediaAttachment.post_id.is_(None), MediaAttachment.post_id == post_id))
            .values(post_id=post_id, position=position)
            .execution_options(synchronize_session=False))
        if getattr(taken, "rowcount", 1) == 0:
            raise _not_found([attachment.id])
        # What the UPDATE wrote, without marking the object changed (no second UPDATE).
        set_committed_value(attachment, "post_id", post_id)
        set_committed_value(attachment, "position", position)


async def post_media(session: AsyncSession, post_id: int) -> list[MediaAttachment]:
    """What the post shows now, in order."""
    return list((await session.scalars(
        select(MediaAttachment).where(MediaAttachment.post_id == post_id,
                                      MediaAttachment.position >= 0)
        .order_by(MediaAttachment.position))).all())


def snapshot(media: Sequence[MediaAttachment]) -> list[list[Any]] | None:
    """What a version of the post shows: [[id, description], ...] (post_edits.media)."""
    return [[m.id, m.description] for m in media] or None


@dataclass(frozen=True)
class MediaChange:
    """An attachment's new description or focus, sent with an edit (media_attributes[])."""

    id: int
    description: str | None = None
    focus: tuple[float, float] | None = None


def _apply(media: Sequence[MediaAttachment], changes: Sequence[MediaChange]) -> None:
    by_id = {m.id: m for m in media}
    for change in changes:
        attachment = by_id.get(change.id)
        if attachment is None:
            continue  # as Mastodon: attributes of media the post does not take are ignored
        if change.description is not None:
            attachment.description = change.description or None
        if change.focus is not None:
            attachment.focus_x, attachment.focus_y = change.focus


async def replace_media(session: AsyncSession, post: Post, media: Sequence[MediaAttachment],
                        changes: Sequence[MediaChange] = ()) -> None:
    """An edit's attachments: `media` in order (with `changes` applied); the ones the post
    showed and no longer does stay the post's, unshown, so that its history still shows
    them (and they go when the post goes)."""
    _apply(media, changes)
    kept = {m.id for m in media}
    await session.execute(
        update(MediaAttachment)
        .where(MediaAttachment.post_id == post.id, MediaAttachment.id.not_in(kept or {0}))
        .values(position=REMOVED).execution_options(synchronize_session=False))
    await attach(session, post.id, media)
    post.media_count = len(media)
    post.media_shown = media_document(media)


async def release_post_media(session: AsyncSession, event: PostDeleted) -> None:
    """A deleted post's attachments (shown, or kept for its history) go back to media/,
    which removes the files no other post uses."""
    ids = list((await session.scalars(
        select(MediaAttachment.id).where(MediaAttachment.post_id == event.post_id))).all())
    if ids:
        await release(session, ids)


async def refresh_shown_media(session: AsyncSession, event: MediaProcessed) -> None:
    """An attachment of a post finished processing (a video posted from the web while it
    was): the post's media document takes its files and meta."""
    if event.post_id is None:
        return
    # Attachments of one post processed side by side (PostgreSQL's job slots) would each
    # write the document from what their own snapshot saw, the last one undoing the others'
    # files: the post row's lock makes them take turns, each reading the others' commits.
    await session.execute(select(Post.id).where(Post.id == event.post_id).with_for_update())
    shown = await post_media(session, event.post_id)
    await session.execute(update(Post).where(Post.id == event.post_id)
                          .values(media_shown=media_document(shown))
                          .execution_options(synchronize_session=False))


SUBSCRIBERS = (Subscriber(PostDeleted, release_post_media),
               Subscriber(MediaProcessed, refresh_shown_media))
