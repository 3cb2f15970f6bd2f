"""Whether a received note's quote stands (FEP-044f): its author quoting themselves, a stamp
(QuoteAuthorization) from the quoted author that checks out, or a quote in the older
properties only (Misskey, Akkoma: software that asks no consent) of a post from elsewhere;
anything else waits (pending: shown without the quoted post). A quote of a local post is
this server's to decide, when its author's server asks (quotes_in). What federation keeps
of a quote (its stamp, its request) is kept here."""

from __future__ import annotations

import logging

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.config import Settings
from parley.federation import parse
from parley.federation.actors_in import instance_signer
from parley.federation.client import domain_of
from parley.federation.fetch import fetch_object
from parley.federation.models import FederatedQuote
from parley.federation.vocab import as_list, id_of
from parley.lib.fetch import FetchRefused
from parley.posts import quotes
from parley.posts.models import Post
from parley.store.database import Database

log = logging.getLogger("parley.federation")


async def stamp_holds(db: Database, settings: Settings, stamp: str, *, quote_uri: str,
                      quoted_uri: str, quoted_author_uri: str) -> bool:
    """Whether the stamp, fetched from its own server (the quoted author's), says that
    author accepted this quote of this post."""
    if domain_of(stamp) != domain_of(quoted_author_uri):
        return False
    try:
        document = await fetch_object(settings, await instance_signer(db, settings), stamp)
    except FetchRefused as failed:
        log.info("could not fetch the stamp %s: %s", stamp, failed)
        return False
    return ("QuoteAuthorization" in as_list(document.get("type"))
            and id_of(document.get("interactingObject")) == quote_uri
            and id_of(document.get("interactionTarget")) == quoted_uri
            and id_of(document.get("attributedTo")) == quoted_author_uri)


async def first_state(db: Database, settings: Settings, parsed: parse.ParsedNote,
                      author: Account, quoted: Post) -> str:
    """The state a received quote starts in (posts/quotes.py's words)."""
    if quoted.account_id == author.id:
        return quotes.ACCEPTED
    if quoted.domain is None:
        return quotes.PENDING  # ours to decide, when its QuoteRequest comes
    if parsed.quote_legacy:
        return quotes.ACCEPTED
    if parsed.quote_authorization is None:
        return quotes.PENDING
    async with db.read() as session:
        quoted_author = await session.get(Account, quoted.account_id)
    holds = quoted_author is not None and await stamp_holds(
        db, settings, parsed.quote_authorization, quote_uri=parsed.uri,
        quoted_uri=quoted.uri, quoted_author_uri=quoted_author.uri)
    return quotes.ACCEPTED if holds else quotes.PENDING


async def remember(session: AsyncSession, post_id: int, *, authorization: str | None = None,
                   request: str | None = None) -> None:
    """Keep what federation knows of a quote: the stamp it was accepted by, the
    QuoteRequest its author's server sent (each kept when given)."""
    row = await session.get(FederatedQuote, post_id)
    if row is None:
        row = FederatedQuote(post_id=post_id)
        session.add(row)
    if authorization is not None:
        row.authorization_uri = authorization
    if request is not None:
        row.request_uri = request
    await session.flush()


async def recheck(db: Database, settings: Settings, parsed: parse.ParsedNote, post_id: int
                  ) -> None:
    """An Update of a quote still pending may carry the stamp its quoted author has given
    since (FEP-044f: the quoter's server sends it again once accepted)."""
    async with db.read() as session:
        post = await session.get(Post, post_id)
        quoted = (await session.get(Post, post.quote_of_id)
                  if post is not None and post.quote_of_id is not None else None)
        author = await session.get(Account, post.account_id) if post is not None else None
    if (post is None or quoted is None or author is None or post.quote_state != quotes.PENDING
            or parsed.quote_authorization is None or parsed.quote != quoted.uri):
        return
    if await first_state(db, settings, parsed, author, quoted) != quotes.ACCEPTED:
        return
    async with db.write() as session:
        pending = await session.get(Post, post_id)
        if pending is not None:
            await remember(session, pending.id, authorization=parsed.quote_authorization)
            await quotes.settle_quote(session, pending, quotes.ACCEPTED)
