"""Mastodon API: /api/v2/filters with their keywords and statuses; the v1 view of them
(filters/phrases.py maps its writes)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, ConfigDict, Field, field_validator

from parley.api.entities.filters import (
    filter_entity,
    filter_status_entity,
    keyword_entity,
    v1_filter_entity,
)
from parley.api.params import parse
from parley.errors import Invalid
from parley.filters import phrases
from parley.filters import service as filters
from parley.filters.models import Filter, FilterKeyword
from parley.http.auth import Viewer, user_required
from parley.http.deps import DbSession, path_id
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.lib.numbers import ascii_int

router = APIRouter()
READ, WRITE = "read:filters", "write:filters"
AnyId = str | int | None
Reading = Annotated[Viewer, Depends(user_required(READ))]
Writing = Annotated[Viewer, Depends(user_required(WRITE))]


class KeywordForm(BaseModel):
    model_config = ConfigDict(populate_by_name=True)

    id: AnyId = None
    keyword: str | None = Field(default=None, max_length=1000)
    whole_word: bool | None = None
    destroy: bool = Field(default=False, alias="_destroy")

    def change(self) -> filters.KeywordChange:
        keyword_id = None if self.id in (None, "") else path_id(str(self.id))
        return filters.KeywordChange(id=keyword_id, keyword=self.keyword,
                                     whole_word=self.whole_word, destroy=self.destroy)


def _expiry(form: BaseModel, value: int | str | None) -> tuple[int | None, bool]:
    """`expires_in` as seconds, and whether it was given blank or null (never expires)."""
    never = value == "" or ("expires_in" in form.model_fields_set and value is None)
    if isinstance(value, str):
        seconds = ascii_int(value.strip())
        if value.strip() and seconds is None:
            raise Invalid("Validation failed: expires_in must be a number of seconds")
        value = seconds
    return value, never


def _one_or_many(value: object) -> object:
    return [value] if isinstance(value, str) else value


class FilterForm(BaseModel):
    title: str | None = Field(default=None, max_length=1000)
    context: list[str] | None = None
    filter_action: str | None = None
    expires_in: int | str | None = None
    keywords_attributes: list[KeywordForm] | dict[str, KeywordForm] = Field(
        default_factory=list)

    _context = field_validator("context", mode="before")(_one_or_many)

    def draft(self) -> filters.FilterDraft:
        expires_in, never_expires = _expiry(self, self.expires_in)
        keywords = self.keywords_attributes
        if isinstance(keywords, dict):  # form encoding: keywords_attributes[0][keyword]=...
            keywords = [keywords[key] for key in sorted(keywords,
                                                        key=lambda k: ascii_int(k) or 0)]
        return filters.FilterDraft(
            title=self.title, context=self.context, action=self.filter_action,
            expires_in=expires_in, never_expires=never_expires,
            keywords=[keyword.change() for keyword in keywords])


async def _render(session: DbSession, rows: list[Filter]) -> list[dict[str, Any]]:
    parts = await filters.filter_parts(session, [row.id for row in rows])
    return [filter_entity(row, parts.keywords[row.id], parts.statuses[row.id]) for row in rows]


async def _one(session: DbSession, row: Filter) -> FastJSON:
    return json_response((await _render(session, [row]))[0])


async def _parts(session: DbSession, viewer: Viewer, filter_id: str
                 ) -> tuple[int, filters.FilterParts]:
    """One of the viewer's filters (404 if not theirs) and its keywords and statuses."""
    row = await filters.get_filter(session, account_id=viewer.id, filter_id=path_id(filter_id))
    return row.id, await filters.filter_parts(session, [row.id])


@router.get("/api/v2/filters")
async def list_filters(session: DbSession, viewer: Reading) -> FastJSON:
    rows = await filters.list_filters(session, account_id=viewer.id)
    return json_response(await _render(session, rows))


@router.post("/api/v2/filters", openapi_extra=body(FilterForm))
async def create_filter(request: Request, session: DbSession, viewer: Writing) -> FastJSON:
    form = await parse(request, FilterForm)
    return await _one(session, await filters.create_filter(
        session, account_id=viewer.id, draft=form.draft()))


