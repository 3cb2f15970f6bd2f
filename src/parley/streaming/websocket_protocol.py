"""uvicorn's sans-I/O WebSocket protocol, made lighter for many long-lived idle connections."""

from __future__ import annotations

from typing import Any

from uvicorn.protocols.websockets.websockets_sansio_impl import WebSocketsSansIOProtocol


class LeanWebSocketProtocol(WebSocketsSansIOProtocol):
    """Forgets the opening handshake once it is answered: uvicorn keeps the parsed request
    and the prepared response (two header sets, ~4 KB) for the connection's whole life,
    though nothing reads them after the accept (issue 4: memory per idle connection)."""

    async def send(self, message: Any) -> None:
        await super().send(message)
        if self.handshake_complete and getattr(self, "response", None) is not None:
            self.request = None  # type: ignore[assignment]
            self.response = None  # type: ignore[assignment]
