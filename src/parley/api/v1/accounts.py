"""Mastodon API: accounts (registration, profile, lookup, search)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from starlette.datastructures import UploadFile

from parley.accounts import images
from parley.accounts import service as accounts
from parley.accounts.models import Account
from parley.accounts.roles import role_for
from parley.api.entities.accounts import (
    account_entity,
    credential_account_entity,
    render_account,
)
from parley.api.entities.filters import drop_hidden
from parley.api.entities.statuses import render_rows
from parley.api.oauth import token_entity
from parley.api.pagination import Page, link_header
from parley.api.params import parse
from parley.config import Settings
from parley.errors import Forbidden, NotFound
from parley.http.auth import (
    AccountViewer,
    Viewer,
    account_required,
    app_required,
    user_required,
)
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body, query
from parley.http.responses import FastJSON, json_response
from parley.lib.numbers import ascii_int
from parley.moderation.blocks import check_sign_up
from parley.oauth.tokens import TokenIdentity, issue_token
from parley.search.accounts import search_accounts
from parley.social.models import Follow
from parley.store.rawsql import Reader
from parley.timelines.account import (
    AccountPostsFilter,
    account_exists,
    account_rows,
    pinned_rows,
)

router = APIRouter()


class RegistrationForm(BaseModel):
    # Blank or wrong fields are the domain's to judge, so that the answer names each one.
    username: str = Field(default="", max_length=1000)
    email: str = Field(default="", max_length=1000)
    password: str = Field(default="", max_length=1024)
    agreement: bool = False
    locale: str = "en"
    reason: str | None = Field(default=None, max_length=1000)


def _refused(exc: accounts.InvalidAccount) -> FastJSON:
    """Mastodon's answer to a refused registration: the message and each field's errors."""
    return FastJSON({"error": exc.message, "details": {
        field: [{"error": code, "description": description} for code, description in problems]
        for field, problems in exc.details.items()}}, status_code=422)


@router.post("/api/v1/accounts", openapi_extra=body(RegistrationForm))
async def register(request: Request, session: DbSession, settings: AppSettings,
                   auth: TokenIdentity = Depends(app_required("write:accounts"))) -> FastJSON:
    if settings.registrations == "closed":
        raise Forbidden("Registrations are not open on this server")
    form = await parse(request, RegistrationForm)
    try:
        if not form.agreement:
            raise accounts.InvalidAccount({
                **accounts.new_account_problems(form.username, form.email, form.password),
                "agreement": [("ERR_ACCEPTED", "must be accepted")]})
        wait = await check_sign_up(session, email=form.email,
                                   ip=request.client.host if request.client else None)
        account = await accounts.create_local_account(
            session, settings, username=form.username, email=form.email,
            password=form.password, approved=settings.registrations == "open" and not wait,
            reason=form.reason)
    except accounts.InvalidAccount as exc:
        return _refused(exc)
    issued = await issue_token(session, application_id=auth.application_id,
                               account_id=account.id, scopes=list(auth.scopes))
    return json_response(token_entity(issued))


async def pending_follow_requests(session: DbSession, account_id: int) -> int:
    return await session.scalar(
        select(func.count()).select_from(Follow)
        .where(Follow.target_account_id == account_id, Follow.state == "pending")) or 0


@router.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(session: DbSession, settings: AppSettings,
                             viewer: AccountViewer = Depends(account_required("profile"))
                             ) -> FastJSON:
    requests_count = await pending_follow_requests(session, viewer.id)
    return json_response(credential_account_entity(
        viewer.account, settings, follow_requests_count=requests_count,
        role=await role_for(session, viewer.id)))


class FieldForm(BaseModel):
    name: str = Field(default="", max_length=255)
    value: str = Field(default="", max_length=2047)


class SourceForm(BaseModel):
    privacy: str | None = None
    quote_policy: str | None = None
    sensitive: bool | None = None
    language: str | None = Field(default=None, max_length=16)


class CredentialsForm(BaseModel):
    display_name: str | None = Field(default=None, max_length=1000)
    note: str | None = Field(default=None, max_length=10000)
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    indexable: bool | None = None
    hide_collections: bool | None = None
    avatar_description: str | None = Field(default=None, max_length=1500)
    header_description: str | None = Field(default=None, max_length=1500)
    fields_attributes: list[FieldForm] | dict[str, FieldForm] | None = None
    source: SourceForm | None = None
    attribution_domains: list[str] | None = None

    def changes(self) -> accounts.ProfileChanges:
        fields = self.fields_attributes
        if isinstance(fields, dict):  # form encoding: fields_attributes[0][name]=...
            fields = [fields[key] for key in sorted(fields, key=lambda k: ascii_int(k) or 0)]
        source = self.source or SourceForm()
        return accounts.ProfileChanges(
            display_name=self.display_name, note=self.note, locked=self.locked, bot=self.bot,
            discoverable=self.discoverable, indexable=self.indexable,
            hide_collections=self.hide_collections, avatar_description=self.avatar_description,
            header_description=self.header_description,
            fields=None if fields is None else [f.model_dump() for f in fields],
            privacy=source.privacy, sensitive=source.sensitive, language=source.language,
            quote_policy=source.quote_policy or None,
            attribution_domains=self.attribution_domains,
        )


async def profile_images(request: Request, session: DbSession, settings: AppSettings,
                          account: Account) -> Account:
    """avatar and header as multipart files, stored through the same service as the web's."""
    if not request.headers.get("content-type", "").startswith("multipart/form-data"):
        return account
    form = await request.form()
    for name, kind in (("avatar", images.AVATAR), ("header", images.HEADER)):
        upload = form.get(name)
        if isinstance(upload, UploadFile) and upload.filename:
            data = await upload.read(images.MAX_UPLOAD_BYTES + 1)
            account = await images.store_profile_image(session, settings, account, kind=kind,
                                                       data=data)
    return account


