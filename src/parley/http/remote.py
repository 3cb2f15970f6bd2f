"""Looking things up on other servers from a request: a handle (`user@server`) or a URL is
made known here (the federation adapter fetches it; app.py installs it) so that search,
lookups and mentions find it. Adapters ask through this seam, never through federation."""

from __future__ import annotations

from dataclasses import replace
from typing import Protocol

from starlette.requests import Request

from parley.lib import text as post_text
from parley.search.service import SearchRequest

MAX_MENTIONS_LOOKED_UP = 10


class RemoteLookup(Protocol):
    async def __call__(self, query: str, *, fresh: bool = False) -> str | None:
        """Make what `query` names known here; its URI, or None when nothing was found.
        `fresh`: an account is fetched again even when held (its aliases, before a move)."""


async def _nothing(query: str, *, fresh: bool = False) -> str | None:
    return None


def remote_lookup(request: Request) -> RemoteLookup:
    """The app's lookup (none: this server does not federate)."""
    lookup: RemoteLookup = getattr(request.app.state, "remote_lookup", _nothing)
    return lookup


async def look_up_mentions(request: Request, text: str, local_domain: str) -> None:
    """Make the remote people a post's text mentions known before it is written (a few:
    a post mentioning many unknown handles looks up the first ones)."""
    lookup = remote_lookup(request)
    handles = [h for h in post_text.parse(text).mentions
               if "@" in h and h.rsplit("@", 1)[1].lower() != local_domain.lower()]
    for handle in handles[:MAX_MENTIONS_LOOKED_UP]:
        await lookup(handle)


async def resolved(request: Request, wanted: SearchRequest, *, signed_in: bool
                   ) -> SearchRequest:
    """A search with `resolve`: the one handle or URL its query is made known here first,
    for signed-in people only (as in Mastodon: nobody else makes this server fetch); a URL
    is then searched as the URI it led to (a post's web page finds the post)."""
    query = wanted.q.strip()
    is_url = query.startswith(("https://", "http://"))
    if not (wanted.resolve and signed_in and (is_url or wanted.one_handle)):
        return wanted
    uri = await remote_lookup(request)(query)
    return replace(wanted, q=uri) if uri is not None and is_url else wanted
