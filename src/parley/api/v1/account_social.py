"""Mastodon API: accounts by ids, familiar followers, private notes, removing a follower."""

from __future__ import annotations

from typing import Annotated

import orjson
from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from parley.accounts import service as accounts
from parley.accounts.models import Account
from parley.api.entities.accounts import account_entity
from parley.api.params import MANY_IDS, parse
from parley.api.v1.account_actions import act_on_account, relationship_response
from parley.errors import Invalid
from parley.http.auth import AccountViewer, Viewer, account_required, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.lib.ids import parse_id
from parley.social.followers import familiar_followers, remove_follower
from parley.social.notes import set_note

router = APIRouter()
ReadingFollows = Annotated[Viewer, Depends(user_required("read:follows"))]
Following = Annotated[AccountViewer, Depends(account_required("write:follows"))]
WritingAccounts = Annotated[Viewer, Depends(user_required("write:accounts"))]
MAX_IDS = 40  # Mastodon's default page of accounts


async def ids_param(request: Request, limit: int = MAX_IDS) -> list[int]:
    """`id[]=1&id[]=2` (or `id=1`) as ids, in order without repeats; others ignored. Some
    clients (Mastodon.py) send them as a JSON body even on a GET, which Rails accepts."""
    raw: list[object] = list(request.query_params.getlist("id[]")
                             or request.query_params.getlist("id"))
    if not raw and request.headers.get("content-type", "").startswith("application/json"):
        body = await request.body()
        try:
            data = orjson.loads(body) if body.strip() and len(body) < 100_000 else {}
        except orjson.JSONDecodeError:
            raise Invalid("Request body is not valid JSON")
        value = data.get("id", data.get("id[]")) if isinstance(data, dict) else None
        raw = value if isinstance(value, list) else [value]
    ids = [i for i in (parse_id(str(value)) for value in raw) if i is not None]
    return list(dict.fromkeys(ids))[:limit]


@router.get("/api/v1/accounts", openapi_extra=MANY_IDS)
async def accounts_by_ids(request: Request, session: DbSession, settings: AppSettings
                          ) -> FastJSON:
    """The accounts with these ids that exist, in the order asked."""
    found = await accounts.accounts_by_ids(session, await ids_param(request))
    return json_response([account_entity(account, settings) for account in found])


@router.get("/api/v1/accounts/familiar_followers", openapi_extra=MANY_IDS)
async def familiar(request: Request, session: DbSession, settings: AppSettings,
                   viewer: ReadingFollows) -> FastJSON:
    known = await familiar_followers(session, viewer_id=viewer.id,
                                     account_ids=await ids_param(request))
    return json_response([{"id": str(account_id),
                           "accounts": [account_entity(a, settings) for a in followers]}
                          for account_id, followers in known.items()])


class NoteForm(BaseModel):
    comment: str = Field(default="", max_length=10000)


@router.post("/api/v1/accounts/{account_id}/note", openapi_extra=body(NoteForm))
async def note(account_id: str, request: Request, session: DbSession,
               viewer: WritingAccounts) -> FastJSON:
    form = await parse(request, NoteForm)
    target = await accounts.get_account(session, path_id(account_id))
    await set_note(session, account_id=viewer.id, target_id=target.id, comment=form.comment)
    return await relationship_response(session, viewer, target.id)


async def _remove(session: DbSession, *, actor: Account, target: Account) -> None:
    await remove_follower(session, actor=actor, follower=target)


@router.post("/api/v1/accounts/{account_id}/remove_from_followers")
async def remove_from_followers(account_id: str, session: DbSession, viewer: Following
                                ) -> FastJSON:
    return await act_on_account(session, viewer, account_id, _remove)
