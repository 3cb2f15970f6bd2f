"""Posts from other servers: stored through the same path as local ones (compose's
store_post; a repost through interactions' add_repost), from what their server sent (HTML
already sanitised, mentions and tags already read); only the row differs: their ids, URLs
and times are theirs; their polls are kept with their counts (polls/remote.py). Edits their
authors make keep a history as local edits do (edits.py), an Update refreshes the poll,
and an account that is gone has its posts removed a batch at a time."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import delete, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.errors import Forbidden, Invalid
from parley.events import record
from parley.events.posts import PostEdited
from parley.lib.ids import new_id
from parley.lib.timefmt import as_utc, utcnow
from parley.media.remote import RemoteMedia, record_remote
from parley.polls.remote import RemotePoll, create_remote_poll, refresh_remote_poll
from parley.polls.service import replace_poll
from parley.posts.compose import Answered, Mentioned, _attach_tags, remove_post, store_post
from parley.posts.edits import keep_original, keep_version
from parley.posts.interactions import add_repost, repost_row
from parley.posts.media import MAX_ATTACHMENTS
from parley.posts.media_rows import media_document
from parley.posts.models import DISTRIBUTABLE, VISIBILITIES, Mention, Post, PostTag, Tag
from parley.store.rawsql import Reader, Sql
from parley.store.rawwrite import SessionSql


@dataclass(frozen=True)
class RemotePost:
    """A post as another server describes it, in Parley's words."""

    uri: str
    url: str | None
    content: str
    visibility: str
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    created_at: datetime | None = None
    in_reply_to: Answered | None = None
    mentioned: list[Account] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    quoted: Post | None = None
    # The state its quote starts in (posts/quotes.py), as its consent stands when it
    # arrives; and who may quote it, as its server advertises.
    quote_state: str = "accepted"
    quote_policy: str = "public"
    # Its attachments (at most four shown, as Mastodon); fetched and stored here by a job
    # unless `fetch_media` is off (the server refuses media from the author's domain).
    media: list[RemoteMedia] = field(default_factory=list)
    fetch_media: bool = True
    poll: RemotePoll | None = None


async def post_uri(session: AsyncSession, post_id: int | None) -> str | None:
    """The URI of a post (the one a reply answers, or a quote quotes), if any."""
    if post_id is None:
        return None
    uri: str | None = await session.scalar(select(Post.uri).where(Post.id == post_id))
    return uri


async def post_uris(session: AsyncSession, post_ids: Iterable[int | None]) -> dict[int, str]:
    """The URIs of these posts (those a page of posts answers or quotes), in one query."""
    wanted = {post_id for post_id in post_ids if post_id is not None}
    if not wanted:
        return {}
    rows = await session.execute(select(Post.id, Post.uri).where(Post.id.in_(wanted)))
    return {row.id: row.uri for row in rows}


async def post_by_uri(session: AsyncSession, uri: str) -> Post | None:
    found: Post | None = await session.scalar(select(Post).where(Post.uri == uri))
    return found


@dataclass(frozen=True, slots=True)
class KnownPost:
    """A post known by its URI, as a reply to it needs it (compose.Answered)."""

    id: int
    account_id: int
    thread_id: int


_KNOWN = Sql("SELECT uri, id, account_id, thread_id FROM posts WHERE uri IN_TEXTS(:uris)")


async def known_posts(reader: Reader, uris: Iterable[str]) -> dict[str, KnownPost]:
    """The posts known by these URIs, in one raw read (a received reply asks for itself and
    its parent; the ORM's reads of them cost more than storing the reply)."""
    wanted = sorted(set(uris))
    if not wanted:
        return {}
    return {row[0]: KnownPost(row[1], row[2], row[3])
            for row in await reader.fetch(_KNOWN, {"uris": wanted})}


def _row(author: Account, remote: RemotePost) -> dict[str, Any]:
    post_id = new_id()
    parent, quoted = remote.in_reply_to, remote.quoted
    created = remote.created_at if remote.created_at and remote.created_at <= utcnow() \
        else utcnow()
    return {
        "id": post_id, "account_id": author.id, "domain": author.domain, "uri": remote.uri,
        "url": remote.url or remote.uri, "text": "", "content": remote.content,
        "spoiler_text": remote.spoiler_text, "sensitive": remote.sensitive,
        "language": remote.language, "visibility": remote.visibility,
        "in_reply_to_id": parent.id if parent else None,
        "in_reply_to_account_id": parent.account_id if parent else None,
        "thread_id": parent.thread_id if parent else post_id, "repost_of_id": None,
        "quote_of_id": quoted.id if quoted else None, "application_id": None,
        "replies_count": 0, "reposts_count": 0, "likes_count": 0, "quotes_count": 0,
        "quote_policy": remote.quote_policy,
        "quote_state": remote.quote_state if quoted else None,
        "created_at": created, "edited_at": None, "card_id": None,
        "poll_id": new_id() if remote.poll is not None else None,
        "media_count": 0, "media_shown": None,
    }


