"""Direct-message conversations: a direct post joins (or starts) the conversation of its thread
among its people; each participant's list, unread state and removal from that list.

The people of a direct post are its author and the accounts it mentions, exactly those who
may see it, so every participant may see every post of their conversation.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, func, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.conversations.models import Conversation, ConversationParticipant, ConversationPost
from parley.errors import NotFound
from parley.events import Subscriber, record
from parley.events.live import ConversationUpdated
from parley.events.posts import PostCreated, PostDeleted
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.lib.timefmt import utcnow
from parley.posts.models import Post
from parley.social.exclusions import account_hidden


def participant_key(account_ids: Sequence[int]) -> str:
    """A fixed-size digest of the sorted participant ids."""
    joined = ",".join(str(account_id) for account_id in sorted(set(account_ids)))
    return hashlib.sha256(joined.encode()).hexdigest()


async def _find(session: AsyncSession, thread_id: int, key: str) -> Conversation | None:
    found: Conversation | None = await session.scalar(select(Conversation).where(
        Conversation.thread_id == thread_id, Conversation.participant_key == key))
    return found


async def _start(session: AsyncSession, post: Post, people: list[int], key: str
                 ) -> Conversation:
    """A new conversation with everyone in it; a concurrent first post may win the race."""
    conversation = Conversation(id=new_id(), thread_id=post.thread_id, participant_key=key,
                                created_at=utcnow())
    try:
        async with session.begin_nested():
            session.add(conversation)
            # Empty until record_direct_post files the post for those who may hear of it.
            session.add_all([ConversationParticipant(
                conversation_id=conversation.id, account_id=account_id, hidden=False,
                unread=False, last_post_id=None)
                for account_id in people])
    except IntegrityError:
        raced = await _find(session, post.thread_id, key)
        if raced is None:
            raise
        return raced
    return conversation


async def record_direct_post(session: AsyncSession, *, post: Post,
                             mentioned_ids: Sequence[int]) -> Conversation | None:
    """File a new direct post into its conversation, in the caller's transaction: it becomes
    everyone's latest post, unread for all but its author, back in lists it was removed from."""
    if post.visibility != "direct" or post.repost_of_id is not None:
        return None
    people = sorted({post.account_id, *mentioned_ids})
    key = participant_key(people)
    conversation = await _find(session, post.thread_id, key)
    if conversation is None:
        conversation = await _start(session, post, people, key)
    hearing = await _hearing(session, post.account_id, people)
    await session.execute(
        update(ConversationParticipant)
        .where(ConversationParticipant.conversation_id == conversation.id,
               ConversationParticipant.account_id.in_(hearing))
        .values(last_post_id=post.id, hidden=False,
                unread=ConversationParticipant.account_id != post.account_id)
        .execution_options(synchronize_session=False))
    session.add(ConversationPost(post_id=post.id, conversation_id=conversation.id))
    await session.flush()
    await record(session, ConversationUpdated(conversation.id, tuple(hearing)))
    return conversation


async def _hearing(session: AsyncSession, author_id: int, people: Sequence[int]) -> list[int]:
    """Who hears of the author's new post in their conversations: the author, and everyone
    else but those who block or mute the author or are blocked by them (the exclusion rule
    of social/exclusions.py, as for every other place a post could reach them)."""
    others = [account_id for account_id in people if account_id != author_id]
    if not others:
        return [author_id]
    hiding = set((await session.scalars(select(Account.id).where(
        Account.id.in_(others), account_hidden(Account.id, author_id)))).all())
    return [author_id, *(account_id for account_id in others if account_id not in hiding)]


