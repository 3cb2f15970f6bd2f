"""Quotes as Parley sends them (FEP-044f): who may quote a local post (`interactionPolicy`),
what a local quote's Note says of its quote (`quote`, and `quoteAuthorization` once
accepted), the QuoteRequest a local quote of a remote post sends, the stamp
(QuoteAuthorization) Parley serves for a quote of a local post it accepted, and the Accept,
Reject and Delete that answer or take back a quote."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.federation.activities_out import id_tail
from parley.federation.actors_out import followers_url
from parley.federation.audience import inboxes_of
from parley.federation.delivery import deliver
from parley.federation.models import FederatedQuote
from parley.federation.vocab import CONTEXT, PUBLIC
from parley.posts import quotes
from parley.posts.models import Post
from parley.posts.rows import PostRow

# The states in which a local quote's Note names what it quotes: accepted, or waiting for
# consent (receivers show it pending until an Update brings the stamp).
_NAMED = (quotes.ACCEPTED, quotes.PENDING)


def interaction_policy(policy: str, author_uri: str) -> dict[str, Any]:
    """`interactionPolicy.canQuote` from the post's quote policy; nobody is written as the
    author alone (an empty list would read as no policy at all)."""
    automatic = {"public": [PUBLIC], "followers": [followers_url(author_uri)]}.get(
        policy, [author_uri])
    can_quote: dict[str, Any] = {"automaticApproval": automatic}
    if policy == "manual":
        can_quote["manualApproval"] = [PUBLIC]
    return {"canQuote": can_quote}


def stamp_uri(quoted_author_uri: str, quote_id: int) -> str:
    """The id of the stamp for a quote of a local post (served by routes.py)."""
    return f"{quoted_author_uri}/quote_authorizations/{quote_id}"


def request_id(author_uri: str, quote_id: int) -> str:
    """The id of the QuoteRequest a local quote sends (an Accept or Reject names it)."""
    return f"{author_uri}#quote_requests/{quote_id}"


def quote_id_of(request_uri: str, author_uri: str) -> int | None:
    """The local quote a QuoteRequest id of ours stands for."""
    prefix = f"{author_uri}#quote_requests/"
    tail = request_uri[len(prefix):] if request_uri.startswith(prefix) else ""
    return int(tail) if tail.isdigit() and len(tail) <= 20 else None


@dataclass(frozen=True)
class QuoteFields:
    """What a local post's Note says of its quote: the quoted post and the stamp."""

    quoted: str | None = None
    authorization: str | None = None
    accepted: bool = False


async def quote_fields(session: AsyncSession, post: Post | PostRow) -> QuoteFields:
    """The quote a local post's Note carries: the quoted post while the quote is accepted
    or pending; the stamp once accepted (ours for a quote of a local post by someone else,
    the one its author's server gave for a remote post; none for a self-quote)."""
    if post.quote_of_id is None or post.quote_state not in _NAMED:
        return QuoteFields()
    quoted = (await session.execute(select(Post.uri, Post.account_id, Post.domain)
                                    .where(Post.id == post.quote_of_id))).first()
    if quoted is None:
        return QuoteFields()
    if post.quote_state != quotes.ACCEPTED:
        return QuoteFields(quoted.uri)
    if quoted.account_id == post.account_id:
        return QuoteFields(quoted.uri, accepted=True)
    if quoted.domain is None:
        author_uri = await session.scalar(select(Account.uri).where(
            Account.id == quoted.account_id))
        return QuoteFields(quoted.uri, stamp_uri(str(author_uri), post.id), accepted=True)
    stamp = await session.scalar(select(FederatedQuote.authorization_uri).where(
        FederatedQuote.post_id == post.id))
    return QuoteFields(quoted.uri, stamp, accepted=True)


def authorization(stamp: str, quoted_author_uri: str, quote_uri: str, quoted_uri: str
                  ) -> dict[str, Any]:
    """The stamp document: neither post embedded (FEP-044f: nothing leaks through it)."""
    return {"@context": CONTEXT, "id": stamp, "type": "QuoteAuthorization",
            "attributedTo": quoted_author_uri, "interactingObject": quote_uri,
            "interactionTarget": quoted_uri}


def _request(request: str, actor_uri: str, quoted_uri: str, instrument: Any
             ) -> dict[str, Any]:
    return {"id": request, "type": "QuoteRequest", "actor": actor_uri,
            "object": quoted_uri, "instrument": instrument}


async def send_request(session: AsyncSession, post: Post, note: dict[str, Any]) -> None:
    """A new local quote waiting for a remote author's consent asks for it: a QuoteRequest
    to the quoted author, the quote's Note embedded (they may read it to decide)."""
    if post.quote_state != quotes.PENDING or post.quote_of_id is None:
        return
    quoted = await session.get(Post, post.quote_of_id)
    if quoted is None or quoted.domain is None:
        return  # a local post's author decides here, by hand
    activity = {"@context": CONTEXT, **_request(
        request_id(note["attributedTo"], post.id), note["attributedTo"], quoted.uri, note)}
    await deliver(session, activity, await inboxes_of(session, [quoted.account_id]),
                  signer_id=post.account_id)


def answer(*, accepted: bool, request: str, quoted_author_uri: str, quote_author_uri: str,
           quoted_uri: str, quote_uri: str, stamp: str | None) -> dict[str, Any]:
    """The quoted author's Accept (with the stamp as its `result`) or Reject of a
    QuoteRequest, embedding it (some servers find their quote by the `instrument`)."""
    kind = "Accept" if accepted else "Reject"
    document: dict[str, Any] = {
        "@context": CONTEXT,
        "id": f"{quoted_author_uri}#{kind.lower()}s/quote_requests/{id_tail(quote_uri)}",
        "type": kind, "actor": quoted_author_uri, "to": [quote_author_uri],
        "object": _request(request, quote_author_uri, quoted_uri, quote_uri)}
    if accepted and stamp is not None:
        document["result"] = stamp
    return document


def delete_stamp(stamp: str, quoted_author_uri: str) -> dict[str, Any]:
    """A revoked quote's stamp is deleted, embedding neither post (FEP-044f)."""
    return {"@context": CONTEXT, "id": f"{stamp}#delete", "type": "Delete",
            "actor": quoted_author_uri, "to": [PUBLIC], "object": stamp}

