"""Notification entities, built for a whole page in a fixed number of queries."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.api.entities.admin_reports import render_reports
from parley.api.entities.filters import is_hidden
from parley.api.entities.statuses import render_statuses
from parley.config import Settings
from parley.lib.timefmt import iso
from parley.notifications.models import Notification
from parley.posts.models import Post


async def subject_posts(session: AsyncSession, notifications: Sequence[Notification]
                         ) -> dict[int, Post]:
    """The post each notification is about, keyed by notification id. A repost notification
    shows the post that was reposted, as Mastodon does."""
    post_ids = {n.post_id for n in notifications if n.post_id is not None}
    if not post_ids:
        return {}
    posts = {p.id: p for p in (await session.scalars(
        select(Post).where(Post.id.in_(post_ids)))).all()}
    original_ids = {p.repost_of_id for p in posts.values() if p.repost_of_id is not None}
    if original_ids:
        originals = (await session.scalars(select(Post).where(Post.id.in_(original_ids)))).all()
        posts.update({p.id: p for p in originals})
    subjects: dict[int, Post] = {}
    for n in notifications:
        post = posts.get(n.post_id) if n.post_id is not None else None
        if post is not None and post.repost_of_id is not None:
            post = posts.get(post.repost_of_id)
        if post is not None:
            subjects[n.id] = post
    return subjects


async def render_notifications(session: AsyncSession, notifications: Sequence[Notification],
                               *, viewer_id: int, settings: Settings) -> list[dict[str, Any]]:
    """Mastodon Notification entities in order; one whose account or post has gone is left
    out rather than rendered half empty, and so is one about a post a `hide` filter of the
    viewer's matches."""
    account_ids = {n.from_account_id for n in notifications}
    accounts = {a.id: a for a in (await session.scalars(
        select(Account).where(Account.id.in_(account_ids)))).all()} if account_ids else {}
    subjects = await subject_posts(session, notifications)
    unique = list({post.id: post for post in subjects.values()}.values())
    rendered = await render_statuses(session, unique, viewer_id=viewer_id, settings=settings,
                                     filter_context="notifications") if unique else []
    statuses = {post.id: entity for post, entity in zip(unique, rendered, strict=True)}
    reports = await render_reports(session, (n.report_id for n in notifications), settings)
    entities: list[dict[str, Any]] = []
    for n in notifications:
        account = accounts.get(n.from_account_id)
        if account is None or (n.post_id is not None and n.id not in subjects):
            continue
        if n.id in subjects and is_hidden(statuses[subjects[n.id].id]):
            continue
        entity: dict[str, Any] = {
            "id": str(n.id),
            "type": n.type,
            "created_at": iso(n.created_at),
            "group_key": n.group_key or f"ungrouped-{n.id}",
            "account": account_entity(account, settings),
        }
        if n.id in subjects:
            entity["status"] = statuses[subjects[n.id].id]
        if n.report_id is not None:
            if n.report_id not in reports:
                continue
            entity["report"] = reports[n.report_id]
        entities.append(entity)
    return entities
