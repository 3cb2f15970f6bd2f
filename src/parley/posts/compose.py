"""Writing and deleting posts: validation, replies, quotes, mentions, tags, media, counters."""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import timedelta
from typing import Any, Protocol

from sqlalchemy import BigInteger, bindparam, delete, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import make_transient_to_detached

from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import Conflict, Forbidden, Invalid
from parley.events import record
from parley.events.posts import PostCreated, PostDeleted
from parley.lib import text as post_text
from parley.lib.ids import new_id
from parley.lib.timefmt import as_utc, utcnow
from parley.media.models import MediaAttachment
from parley.polls.remote import RemotePoll, create_remote_poll
from parley.polls.rules import PollSpec
from parley.polls.service import create_poll
from parley.posts import quotes
from parley.posts.counters import bump
from parley.posts.lookup import get_post, get_proper_post
from parley.posts.media import TOO_MANY, attach, chosen_media
from parley.posts.media_rows import document_text, media_document
from parley.posts.models import (
    DISTRIBUTABLE,
    VISIBILITIES,
    IdempotencyKey,
    Post,
    PostTag,
    Tag,
)
from parley.store.dialect import dialect_of
from parley.store.rawwrite import insert_of, writer_of
from parley.store.sql import table_insert

IDEMPOTENCY_WINDOW = timedelta(hours=1)


@dataclass
class Draft:
    """What someone asks to post; None means "the account's default"."""

    text: str = ""
    spoiler_text: str = ""
    visibility: str | None = None
    sensitive: bool | None = None
    language: str | None = None
    in_reply_to_id: int | None = None
    quote_of_id: int | None = None
    quote_policy: str | None = None
    application_id: int | None = None
    idempotency_key: str | None = None
    poll: PollSpec | None = None
    # Uploads to attach, in order (posts/media.py checks them); the web's own uploads may
    # still be processing (Mastodon's API refuses those).
    media_ids: tuple[int, ...] = ()
    media_processing_ok: bool = False


class Author(Protocol):
    """What posting needs of its author: an ORM Account, or a row read for it."""

    @property
    def id(self) -> int: ...
    @property
    def username(self) -> str: ...
    @property
    def default_privacy(self) -> str: ...
    @property
    def default_language(self) -> str | None: ...
    @property
    def default_sensitive(self) -> bool: ...
    @property
    def default_quote_policy(self) -> str: ...



class Answered(Protocol):
    """What storing a reply needs of the post it answers: an ORM Post, or its ids read for
    it (posts/remote.py KnownPost)."""

    @property
    def id(self) -> int: ...
    @property
    def account_id(self) -> int: ...
    @property
    def thread_id(self) -> int: ...


def post_urls(settings: Settings, username: str, post_id: int) -> tuple[str, str]:
    """(uri, url) of a local post: the ActivityPub id and the web page."""
    return (f"{settings.base_url}/users/{username}/statuses/{post_id}",
            f"{settings.base_url}/@{username}/{post_id}")


def validate_draft(draft: Draft, author: Author, settings: Settings) -> tuple[str, str | None]:
    """The visibility and language the post gets; Invalid with a clear message otherwise."""
    if not draft.text.strip() and not draft.media_ids:
        raise Invalid("Validation failed: Text can't be blank")
    if draft.poll is not None and draft.media_ids:  # Mastodon's words for it
        raise Invalid(TOO_MANY)
    length = post_text.text_length(draft.text) + post_text.text_length(draft.spoiler_text)
    if length > settings.max_characters:
        raise Invalid(f"Validation failed: Text character limit of {settings.max_characters} "
                      "exceeded")
    visibility = draft.visibility or author.default_privacy or "public"
    if visibility not in VISIBILITIES:
        raise Invalid(f"Validation failed: visibility must be one of {', '.join(VISIBILITIES)}")
    language = draft.language or author.default_language
    if language is not None and not post_text.is_language_code(language):
        raise Invalid("Validation failed: language is not an ISO 639 language code")
    return visibility, language


def _key_digest(key: str) -> str:
    return key if len(key) <= 255 else hashlib.sha256(key.encode()).hexdigest()


