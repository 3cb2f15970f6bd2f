"""Received Updates: of a Note, a remote author's edit of a post we keep (its content, CW,
sensitivity, language, mentions, tags and custom emoji, with a history entry, as a local
edit), of its poll (a Question's new counts, voters and close: polls_in) and of a pending
quote's stamp, once it carries one; of anything else, handed to notes_in (an actor's Update
of itself). An Update of a post we never kept changes nothing (Mastodon's rule: it is not a
way to deliver a new post)."""

from __future__ import annotations

from typing import Any

from parley.federation import notes_in, parse, quotes_seen
from parley.federation.inbound import Inbound
from parley.federation.media_in import custom_emojis, fetches_media
from parley.federation.polls_in import remote_poll
from parley.posts.models import Post
from parley.posts.remote import (
    RemoteRevision,
    edit_remote_post,
    post_by_uri,
    update_remote_poll,
)


async def update(inbound: Inbound) -> None:
    document = inbound.activity.object
    if isinstance(document, dict) and document.get("type") in parse.NOTE_TYPES:
        await update_note(inbound, document)
    else:
        await notes_in.update(inbound)


async def update_note(inbound: Inbound, document: dict[str, Any]) -> None:
    """Apply the edit the embedded Note carries, when it is the actor's own post; a
    Question's poll is refreshed even when the text is unchanged (a poll's new counts)."""
    parsed = parse.note(document)
    if parsed.attributed_to != inbound.actor.uri:
        return
    async with inbound.db.lookup() as session:
        known = await post_by_uri(session, parsed.uri)
    if known is None or known.account_id != inbound.actor.id or known.repost_of_id:
        return
    mentioned = await notes_in.mentioned_accounts(inbound.db, inbound.settings, parsed)
    async with inbound.db.write() as session:
        post = await session.get(Post, known.id)
        if post is None:
            return
        domain = inbound.actor.domain
        await custom_emojis(session, domain, parsed.emojis,
                            fetch=await fetches_media(session, domain))
        await edit_remote_post(session, post=post, revision=RemoteRevision(
            content=parsed.content, spoiler_text=parsed.summary, sensitive=parsed.sensitive,
            language=parsed.language,
            mentioned=[await session.merge(account) for account in mentioned],
            tags=parsed.hashtags, edited_at=parsed.updated))
        if parsed.poll is not None or parsed.note_type != "Question":
            # A Question without readable options leaves the poll as it was.
            await update_remote_poll(session, post=post, poll=remote_poll(parsed.poll))
    await quotes_seen.recheck(inbound.db, inbound.settings, parsed, known.id)
