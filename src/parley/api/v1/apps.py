"""Mastodon API: registering client applications."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field, field_validator

from parley.api.entities.applications import application_entity, credential_application_entity
from parley.api.params import parse
from parley.http.auth import app_required
from parley.http.deps import DbSession
from parley.http.openapi import body
from parley.http.responses import FastJSON, json_response
from parley.oauth.models import Application
from parley.oauth.service import register_application
from parley.oauth.tokens import TokenIdentity
from parley.push.keys import server_key

router = APIRouter()


class AppForm(BaseModel):
    client_name: str = Field(min_length=1, max_length=255)
    redirect_uris: list[str]
    scopes: str | None = None
    website: str | None = None

    @field_validator("redirect_uris", mode="before")
    @classmethod
    def _split(cls, value: object) -> object:
        # Clients send one string (possibly newline-separated) or a list of strings.
        if isinstance(value, str):
            return [uri.strip() for uri in value.split("\n") if uri.strip()]
        return value


@router.post("/api/v1/apps", openapi_extra=body(AppForm))
async def create_app(request: Request, session: DbSession) -> FastJSON:
    form = await parse(request, AppForm)
    app = await register_application(session, name=form.client_name,
                                     redirect_uris=form.redirect_uris, scopes=form.scopes,
                                     website=form.website)
    key = await server_key(session)
    return json_response(credential_application_entity(app, key.public_padded))


@router.get("/api/v1/apps/verify_credentials")
async def verify_app(session: DbSession, auth: TokenIdentity = Depends(app_required(None))
                     ) -> FastJSON:
    application = (await session.get(Application, auth.application_id)
                   if auth.application_id is not None else None)
    if application is None:
        return json_response({"name": "", "website": None, "scopes": list(auth.scopes)})
    return json_response(application_entity(application,
                                            (await server_key(session)).public_padded))
