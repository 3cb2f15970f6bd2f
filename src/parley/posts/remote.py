"""Posts from other servers: stored through the same path as local ones (compose's
store_post), from what their server sent (HTML already sanitised, mentions and tags already
read); only the row differs: their ids, URLs and times are theirs. Edits and deletions their
authors make arrive the same way."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.errors import Invalid
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.posts.compose import Mentioned, store_post
from parley.posts.models import VISIBILITIES, Post


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
    in_reply_to: Post | None = None
    mentioned: list[Account] = field(default_factory=list)
    tags: list[str] = field(default_factory=list)
    quoted: Post | None = None


async def post_by_uri(session: AsyncSession, uri: str) -> Post | None:
    found: Post | None = await session.scalar(select(Post).where(Post.uri == uri))
    return found


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
        "quote_policy": "public", "quote_state": "accepted" if quoted else None,
        "created_at": created, "edited_at": None, "card_id": None, "poll_id": None,
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
    known = await post_by_uri(session, remote.uri)
    if known is not None:
        return known
    mentioned = [Mentioned(a.id, a.username, a.url, a.domain is None)
                 for a in {a.id: a for a in remote.mentioned}.values()]
    return await store_post(session, _row(author, remote), parent=remote.in_reply_to,
                            quoted=remote.quoted, mentioned=mentioned, tags=remote.tags)
