"""A local post as ActivityPub sees it: a Note (a Question with its poll; its addressing from
its visibility, its mentions, hashtags, attachments, quote and quote policy), and the Create
and Delete that carry it."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.config import Settings
from parley.federation.actors_out import followers_url
from parley.federation.quotes_out import QuoteFields, interaction_policy
from parley.federation.vocab import CONTEXT, PUBLIC
from parley.media.storage import Storage
from parley.polls.rows import PollRow
from parley.posts.media_rows import shown_media
from parley.posts.models import DISTRIBUTABLE, Post
from parley.posts.rows import AccountRow, PostPage, PostRow
from parley.store.rawsql import iso_of


@dataclass(frozen=True)
class Addressing:
    """A post's `to` and `cc`: who it is for, by visibility (Mastodon's mapping)."""

    to: list[str]
    cc: list[str]


def addressing(visibility: str, author_uri: str, mentioned: list[str]) -> Addressing:
    followers = followers_url(author_uri)
    if visibility == "public":
        return Addressing([PUBLIC], [followers, *mentioned])
    if visibility == "unlisted":
        return Addressing([followers], [PUBLIC, *mentioned])
    if visibility == "private":
        return Addressing([followers], mentioned)
    return Addressing(list(mentioned), [])  # direct: only the people it mentions


def _mentioned(post: PostRow, page: PostPage) -> list[AccountRow]:
    accounts = page.batch.accounts
    return [accounts[m.id] for m in page.batch.mentions.get(post.id, ()) if m.id in accounts]


def _tags(post: PostRow, page: PostPage, settings: Settings,
          mentioned: list[AccountRow]) -> list[dict[str, Any]]:
    tags: list[dict[str, Any]] = [
        {"type": "Mention", "href": account.uri,
         "name": f"@{account.username}@{account.domain or settings.domain}"}
        for account in mentioned]
    tags += [{"type": "Hashtag", "href": f"{settings.base_url}/tags/{name}", "name": f"#{name}"}
             for name in page.batch.tags.get(post.id, ())]
    return tags


def _attachments(post: PostRow, storage: Storage) -> list[dict[str, Any]]:
    documents = []
    for media in shown_media(post.id, post.media_shown):
        if not media.file_key:
            continue
        document: dict[str, Any] = {
            "type": "Document", "mediaType": (media.meta or {}).get("mime_type")
            or _media_type(media.type), "url": storage.url(media.file_key),
            "name": media.description or None, "blurhash": media.blurhash}
        if media.focus_x is not None and media.focus_y is not None:
            document["focalPoint"] = [media.focus_x, media.focus_y]
        original = (media.meta or {}).get("original") or {}
        if original.get("width") and original.get("height"):
            document["width"], document["height"] = original["width"], original["height"]
        documents.append(document)
    return documents


def _media_type(kind: str) -> str:
    return {"image": "image/jpeg", "gifv": "video/mp4", "video": "video/mp4",
            "audio": "audio/mpeg"}.get(kind, "application/octet-stream")


async def context_url(session: AsyncSession, thread_id: int) -> str | None:
    """A post's FEP-7888 `context`: its thread's collection (threads_out), when the thread
    began here with a public or unlisted post (one begun elsewhere is its server's to list)."""
    return (await context_urls(session, [thread_id])).get(thread_id)


async def context_urls(session: AsyncSession, thread_ids: Iterable[int]) -> dict[int, str]:
    """context_url of each of these threads that has one (a page of posts), in one query."""
    rows = await session.execute(select(Post.id, Post.uri, Post.domain, Post.visibility)
                                 .where(Post.id.in_(set(thread_ids))))
    return {root.id: f"{root.uri}/context" for root in rows
            if root.domain is None and root.visibility in DISTRIBUTABLE}


def question(poll: PollRow) -> dict[str, Any]:
    """A poll's part of its post's document, as Mastodon writes it: a Question whose options
    (`oneOf`, or `anyOf` for several choices) carry their votes as `replies.totalItems`
    (null while the author hides the totals), its end, `closed` once ended, its voters."""
    shown = poll.totals_shown
    options = [{"type": "Note", "name": title,
                "replies": {"type": "Collection", "totalItems": count if shown else None}}
               for title, count in zip(poll.options, poll.counts, strict=False)]
    document: dict[str, Any] = {"type": "Question", "votersCount": poll.voters_count,
                                "anyOf" if poll.multiple else "oneOf": options}
    if poll.ends_at is not None:
        document["endTime"] = iso_of(poll.ends_at)
    if poll.expired:
        document["closed"] = iso_of(poll.expires_at)
    return document


def note(post: PostRow, page: PostPage, settings: Settings, storage: Storage, *,
         in_reply_to: str | None, quoted: QuoteFields, context: str | None = None
         ) -> dict[str, Any]:
    """The post's Note, or Question when it has a poll (without @context: it is embedded in
    activities or wrapped by `document`). `in_reply_to` is the URI of the post it answers,
    `quoted` what it says of its quote (quotes_out.quote_fields), `context` its thread's
    collection (context_url)."""
    author = page.batch.accounts[post.account_id]
    mentioned = _mentioned(post, page)
    audience = addressing(post.visibility, author.uri, [a.uri for a in mentioned])
    document: dict[str, Any] = {
        "id": post.uri, "type": "Note", "summary": post.spoiler_text or None,
        "inReplyTo": in_reply_to, "published": iso_of(post.created_at), "url": post.url,
        "attributedTo": author.uri, "to": audience.to, "cc": audience.cc,
        "sensitive": bool(post.sensitive), "content": post.content,
        "attachment": _attachments(post, storage),
        "tag": _tags(post, page, settings, mentioned),
        "replies": f"{post.uri}/replies",
        "interactionPolicy": interaction_policy(post.quote_policy, author.uri),
    }
    if context is not None:
        document["context"] = context
    if post.language:
        document["contentMap"] = {post.language: post.content}
    if post.edited_at is not None:
        document["updated"] = iso_of(post.edited_at)
    if quoted.quoted is not None:
        document["quote"] = quoted.quoted
    if quoted.quoted is not None and quoted.accepted:
        # Servers that know no consent read these: only once the quote is accepted.
        document.update(quoteUri=quoted.quoted, _misskey_quote=quoted.quoted)
    if quoted.authorization is not None:
        document["quoteAuthorization"] = quoted.authorization
    poll = page.batch.polls.polls.get(post.poll_id) if post.poll_id is not None else None
    if poll is not None:
        document.update(question(poll))
    return document


def document(body: dict[str, Any]) -> dict[str, Any]:
    """A top-level document: the object with the context declared."""
    return {"@context": CONTEXT, **body}


def create(note_document: dict[str, Any]) -> dict[str, Any]:
    """The Create of a Note, addressed as the Note is."""
    return document({
        "id": f"{note_document['id']}/activity", "type": "Create",
        "actor": note_document["attributedTo"], "published": note_document["published"],
        "to": note_document["to"], "cc": note_document["cc"], "object": note_document})


def update(note_document: dict[str, Any], updated_at: str, *, reason: str = ""
           ) -> dict[str, Any]:
    """The Update of a Note: an edit, or (`reason`) a change of what it says of its quote,
    whose id must differ from every earlier Update's."""
    suffix = f"/{reason}" if reason else ""
    return document({
        "id": f"{note_document['id']}#updates/{updated_at}{suffix}", "type": "Update",
        "actor": note_document["attributedTo"], "published": updated_at,
        "to": note_document["to"], "cc": note_document["cc"], "object": note_document})


def delete(post_uri: str, author_uri: str, to: list[str], cc: list[str]) -> dict[str, Any]:
    """A post's Delete, with a Tombstone, addressed as the post was."""
    return document({
        "id": f"{post_uri}#delete", "type": "Delete", "actor": author_uri, "to": to, "cc": cc,
        "object": {"id": post_uri, "type": "Tombstone", "atomUri": post_uri}})