async def _replayed(session: AsyncSession, author_id: int, key: str | None) -> Post | None:
    """The post an earlier request with the same Idempotency-Key made, within the window."""
    if not key:
        return None
    row = await session.get(IdempotencyKey, (author_id, _key_digest(key)))
    if row is None:
        return None
    if as_utc(row.created_at) < utcnow() - IDEMPOTENCY_WINDOW:
        await session.delete(row)
        await session.flush()
        return None
    return await session.get(Post, row.post_id)


async def _reply_target(session: AsyncSession, in_reply_to_id: int | None, author_id: int
                        ) -> Post | None:
    if in_reply_to_id is None:
        return None
    return await get_proper_post(session, in_reply_to_id, viewer_id=author_id)


@dataclass(frozen=True)
class Mentioned:
    """A mentioned account: what the post's HTML links and its mention events need."""

    id: int
    username: str
    url: str
    is_local: bool


# Mentioned accounts by acct key: one statement, built once.
_MENTIONED = (select(Account.id, Account.username, Account.url, Account.domain,
                     Account.acct_key)
              .where(Account.acct_key.in_(bindparam("keys", expanding=True))))


async def _resolve_mentions(session: AsyncSession, settings: Settings, handles: list[str]
                            ) -> dict[str, Mentioned]:
    """Lower-cased handle -> known account; unknown handles are simply not mentions."""
    local_domain = settings.domain.lower()
    keys: dict[str, str] = {}
    for handle in handles:
        username, _, domain = handle.lower().partition("@")
        keys[handle.lower()] = username if domain in ("", local_domain) else handle.lower()
    if not keys:
        return {}
    rows = await session.execute(_MENTIONED, {"keys": list(set(keys.values()))})
    by_key = {row.acct_key: Mentioned(row.id, row.username, row.url, row.domain is None)
              for row in rows}
    return {handle: by_key[key] for handle, key in keys.items() if key in by_key}


_TAG_IDS = select(Tag.id, bindparam("post_id", type_=BigInteger)).where(
    Tag.name.in_(bindparam("names", expanding=True)))
_LINK_TAGS = table_insert(PostTag).from_select(["tag_id", "post_id"], _TAG_IDS)


async def _attach_tags(session: AsyncSession, post_id: int, names: list[str]) -> list[str]:
    """Upsert the tags (first spelling wins the display name) and link them to the post;
    returns their lower-cased names."""
    spelled = {name.lower(): name for name in reversed(names)}
    if not spelled:
        return []
    now = utcnow()
    # INSERT INTO tags ... ON CONFLICT (name) DO NOTHING
    await session.execute(dialect_of(session).insert_ignoring(Tag, ["name"]), [
        {"id": new_id(), "name": lower, "display_name": name, "created_at": now}
        for lower, name in spelled.items()])
    await session.execute(_LINK_TAGS, {"post_id": post_id, "names": list(spelled)})
    return list(spelled)


async def _remember_key(session: AsyncSession, author_id: int, key: str | None,
                        post_id: int) -> None:
    if not key:
        return
    stored = await session.scalar(dialect_of(session).insert_ignoring(
        IdempotencyKey, returning=[IdempotencyKey.post_id]), {
        "account_id": author_id, "key": _key_digest(key), "post_id": post_id,
        "created_at": utcnow()})
    if stored is None:  # a concurrent retry of the same request got there first
        raise Conflict("A post with this Idempotency-Key is already being created")