@router.get("/api/v2/filters/keywords/{keyword_id}")
async def get_keyword(keyword_id: str, session: DbSession, viewer: Reading) -> FastJSON:
    row = await filters.get_keyword(session, account_id=viewer.id,
                                    keyword_id=path_id(keyword_id))
    return json_response(keyword_entity(row))


class KeywordUpdateForm(BaseModel):
    keyword: str | None = Field(default=None, max_length=1000)
    whole_word: bool | None = None


async def _save_keyword(request: Request, session: DbSession, viewer: Viewer,
                        form_type: type[KeywordUpdateForm],
                        save: Callable[..., Awaitable[FilterKeyword]], **ids: str) -> FastJSON:
    """Parse a keyword form and `save` it (filters.add_keyword or update_keyword, which take
    the route's `ids` as ints); the body is validated before the ids, as in every route."""
    form = await parse(request, form_type)
    row = await save(session, account_id=viewer.id, keyword=form.keyword,
                     whole_word=form.whole_word,
                     **{name: path_id(value) for name, value in ids.items()})
    return json_response(keyword_entity(row))


@router.put("/api/v2/filters/keywords/{keyword_id}", openapi_extra=body(KeywordUpdateForm))
async def update_keyword(keyword_id: str, request: Request, session: DbSession,
                         viewer: Writing) -> FastJSON:
    return await _save_keyword(request, session, viewer, KeywordUpdateForm,
                               filters.update_keyword, keyword_id=keyword_id)


@router.delete("/api/v2/filters/keywords/{keyword_id}")
async def delete_keyword(keyword_id: str, session: DbSession, viewer: Writing) -> FastJSON:
    await filters.delete_keyword(session, account_id=viewer.id,
                                 keyword_id=path_id(keyword_id))
    return json_response({})


@router.get("/api/v2/filters/statuses/{status_id}")
async def get_filter_status(status_id: str, session: DbSession, viewer: Reading) -> FastJSON:
    row = await filters.get_filter_status(session, account_id=viewer.id,
                                          status_id=path_id(status_id))
    return json_response(filter_status_entity(row))


@router.delete("/api/v2/filters/statuses/{status_id}")
async def delete_filter_status(status_id: str, session: DbSession, viewer: Writing
                               ) -> FastJSON:
    # The removed FilterStatus, as the API description has it.
    row = await filters.delete_filter_status(session, account_id=viewer.id,
                                             status_id=path_id(status_id))
    return json_response(filter_status_entity(row))


@router.get("/api/v2/filters/{filter_id}")
async def get_filter(filter_id: str, session: DbSession, viewer: Reading) -> FastJSON:
    return await _one(session, await filters.get_filter(
        session, account_id=viewer.id, filter_id=path_id(filter_id)))


@router.put("/api/v2/filters/{filter_id}", openapi_extra=body(FilterForm))
async def update_filter(filter_id: str, request: Request, session: DbSession,
                        viewer: Writing) -> FastJSON:
    form = await parse(request, FilterForm)
    return await _one(session, await filters.update_filter(
        session, account_id=viewer.id, filter_id=path_id(filter_id), draft=form.draft()))


@router.delete("/api/v2/filters/{filter_id}")
async def delete_filter(filter_id: str, session: DbSession, viewer: Writing) -> FastJSON:
    await filters.delete_filter(session, account_id=viewer.id, filter_id=path_id(filter_id))
    return json_response({})


@router.get("/api/v2/filters/{filter_id}/keywords")
async def list_keywords(filter_id: str, session: DbSession, viewer: Reading) -> FastJSON:
    row_id, parts = await _parts(session, viewer, filter_id)
    return json_response([keyword_entity(keyword) for keyword in parts.keywords[row_id]])


class KeywordCreateForm(KeywordUpdateForm):
    keyword: str = Field(max_length=1000)


