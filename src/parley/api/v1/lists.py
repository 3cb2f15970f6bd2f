"""Mastodon API: lists, their members, an account's lists, and list timelines."""

from __future__ import annotations

import dataclasses

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator

from parley.accounts.service import get_account
from parley.api.entities.accounts import account_entity
from parley.api.entities.filters import drop_hidden
from parley.api.entities.lists import list_entity
from parley.api.entities.statuses import render_statuses
from parley.api.pagination import PAGED, Page, link_header
from parley.api.params import parse
from parley.http.auth import Viewer, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.lists import service as lists

router = APIRouter()
# `limit=0` asks for every member at once (Mastodon); this bounds "every".
ALL_MEMBERS = 10_000


class ListForm(BaseModel):
    title: str | None = Field(default=None, max_length=1000)
    replies_policy: str | None = None
    exclusive: bool | None = None

    def changes(self) -> lists.ListChanges:
        return lists.ListChanges(title=self.title, replies_policy=self.replies_policy or None,
                                 exclusive=self.exclusive)


class MembersForm(BaseModel):
    account_ids: list[str] = Field(default_factory=list, max_length=1000)

    @field_validator("account_ids", mode="before")
    @classmethod
    def _one_or_many(cls, value: object) -> object:
        return [value] if isinstance(value, str | int) else value

    def ids(self) -> list[int]:
        return [path_id(str(raw)) for raw in self.account_ids]


@router.get("/api/v1/lists")
async def get_lists(session: DbSession,
                    viewer: Viewer = Depends(user_required("read:lists"))) -> FastJSON:
    found = await lists.owned_lists(session, owner_id=viewer.id)
    return json_response([list_entity(lst) for lst in found])


@router.post("/api/v1/lists", openapi_extra=body(ListForm))
async def create_list(request: Request, session: DbSession,
                      viewer: Viewer = Depends(user_required("write:lists"))) -> FastJSON:
    form = await parse(request, ListForm)
    lst = await lists.create_list(session, owner_id=viewer.id, changes=form.changes())
    return json_response(list_entity(lst))


@router.get("/api/v1/lists/{list_id}")
async def get_list(list_id: str, session: DbSession,
                   viewer: Viewer = Depends(user_required("read:lists"))) -> FastJSON:
    lst = await lists.get_list(session, owner_id=viewer.id, list_id=path_id(list_id))
    return json_response(list_entity(lst))


@router.put("/api/v1/lists/{list_id}", openapi_extra=body(ListForm))
async def update_list(list_id: str, request: Request, session: DbSession,
                      viewer: Viewer = Depends(user_required("write:lists"))) -> FastJSON:
    form = await parse(request, ListForm)
    lst = await lists.update_list(session, owner_id=viewer.id, list_id=path_id(list_id),
                                  changes=form.changes())
    return json_response(list_entity(lst))


@router.delete("/api/v1/lists/{list_id}")
async def delete_list(list_id: str, session: DbSession,
                      viewer: Viewer = Depends(user_required("write:lists"))) -> FastJSON:
    await lists.delete_list(session, owner_id=viewer.id, list_id=path_id(list_id))
    return json_response({})


@router.get("/api/v1/lists/{list_id}/accounts", openapi_extra=PAGED)
async def list_accounts(list_id: str, request: Request, session: DbSession,
                        settings: AppSettings,
                        viewer: Viewer = Depends(user_required("read:lists"))) -> FastJSON:
    page = Page.from_request(request, default=40, maximum=80)
    if request.query_params.get("limit") == "0":
        page = dataclasses.replace(page, limit=ALL_MEMBERS)
    rows = await lists.list_members(session, owner_id=viewer.id, list_id=path_id(list_id),
                                    page=page)
    return json_response([account_entity(account, settings) for _, account in rows],
                         link=link_header(request, [cursor for cursor, _ in rows]))


@router.post("/api/v1/lists/{list_id}/accounts", openapi_extra=body(MembersForm))
async def add_list_accounts(list_id: str, request: Request, session: DbSession,
                            viewer: Viewer = Depends(user_required("write:lists"))
                            ) -> FastJSON:
    form = await parse(request, MembersForm)
    await lists.add_members(session, owner_id=viewer.id, list_id=path_id(list_id),
                            account_ids=form.ids())
    return json_response({})


@router.delete("/api/v1/lists/{list_id}/accounts", openapi_extra=body(MembersForm))
async def remove_list_accounts(list_id: str, request: Request, session: DbSession,
                               viewer: Viewer = Depends(user_required("write:lists"))
                               ) -> FastJSON:
    form = await parse(request, MembersForm)
    await lists.remove_members(session, owner_id=viewer.id, list_id=path_id(list_id),
                               account_ids=form.ids())
    return json_response({})


@router.get("/api/v1/accounts/{account_id}/lists")
async def account_lists(account_id: str, session: DbSession,
                        viewer: Viewer = Depends(user_required("read:lists"))) -> FastJSON:
    account = await get_account(session, path_id(account_id))
    found = await lists.lists_with_member(session, owner_id=viewer.id, account_id=account.id)
    return json_response([list_entity(lst) for lst in found])


@router.get("/api/v1/timelines/list/{list_id}", openapi_extra=PAGED)
async def list_timeline(list_id: str, request: Request, session: DbSession,
                        settings: AppSettings,
                        viewer: Viewer = Depends(user_required("read:lists"))) -> FastJSON:
    posts = await lists.list_timeline(session, owner_id=viewer.id, list_id=path_id(list_id),
                                      page=Page.from_request(request))
    # Mastodon applies the viewer's `home` filters to lists as well.
    entities = await render_statuses(session, posts, viewer_id=viewer.id, settings=settings,
                                     filter_context="home")
    return json_response(drop_hidden(entities),
                         link=link_header(request, [post.id for post in posts]))
