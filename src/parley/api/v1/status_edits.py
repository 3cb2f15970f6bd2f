"""Mastodon API: editing a status (PUT /api/v1/statuses/:id) and its edit history."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator
from sqlalchemy import select

from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.api.entities.media import media_entity
from parley.api.entities.statuses import render_status
from parley.api.params import parse
from parley.config import Settings
from parley.http.auth import AccountViewer, Viewer, account_required, user_optional
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.lib.timefmt import iso
from parley.media.service import Details, check_details, parse_focus
from parley.polls.rules import poll_spec
from parley.posts.edits import Revision, edit_post, post_history
from parley.posts.media import MediaChange, parse_media_ids
from parley.posts.media_rows import media_by_ids
from parley.posts.models import PostEdit
from parley.store.rawwrite import SessionSql

router = APIRouter()


class MediaAttributes(BaseModel):
    """One attachment's new description or focus (Mastodon's media_attributes[])."""

    id: str | int
    description: str | None = None
    focus: str | None = None

    def change(self) -> MediaChange:
        """Checked as media/ checks an upload's details (Mastodon's texts)."""
        check_details(Details(description=self.description, focus=self.focus))
        return MediaChange(id=_media_id(self.id), description=self.description,
                           focus=parse_focus(self.focus) if self.focus else None)


def _media_id(raw: str | int) -> int:
    return parse_media_ids([raw])[0]


class EditForm(BaseModel):
    status: str = Field(default="", max_length=100_000)
    spoiler_text: str | None = Field(default=None, max_length=100_000)
    sensitive: bool | None = None
    language: str | None = Field(default=None, max_length=16)
    media_ids: list[str | int] | None = None
    media_attributes: list[MediaAttributes] | None = None
    poll: dict[str, Any] | None = None
    quote_approval_policy: str | None = None

    @field_validator("media_ids", mode="before")
    @classmethod
    def _listify(cls, value: object) -> object:
        return [value] if isinstance(value, str | int) else value


@router.put("/api/v1/statuses/{status_id}", openapi_extra=body(EditForm))
async def edit(status_id: str, request: Request, session: DbSession, settings: AppSettings,
               viewer: AccountViewer = Depends(account_required("write:statuses"))) -> FastJSON:
    form = await parse(request, EditForm)
    poll = poll_spec(form.poll, max_options=settings.poll_max_options)
    changes = tuple(attributes.change() for attributes in form.media_attributes or ())
    post = await edit_post(session, settings=settings, actor=viewer.account,
                           post_id=path_id(status_id),
                           revision=Revision(text=form.status, spoiler_text=form.spoiler_text,
                                             sensitive=form.sensitive, language=form.language,
                                             quote_policy=form.quote_approval_policy or None,
                                             poll=poll, edits_poll=True,
                                             media_ids=parse_media_ids(form.media_ids or ()),
                                             media_changes=changes))
    return json_response(await render_status(session, post, viewer_id=viewer.id,
                                             settings=settings))


def _edit_entity(version: PostEdit, author: dict[str, Any],
                 media: dict[int, dict[str, Any]]) -> dict[str, Any]:
    """A StatusEdit: the version's text and the attachments it showed, each described as
    it was then."""
    shown = [{**media[media_id], "description": description}
             for media_id, description in version.media or () if media_id in media]
    return {"content": version.content, "spoiler_text": version.spoiler_text,
            "sensitive": version.sensitive, "created_at": iso(version.created_at),
            "account": author, "poll": None, "media_attachments": shown, "emojis": []}


async def _author(session: DbSession, settings: Settings, account_id: int) -> dict[str, Any]:
    account = await session.scalar(select(Account).where(Account.id == account_id))
    return account_entity(account, settings) if account else {}


@router.get("/api/v1/statuses/{status_id}/history")
async def history(status_id: str, session: DbSession, settings: AppSettings,
                  viewer: Viewer | None = Depends(user_optional("read:statuses"))) -> FastJSON:
    versions = await post_history(session, post_id=path_id(status_id),
                                  viewer_id=viewer.id if viewer else None)
    author = await _author(session, settings, versions[0].account_id)
    rows = await media_by_ids(SessionSql(session), [media_id for version in versions
                                                    for media_id, _ in version.media or ()])
    media = {media_id: media_entity(row, settings) for media_id, row in rows.items()}
    return json_response([_edit_entity(version, author, media) for version in versions])
