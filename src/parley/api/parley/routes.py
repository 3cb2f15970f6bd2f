"""/api/parley/conversations (the conversation-first listing) and /api/parley/waiting (what
waits for the viewer's answer, oldest first), as JSON built from Mastodon entities."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel
from sqlalchemy.ext.asyncio import AsyncSession

from parley.api.entities.accounts import account_entity
from parley.api.entities.statuses import render_statuses
from parley.api.pagination import PAGED, Page, PageQuery, link_header
from parley.api.params import parse
from parley.config import Settings
from parley.conversations.threads import ThreadSummary, conversation_threads
from parley.http.auth import Viewer, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import query
from parley.http.responses import FastJSON, json_response
from parley.lib.timefmt import iso
from parley.waiting import service as waiting_service

router = APIRouter()


class ConversationsQuery(BaseModel):
    direct: bool = False


async def _entities(session: AsyncSession, summaries: list[ThreadSummary], viewer_id: int,
                    settings: Settings) -> list[dict[str, Any]]:
    posts = list({p.id: p for s in summaries
                  for p in ([s.root] if s.root else []) + s.newest}.values())
    rendered = await render_statuses(session, posts, viewer_id=viewer_id, settings=settings)
    statuses = {post.id: entity for post, entity in zip(posts, rendered, strict=True)}
    return [{
        "id": str(s.thread_id),
        "last_status_id": str(s.latest_id),
        "last_status_at": iso(s.newest[-1].created_at) if s.newest else None,
        "posts_count": s.posts_count,
        "root": statuses[s.root.id] if s.root else None,
        "participants": [account_entity(a, settings) for a in s.participants],
        "newest": [statuses[p.id] for p in s.newest],
    } for s in summaries]


@router.get("/api/parley/conversations", openapi_extra=query(ConversationsQuery, PageQuery))
async def conversations(request: Request, session: DbSession, settings: AppSettings,
                        viewer: Viewer = Depends(user_required("read:statuses"))) -> FastJSON:
    query = await parse(request, ConversationsQuery)
    summaries = await conversation_threads(session, viewer_id=viewer.id,
                                           page=Page.from_request(request), direct=query.direct)
    body = await _entities(session, summaries, viewer.id, settings)
    return json_response(body, link=link_header(request, [s.latest_id for s in summaries]))


@router.get("/api/parley/waiting", openapi_extra=PAGED)
async def waiting(request: Request, session: DbSession, settings: AppSettings,
                  viewer: Viewer = Depends(user_required("read:statuses"))) -> FastJSON:
    page = Page.from_request(request)
    posts = await waiting_service.waiting_posts(session, viewer_id=viewer.id, page=page)
    rendered = await render_statuses(session, posts, viewer_id=viewer.id, settings=settings)
    # Oldest first: "next" continues with newer items, "prev" goes back to older ones.
    link = None
    if posts:
        base = settings.base_url + request.url.path
        link = (f'<{base}?min_id={posts[-1].id}>; rel="next", '
                f'<{base}?max_id={posts[0].id}>; rel="prev"')
    return json_response(rendered, link=link)


@router.post("/api/parley/waiting/{post_id}/dismiss")
async def dismiss(post_id: str, session: DbSession,
                  viewer: Viewer = Depends(user_required("write:statuses"))) -> FastJSON:
    await waiting_service.dismiss(session, viewer_id=viewer.id, post_id=path_id(post_id))
    return json_response({})


@router.delete("/api/parley/waiting/{post_id}/dismiss")
async def undismiss(post_id: str, session: DbSession,
                    viewer: Viewer = Depends(user_required("write:statuses"))) -> FastJSON:
    await waiting_service.undismiss(session, viewer_id=viewer.id, post_id=path_id(post_id))
    return json_response({})
