"""Cards follow posts: a new or edited post with a link queues the card job in the
transaction that wrote it; an edit that drops the link drops the card."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley.cards.jobs import FETCH_CARD, CardFor
from parley.cards.links import may_have_link
from parley.cards.models import PreviewCard
from parley.events import Subscriber
from parley.events.posts import PostCreated, PostEdited
from parley.jobs.queue import enqueue
from parley.posts.models import Post


async def post_created(session: AsyncSession, event: PostCreated) -> None:
    text = event.row.get("text") if event.row is not None else None
    if text is None:
        post = await session.get(Post, event.post_id)  # in the identity map: no query
        text = post.text if post is not None else ""
    if may_have_link(text):
        await enqueue(session, FETCH_CARD, CardFor(event.post_id))


async def post_edited(session: AsyncSession, event: PostEdited) -> None:
    """The edit is published without the card when its link is gone; the job then brings
    the card of whatever link is first now (at once when that link has a fresh card)."""
    post = await session.get(Post, event.post_id)
    if post is None:
        return
    if post.card_id is not None:
        card = await session.get(PreviewCard, post.card_id)
        if card is None or card.url not in post.text:
            post.card_id = None
    if may_have_link(post.text):
        await enqueue(session, FETCH_CARD, CardFor(post.id))


SUBSCRIBERS = (
    Subscriber(PostCreated, post_created),
    Subscriber(PostEdited, post_edited),
)
