"""The ActivityPub endpoints: actor documents (an account's, the instance actor's), a
public post's Note, the actor's collections (the inboxes are the edge's fast routes: hot.py).
Asked for by a browser (no ActivityStreams in Accept), an account's or a post's id redirects
to its page. With authorized fetch on, every document is given only to a signed request from
a server the instance does not suspend."""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy import func, select
from starlette.responses import RedirectResponse, Response

from parley.accounts.models import Account
from parley.config import Settings
from parley.errors import NotFound
from parley.featured.models import PostPin
from parley.federation import actors_out, notes_out
from parley.federation.inbox import incoming, signer_of
from parley.federation.keys import instance_actor_uri, key_id_of, key_of
from parley.federation.quotes_out import authorization, quote_fields, stamp_uri
from parley.federation.vocab import CONTENT_TYPE, CONTEXT, accepts_activity_json
from parley.http.deps import path_id
from parley.http.responses import FastJSON
from parley.media.storage import storage_for
from parley.posts.models import DISTRIBUTABLE, Post, Tag
from parley.posts.remote import post_uri
from parley.posts.rows import load_page
from parley.social.exclusions import account_hidden
from parley.store.database import Database
from parley.tags.models import FeaturedTag

router = APIRouter(include_in_schema=False)


def _context(request: Request) -> tuple[Database, Settings]:
    settings: Settings = request.app.state.settings
    if not settings.federation:
        raise NotFound()
    db: Database = request.app.state.db
    return db, settings


def activity_json(document: dict[str, Any], status: int = 200) -> FastJSON:
    response = FastJSON(document, status_code=status, media_type=CONTENT_TYPE)
    response.headers["vary"] = "Accept"
    return response


async def _allowed(request: Request, db: Database, settings: Settings) -> int | None:
    """Authorized fetch: the request must be signed by a server we do not suspend; the
    signer's account id (None when authorized fetch is off: requests are not checked)."""
    if settings.authorized_fetch:
        return (await signer_of(db, settings, incoming(request, b"", settings))).owner_id
    return None


async def local_account(db: Database, username: str) -> Account:
    async with db.read() as session:
        account = await session.scalar(select(Account).where(
            Account.acct_key == username.lower(), Account.domain.is_(None)))
    if account is None or account.suspended_at is not None:
        raise NotFound()
    return account


def _wants_document(request: Request) -> bool:
    return accepts_activity_json(request.headers.get("accept"))


@router.get("/users/{username}")
async def actor(request: Request, username: str) -> Response:
    db, settings = _context(request)
    if not _wants_document(request):
        return RedirectResponse(f"/@{username}", status_code=302)
    _db, account = await allowed_account(request, username)
    key = await key_of(db, settings, key_id=key_id_of(account.uri), account_id=account.id)
    moved_to: str | None = None
    if account.moved_to_account_id is not None:
        async with db.read() as session:
            moved_to = await session.scalar(select(Account.uri).where(
                Account.id == account.moved_to_account_id))
    return activity_json(actors_out.person(account, key.public_key_pem, settings,
                                           moved_to=moved_to))


@router.get("/actor")
async def instance_actor(request: Request) -> Response:
    db, settings = _context(request)
    key = await key_of(db, settings, key_id=key_id_of(instance_actor_uri(settings)),
                       account_id=None)
    return activity_json(actors_out.instance_actor(settings, key.public_key_pem))


@router.get("/users/{username}/statuses/{post_id}")
async def note(request: Request, username: str, post_id: str) -> Response:
    """A public or unlisted post's Note (nothing says that any other post exists)."""
    if not _wants_document(request):
        return RedirectResponse(f"/@{username}/{post_id}", status_code=302)
    db, settings = _context(request)
    post = await shown_post(request, username, post_id)
    async with db.read() as session:
        parent = await post_uri(session, post.in_reply_to_id)
        quoted = await quote_fields(session, post)
        context = await notes_out.context_url(session, post.thread_id)
    async with db.fast() as reader:
        page = await load_page(reader, None, ids=[post.id], people=True)
    if not page.posts:
        raise NotFound()
    return activity_json(notes_out.document(notes_out.note(
        page.posts[0], page, settings, storage_for(settings), in_reply_to=parent,
        quoted=quoted, context=context)))


