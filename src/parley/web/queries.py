"""What the public HTML pages read: local profiles, public posts and public threads.

Pages are for signed-out readers, so every query applies visible_to(None): only public and
unlisted posts ever reach a template. Reposts are left out of these simple pages.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.lib.html import html_to_text
from parley.posts.models import Post
from parley.posts.visibility import visible_to

PAGE_SIZE = 20
# A thread page shows at most this many posts; longer threads are cut, never slow.
THREAD_LIMIT = 1000


@dataclass
class AccountView:
    """An author as the templates show them."""

    username: str
    acct: str
    display_name: str
    href: str
    avatar: str


@dataclass
class PostView:
    """A post as the templates show it; depth indents replies under the focused post."""

    id: int
    href: str
    author: AccountView
    content: str
    spoiler_text: str
    created_at: datetime
    replies_count: int
    reposts_count: int
    likes_count: int
    depth: int = 0
    focused: bool = False


def account_view(account: Account) -> AccountView:
    href = f"/@{account.username}" if account.is_local else account.url
    return AccountView(username=account.username, acct=account.acct,
                       display_name=account.display_name or account.username, href=href,
                       avatar=account.avatar_url or "/static/avatar.png")


def post_view(post: Post, author: Account, *, depth: int = 0, focused: bool = False
              ) -> PostView:
    href = f"/@{author.username}/{post.id}" if post.is_local else (post.url or post.uri)
    return PostView(id=post.id, href=href, author=account_view(author), content=post.content,
                    spoiler_text=post.spoiler_text, created_at=post.created_at,
                    replies_count=post.replies_count, reposts_count=post.reposts_count,
                    likes_count=post.likes_count, depth=depth, focused=focused)


def post_title(view: PostView, limit: int = 60) -> str:
    text = " ".join(html_to_text(view.content).split())
    text = view.spoiler_text or text
    return text if len(text) <= limit else text[: limit - 1] + "…"


async def local_account(session: AsyncSession, username: str) -> Account | None:
    """A local account by username, case-insensitively."""
    account: Account | None = await session.scalar(select(Account).where(
        Account.acct_key == username.lower(), Account.domain.is_(None)))
    return account


async def latest_public_posts(session: AsyncSession, *, limit: int = PAGE_SIZE
                              ) -> list[PostView]:
    """The local public timeline: public (not unlisted) posts by local accounts."""
    rows = await session.execute(
        select(Post, Account).join(Account, Account.id == Post.account_id)
        .where(visible_to(None), Post.visibility == "public", Post.domain.is_(None),
               Post.repost_of_id.is_(None))
        .order_by(Post.id.desc()).limit(limit))
    return [post_view(post, author) for post, author in rows.all()]


async def posts_by(session: AsyncSession, account: Account, *, max_id: int | None = None,
                   limit: int = PAGE_SIZE) -> list[PostView]:
    """An account's public and unlisted posts, newest first, below `max_id` if given."""
    stmt = (select(Post).where(Post.account_id == account.id, visible_to(None),
                               Post.repost_of_id.is_(None))
            .order_by(Post.id.desc()).limit(limit))
    if max_id is not None:
        stmt = stmt.where(Post.id < max_id)
    return [post_view(post, account) for post in (await session.scalars(stmt)).all()]


async def public_post(session: AsyncSession, account: Account, post_id: int) -> Post | None:
    """The post if `account` wrote it and anyone may see it."""
    post: Post | None = await session.scalar(select(Post).where(
        Post.id == post_id, Post.account_id == account.id, visible_to(None),
        Post.repost_of_id.is_(None)))
    return post


def _thread_order(focus: Post, posts: dict[int, Post]) -> list[tuple[Post, int]]:
    """Ancestors (root first), the focus, then its replies depth-first, with depths."""
    ancestors: list[Post] = []
    parent_id = focus.in_reply_to_id
    while parent_id is not None and parent_id in posts and len(ancestors) < len(posts):
        ancestors.append(posts[parent_id])
        parent_id = posts[parent_id].in_reply_to_id
    children: dict[int, list[Post]] = {}
    for post in posts.values():
        if post.in_reply_to_id is not None:
            children.setdefault(post.in_reply_to_id, []).append(post)
    ordered = [(post, 0) for post in reversed(ancestors)] + [(focus, 0)]
    stack = [(child, 1) for child in sorted(children.get(focus.id, []), key=lambda p: -p.id)]
    while stack:
        post, depth = stack.pop()
        ordered.append((post, depth))
        stack.extend((child, depth + 1)
                     for child in sorted(children.get(post.id, []), key=lambda p: -p.id))
    return ordered


async def public_thread(session: AsyncSession, focus: Post, author: Account) -> list[PostView]:
    """The public part of the focus post's conversation, loaded in one query."""
    rows = (await session.execute(
        select(Post, Account).join(Account, Account.id == Post.account_id)
        .where(Post.thread_id == focus.thread_id, visible_to(None), Post.repost_of_id.is_(None))
        .order_by(Post.id).limit(THREAD_LIMIT))).all()
    posts = {post.id: post for post, _ in rows}
    authors = {post.id: author for post, author in rows}
    posts[focus.id], authors[focus.id] = focus, author
    return [post_view(post, authors[post.id], depth=min(depth, 6), focused=post.id == focus.id)
            for post, depth in _thread_order(focus, posts)]
