"""Mastodon API: muting a status's conversation, and translating a status (no translation
service is configured: answered as Mastodon answers then)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated

from fastapi import APIRouter, Depends

from parley.api.entities.statuses import render_status
from parley.errors import Forbidden
from parley.http.auth import Viewer, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.responses import FastJSON, json_response
from parley.posts.lookup import get_post
from parley.posts.models import Post
from parley.posts.thread_mutes import mute_thread, unmute_thread

router = APIRouter()
Muting = Annotated[Viewer, Depends(user_required("write:mutes"))]
Translating = Annotated[Viewer, Depends(user_required("read:statuses"))]
ThreadAction = Callable[..., Awaitable[Post]]


def _mute_route(path: str, action: ThreadAction) -> None:
    @router.post(f"/api/v1/statuses/{{status_id}}/{path}", name=f"status_{path}")
    async def endpoint(status_id: str, session: DbSession, settings: AppSettings,
                       viewer: Muting) -> FastJSON:
        post = await action(session, actor_id=viewer.id, post_id=path_id(status_id))
        return json_response(await render_status(session, post, viewer_id=viewer.id,
                                                 settings=settings))


_mute_route("mute", mute_thread)
_mute_route("unmute", unmute_thread)


@router.post("/api/v1/statuses/{status_id}/translate")
async def translate(status_id: str, session: DbSession, viewer: Translating) -> FastJSON:
    """A status the viewer cannot see is 404; any other is refused as Mastodon refuses it
    when it has no translation service (TranslateStatusService: not permitted, 403). The
    instance says so beforehand: configuration.translation.enabled is false."""
    await get_post(session, path_id(status_id), viewer_id=viewer.id)
    raise Forbidden()