async def shown_post(request: Request, username: str, post_id: str) -> Post:
    """A local public or unlisted post of the account the path names (else not found:
    nothing says that any other post exists)."""
    db, account = await allowed_account(request, username)
    async with db.read() as session:
        post = await session.get(Post, path_id(post_id))
    if (post is None or post.account_id != account.id or post.repost_of_id is not None
            or post.visibility not in DISTRIBUTABLE):
        raise NotFound()
    return post


@router.get("/users/{username}/quote_authorizations/{quote_id}")
async def quote_authorization(request: Request, username: str, quote_id: str) -> Response:
    """The stamp (FEP-044f QuoteAuthorization) of an accepted quote of one of the account's
    public or unlisted posts; gone once revoked (nothing says that any other quote exists)."""
    db, account = await allowed_account(request, username)
    async with db.read() as session:
        quote = await session.get(Post, path_id(quote_id))
        quoted = (await session.get(Post, quote.quote_of_id)
                  if quote is not None and quote.quote_of_id is not None else None)
    if (quote is None or quoted is None or quote.quote_state != "accepted"
            or quoted.account_id != account.id or quote.account_id == account.id
            or quoted.visibility not in DISTRIBUTABLE):
        raise NotFound()
    return activity_json(authorization(stamp_uri(account.uri, quote.id), account.uri,
                                       quote.uri, quoted.uri))


async def allowed_account(request: Request, username: str) -> tuple[Database, Account]:
    """The local account the path names, for a request allowed to read its documents: with
    authorized fetch, signed by a server we do not suspend, and by an actor the account
    does not block (nor whose server it blocks: Mastodon's rule; as if it did not exist)."""
    db, settings = _context(request)
    signer = await _allowed(request, db, settings)
    account = await local_account(db, username)
    if signer is not None and signer != account.id:
        async with db.read() as session:
            if await session.scalar(select(account_hidden(account.id, signer,
                                                          mutes="none"))):
                raise NotFound()
    return db, account


def _collection(uri: str, total: int, items: list[Any] | None = None) -> dict[str, Any]:
    document: dict[str, Any] = {"@context": CONTEXT, "id": uri, "type": "OrderedCollection",
                                "totalItems": total}
    if items is not None:
        document["orderedItems"] = items
    return document


@router.get("/users/{username}/collections/featured")
async def featured(request: Request, username: str) -> Response:
    """The account's pinned public posts, by id."""
    db, account = await allowed_account(request, username)
    async with db.read() as session:
        uris = list(await session.scalars(
            select(Post.uri).join(PostPin, PostPin.post_id == Post.id)
            .where(PostPin.account_id == account.id, Post.visibility.in_(DISTRIBUTABLE))
            .order_by(PostPin.id.desc())))
    return activity_json(_collection(actors_out.featured_url(account.uri), len(uris), uris))


@router.get("/users/{username}/collections/tags")
async def featured_tags(request: Request, username: str) -> Response:
    db, account = await allowed_account(request, username)
    settings: Settings = request.app.state.settings
    async with db.read() as session:
        names = list(await session.scalars(
            select(Tag.name).join(FeaturedTag, FeaturedTag.tag_id == Tag.id)
            .where(FeaturedTag.account_id == account.id).order_by(func.lower(Tag.name))))
    items = [{"type": "Hashtag", "href": f"{settings.base_url}/tags/{name}", "name": f"#{name}"}
             for name in names]
    return activity_json(_collection(f"{account.uri}/collections/tags", len(items), items))
