"""Posts and accounts as plain rows for the raw read path (store/rawsql): the column lists, the
visibility flag (posts/visibility.py's rule, compiled), and the one read model of posts:
RowBatch, which loads everything a page of posts shows (originals, quotes, authors, mentions,
tags, applications, viewer state, polls, preview cards, custom emoji; media comes with the
post row) in a fixed number of statements, and PostPage, what every surface (API, web,
streaming) renders from. A new related thing a post shows is one more load in RowBatch, and so
reaches every surface."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import literal_column, null, union_all

from parley.media.emoji import EmojiRow
from parley.polls.rows import PollBatch
from parley.posts.card_rows import CARDS_BY_IDS, CardRow
from parley.posts.emoji_rows import emojis_of, written
from parley.posts.visibility import visible_condition
from parley.social.exclusions import domains_hidden_from, hidden_from
from parley.store.rawsql import Fragment, Reader, Sql, param, reader_now

# Stands for "no viewer" in the SQL rule: no account has this id, so only public and
# unlisted posts pass (visible_to(None)).
NOBODY = -1

POST_COLUMNS = (
    "p.id, p.account_id, p.domain, p.uri, p.url, p.content, p.spoiler_text, p.sensitive, "
    "p.language, p.visibility, p.in_reply_to_id, p.in_reply_to_account_id, p.repost_of_id, "
    "p.quote_of_id, p.application_id, p.replies_count, p.reposts_count, p.likes_count, "
    "p.quotes_count, p.created_at, p.edited_at, p.thread_id, p.quote_policy, p.quote_state, "
    "p.poll_id, p.card_id, p.media_count, p.media_shown, ap.name, ap.website")
POST_FROM_APPS = "LEFT JOIN oauth_applications ap ON ap.id = p.application_id"

# posts/visibility.py visible_to(:viewer) for the post `p`, as 1/0 on both backends.
VISIBLE_SQL = f"CASE WHEN {visible_condition('p')} THEN 1 ELSE 0 END"

ACCOUNT_COLUMNS = (
    "a.id, a.username, a.domain, a.uri, a.url, a.display_name, a.note, a.fields, "
    "a.avatar_url, a.header_url, a.locked, a.bot, a.discoverable, a.indexable, "
    "a.followers_count, a.following_count, a.posts_count, a.last_post_at, a.created_at, "
    "a.hide_collections, a.avatar_description, a.header_description")

# What every post read selects: the post, its app, its visibility to :viewer, its author.
POST_SELECT = f"{POST_COLUMNS}, {VISIBLE_SQL}, {ACCOUNT_COLUMNS}"
POST_JOINS = f"JOIN accounts a ON a.id = p.account_id {POST_FROM_APPS}"
POST_WIDTH = 31  # columns of PostRow; the author's AccountRow follows

POSTS_BY_IDS = Sql(f"SELECT {POST_SELECT} FROM posts p {POST_JOINS} WHERE p.id IN_IDS(:ids)")
ACCOUNTS_BY_IDS = Sql(f"SELECT {ACCOUNT_COLUMNS} FROM accounts a WHERE a.id IN_IDS(:ids)")
# Which of these authors the viewer follows: asked only for posts quotable by followers.
FOLLOWED_AMONG = Sql("SELECT target_account_id FROM follows WHERE account_id = :viewer "
                     "AND state = 'accepted' AND target_account_id IN_IDS(:ids)")
APPS_BY_IDS = Sql("SELECT id, name, website FROM oauth_applications WHERE id IN_IDS(:ids)")
# Mentions (kind 0), tags (1) and the viewer's likes (2), bookmarks (3), reposts (4),
# pins (5) and muted threads (6, posts/thread_mutes.py) of a set of posts, in one statement.
RELATED = Sql(
    "SELECT 0, m.post_id, a.id, a.username, a.domain, a.url FROM mentions m "
    "JOIN accounts a ON a.id = m.account_id WHERE m.post_id IN_IDS(:ids) "
    "UNION ALL SELECT 1, pt.post_id, t.id, t.name, NULL, NULL FROM post_tags pt "
    "JOIN tags t ON t.id = pt.tag_id WHERE pt.post_id IN_IDS(:ids) "
    "UNION ALL SELECT 2, post_id, NULL, NULL, NULL, NULL FROM likes "
    "WHERE account_id = :viewer AND post_id IN_IDS(:ids) "
    "UNION ALL SELECT 3, post_id, NULL, NULL, NULL, NULL FROM bookmarks "
    "WHERE account_id = :viewer AND post_id IN_IDS(:ids) "
    "UNION ALL SELECT 4, repost_of_id, NULL, NULL, NULL, NULL FROM posts "
    "WHERE account_id = :viewer AND repost_of_id IN_IDS(:ids) "
    "UNION ALL SELECT 5, post_id, NULL, NULL, NULL, NULL FROM post_pins "
    "WHERE account_id = :viewer AND post_id IN_IDS(:ids) "
    "UNION ALL SELECT 6, p.id, NULL, NULL, NULL, NULL FROM thread_mutes tm "
    "JOIN posts p ON p.thread_id = tm.thread_id "
    "WHERE tm.account_id = :viewer AND p.id IN_IDS(:ids)")

# The viewer's context, one statement: who is hidden from them (kind 0: the accounts of
# social/exclusions.py hidden_from; 1: blocked domains) and how many filters they have (2).
# One flat UNION ALL (a subquery around the rule's SELECTs costs SQLite ~10% more).
_HIDDEN = Fragment(lambda: union_all(
    *[part.with_only_columns(literal_column("0"), *part.selected_columns, null())
      for part in hidden_from(param("viewer"), param("now"))],
    *[part.with_only_columns(literal_column("1"), null(), *part.selected_columns)
      for part in [domains_hidden_from(param("viewer"))]]))
_CONTEXT = (f"{_HIDDEN} "
            "UNION ALL SELECT 2, COUNT(*), NULL FROM filters WHERE account_id = :viewer")
VIEWER_CONTEXT = Sql(_CONTEXT)


class PostRow(NamedTuple):
    """A post as POST_COLUMNS (+ the visibility flag) reads it; ORM Posts convert to it."""

    id: int
    account_id: int
    domain: str | None
    uri: str
    url: str | None
    content: str
    spoiler_text: str
    sensitive: Any
    language: str | None
    visibility: str
    in_reply_to_id: int | None
    in_reply_to_account_id: int | None
    repost_of_id: int | None
    quote_of_id: int | None
    application_id: int | None
    replies_count: int
    reposts_count: int
    likes_count: int
    quotes_count: int
    created_at: datetime | str
    edited_at: datetime | str | None
    thread_id: int
    quote_policy: str = "public"
    quote_state: str | None = None
    poll_id: int | None = None
    card_id: int | None = None
    media_count: int = 0
    # Its attachments (posts/media_rows.py media_document): text from the raw paths, a list
    # from the ORM; read with the post, so no page runs a statement for media.
    media_shown: Any = None
    app_name: str | None = None
    app_website: str | None = None
    visible: Any = 1


class AccountRow(NamedTuple):
    """An account as ACCOUNT_COLUMNS reads it (duck-typed like the ORM Account)."""

    id: int
    username: str
    domain: str | None
    uri: str
    url: str
    display_name: str
    note: str
    fields: Any
    avatar_url: str | None
    header_url: str | None
    locked: Any
    bot: Any
    discoverable: Any
    indexable: Any
    followers_count: int
    following_count: int
    posts_count: int
    last_post_at: datetime | str | None
    created_at: datetime | str
    hide_collections: Any
    avatar_description: str
    header_description: str

    @property
    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


class MentionRow(NamedTuple):
    id: int
    username: str
    domain: str | None
    url: str

    @property
    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"


def post_row_of(post: Any) -> PostRow:
    """An ORM Post (or anything with its attributes) as a PostRow."""
    return PostRow(
        post.id, post.account_id, post.domain, post.uri, post.url, post.content,
        post.spoiler_text, post.sensitive, post.language, post.visibility,
        post.in_reply_to_id, post.in_reply_to_account_id, post.repost_of_id, post.quote_of_id,
        post.application_id, post.replies_count, post.reposts_count, post.likes_count,
        post.quotes_count, post.created_at, post.edited_at, post.thread_id, post.quote_policy,
        post.quote_state, post.poll_id,
        getattr(post, "card_id", None), post.media_count or 0,
        getattr(post, "media_shown", None))


def ids_of(values: Iterable[int | None]) -> set[int]:
    return {value for value in values if value is not None}


@dataclass
class RowBatch:
    """Everything a page of statuses needs, loaded once for the page (each load skips what
    an earlier one already has, so the home read can load, filter, then render)."""

    reader: Reader
    viewer_id: int | None
    posts: dict[int, PostRow] = field(default_factory=dict)
    accounts: dict[int, AccountRow] = field(default_factory=dict)
    mentions: dict[int, list[MentionRow]] = field(default_factory=lambda: defaultdict(list))
    tags: dict[int, list[str]] = field(default_factory=lambda: defaultdict(list))
    related_loaded: set[int] = field(default_factory=set)
    apps: dict[int, tuple[str, str | None]] = field(default_factory=dict)
    liked: set[int] = field(default_factory=set)
    reposted: set[int] = field(default_factory=set)
    bookmarked: set[int] = field(default_factory=set)
    pinned: set[int] = field(default_factory=set)
    # Authors the viewer follows, known for the authors of posts quotable by followers.
    followed: set[int] = field(default_factory=set)
    polls: PollBatch = field(default_factory=PollBatch)
    cards: dict[int, CardRow] = field(default_factory=dict)
    muted: set[int] = field(default_factory=set)  # posts in threads the viewer muted
    # Custom emoji by (domain, shortcode): those remote posts and accounts of the page write.
    emojis: dict[tuple[str, str], EmojiRow] = field(default_factory=dict)
    # Whether the viewer has filters at all, when known (no need to look them up if not).
    has_filters: bool | None = None

    @property
    def viewer_param(self) -> int:
        return NOBODY if self.viewer_id is None else self.viewer_id

    def add(self, rows: Iterable[Sequence[Any]]) -> list[PostRow]:
        """Keep rows read with POST_SELECT: the post and its visibility, then its author."""
        added: list[PostRow] = []
        for row in rows:
            post = PostRow(*row[:POST_WIDTH])
            added.append(post)
            self.posts[post.id] = post
            if post.account_id not in self.accounts:
                self.accounts[post.account_id] = AccountRow(*row[POST_WIDTH:])
            if post.app_name is not None and post.application_id is not None:
                self.apps[post.application_id] = (post.app_name, post.app_website)
        return added

    async def load_posts(self, ids: Iterable[int]) -> None:
        wanted = [i for i in set(ids) if i not in self.posts]
        if wanted:
            self.add(await self.reader.fetch(POSTS_BY_IDS, {"ids": wanted,
                                                            "viewer": self.viewer_param}))

    async def load_related(self, post_ids: Iterable[int]) -> None:
        """Mentions (with the mentioned accounts), tags and the viewer's state (liked,
        bookmarked, reposted, pinned, thread muted) of these posts."""
        wanted = [i for i in set(post_ids) if i not in self.related_loaded]
        if not wanted:
            return
        self.related_loaded.update(wanted)
        mentions: list[tuple[int, MentionRow]] = []
        tags: list[tuple[int, str]] = []
        marks = (self.liked, self.bookmarked, self.reposted, self.pinned, self.muted)
        for kind, post_id, item_id, name, domain, url in await self.reader.fetch(
                RELATED, {"ids": wanted, "viewer": self.viewer_param}):
            if kind == 0:
                mentions.append((post_id, MentionRow(item_id, name, domain, url)))
            elif kind == 1:
                tags.append((post_id, name))
            else:
                marks[kind - 2].add(post_id)
        mentions.sort(key=lambda pair: (pair[0], pair[1].id))
        for post_id, mention in mentions:
            self.mentions[post_id].append(mention)
        tags.sort()
        for post_id, name in tags:
            self.tags[post_id].append(name)

    async def load_accounts(self, ids: Iterable[int]) -> None:
        wanted = [i for i in set(ids) if i not in self.accounts]
        if wanted:
            for row in await self.reader.fetch(ACCOUNTS_BY_IDS, {"ids": wanted}):
                self.accounts[row[0]] = AccountRow(*row)

    async def load_followed(self, posts: Iterable[PostRow]) -> None:
        """Whether the viewer follows the authors whose posts only followers may quote (one
        statement, and none for a page without such posts)."""
        if self.viewer_id is None:
            return
        wanted = {post.account_id for post in posts if post.quote_policy == "followers"
                  and post.account_id != self.viewer_id}
        if wanted:
            self.followed.update(row[0] for row in await self.reader.fetch(
                FOLLOWED_AMONG, {"viewer": self.viewer_id, "ids": list(wanted)}))

    async def load_apps(self, posts: Iterable[PostRow]) -> None:
        wanted = [i for i in ids_of(post.application_id for post in posts)
                  if i not in self.apps]
        if wanted:
            for app_id, name, website in await self.reader.fetch(APPS_BY_IDS, {"ids": wanted}):
                self.apps[app_id] = (name, website)

    async def load_cards(self, posts: Iterable[PostRow]) -> None:
        """The preview cards of these posts: no statement when none has one (posts.card_id
        says so without a query)."""
        wanted = [i for i in ids_of(post.card_id for post in posts) if i not in self.cards]
        if wanted:
            for row in await self.reader.fetch(CARDS_BY_IDS, {"ids": wanted}):
                self.cards[row[0]] = CardRow(*row)

    async def load_for(self, posts: Sequence[PostRow], *, people: bool = False
                       ) -> list[PostRow]:
        """Load what rendering `posts` needs; returns every post that will be rendered
        (the posts, reposted originals, visible quoted posts). `people`: also the whole
        accounts of the mentioned and replied-to (the web shows them; the API only names
        them)."""
        known = {post.id for post in posts}
        for post in posts:
            self.posts.setdefault(post.id, post)
        originals = ids_of(post.repost_of_id for post in posts)
        quoted = ids_of(post.quote_of_id for post in posts
                        if post.repost_of_id is None and post.quote_state == "accepted")
        await self.load_posts((originals - known) | quoted)
        # One level down: quotes of the originals, and the quoted posts' own quotes (for
        # those only the visibility flag is used: shown shallow).
        second = [self.posts[i] for i in originals | quoted if i in self.posts]
        await self.load_posts(ids_of(post.quote_of_id for post in second
                                     if post.quote_state == "accepted"))
        every: dict[int, PostRow] = {post.id: post for post in posts}
        for i in originals:
            if i in self.posts:
                every[i] = self.posts[i]
        for post in [*posts, *(self.posts[i] for i in originals if i in self.posts)]:
            shown = post.quote_of_id if post.quote_state == "accepted" else None
            target = self.posts.get(shown) if shown is not None else None
            if target is not None and target.visible:
                every[target.id] = target
        rendered = list(every.values())
        await self.load_related(every)
        authors = {post.account_id for post in rendered}
        if people:
            authors |= ids_of(post.in_reply_to_account_id for post in rendered)
            authors |= {m.id for post in rendered for m in self.mentions.get(post.id, ())}
        await self.load_accounts(authors)
        await self.load_apps(rendered)
        await self.load_followed(rendered)
        # Only a page with a poll reads polls (posts.poll_id says so without a query).
        await self.polls.load(self.reader, ids_of(post.poll_id for post in rendered),
                              self.viewer_param)
        await self.load_cards(rendered)
        await self.load_emojis(rendered)
        return rendered

    async def load_emojis(self, posts: Iterable[PostRow]) -> None:
        """The custom emoji the page's remote posts and accounts write (`:shortcode:`): one
        statement, and only when some do."""
        wanted = written(posts, self.accounts.values()) - self.emojis.keys()
        self.emojis.update(await emojis_of(self.reader, wanted))

    def emojis_for(self, domain: str | None, codes: set[str]) -> list[EmojiRow]:
        """The custom emoji of these shortcodes (emoji_rows: a post's or an account's) of
        `domain`, those known here."""
        if domain is None or not self.emojis:
            return []
        found = (self.emojis.get((domain, code)) for code in sorted(codes))
        return [emoji for emoji in found if emoji is not None]


@dataclass
class PostPage:
    """A page of posts as every surface renders it: the posts in page order and the batch
    holding everything they show."""

    posts: list[PostRow]
    batch: RowBatch


async def load_page(reader: Reader, viewer_id: int | None, *, ids: Sequence[int] = (),
                    rows: Sequence[PostRow] | None = None, batch: RowBatch | None = None,
                    people: bool = False) -> PostPage:
    """The one page loader: `rows` already read (with the batch that read them), or the
    posts `ids` (in that order; any deleted since are skipped), with all they show. The
    caller has decided the viewer may see these posts."""
    batch = batch or RowBatch(reader, viewer_id)
    if rows is None:
        await batch.load_posts(ids)
        rows = [batch.posts[i] for i in ids if i in batch.posts]
    if rows:
        await batch.load_for(rows, people=people)
    return PostPage(list(rows), batch)


@dataclass
class Exclusions:
    """Who the viewer does not see in feeds (posts/visibility.py account_hidden), and what
    else the viewer context statement told: filters, broadcast followees."""

    accounts: set[int]
    domains: set[str]
    # Domains of replied-to accounts, looked up only when the viewer blocks domains.
    account_domains: dict[int, str] = field(default_factory=dict)
    has_filters: bool | None = None
    # (account id, show reposts) of the broadcast accounts the viewer follows.
    broadcasters: list[tuple[int, bool]] = field(default_factory=list)

    def hides(self, account_id: int | None, domain: str | None = None) -> bool:
        if account_id is None:
            return False
        if account_id in self.accounts:
            return True
        if not self.domains:
            return False
        return (domain or self.account_domains.get(account_id)) in self.domains


async def load_exclusions(reader: Reader, viewer_id: int | None, *,
                          statement: Sql = VIEWER_CONTEXT) -> Exclusions:
    """The viewer's context in one statement (nobody is hidden from a signed-out reader)."""
    if viewer_id is None:
        return Exclusions(set(), set(), has_filters=False)
    found = Exclusions(set(), set(), has_filters=False)
    for kind, account_id, domain in await reader.fetch(
            statement, {"viewer": viewer_id, "now": reader_now(reader)}):
        if kind == 0:
            found.accounts.add(account_id)
        elif kind == 1:
            found.domains.add(domain)
        elif kind == 2:
            found.has_filters = bool(account_id)
        else:
            found.broadcasters.append((account_id, kind == 3))
    return found
