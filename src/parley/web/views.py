"""What templates show: posts and accounts as view objects, built for a whole page in a
fixed number of queries (authors, reposted and quoted posts, mentions, the viewer's likes,
reposts and bookmarks), never a query per post."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.lib.html import html_to_text
from parley.posts.models import Bookmark, Like, Mention, Post
from parley.posts.visibility import visible_to

VISIBILITY_LABELS = {"public": "Public", "unlisted": "Quiet public",
                     "private": "Followers only", "direct": "Mentioned people only"}


@dataclass
class AccountView:
    """An author as the templates show them."""

    id: int
    username: str
    acct: str
    display_name: str
    href: str
    avatar: str
    locked: bool = False


@dataclass
class PostView:
    """A post as the templates show it; `reposted_by` is set when it arrived as a repost."""

    id: int
    href: str
    author: AccountView
    content: str
    spoiler_text: str
    created_at: datetime
    visibility: str
    thread_id: int
    in_reply_to_id: int | None
    replies_count: int
    reposts_count: int
    likes_count: int
    in_reply_to: AccountView | None = None
    reposted_by: AccountView | None = None
    quote: PostView | None = None
    quote_hidden: bool = False
    mentions: list[AccountView] = field(default_factory=list)
    liked: bool = False
    reposted: bool = False
    bookmarked: bool = False
    mine: bool = False
    signed_in: bool = False
    focused: bool = False

    @property
    def visibility_label(self) -> str:
        return VISIBILITY_LABELS.get(self.visibility, self.visibility)

    @property
    def can_repost(self) -> bool:
        return self.visibility in ("public", "unlisted") or (
            self.mine and self.visibility == "private")

    @property
    def dom_id(self) -> str:
        """Unique on a page even when a repost shows the same post twice."""
        return f"post-{self.id}"

    def reply_prefix(self, viewer_acct: str | None) -> str:
        """The handles a reply starts with: the author, then everyone mentioned."""
        handles = [self.author.acct, *(m.acct for m in self.mentions)]
        kept = [h for h in dict.fromkeys(handles) if h != viewer_acct]
        return "".join(f"@{handle} " for handle in kept)

    @property
    def plain_text(self) -> str:
        return " ".join(html_to_text(self.content).split())


def account_view(account: Account) -> AccountView:
    href = f"/@{account.acct}"
    return AccountView(id=account.id, username=account.username, acct=account.acct,
                       display_name=account.display_name or account.username, href=href,
                       avatar=account.avatar_url or "/static/avatar.png",
                       locked=account.locked)


def post_href(post: Post, author: Account) -> str:
    return f"/@{author.acct}/{post.id}"


def _ids(values: Iterable[int | None]) -> set[int]:
    return {value for value in values if value is not None}


@dataclass
class _Batch:
    viewer_id: int | None
    posts: dict[int, Post] = field(default_factory=dict)
    accounts: dict[int, Account] = field(default_factory=dict)
    visible_quotes: set[int] = field(default_factory=set)
    mentions: dict[int, list[Account]] = field(default_factory=lambda: defaultdict(list))
    liked: set[int] = field(default_factory=set)
    reposted: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)


async def _load(session: AsyncSession, batch: _Batch, posts: Sequence[Post]) -> None:
    batch.posts.update({post.id: post for post in posts})
    originals = _ids(post.repost_of_id for post in posts) - batch.posts.keys()
    if originals:
        rows = await session.scalars(select(Post).where(Post.id.in_(originals)))
        batch.posts.update({post.id: post for post in rows})
    quoted = _ids(post.quote_of_id for post in batch.posts.values()) - batch.posts.keys()
    if quoted:
        rows = await session.scalars(select(Post).where(Post.id.in_(quoted),
                                                        visible_to(batch.viewer_id)))
        batch.posts.update({post.id: post for post in rows})
    batch.visible_quotes = set(batch.posts)
    ids = set(batch.posts)
    mention_rows = await session.execute(
        select(Mention.post_id, Account).join(Account, Account.id == Mention.account_id)
        .where(Mention.post_id.in_(ids)).order_by(Mention.post_id, Account.id))
    for post_id, account in mention_rows.tuples():
        batch.mentions[post_id].append(account)
        batch.accounts[account.id] = account
    wanted = (_ids(post.account_id for post in batch.posts.values())
              | _ids(post.in_reply_to_account_id for post in batch.posts.values())
              ) - batch.accounts.keys()
    if wanted:
        rows_a = await session.scalars(select(Account).where(Account.id.in_(wanted)))
        batch.accounts.update({account.id: account for account in rows_a})
    viewer = batch.viewer_id
    if viewer is not None:
        batch.liked = set(await session.scalars(select(Like.post_id).where(
            Like.account_id == viewer, Like.post_id.in_(ids))))
        batch.reposted = _ids(await session.scalars(select(Post.repost_of_id).where(
            Post.account_id == viewer, Post.repost_of_id.in_(ids))))
        batch.bookmarked = set(await session.scalars(select(Bookmark.post_id).where(
            Bookmark.account_id == viewer, Bookmark.post_id.in_(ids))))


def _view(post: Post, batch: _Batch, *, nested: bool = False) -> PostView | None:
    author = batch.accounts.get(post.account_id)
    if author is None:
        return None
    replied = batch.accounts.get(post.in_reply_to_account_id or 0)
    view = PostView(
        id=post.id, href=post_href(post, author), author=account_view(author),
        content=post.content, spoiler_text=post.spoiler_text, created_at=post.created_at,
        visibility=post.visibility, thread_id=post.thread_id, in_reply_to_id=post.in_reply_to_id,
        replies_count=post.replies_count, reposts_count=post.reposts_count,
        likes_count=post.likes_count,
        in_reply_to=account_view(replied) if replied is not None else None,
        mentions=[account_view(a) for a in batch.mentions.get(post.id, [])],
        liked=post.id in batch.liked, reposted=post.id in batch.reposted,
        bookmarked=post.id in batch.bookmarked, mine=post.account_id == batch.viewer_id,
        signed_in=batch.viewer_id is not None)
    if post.quote_of_id is not None:
        quoted = batch.posts.get(post.quote_of_id)
        if quoted is not None and post.quote_of_id in batch.visible_quotes and not nested:
            view.quote = _view(quoted, batch, nested=True)
        view.quote_hidden = view.quote is None
    return view


async def post_views(session: AsyncSession, posts: Sequence[Post], *, viewer_id: int | None
                     ) -> list[PostView]:
    """Views of `posts` in order; a repost shows its original with `reposted_by` set. The
    caller has checked that the viewer may see the posts (and reposted originals)."""
    if not posts:
        return []
    batch = _Batch(viewer_id=viewer_id)
    await _load(session, batch, posts)
    views: list[PostView] = []
    for post in posts:
        shown = batch.posts.get(post.repost_of_id) if post.repost_of_id else post
        view = _view(shown, batch) if shown is not None else None
        if view is None:
            continue
        if post.repost_of_id is not None and post.account_id in batch.accounts:
            view.reposted_by = account_view(batch.accounts[post.account_id])
        views.append(view)
    return views


async def post_view(session: AsyncSession, post: Post, *, viewer_id: int | None
                    ) -> PostView | None:
    views = await post_views(session, [post], viewer_id=viewer_id)
    return views[0] if views else None
