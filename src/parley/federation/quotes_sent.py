"""What a quote's change of state sends (FEP-044f), a durable subscriber of QuoteSettled: a
remote quote of a local post answered here gets the quoted author's Accept (with its stamp)
or Reject; a revoked quote's stamp is deleted where the quote went; and a local quote whose
state changed is sent again as an Update, so that other servers show it as it now is."""

from __future__ import annotations

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.events import Subscriber
from parley.events.posts import QuoteSettled
from parley.federation import quotes_out
from parley.federation.audience import inboxes_of, post_inboxes
from parley.federation.delivery import deliver
from parley.federation.models import FederatedQuote
from parley.federation.outbox import DISTRIBUTE, PostJob, any_remote
from parley.jobs.queue import enqueue
from parley.posts import quotes
from parley.posts.models import Post


async def send_answer(session: AsyncSession, quote: Post, quoted: Post) -> None:
    """The quoted (local) author's answer to a remote quote's request, as the quote's state
    stands: Accept once accepted, Reject once rejected or revoked; nothing while it waits,
    nor for a quote that never asked (a Misskey-style quote: nowhere to answer)."""
    request = await session.scalar(select(FederatedQuote.request_uri).where(
        FederatedQuote.post_id == quote.id))
    state = quote.quote_state
    if request is None or state == quotes.PENDING or quote.domain is None:
        return
    author = await session.get(Account, quoted.account_id)
    quoter = await session.get(Account, quote.account_id)
    if author is None or quoter is None or author.domain is not None:
        return
    accepted = state == quotes.ACCEPTED
    activity = quotes_out.answer(
        accepted=accepted, request=request, quoted_author_uri=author.uri,
        quote_author_uri=quoter.uri, quoted_uri=quoted.uri, quote_uri=quote.uri,
        stamp=quotes_out.stamp_uri(author.uri, quote.id) if accepted else None)
    await deliver(session, activity, await inboxes_of(session, [quoter.id]),
                  signer_id=author.id)


async def _revoked(session: AsyncSession, quote: Post, quoted: Post) -> None:
    """A quote of a local post revoked by its author: its stamp is deleted, sent to where
    the quote went (its author's followers for a local quote; the remote quoter's server,
    which is to pass it on, for a remote one)."""
    author = await session.get(Account, quoted.account_id)
    if author is None or author.domain is not None or quote.account_id == author.id:
        return
    if quote.domain is None:
        inboxes = await post_inboxes(session, author_id=quote.account_id,
                                     visibility=quote.visibility, mentioned=[])
    else:
        inboxes = await inboxes_of(session, [quote.account_id])
    stamp = quotes_out.stamp_uri(author.uri, quote.id)
    await deliver(session, quotes_out.delete_stamp(stamp, author.uri), inboxes,
                  signer_id=author.id)


async def _settled(session: AsyncSession, event: QuoteSettled) -> None:
    if event.state == event.previous or not await any_remote(session):
        return  # a quote that now waits for its author changes nothing elsewhere yet
    quote = await session.get(Post, event.post_id)
    quoted = await session.get(Post, event.quoted_id) if event.quoted_id else None
    if quote is None:
        return
    if quoted is not None and quoted.domain is None:
        if event.state == quotes.REVOKED:
            await _revoked(session, quote, quoted)
        else:
            await send_answer(session, quote, quoted)
    if quote.domain is None:
        await enqueue(session, DISTRIBUTE, PostJob(quote.id, edit=True,
                                                   reason=f"quote-{event.state}"))


SUBSCRIBERS = (Subscriber(QuoteSettled, _settled),)
