"""Received quote activities (FEP-044f): a QuoteRequest for a quote of a local post (its
quote kept from the `instrument`, then decided by the post's policy: answered at once, or
left for the author to decide by hand); the Accept or Reject that answers a local quote's
request (an Accept's `result` is the stamp the quote's Note then carries); the Delete of a
stamp, which revokes the quote it approved. Accepts and Rejects of anything else are
follows' (follows_in)."""

from __future__ import annotations

import logging
from typing import Any

from sqlalchemy import select

from parley.accounts.models import Account
from parley.federation import follows_in, parse, quotes_seen
from parley.federation.actors_in import instance_signer
from parley.federation.client import domain_of
from parley.federation.fetch import fetch_object
from parley.federation.inbound import Inbound
from parley.federation.models import FederatedQuote
from parley.federation.notes_in import store_note
from parley.federation.quotes_out import quote_id_of
from parley.federation.quotes_sent import send_answer
from parley.federation.vocab import id_of
from parley.lib.fetch import FetchRefused
from parley.posts import quotes
from parley.posts.models import Post
from parley.posts.remote import post_by_uri

log = logging.getLogger("parley.federation")
_REQUESTS = "#quote_requests/"  # in the ids of the QuoteRequests Parley sends


async def _local_post(inbound: Inbound, uri: str | None) -> Post | None:
    if uri is None or not uri.startswith(inbound.settings.base_url + "/"):
        return None
    async with inbound.db.read() as session:
        post = await post_by_uri(session, uri)
    return post if post is not None and post.domain is None and not post.repost_of_id \
        else None


async def _instrument(inbound: Inbound, value: Any) -> Post | None:
    """The quote a request is for: known, else the actor's own Note, as embedded (the
    activity is signed by its author) or fetched from its server."""
    uri = id_of(value)
    if uri is None:
        return None
    async with inbound.db.read() as session:
        known = await post_by_uri(session, uri)
    if known is not None or domain_of(uri) != domain_of(inbound.actor.uri):
        return known
    try:
        document = value if isinstance(value, dict) and value.get("type") in parse.NOTE_TYPES \
            else await fetch_object(inbound.settings,
                                    await instance_signer(inbound.db, inbound.settings), uri)
        return await store_note(inbound.db, inbound.settings, document, author=inbound.actor)
    except (FetchRefused, parse.Unreadable) as failed:
        log.info("could not read the quote %s: %s", uri, failed)
        return None


async def quote_request(inbound: Inbound) -> None:
    """A remote account asks to quote a local post with its own post (the `instrument`)."""
    quoted = await _local_post(inbound, inbound.activity.object_id)
    if quoted is None:
        return
    found = await _instrument(inbound, inbound.document.get("instrument"))
    if found is None or found.account_id != inbound.actor.id or found.quote_of_id != quoted.id:
        return
    async with inbound.db.write() as session:
        quote = await session.get(Post, found.id)
        post = await session.get(Post, quoted.id)
        if quote is None or post is None:
            return
        await quotes_seen.remember(session, quote.id, request=inbound.activity.id)
        before = quote.quote_state
        await quotes.answer_request(session, quote=quote, quoted=post)
        if before == quote.quote_state:
            await send_answer(session, quote, post)  # asked again: answered again


def _answers_quote(inbound: Inbound) -> bool:
    answered = inbound.activity.object
    if isinstance(answered, dict):
        return answered.get("type") == "QuoteRequest"
    return _REQUESTS in (inbound.activity.object_id or "")


async def _our_quote(inbound: Inbound) -> int | None:
    """The local quote an Accept or Reject answers: by our request's id, else by the
    request's `instrument`."""
    request = inbound.activity.object_id or ""
    author_uri = request.split(_REQUESTS, 1)[0]
    quote_id = quote_id_of(request, author_uri) if _REQUESTS in request else None
    async with inbound.db.read() as session:
        if quote_id is not None:
            author = await session.scalar(select(Post.account_id).where(Post.id == quote_id))
            uri = await session.scalar(select(Account.uri).where(Account.id == author))
            if uri == author_uri:
                return quote_id
    answered = inbound.activity.object
    instrument = id_of(answered.get("instrument")) if isinstance(answered, dict) else None
    post = await _local_post(inbound, instrument)
    return post.id if post is not None else None


async def _answered(inbound: Inbound, *, accepted: bool) -> None:
    """The quoted author's answer to a local quote's request."""
    quote_id = await _our_quote(inbound)
    stamp = id_of(inbound.document.get("result"))
    if quote_id is None or (accepted and (
            stamp is None or domain_of(stamp) != domain_of(inbound.actor.uri))):
        return
    async with inbound.db.write() as session:
        quote = await session.get(Post, quote_id)
        quoted = (await session.get(Post, quote.quote_of_id)
                  if quote is not None and quote.quote_of_id is not None else None)
        if quote is None or quoted is None or quoted.account_id != inbound.actor.id:
            return
        if accepted:
            await quotes_seen.remember(session, quote.id, authorization=stamp)
        await quotes.settle_quote(session, quote,
                                  quotes.ACCEPTED if accepted else quotes.REJECTED)


async def accept(inbound: Inbound) -> None:
    if _answers_quote(inbound):
        await _answered(inbound, accepted=True)
    else:
        await follows_in.accept(inbound)


async def reject(inbound: Inbound) -> None:
    if _answers_quote(inbound):
        await _answered(inbound, accepted=False)
    else:
        await follows_in.reject(inbound)


async def stamp_deleted(inbound: Inbound) -> bool:
    """A Delete of a stamp we hold by its quoted author: the quote it approved is revoked.
    Whether the Delete was of a stamp."""
    target = inbound.activity.object_id
    if target is None:
        return False
    async with inbound.db.write() as session:
        quote_id = await session.scalar(select(FederatedQuote.post_id).where(
            FederatedQuote.authorization_uri == target))
        if quote_id is None:
            return False
        quote = await session.get(Post, quote_id)
        quoted = (await session.get(Post, quote.quote_of_id)
                  if quote is not None and quote.quote_of_id is not None else None)
        if quote is not None and quoted is not None and quoted.account_id == inbound.actor.id:
            await quotes.settle_quote(session, quote, quotes.REVOKED)
        return True