@router.post("/api/v2/filters/{filter_id}/keywords", openapi_extra=body(KeywordForm))
async def add_keyword(filter_id: str, request: Request, session: DbSession,
                      viewer: Writing) -> FastJSON:
    return await _save_keyword(request, session, viewer, KeywordCreateForm,
                               filters.add_keyword, filter_id=filter_id)


@router.get("/api/v2/filters/{filter_id}/statuses")
async def list_filter_statuses(filter_id: str, session: DbSession, viewer: Reading
                               ) -> FastJSON:
    row_id, parts = await _parts(session, viewer, filter_id)
    return json_response([filter_status_entity(status) for status in parts.statuses[row_id]])


class FilterStatusForm(BaseModel):
    status_id: str | int


@router.post("/api/v2/filters/{filter_id}/statuses", openapi_extra=body(FilterStatusForm))
async def add_filter_status(filter_id: str, request: Request, session: DbSession,
                            viewer: Writing) -> FastJSON:
    form = await parse(request, FilterStatusForm)
    row = await filters.add_filter_status(session, account_id=viewer.id,
                                          filter_id=path_id(filter_id),
                                          post_id=path_id(str(form.status_id)))
    return json_response(filter_status_entity(row))


@router.get("/api/v1/filters")
async def list_v1_filters(session: DbSession, viewer: Reading) -> FastJSON:
    """The v1 view of the same filters: one entry per keyword."""
    rows = await filters.list_filters(session, account_id=viewer.id)
    parts = await filters.filter_parts(session, [row.id for row in rows])
    return json_response([v1_filter_entity(row, keyword) for row in rows
                          for keyword in parts.keywords[row.id]])


@router.get("/api/v1/filters/{keyword_id}")
async def get_v1_filter(keyword_id: str, session: DbSession, viewer: Reading) -> FastJSON:
    keyword = await filters.get_keyword(session, account_id=viewer.id,
                                        keyword_id=path_id(keyword_id))
    row = await filters.get_filter(session, account_id=viewer.id, filter_id=keyword.filter_id)
    return json_response(v1_filter_entity(row, keyword))


class V1FilterForm(BaseModel):
    """POST/PUT /api/v1/filters: a phrase and its filter's settings."""

    phrase: str | None = Field(default=None, max_length=1000)
    context: list[str] | None = None
    irreversible: bool | None = None
    whole_word: bool | None = None
    expires_in: int | str | None = None

    _context = field_validator("context", mode="before")(_one_or_many)

    def draft(self) -> phrases.PhraseDraft:
        expires_in, never_expires = _expiry(self, self.expires_in)
        return phrases.PhraseDraft(
            phrase=self.phrase, context=self.context, irreversible=self.irreversible,
            whole_word=self.whole_word, expires_in=expires_in, never_expires=never_expires)


@router.post("/api/v1/filters", openapi_extra=body(V1FilterForm))
async def create_v1_filter(request: Request, session: DbSession, viewer: Writing) -> FastJSON:
    form = await parse(request, V1FilterForm)
    if form.context is None:
        raise Invalid("Validation failed: context can't be blank")
    row, keyword = await phrases.create_phrase(session, account_id=viewer.id,
                                               draft=form.draft())
    return json_response(v1_filter_entity(row, keyword))


@router.put("/api/v1/filters/{keyword_id}", openapi_extra=body(V1FilterForm))
async def update_v1_filter(keyword_id: str, request: Request, session: DbSession,
                           viewer: Writing) -> FastJSON:
    form = await parse(request, V1FilterForm)
    row, keyword = await phrases.update_phrase(session, account_id=viewer.id,
                                               keyword_id=path_id(keyword_id),
                                               draft=form.draft())
    return json_response(v1_filter_entity(row, keyword))


@router.delete("/api/v1/filters/{keyword_id}")
async def delete_v1_filter(keyword_id: str, session: DbSession, viewer: Writing) -> FastJSON:
    await phrases.delete_phrase(session, account_id=viewer.id, keyword_id=path_id(keyword_id))
    return json_response({})
