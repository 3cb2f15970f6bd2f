"""Conversation entities (direct messages), built for a whole page in a fixed number of
queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.api.entities.statuses import render_statuses
from parley.config import Settings
from parley.conversations.direct import ConversationView
from parley.posts.lookup import get_posts


async def render_conversations(session: AsyncSession, views: Sequence[ConversationView], *,
                               viewer_id: int, settings: Settings) -> list[dict[str, Any]]:
    """Mastodon's Conversation: the other participants (the viewer alone when talking to
    themselves, as Mastodon shows it) and the last post, checked against visibility again."""
    account_ids = {account_id for view in views for account_id in view.participant_ids}
    accounts = {account.id: account for account in await session.scalars(
        select(Account).where(Account.id.in_(account_ids)))} if account_ids else {}
    posts = await get_posts(session, [view.last_post_id for view in views
                                      if view.last_post_id is not None], viewer_id=viewer_id)
    rendered = await render_statuses(session, posts, viewer_id=viewer_id, settings=settings)
    statuses = {post.id: entity for post, entity in zip(posts, rendered, strict=True)}
    entities = []
    for view in views:
        others = [i for i in view.participant_ids if i != viewer_id and i in accounts]
        shown = others or ([viewer_id] if viewer_id in accounts else [])
        entities.append({
            "id": str(view.conversation_id),
            "unread": view.unread,
            "accounts": [account_entity(accounts[i], settings) for i in shown],
            "last_status": statuses.get(view.last_post_id) if view.last_post_id else None,
        })
    return entities
