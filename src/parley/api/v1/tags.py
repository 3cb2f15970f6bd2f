"""Mastodon API: hashtags (/tags/:name, follow, feature), followed tags and featured tags."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Request
from pydantic import BaseModel, Field

from parley.accounts.service import get_account
from parley.api.entities.tags import featured_tag_entity, tag_entity
from parley.api.pagination import PAGED, Page, link_header
from parley.api.params import parse
from parley.http.auth import AccountViewer, Viewer, account_required, user_optional, user_required
from parley.http.deps import AppSettings, DbSession, path_id
from parley.http.openapi import body
from parley.http.ratelimit import FOLLOWS, spend_action
from parley.http.responses import FastJSON, json_response
from parley.posts.models import Tag
from parley.tags import featured
from parley.tags import service as tags

router = APIRouter()


async def _tag_response(session: DbSession, settings: AppSettings, tag: Tag,
                        viewer: Viewer | None) -> FastJSON:
    view = await tags.describe_tag(session, tag, viewer_id=viewer.id if viewer else None)
    return json_response(tag_entity(view, settings, signed_in=viewer is not None))


@router.get("/api/v1/tags/{name}")
async def get_tag(name: str, session: DbSession, settings: AppSettings,
                  viewer: Viewer | None = Depends(user_optional("read:follows"))) -> FastJSON:
    tag = await tags.tag_or_placeholder(session, name)
    return await _tag_response(session, settings, tag, viewer)


@router.post("/api/v1/tags/{name}/follow")
async def follow_tag(name: str, request: Request, session: DbSession, settings: AppSettings,
                     viewer: Viewer = Depends(user_required("write:follows"))) -> FastJSON:
    tag = await tags.follow_tag(session, actor_id=viewer.id, name=name)
    await spend_action(request, FOLLOWS, viewer.id)
    return await _tag_response(session, settings, tag, viewer)


@router.post("/api/v1/tags/{name}/unfollow")
async def unfollow_tag(name: str, session: DbSession, settings: AppSettings,
                       viewer: Viewer = Depends(user_required("write:follows"))) -> FastJSON:
    tag = await tags.unfollow_tag(session, actor_id=viewer.id, name=name)
    return await _tag_response(session, settings, tag, viewer)


@router.post("/api/v1/tags/{name}/feature")
async def feature_tag(name: str, session: DbSession, settings: AppSettings,
                      viewer: Viewer = Depends(user_required("write:accounts"))) -> FastJSON:
    view = await featured.feature_tag(session, account_id=viewer.id, name=name)
    return await _tag_response(session, settings, view.tag, viewer)


@router.post("/api/v1/tags/{name}/unfeature")
async def unfeature_tag(name: str, session: DbSession, settings: AppSettings,
                        viewer: Viewer = Depends(user_required("write:accounts"))) -> FastJSON:
    tag = await featured.unfeature_tag(session, account_id=viewer.id, name=name)
    return await _tag_response(session, settings, tag, viewer)


@router.get("/api/v1/followed_tags", openapi_extra=PAGED)
async def followed_tags(request: Request, session: DbSession, settings: AppSettings,
                        viewer: Viewer = Depends(user_required("read:follows"))) -> FastJSON:
    page = Page.from_request(request, default=100, maximum=200)
    rows = await tags.followed_tags(session, account_id=viewer.id, page=page)
    views = await tags.describe_tags(session, [tag for _, tag in rows], viewer_id=viewer.id)
    return json_response([tag_entity(view, settings, signed_in=True) for view in views],
                         link=link_header(request, [cursor for cursor, _ in rows]))


@router.get("/api/v1/featured_tags")
async def own_featured_tags(session: DbSession, settings: AppSettings,
                            viewer: AccountViewer = Depends(account_required("read:accounts"))
                            ) -> FastJSON:
    views = await featured.featured_tags(session, account_id=viewer.id)
    return json_response([featured_tag_entity(view, viewer.account, settings)
                          for view in views])


class FeatureForm(BaseModel):
    name: str = Field(min_length=1, max_length=300)


@router.post("/api/v1/featured_tags", openapi_extra=body(FeatureForm))
async def create_featured_tag(request: Request, session: DbSession, settings: AppSettings,
                              viewer: AccountViewer = Depends(account_required("write:accounts"))
                              ) -> FastJSON:
    form = await parse(request, FeatureForm)
    view = await featured.feature_tag(session, account_id=viewer.id, name=form.name)
    return json_response(featured_tag_entity(view, viewer.account, settings))


@router.get("/api/v1/featured_tags/suggestions")
async def featured_tag_suggestions(session: DbSession, settings: AppSettings,
                                   viewer: Viewer = Depends(user_required("read:accounts"))
                                   ) -> FastJSON:
    found = await featured.featured_tag_suggestions(session, account_id=viewer.id)
    views = await tags.describe_tags(session, found, viewer_id=viewer.id)
    return json_response([tag_entity(view, settings, signed_in=True) for view in views])


@router.delete("/api/v1/featured_tags/{featured_id}")
async def delete_featured_tag(featured_id: str, session: DbSession,
                              viewer: Viewer = Depends(user_required("write:accounts"))
                              ) -> FastJSON:
    await featured.unfeature(session, account_id=viewer.id, featured_id=path_id(featured_id))
    return json_response({})


@router.get("/api/v1/accounts/{account_id}/featured_tags")
async def account_featured_tags(account_id: str, session: DbSession, settings: AppSettings,
                                _viewer: Viewer | None = Depends(user_optional("read:accounts"))
                                ) -> FastJSON:
    account = await get_account(session, path_id(account_id))
    views = await featured.featured_tags(session, account_id=account.id)
    return json_response([featured_tag_entity(view, account, settings) for view in views])