async def store_remote_post(session: AsyncSession, *, author: Account, remote: RemotePost
                            ) -> Post:
    """Store a remote author's post (once: a post already known by its URI is returned as
    it is)."""
    if author.domain is None:
        raise Invalid("a local account's posts are not stored from elsewhere")
    if remote.visibility not in VISIBILITIES:
        raise Invalid("unknown visibility")
    known = (await known_posts(SessionSql(session), [remote.uri])).get(remote.uri)
    if known is not None:
        found = await session.get(Post, known.id)
        if found is not None:
            return found
    mentioned = [Mentioned(a.id, a.username, a.url, a.domain is None)
                 for a in {a.id: a for a in remote.mentioned}.values()]
    media = await record_remote(session, account_id=author.id,
                                media=remote.media[:MAX_ATTACHMENTS], fetch=remote.fetch_media)
    row = _row(author, remote)
    row["media_count"], row["media_shown"] = len(media), media_document(media)
    return await store_post(session, row, parent=remote.in_reply_to, quoted=remote.quoted,
                            mentioned=mentioned, tags=remote.tags, media=media,
                            poll=remote.poll)


def _when(at: datetime | None) -> datetime:
    """A time another server gives, never later than now."""
    now = utcnow()
    return as_utc(at) if at is not None and as_utc(at) <= now else now


async def store_remote_repost(session: AsyncSession, *, author: Account, uri: str,
                              original: Post, visibility: str,
                              created_at: datetime | None = None) -> Post:
    """Store a remote account's repost (its Announce, whose id is `uri`) of a post, once;
    only public and unlisted posts may be reposted (Mastodon's rule), and not privately."""
    if author.domain is None:
        raise Invalid("a local account's reposts are not stored from elsewhere")
    if original.visibility not in DISTRIBUTABLE or original.repost_of_id is not None:
        raise Forbidden("This post cannot be reposted")
    if visibility not in DISTRIBUTABLE:
        raise Invalid("a repost is public or unlisted")
    known = await post_by_uri(session, uri)
    if known is not None:
        return known
    row = repost_row(new_id(), author, original, uri=uri, url=uri, visibility=visibility,
                     created_at=_when(created_at))
    return await add_repost(session, row, original)


@dataclass(frozen=True)
class RemoteRevision:
    """A new version of a remote post, as its server describes it."""

    content: str
    spoiler_text: str = ""
    sensitive: bool = False
    language: str | None = None
    mentioned: list[Account] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    edited_at: datetime | None = None


async def edit_remote_post(session: AsyncSession, *, post: Post, revision: RemoteRevision
                           ) -> Post:
    """Apply a remote author's edit, keeping the history as a local edit does; earlier
    mentions stay (nobody who could see the post loses it by an edit). An edit older than
    the version we have (deliveries out of order), or one that changes nothing shown (a
    poll's Update carrying new counts), is no new version."""
    if post.domain is None or post.repost_of_id is not None:
        raise Invalid("only a remote post is edited from elsewhere")
    edited_at = _when(revision.edited_at)
    if post.edited_at is not None and edited_at <= as_utc(post.edited_at):
        return post
    already = set((await session.scalars(
        select(Mention.account_id).where(Mention.post_id == post.id))).all())
    added = [a for a in {a.id: a for a in revision.mentioned}.values() if a.id not in already]
    if not added and await _unchanged(session, post, revision):
        return post
    shown = await keep_original(session, post)
    session.add_all([Mention(post_id=post.id, account_id=a.id) for a in added])
    await session.execute(delete(PostTag).where(PostTag.post_id == post.id))
    await _attach_tags(session, post.id, revision.tags)
    post.content, post.spoiler_text = revision.content, revision.spoiler_text
    post.sensitive = revision.sensitive or bool(revision.spoiler_text.strip())
    post.language, post.edited_at = revision.language, edited_at
    keep_version(session, post, shown)
    await session.flush()
    await record(session, PostEdited(
        post.id, new_local_mentions=tuple(a.id for a in added if a.domain is None)))
    return post


async def _unchanged(session: AsyncSession, post: Post, revision: RemoteRevision) -> bool:
    tags = set((await session.scalars(select(Tag.name).join(
        PostTag, PostTag.tag_id == Tag.id).where(PostTag.post_id == post.id))).all())
    return (post.content, post.spoiler_text, post.sensitive, post.language, tags) == (
        revision.content, revision.spoiler_text,
        revision.sensitive or bool(revision.spoiler_text.strip()), revision.language,
        {name.lower() for name in revision.tags})


async def update_remote_poll(session: AsyncSession, *, post: Post, poll: RemotePoll | None
                             ) -> None:
    """A remote post's poll as its server's Update gives it (new counts, voters, its close
    or other options; polls/remote.py), added by an edit, or removed (`poll` None)."""
    if post.domain is None:
        raise Invalid("only a remote post's poll is updated from elsewhere")
    if poll is None and post.poll_id is None:
        return
    if poll is None:
        post.poll_id = await replace_poll(session, post_id=post.id, account_id=post.account_id,
                                          current_id=post.poll_id, spec=None)
    elif post.poll_id is None:
        post.poll_id = new_id()
        await session.flush()
        await create_remote_poll(session, poll_id=post.poll_id, post_id=post.id,
                                 account_id=post.account_id, remote=poll)
    else:
        await refresh_remote_poll(session, poll_id=post.poll_id, remote=poll)
    await session.flush()


async def remove_posts_of(session: AsyncSession, account_id: int, *, limit: int) -> int:
    """Remove up to `limit` of an account's posts (newest first: what timelines show),
    each as its author's deletion would; returns how many went."""
    posts = list((await session.scalars(
        select(Post).where(Post.account_id == account_id)
        .order_by(Post.id.desc()).limit(limit))).all())
    for post in posts:
        await remove_post(session, post)
    return len(posts)
