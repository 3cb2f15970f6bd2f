"""Mastodon streaming API (WebSocket and server-sent events), served as raw ASGI."""
