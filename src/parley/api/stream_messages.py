"""The broker messages of streaming events: Mastodon's event names and payloads with the
metadata each subscriber's gate reads, and the public and hashtag channels of a post."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import orjson

from parley.posts.models import Post
from parley.posts.rows import PostRow
from parley.streaming import channels


def stream_event(name: str, payload: Any, **meta: Any) -> dict[str, Any]:
    """The broker's event: Mastodon's name and payload (a JSON string), plus metadata that
    lets each subscriber filter (author, for blocks and mutes)."""
    text = payload if isinstance(payload, str) else orjson.dumps(payload).decode()
    return {"event": name, "payload": text, **meta}


def post_stream_event(name: str, payload: Any, post: Post | PostRow) -> dict[str, Any]:
    """A post's event carries its author and domain, for each subscriber's block/mute gate."""
    return stream_event(name, payload, account_id=post.account_id, domain=post.domain)


def shown_publicly(post: Post | PostRow) -> bool:
    """Mastodon's public and hashtag streams: public originals, no replies to others."""
    replied_to = post.in_reply_to_account_id
    return (post.visibility == "public" and post.repost_of_id is None
            and replied_to in (None, post.account_id))


def public_channels(local: bool, tags: list[str] | tuple[str, ...], *, media: bool = False
                    ) -> list[str]:
    """The public streams (all, and local or remote; their `:media` forms too for a post
    with attachments) and the post's hashtag streams."""
    found = [channels.PUBLIC, channels.PUBLIC_LOCAL if local else channels.PUBLIC_REMOTE]
    if media:
        found += [f"{channel}:media" for channel in found]
    for tag in tags:
        found.append(channels.hashtag(tag))
        if local:
            found.append(channels.hashtag(tag, local=True))
    return found


def created_messages(post: Post, status: dict[str, Any], tags: Sequence[str]
                     ) -> list[tuple[list[str], dict[str, Any]]]:
    """A new post's messages: on its thread's stream, and on the public and hashtag streams
    when it is broadcast there."""
    if post.visibility in ("public", "unlisted"):
        thread_payload: dict[str, Any] = status
    else:  # the web UI fetches it through the viewer's own session
        thread_payload = {"id": str(post.id), "visibility": post.visibility}
    messages = [([channels.thread(post.thread_id)],
                 post_stream_event("update", thread_payload, post))]
    if shown_publicly(post):
        messages.append((public_channels(post.domain is None, tuple(tags),
                                         media=bool(post.media_count)),
                         post_stream_event("update", status, post)))
    return messages
