"""Post services in one place: writing, reading, threads and interactions.

The work lives in compose.py, lookup.py, threads.py and interactions.py; callers import
`parley.posts.service` and need not know how it is split.
"""

from __future__ import annotations

from parley.posts.compose import Draft, create_post, delete_post, post_urls
from parley.posts.interactions import (
    bookmark,
    like,
    liked_by,
    repost,
    reposted_by,
    unbookmark,
    unlike,
    unrepost,
)
from parley.posts.lookup import get_post, get_posts, get_proper_post
from parley.posts.threads import CONTEXT_LIMIT, ThreadContext, thread_context

__all__ = [
    "CONTEXT_LIMIT", "Draft", "ThreadContext", "bookmark", "create_post",
    "delete_post", "get_post", "get_posts", "get_proper_post", "like", "liked_by",
    "post_urls", "repost", "reposted_by", "thread_context", "unbookmark", "unlike",
    "unrepost",
]
