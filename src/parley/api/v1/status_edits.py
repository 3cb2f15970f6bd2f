"""Mastodon API: editing a status (PUT /api/v1/statuses/:id) and its edit history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import select

from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.api.entities.statuses import render_status
from parley.api.params import parse
from parley.config import Settings
from parley.errors import Invalid
from parley.http.auth import AccountViewer, Viewer, account_required, user_optional
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.responses import FastJSON, json_response
from parley.lib.timefmt import iso
from parley.polls.rules import poll_spec
from parley.posts.edits import Revision, edit_post, post_history
from parley.posts.models import PostEdit

router = APIRouter()


class EditForm(BaseModel):
    status: str = Field(default="", max_length=100_000)
    spoiler_text: str | None = Field(default=None, max_length=100_000)
    sensitive: bool | None = None
    language: str | None = Field(default=None, max_length=16)
    media_ids: list[str] | None = None
    poll: dict[str, Any] | None = None
    quote_approval_policy: str | None = None


@router.put("/api/v1/statuses/{status_id}")
async def edit(status_id: str, request: Request, session: DbSession, settings: AppSettings,
               viewer: AccountViewer = Depends(account_required("write:statuses"))) -> FastJSON:
    form = await parse(request, EditForm)
    if form.media_ids:
        raise Invalid("Validation failed: media attachments are not supported yet")
    poll = poll_spec(form.poll, max_options=settings.poll_max_options)
    post = await edit_post(session, settings=settings, actor=viewer.account,
                           post_id=path_id(status_id),
                           revision=Revision(text=form.status, spoiler_text=form.spoiler_text,
                                             sensitive=form.sensitive, language=form.language,
                                             quote_policy=form.quote_approval_policy or None,
                                             poll=poll, edits_poll=True))
    return json_response(await render_status(session, post, viewer_id=viewer.id,
                                             settings=settings))


def _edit_entity(version: PostEdit, author: dict[str, Any]) -> dict[str, Any]:
    return {"content": version.content, "spoiler_text": version.spoiler_text,
            "sensitive": version.sensitive, "created_at": iso(version.created_at),
            "account": author, "poll": None, "media_attachments": [], "emojis": []}


async def _author(session: DbSession, settings: Settings, account_id: int) -> dict[str, Any]:
    account = await session.scalar(select(Account).where(Account.id == account_id))
    return account_entity(account, settings) if account else {}


@router.get("/api/v1/statuses/{status_id}/history")
async def history(status_id: str, session: DbSession, settings: AppSettings,
                  viewer: Viewer | None = Depends(user_optional("read:statuses"))) -> FastJSON:
    versions = await post_history(session, post_id=path_id(status_id),
                                  viewer_id=viewer.id if viewer else None)
    author = await _author(session, settings, versions[0].account_id)
    return json_response([_edit_entity(version, author) for version in versions])