def _new_row(draft: Draft, author: Author, settings: Settings, *, visibility: str,
             language: str | None, content: str, parent: Post | None, quoted: Post | None,
             quote_state: str | None, media: Sequence[MediaAttachment] = ()) -> dict[str, Any]:
    """Every column of the new post (all of them: the ORM object made from it must never
    need to load one)."""
    post_id = new_id()
    uri, url = post_urls(settings, author.username, post_id)
    sensitive = draft.sensitive if draft.sensitive is not None else author.default_sensitive
    return {
        "id": post_id, "account_id": author.id, "domain": None, "uri": uri, "url": url,
        "text": draft.text, "content": content, "spoiler_text": draft.spoiler_text,
        "sensitive": bool(sensitive) or bool(draft.spoiler_text.strip()),
        "language": language, "visibility": visibility,
        "in_reply_to_id": parent.id if parent else None,
        "in_reply_to_account_id": parent.account_id if parent else None,
        "thread_id": parent.thread_id if parent else post_id, "repost_of_id": None,
        "quote_of_id": quoted.id if quoted else None, "application_id": draft.application_id,
        "replies_count": 0, "reposts_count": 0, "likes_count": 0, "quotes_count": 0,
        "quote_policy": quotes.policy_for(draft.quote_policy, visibility,
                                          author.default_quote_policy),
        "quote_state": quote_state,
        "created_at": utcnow(), "edited_at": None, "card_id": None,
        "poll_id": new_id() if draft.poll is not None else None, "media_count": len(media),
        "media_shown": media_document(media),
    }


_MENTION_COLUMNS = ("post_id", "account_id")


async def _insert_post(session: AsyncSession, row: dict[str, Any]) -> Post:
    """INSERT the post on the raw write path, then put the ORM object in the session as if it
    had been loaded (no unit-of-work flush; counters bumped later update it in place)."""
    # The raw write takes JSON as text; the ORM object keeps the list.
    params = {**row, "media_shown": document_text(row["media_shown"])}
    await (await writer_of(session)).execute(insert_of("posts", row), params)
    post = Post(**row)
    make_transient_to_detached(post)
    session.add(post)
    return post


async def _count_new_post(session: AsyncSession, post: Post, parent: Answered | None,
                          quoted: Post | None) -> None:
    """Counters change with the post; replies and quotes that are not public or unlisted are
    not counted, so that counts never reveal private posts (Mastodon's distributable rule)."""
    await bump(session, Account.posts_count, post.account_id, 1, last_post_at=post.created_at)
    if post.visibility in DISTRIBUTABLE:
        if parent is not None:
            await bump(session, Post.replies_count, parent.id, 1)
        if quoted is not None:
            await bump(session, Post.quotes_count, quoted.id, 1)


async def create_post(session: AsyncSession, *, settings: Settings, author: Author,
                      draft: Draft) -> Post:
    """Write a post (or a reply, or a quote) in few statements: mentioned accounts in one
    read, then one INSERT each for the post, its mentions and tags. What follows from it
    (notifications, its direct conversation, the fan-out job) is PostCreated's subscribers'
    work, in the same transaction."""
    replayed = await _replayed(session, author.id, draft.idempotency_key)
    if replayed is not None:
        return replayed
    visibility, language = validate_draft(draft, author, settings)
    parent = await _reply_target(session, draft.in_reply_to_id, author.id)
    quoted = await quotes.quote_target(session, draft.quote_of_id, author.id)
    visibility = quotes.quote_visibility(visibility, quoted)
    media = await chosen_media(session, account_id=author.id, media_ids=draft.media_ids,
                               processing_ok=draft.media_processing_ok)
    parsed = post_text.parse(draft.text)
    accounts = await _resolve_mentions(session, settings, parsed.mentions)
    links = {handle: post_text.MentionLink(url=account.url, username=account.username)
             for handle, account in accounts.items()}
    rendered = post_text.render(draft.text, base_url=settings.base_url, mentions=links)
    content = quotes.with_fallback(rendered.html, draft.text,
                                   quotes.url_of(quoted) if quoted else None)
    row = _new_row(draft, author, settings, visibility=visibility, language=language,
                   content=content, parent=parent, quoted=quoted, media=media,
                   quote_state=await quotes.first_state(session, quoted, author.id))
    mentioned = list({account.id: account for account in accounts.values()}.values())
    return await store_post(session, row, parent=parent, quoted=quoted, mentioned=mentioned,
                            tags=parsed.tags, media=media, poll=draft.poll,
                            idempotency_key=draft.idempotency_key)