async def forget_direct_post(session: AsyncSession, *, post_id: int) -> None:
    """Before a direct post is deleted: its conversation falls back to its previous post, or
    ends with its last one."""
    conversation_id = await session.scalar(select(ConversationPost.conversation_id).where(
        ConversationPost.post_id == post_id))
    if conversation_id is None:
        return
    previous = await session.scalar(select(func.max(ConversationPost.post_id)).where(
        ConversationPost.conversation_id == conversation_id, ConversationPost.post_id != post_id))
    if previous is None:
        await session.execute(delete(Conversation).where(Conversation.id == conversation_id)
                              .execution_options(synchronize_session=False))
        return
    await session.execute(
        update(ConversationParticipant)
        .where(ConversationParticipant.conversation_id == conversation_id,
               ConversationParticipant.last_post_id == post_id)
        .values(last_post_id=previous).execution_options(synchronize_session=False))


async def _post_created(session: AsyncSession, event: PostCreated) -> None:
    if event.row is not None and event.row["visibility"] != "direct":
        return  # the common case, decided without looking the post up
    post = await session.get(Post, event.post_id)  # in the session: no query
    if post is not None:
        await record_direct_post(session, post=post, mentioned_ids=event.mentions)


async def _post_deleted(session: AsyncSession, event: PostDeleted) -> None:
    if event.visibility == "direct":  # only direct posts are in conversations
        await forget_direct_post(session, post_id=event.post_id)


SUBSCRIBERS = (Subscriber(PostCreated, _post_created), Subscriber(PostDeleted, _post_deleted))


@dataclass
class ConversationView:
    """One conversation as one participant sees it."""

    conversation_id: int
    unread: bool
    last_post_id: int | None
    participant_ids: list[int]


async def _views(session: AsyncSession, rows: Sequence[ConversationParticipant]
                 ) -> list[ConversationView]:
    """With every conversation's participants, in one query."""
    ids = [row.conversation_id for row in rows]
    people: dict[int, list[int]] = {conversation_id: [] for conversation_id in ids}
    if ids:
        pairs = await session.execute(
            select(ConversationParticipant.conversation_id, ConversationParticipant.account_id)
            .where(ConversationParticipant.conversation_id.in_(ids))
            .order_by(ConversationParticipant.account_id))
        for conversation_id, account_id in pairs.tuples():
            people[conversation_id].append(account_id)
    return [ConversationView(row.conversation_id, row.unread, row.last_post_id,
                             people[row.conversation_id]) for row in rows]


async def list_conversations(session: AsyncSession, *, viewer_id: int, page: Page
                             ) -> list[ConversationView]:
    """The viewer's conversations, the one with the newest post first (paged by that post)."""
    stmt = select(ConversationParticipant).where(
        ConversationParticipant.account_id == viewer_id,
        ConversationParticipant.hidden.is_(False),
        ConversationParticipant.last_post_id.is_not(None))
    cursor: Any = ConversationParticipant.last_post_id  # never NULL here (filtered above)
    rows = page.arrange((await session.scalars(page.apply(stmt, cursor))).all())
    return await _views(session, rows)


async def _own(session: AsyncSession, viewer_id: int, conversation_id: int
               ) -> ConversationParticipant:
    row: ConversationParticipant | None = await session.get(
        ConversationParticipant, (conversation_id, viewer_id))
    if row is None or row.hidden:
        raise NotFound()
    return row


async def participant_views(session: AsyncSession, conversation_id: int
                            ) -> dict[int, ConversationView]:
    """The conversation as each of its participants sees it (for live `conversation`
    events)."""
    rows = (await session.scalars(select(ConversationParticipant).where(
        ConversationParticipant.conversation_id == conversation_id,
        ConversationParticipant.hidden.is_(False)))).all()
    views = await _views(session, rows)
    return {row.account_id: view for row, view in zip(rows, views, strict=True)}


async def mark_read(session: AsyncSession, *, viewer_id: int, conversation_id: int
                    ) -> ConversationView:
    """The viewer has read the conversation."""
    row = await _own(session, viewer_id, conversation_id)
    row.unread = False
    await session.flush()
    return (await _views(session, [row]))[0]


async def remove_conversation(session: AsyncSession, *, viewer_id: int, conversation_id: int
                              ) -> None:
    """Take the conversation off the viewer's list only; the others keep theirs."""
    row = await _own(session, viewer_id, conversation_id)
    row.hidden = True
    row.unread = False
    await session.flush()
