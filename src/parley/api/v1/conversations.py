"""Mastodon API: direct-message conversations (list, mark read, remove from one's list)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request

from parley.api.entities.conversations import render_conversations
from parley.api.pagination import PAGED, Page, link_header
from parley.conversations import direct
from parley.http.auth import Viewer, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.responses import FastJSON, json_response

router = APIRouter()


@router.get("/api/v1/conversations", openapi_extra=PAGED)
async def list_conversations(request: Request, session: DbSession, settings: AppSettings,
                             viewer: Viewer = Depends(user_required("read:statuses"))
                             ) -> FastJSON:
    views = await direct.list_conversations(session, viewer_id=viewer.id,
                                            page=Page.from_request(request))
    entities = await render_conversations(session, views, viewer_id=viewer.id,
                                          settings=settings)
    cursors = [view.last_post_id for view in views if view.last_post_id is not None]
    return json_response(entities, link=link_header(request, cursors))


@router.post("/api/v1/conversations/{conversation_id}/read")
async def mark_read(conversation_id: str, session: DbSession, settings: AppSettings,
                    viewer: Viewer = Depends(user_required("write:conversations"))
                    ) -> FastJSON:
    view = await direct.mark_read(session, viewer_id=viewer.id,
                                  conversation_id=path_id(conversation_id))
    [entity] = await render_conversations(session, [view], viewer_id=viewer.id,
                                          settings=settings)
    return json_response(entity)


@router.delete("/api/v1/conversations/{conversation_id}")
async def remove(conversation_id: str, session: DbSession,
                 viewer: Viewer = Depends(user_required("write:conversations"))) -> FastJSON:
    await direct.remove_conversation(session, viewer_id=viewer.id,
                                     conversation_id=path_id(conversation_id))
    return json_response({})
