"""Mastodon API: accounts (registration, profile, lookup, search)."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field
from sqlalchemy import func, select
from starlette.datastructures import UploadFile

from parley.accounts import images
from parley.accounts import service as accounts
from parley.accounts.models import Account
from parley.api.deps import (
    AppSettings,
    DbSession,
    Viewer,
    app_required,
    parse_id,
    user_optional,
    user_required,
)
from parley.api.entities.accounts import account_entity, credential_account_entity
from parley.api.entities.filters import drop_hidden
from parley.api.entities.statuses import render_statuses
from parley.api.oauth import token_entity
from parley.api.pagination import Page, link_header
from parley.api.params import parse
from parley.api.responses import FastJSON, json_response
from parley.errors import Forbidden, Invalid, NotFound
from parley.featured.service import pinned_posts
from parley.oauth.tokens import Authenticated, issue_token
from parley.social.models import Follow
from parley.timelines.account import AccountPostsFilter, account_posts

router = APIRouter()


class RegistrationForm(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    email: str = Field(min_length=3, max_length=320)
    password: str = Field(min_length=1, max_length=1024)
    agreement: bool = False
    locale: str = "en"
    reason: str | None = Field(default=None, max_length=1000)


@router.post("/api/v1/accounts")
async def register(request: Request, session: DbSession, settings: AppSettings,
                   auth: Authenticated = Depends(app_required("write:accounts"))) -> FastJSON:
    if settings.registrations == "closed":
        raise Forbidden("Registrations are not open on this server")
    form = await parse(request, RegistrationForm)
    if not form.agreement:
        raise Invalid("Validation failed: agreement must be accepted")
    account = await accounts.create_local_account(
        session, settings, username=form.username, email=form.email, password=form.password,
        approved=settings.registrations == "open", reason=form.reason,
    )
    scopes = auth.token.scopes.split()
    issued = await issue_token(session, application_id=auth.token.application_id,
                               account_id=account.id, scopes=scopes)
    return json_response(token_entity(issued))


async def pending_follow_requests(session: DbSession, account_id: int) -> int:
    return await session.scalar(
        select(func.count()).select_from(Follow)
        .where(Follow.target_account_id == account_id, Follow.state == "pending")) or 0


@router.get("/api/v1/accounts/verify_credentials")
async def verify_credentials(session: DbSession, settings: AppSettings,
                             viewer: Viewer = Depends(user_required("profile"))) -> FastJSON:
    requests_count = await pending_follow_requests(session, viewer.id)
    return json_response(credential_account_entity(viewer.account, settings,
                                                   follow_requests_count=requests_count))


class FieldForm(BaseModel):
    name: str = Field(default="", max_length=255)
    value: str = Field(default="", max_length=2047)


class SourceForm(BaseModel):
    privacy: str | None = None
    sensitive: bool | None = None
    language: str | None = Field(default=None, max_length=16)


class CredentialsForm(BaseModel):
    display_name: str | None = Field(default=None, max_length=1000)
    note: str | None = Field(default=None, max_length=10000)
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    indexable: bool | None = None
    fields_attributes: list[FieldForm] | dict[str, FieldForm] | None = None
    source: SourceForm | None = None

    def changes(self) -> accounts.ProfileChanges:
        fields = self.fields_attributes
        if isinstance(fields, dict):  # form encoding: fields_attributes[0][name]=...
            fields = [fields[key] for key in sorted(fields, key=lambda k: int(k)
                                                    if k.isdigit() else 0)]
        source = self.source or SourceForm()
        return accounts.ProfileChanges(
            display_name=self.display_name, note=self.note, locked=self.locked, bot=self.bot,
            discoverable=self.discoverable, indexable=self.indexable,
            fields=None if fields is None else [f.model_dump() for f in fields],
            privacy=source.privacy, sensitive=source.sensitive, language=source.language,
        )


async def _profile_images(request: Request, session: DbSession, settings: AppSettings,
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


@router.patch("/api/v1/accounts/update_credentials")
async def update_credentials(request: Request, session: DbSession, settings: AppSettings,
                             viewer: Viewer = Depends(user_required("write:accounts"))
                             ) -> FastJSON:
    form = await parse(request, CredentialsForm)
    account = await accounts.update_profile(session, viewer.account, form.changes())
    account = await _profile_images(request, session, settings, account)
    requests_count = await pending_follow_requests(session, viewer.id)
    return json_response(credential_account_entity(account, settings,
                                                   follow_requests_count=requests_count))


@router.get("/api/v1/accounts/lookup")
async def lookup(acct: str, session: DbSession, settings: AppSettings) -> FastJSON:
    account = await accounts.find_by_acct(session, settings, acct)
    if account is None:
        raise NotFound()
    return json_response(account_entity(account, settings))


class SearchQuery(BaseModel):
    q: str = Field(min_length=1, max_length=500)
    limit: int = Field(default=40, ge=1, le=80)
    offset: int = Field(default=0, ge=0, le=10000)
    resolve: bool = False
    following: bool = False


@router.get("/api/v1/accounts/search")
async def search(request: Request, session: DbSession, settings: AppSettings,
                 viewer: Viewer = Depends(user_required("read:accounts"))) -> FastJSON:
    query = await parse(request, SearchQuery)
    found = await accounts.search_accounts(
        session, query.q, limit=query.limit, offset=query.offset,
        followed_by=viewer.id if query.following else None)
    return json_response([account_entity(account, settings) for account in found])


@router.get("/api/v1/accounts/{account_id}")
async def get_account(account_id: str, session: DbSession, settings: AppSettings) -> FastJSON:
    account = await accounts.get_account(session, parse_id(account_id))
    return json_response(account_entity(account, settings))


class AccountStatusesQuery(BaseModel):
    exclude_replies: bool = False
    exclude_reblogs: bool = False
    pinned: bool = False
    only_media: bool = False
    tagged: str | None = Field(default=None, max_length=255)


async def _pinned_statuses(request: Request, session: DbSession, settings: AppSettings,
                           account_id: int, viewer_id: int | None) -> FastJSON:
    """The account's pinned posts the viewer may see, most recently pinned first."""
    pins = await pinned_posts(session, account_id=account_id, viewer_id=viewer_id,
                              page=Page.from_request(request))
    rendered = await render_statuses(session, [post for _, post in pins], viewer_id=viewer_id,
                                     settings=settings, filter_context="account")
    return json_response(drop_hidden(rendered),
                         link=link_header(request, [pin for pin, _ in pins]))


@router.get("/api/v1/accounts/{account_id}/statuses")
async def account_statuses(account_id: str, request: Request, session: DbSession,
                           settings: AppSettings,
                           viewer: Viewer | None = Depends(user_optional("read:statuses"))
                           ) -> FastJSON:
    account = await accounts.get_account(session, parse_id(account_id))
    query = await parse(request, AccountStatusesQuery)
    if query.only_media:  # media arrive with their own feature
        return json_response([])
    if query.pinned:
        return await _pinned_statuses(request, session, settings, account.id,
                                      viewer.id if viewer else None)
    filters = AccountPostsFilter(exclude_replies=query.exclude_replies,
                                 exclude_reposts=query.exclude_reblogs, tagged=query.tagged)
    viewer_id = viewer.id if viewer else None
    posts = await account_posts(session, account.id, viewer_id=viewer_id,
                                page=Page.from_request(request), filters=filters)
    rendered = await render_statuses(session, posts, viewer_id=viewer_id, settings=settings,
                                     filter_context="account")
    return json_response(drop_hidden(rendered),
                         link=link_header(request, [post.id for post in posts]))
