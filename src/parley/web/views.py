"""What templates show: posts and accounts as view objects, built from the posts read model
(posts/rows.py load_page: the same rows and related loads the API renders from), for a whole
page in a fixed number of statements, never one per post."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from urllib.parse import urlsplit

from parley.accounts.models import Account
from parley.lib.html import html_to_text
from parley.media.emoji import shortcodes_in
from parley.polls.rows import PollRow
from parley.posts import quotes
from parley.posts.card_rows import CardRow
from parley.posts.media_rows import MediaRow, shown_media
from parley.posts.rows import AccountRow, PostPage, PostRow, RowBatch, load_page
from parley.store.rawsql import Reader, datetime_of
from parley.web.blurhash import placeholder_url

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
    # Where the account lives when it is another server's (None: this server's), and its
    # profile page there.
    domain: str | None = None
    url: str = ""


@dataclass
class PollOptionView:
    index: int
    title: str
    votes: int
    percent: int
    chosen: bool


@dataclass
class PollView:
    """A post's poll as the templates show it: a form to vote while the viewer may, else
    the results (counts per option hidden until the end when the author asked so)."""

    id: int
    options: list[PollOptionView]
    multiple: bool
    expired: bool
    expires_at: datetime | None  # None: a remote poll without an end
    votes_count: int
    voters_count: int
    can_vote: bool
    totals_shown: bool


def poll_view(poll: PollRow, own_votes: list[int], viewer_id: int | None) -> PollView:
    voted = bool(own_votes) or viewer_id == poll.account_id
    total = max(poll.votes_count, 1)
    options = [PollOptionView(index, title, count, round(100 * count / total),
                              index in own_votes)
               for index, (title, count) in enumerate(zip(poll.options, poll.counts,
                                                          strict=False))]
    return PollView(id=poll.id, options=options, multiple=poll.multiple, expired=poll.expired,
                    expires_at=poll.ends_at, votes_count=poll.votes_count,
                    voters_count=poll.voters_count, totals_shown=poll.totals_shown,
                    can_vote=viewer_id is not None and not voted and not poll.expired)


@dataclass
class CardView:
    """A post's link preview as the templates show it: its image is the copy Parley stored
    (`image_key`, media storage: web/gallery.py stored_url), with its blurhash placeholder."""

    url: str
    title: str
    description: str
    provider: str
    image_key: str | None
    image_description: str
    width: int
    height: int
    placeholder: str | None


def card_view(card: CardRow | None) -> CardView | None:
    if card is None:
        return None
    return CardView(url=card.url, title=card.title or card.url,
                    description=card.description,
                    provider=card.provider_name or urlsplit(card.url).hostname or "",
                    image_key=card.image_key, image_description=card.image_description,
                    width=card.width, height=card.height,
                    placeholder=placeholder_url(card.blurhash) if card.image_key else None)


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
    # A quote's state when it no longer shows its post (revoked, deleted); None otherwise.
    quote_gone: str | None = None
    can_quote: bool = False
    poll: PollView | None = None
    card: CardView | None = None
    mentions: list[AccountView] = field(default_factory=list)
    # Its attachments, in order (web/gallery.py shows them; hidden first when sensitive).
    media: list[MediaRow] = field(default_factory=list)
    sensitive: bool = False
    liked: bool = False
    reposted: bool = False
    bookmarked: bool = False
    mine: bool = False
    signed_in: bool = False
    focused: bool = False
    # The post on its own server, when it is another server's (its domain: the author's).
    original_url: str | None = None
    # Its custom emoji (another server's): shortcode -> the stored image's key.
    emojis: dict[str, str] = field(default_factory=dict)

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


def account_view(account: Account | AccountRow) -> AccountView:
    """An ORM Account or an AccountRow (SQLite's raw rows carry 0/1 booleans)."""
    href = f"/@{account.acct}"
    return AccountView(id=account.id, username=account.username, acct=account.acct,
                       display_name=account.display_name or account.username, href=href,
                       avatar=account.avatar_url or "/static/avatar.png",
                       locked=bool(account.locked), domain=account.domain,
                       url=account.url if account.domain else "")


def _emojis(post: PostRow, batch: RowBatch) -> dict[str, str]:
    """The images of a remote post's custom emoji (only a page with some looks)."""
    if post.domain is None or not batch.emojis:
        return {}
    found = batch.emojis_for(post.domain, shortcodes_in(post.content, post.spoiler_text))
    return {emoji.shortcode: emoji.image_key for emoji in found if emoji.image_key}


def _view(post: PostRow, batch: RowBatch, *, nested: bool = False) -> PostView | None:
    author = batch.accounts.get(post.account_id)
    if author is None:
        return None
    replied = batch.accounts.get(post.in_reply_to_account_id or 0)
    mentioned = (batch.accounts.get(m.id) for m in batch.mentions.get(post.id, ()))
    view = PostView(
        id=post.id, href=f"/@{author.acct}/{post.id}", author=account_view(author),
        content=post.content, spoiler_text=post.spoiler_text,
        created_at=datetime_of(post.created_at), visibility=post.visibility,
        thread_id=post.thread_id, in_reply_to_id=post.in_reply_to_id,
        replies_count=post.replies_count, reposts_count=post.reposts_count,
        likes_count=post.likes_count,
        in_reply_to=account_view(replied) if replied is not None else None,
        mentions=[account_view(a) for a in mentioned if a is not None],
        media=shown_media(post.id, post.media_shown) if post.media_count else [],
        sensitive=bool(post.sensitive),
        liked=post.id in batch.liked, reposted=post.id in batch.reposted,
        bookmarked=post.id in batch.bookmarked, mine=post.account_id == batch.viewer_id,
        signed_in=batch.viewer_id is not None,
        card=card_view(batch.cards.get(post.card_id) if post.card_id else None),
        original_url=(post.url or post.uri) if post.domain else None,
        emojis=_emojis(post, batch))
    view.can_quote = quotes.may_quote(
        author_id=post.account_id, visibility=post.visibility, policy=post.quote_policy,
        is_repost=post.repost_of_id is not None, viewer_id=batch.viewer_id,
        follows_author=post.account_id in batch.followed)
    poll = batch.polls.polls.get(post.poll_id) if post.poll_id is not None else None
    if poll is not None:
        view.poll = poll_view(poll, batch.polls.own_votes.get(poll.id, []), batch.viewer_id)
    _attach_quote(view, post, batch, nested=nested)
    return view


def _attach_quote(view: PostView, post: PostRow, batch: RowBatch, *, nested: bool) -> None:
    """The quoted post inside the quote (one level), or why it is not shown."""
    if post.quote_state is None:
        return
    if post.quote_state != quotes.ACCEPTED or post.quote_of_id is None:
        view.quote_gone = post.quote_state if post.quote_of_id is not None else "deleted"
        return
    quoted = batch.posts.get(post.quote_of_id)
    if quoted is not None and quoted.visible and not nested:
        view.quote = _view(quoted, batch, nested=True)
    view.quote_hidden = view.quote is None


def page_views(page: PostPage) -> list[PostView]:
    """Views of a loaded page in order; a repost shows its original with `reposted_by`."""
    batch = page.batch
    views: list[PostView] = []
    for post in page.posts:
        shown = batch.posts.get(post.repost_of_id) if post.repost_of_id else post
        view = _view(shown, batch) if shown is not None else None
        if view is None:
            continue
        if post.repost_of_id is not None and post.account_id in batch.accounts:
            view.reposted_by = account_view(batch.accounts[post.account_id])
        views.append(view)
    return views


async def load_views(reader: Reader, *, viewer_id: int | None, ids: Sequence[int] = (),
                     rows: Sequence[PostRow] | None = None, batch: RowBatch | None = None
                     ) -> PostPage:
    """The posts read model for a web page: load_page with the mentioned and replied-to
    people (the web shows them)."""
    return await load_page(reader, viewer_id, ids=ids, rows=rows, batch=batch, people=True)


async def post_views(reader: Reader, *, viewer_id: int | None, ids: Sequence[int] = (),
                     rows: Sequence[PostRow] | None = None, batch: RowBatch | None = None
                     ) -> list[PostView]:
    """Views of the posts `ids` (or `rows` read with `batch`), in order. The caller has
    checked that the viewer may see the posts (and reposted originals)."""
    return page_views(await load_views(reader, viewer_id=viewer_id, ids=ids, rows=rows,
                                       batch=batch))


async def post_view(reader: Reader, post_id: int, *, viewer_id: int | None
                    ) -> PostView | None:
    views = await post_views(reader, viewer_id=viewer_id, ids=[post_id])
    return views[0] if views else None