@router.patch("/api/v1/accounts/update_credentials", openapi_extra=body(CredentialsForm))
async def update_credentials(request: Request, session: DbSession, settings: AppSettings,
                             viewer: AccountViewer = Depends(account_required("write:accounts"))
                             ) -> FastJSON:
    form = await parse(request, CredentialsForm)
    account = await accounts.update_profile(session, viewer.account, form.changes())
    account = await profile_images(request, session, settings, account)
    requests_count = await pending_follow_requests(session, viewer.id)
    return json_response(credential_account_entity(
        account, settings, follow_requests_count=requests_count,
        role=await role_for(session, viewer.id)))


@router.get("/api/v1/accounts/lookup")
async def lookup(acct: str, session: DbSession, settings: AppSettings) -> FastJSON:
    account = await accounts.find_by_acct(session, settings, acct)
    if account is None:
        raise NotFound()
    return json_response(await render_account(session, account, settings))


class SearchQuery(BaseModel):
    q: str = Field(min_length=1, max_length=500)
    limit: int = Field(default=40, ge=1, le=80)
    offset: int = Field(default=0, ge=0, le=10000)
    resolve: bool = False
    following: bool = False


@router.get("/api/v1/accounts/search", openapi_extra=query(SearchQuery))
async def search(request: Request, session: DbSession, settings: AppSettings,
                 viewer: Viewer = Depends(user_required("read:accounts"))) -> FastJSON:
    query = await parse(request, SearchQuery)
    found = await search_accounts(
        session, query.q, limit=query.limit, offset=query.offset,
        followed_by=viewer.id if query.following else None)
    return json_response([account_entity(account, settings) for account in found])


@router.get("/api/v1/accounts/{account_id}")
async def get_account(account_id: str, session: DbSession, settings: AppSettings) -> FastJSON:
    account = await accounts.get_account(session, path_id(account_id))
    return json_response(await render_account(session, account, settings))


class AccountStatusesQuery(BaseModel):
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    exclude_direct: bool = False
    pinned: bool = False
    only_media: bool = False
    tagged: str | None = Field(default=None, max_length=255)


async def account_statuses_page(request: Request, reader: Reader, raw_account_id: str,
                                viewer_id: int | None, settings: Settings) -> FastJSON:
    """An account's statuses (or its pins) on the raw read path (a fast route: api/hot.py)."""
    account_id = path_id(raw_account_id)
    if not await account_exists(reader, account_id):
        raise NotFound()
    query = await parse(request, AccountStatusesQuery)
    page = Page.from_request(request)
    if query.pinned:
        # Most recently pinned first; the pin id pages the list.
        pins, batch = await pinned_rows(reader, account_id, viewer_id=viewer_id, page=page)
        rows, cursors = [post for _, post in pins], [pin for pin, _ in pins]
    else:
        filters = AccountPostsFilter(exclude_replies=query.exclude_replies,
                                     exclude_reposts=query.exclude_reblogs,
                                     tagged=query.tagged, only_media=query.only_media,
                                     exclude_direct=query.exclude_direct)
        rows, batch = await account_rows(reader, account_id, viewer_id=viewer_id, page=page,
                                         filters=filters)
        cursors = [row.id for row in rows]
    rendered = await render_rows(reader, rows, viewer_id=viewer_id, settings=settings,
                                 filter_context="account", batch=batch)
    return json_response(drop_hidden(rendered), link=link_header(request, cursors))

