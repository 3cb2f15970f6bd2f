"""HEAD answered wherever GET is: the GET response's status and headers, without its body."""

from __future__ import annotations

from starlette.types import ASGIApp, Message, Receive, Scope, Send


async def serve_head(app: ASGIApp, scope: Scope, receive: Receive, send: Send) -> None:
    """Serve a HEAD request as the GET it mirrors. The body is dropped and the response ends
    at its first body message; after that the app is told the client left, so a stream
    (server-sent events) ends too."""
    ended = False

    async def head_send(message: Message) -> None:
        nonlocal ended
        if message["type"] == "http.response.start":
            await send(message)
        elif message["type"] == "http.response.body" and not ended:
            ended = True
            await send({"type": "http.response.body", "body": b"", "more_body": False})

    async def head_receive() -> Message:
        if ended:
            return {"type": "http.disconnect"}
        return await receive()

    await app({**scope, "method": "GET"}, head_receive, head_send)