async def store_post(session: AsyncSession, row: dict[str, Any], *, parent: Answered | None,
                     quoted: Post | None, mentioned: Sequence[Mentioned], tags: list[str],
                     media: Sequence[MediaAttachment] = (),
                     poll: PollSpec | RemotePoll | None = None,
                     idempotency_key: str | None = None) -> Post:
    """Store a post made of `row` (a local one, or one another server sent): the post, its
    poll, media, mentions and tags, counters, and PostCreated, whose subscribers do what
    follows from it (notifications, its direct conversation, the fan-out job)."""
    post = await _insert_post(session, row)
    if isinstance(poll, RemotePoll) and post.poll_id is not None:
        await create_remote_poll(session, poll_id=post.poll_id, post_id=post.id,
                                 account_id=post.account_id, remote=poll)
    elif isinstance(poll, PollSpec) and post.poll_id is not None:
        await create_poll(session, poll_id=post.poll_id, post_id=post.id,
                          account_id=post.account_id, spec=poll)
    if media:
        await attach(session, post.id, media)
    if mentioned:
        await (await writer_of(session)).execute_many(
            insert_of("mentions", _MENTION_COLUMNS),
            [{"post_id": post.id, "account_id": account.id} for account in mentioned])
    names = await _attach_tags(session, post.id, tags)
    await _remember_key(session, post.account_id, idempotency_key, post.id)
    accepted = quoted if row["quote_state"] == quotes.ACCEPTED else None
    await _count_new_post(session, post, parent, accepted)
    # The quoted author hears of an accepted quote, and of a local one waiting for their
    # approval; a remote quote of theirs waits for its server's request (federation).
    told = accepted or (quoted if row["domain"] is None else None)
    await record(session, PostCreated(
        post.id, row=row, tags=tuple(names), mentions=tuple(a.id for a in mentioned),
        local_mentions=tuple(a.id for a in mentioned if a.is_local),
        quoted_author_id=told.account_id if told is not None else None))
    return post


async def _uncount_post(session: AsyncSession, post: Post) -> None:
    await bump(session, Account.posts_count, post.account_id, -1)
    if post.repost_of_id is not None:
        await bump(session, Post.reposts_count, post.repost_of_id, -1)
    if post.visibility not in DISTRIBUTABLE:
        return
    if post.in_reply_to_id is not None:
        await bump(session, Post.replies_count, post.in_reply_to_id, -1)
    if post.quote_of_id is not None and post.quote_state == quotes.ACCEPTED:
        await bump(session, Post.quotes_count, post.quote_of_id, -1)


async def delete_post(session: AsyncSession, *, actor_id: int, post_id: int) -> Post:
    """Delete one's own post (or repost) with its reposts; returns the deleted post."""
    post = await get_post(session, post_id, viewer_id=actor_id)
    if post.account_id != actor_id:
        raise Forbidden("Only the author can delete a post")
    await remove_post(session, post)
    return post


async def remove_post(session: AsyncSession, post: Post) -> None:
    """Delete a post with its reposts, uncounted, its subscribers told (its author's
    deletion, or the removal of an account that is gone)."""
    reposters = select(Post.account_id).where(Post.repost_of_id == post.id).scalar_subquery()
    await session.execute(
        update(Account).where(Account.id.in_(reposters))
        .values(posts_count=Account.posts_count - 1)
        .execution_options(synchronize_session=False))
    await session.execute(delete(Post).where(Post.repost_of_id == post.id)
                          .execution_options(synchronize_session=False))
    await _uncount_post(session, post)
    await record(session, await _deletion_event(session, post))
    await session.delete(post)
    await session.flush()


async def _deletion_event(session: AsyncSession, post: Post) -> PostDeleted:
    """What the post's deletion tells its subscribers, read before the rows cascade away."""
    tags = tuple((await session.scalars(
        select(Tag.name).join(PostTag, PostTag.tag_id == Tag.id)
        .where(PostTag.post_id == post.id))).all())
    return PostDeleted(post_id=post.id, account_id=post.account_id, thread_id=post.thread_id,
                       visibility=post.visibility, local=post.domain is None, tags=tags)

