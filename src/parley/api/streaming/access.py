"""Who a streaming client is and which streams it may open: tokens, stream names, list owners."""

from __future__ import annotations

from urllib.parse import parse_qsl

from starlette.datastructures import Headers
from starlette.types import Scope

from parley.errors import Unauthorized
from parley.http.auth import header_token
from parley.lists.service import get_list
from parley.oauth.scopes import covers
from parley.oauth.tokens import identify
from parley.store.database import Database
from parley.streaming import channels

# The SSE path below /api/v1/streaming/ -> the stream's name.
SSE_PATHS = {
    "user": "user", "user/notification": "user:notification", "public": "public",
    "public/local": "public:local", "public/remote": "public:remote", "hashtag": "hashtag",
    "hashtag/local": "hashtag:local", "list": "list", "direct": "direct",
}


def query_of(scope: Scope) -> dict[str, str]:
    return dict(parse_qsl(scope.get("query_string", b"").decode("latin-1")))


def websocket_token(scope: Scope, query: dict[str, str]) -> tuple[str | None, str | None]:
    """(token, subprotocol to echo): Sec-WebSocket-Protocol, header, or ?access_token=."""
    headers = Headers(scope=scope)
    protocol = headers.get("sec-websocket-protocol")
    if protocol:
        first = protocol.split(",")[0].strip()
        return first, first
    token = header_token(headers)
    if token is not None:  # an empty one is refused, not taken as no token
        return token, None
    return query.get("access_token"), None


async def authenticate_viewer(db: Database, token: str | None) -> int | None:
    """The account a streaming token belongs to; a given token must be valid and readable.
    Looked up on the fresh reader: a client may connect the moment its token was issued."""
    if token is None:
        return None
    async with db.fresh() as reader:
        identity = await identify(reader, token)
    if identity is None or identity.account_id is None:
        raise Unauthorized()
    if not (covers(identity.scopes, "read:statuses")
            or covers(identity.scopes, "read:notifications")):
        raise Unauthorized("The access token does not allow reading")
    return identity.account_id


def requested_stream(query: dict[str, str], name: str, viewer_id: int | None
                     ) -> channels.Stream:
    """The stream `name` with its ?tag= or ?list= from the query string."""
    return channels.resolve(name, viewer_id, tag=query.get("tag"), list_id=query.get("list"))


async def authorise_stream(db: Database, stream: channels.Stream, viewer_id: int | None
                           ) -> None:
    """A list stream is only for the list's owner (others learn nothing, not even that it
    exists)."""
    if stream.name[0] != "list":
        return
    async with db.read() as session:
        await get_list(session, owner_id=viewer_id or 0, list_id=int(stream.name[1]))
