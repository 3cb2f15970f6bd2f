"""A pure-Python model of who sees what (posts, home fan-out, notifications, threads), and a
hypothesis strategy for small random worlds, for the property-based visibility test.

The model follows Parley's rules, stated once here without SQL: posts are visible by their
visibility (public/unlisted to all; private to the author, accepted followers and mentioned
accounts; direct to the author and mentioned accounts) unless the author blocks the viewer.
Feeds, threads and notifications then leave out what the viewer excluded (blocks either way,
mutes); home shows only what fan-out delivered. Accounts are numbered 0..n-1.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from hypothesis import strategies as st

VISIBILITIES = ("public", "unlisted", "private", "direct")
Pair = tuple[int, int]
MuteScope = Literal["posts", "notifications", "none"]


@dataclass(frozen=True)
class PostSpec:
    """A post to write: `reply_to` is the index of an earlier post."""

    author: int
    visibility: str
    mentions: tuple[int, ...]
    reply_to: int | None
    tagged: bool


@dataclass(frozen=True)
class World:
    """Everything that happens, in phases: follows (and authorisations), early blocks and
    mutes, posts, likes, reposts, late blocks and mutes."""

    n: int
    locked: tuple[bool, ...]
    follows: tuple[Pair, ...]
    authorised: frozenset[Pair]
    blocks: tuple[tuple[int, int, bool], ...]  # (blocker, blocked, early)
    mutes: tuple[tuple[int, int, bool, bool], ...]  # (muter, muted, early, notifications)
    posts: tuple[PostSpec, ...]
    likes: tuple[Pair, ...]  # (account, post index)
    reposts: tuple[Pair, ...]  # (account, post index); at most one per post


@st.composite
def worlds(draw: st.DrawFn) -> World:
    n = draw(st.integers(4, 6))
    pairs = [(a, b) for a in range(n) for b in range(n) if a != b]
    locked = tuple(draw(st.lists(st.booleans(), min_size=n, max_size=n)))
    follows = tuple(sorted(draw(st.sets(st.sampled_from(pairs), max_size=len(pairs)))))
    authorised = frozenset(pair for pair in follows if locked[pair[1]] and draw(st.booleans()))
    blocked = sorted(draw(st.sets(st.sampled_from(pairs), max_size=3)))
    blocks = tuple((a, b, draw(st.booleans())) for a, b in blocked)
    muted = sorted(draw(st.sets(st.sampled_from(pairs), max_size=3)))
    mutes = tuple((a, b, draw(st.booleans()), draw(st.booleans())) for a, b in muted)
    posts: list[PostSpec] = []
    for index in range(draw(st.integers(3, 9))):
        author = draw(st.integers(0, n - 1))
        mentions = draw(st.sets(st.integers(0, n - 1), max_size=2)) - {author}
        reply_to = draw(st.none() | st.integers(0, index - 1)) if index else None
        posts.append(PostSpec(author, draw(st.sampled_from(VISIBILITIES)),
                              tuple(sorted(mentions)), reply_to, draw(st.booleans())))
    targets = st.integers(0, len(posts) - 1)
    likes = tuple(sorted(draw(st.sets(st.tuples(st.integers(0, n - 1), targets), max_size=4))))
    reposted = draw(st.dictionaries(targets, st.integers(0, n - 1), max_size=3))
    reposts = tuple((account, post) for post, account in sorted(reposted.items()))
    return World(n, locked, follows, authorised, blocks, mutes, tuple(posts), likes, reposts)


@dataclass(eq=False)
class MPost:
    """A post as the model knows it; `sid` is its id on the server."""

    sid: str
    author: int
    visibility: str
    mentions: frozenset[int] = frozenset()
    parent: MPost | None = None
    tagged: bool = False
    repost_of: MPost | None = None

    @property
    def reply_account(self) -> int | None:
        return self.parent.author if self.parent is not None else None

    def describe(self) -> str:
        kind = f"repost of {self.repost_of.sid}" if self.repost_of else self.visibility
        extra = f" replying to {self.parent.sid} by {self.parent.author}" if self.parent else ""
        return (f"post {self.sid} by {self.author} ({kind}, mentions "
                f"{sorted(self.mentions)}{extra})")


Notification = tuple[int, str, int, str | None]  # (recipient, type, sender, post sid)


@dataclass
class Model:
    """The state of the world and the rules; every query is evaluated on the final state."""

    n: int
    follows: set[Pair] = field(default_factory=set)
    pending: set[Pair] = field(default_factory=set)
    blocks: set[Pair] = field(default_factory=set)
    mutes: dict[Pair, bool] = field(default_factory=dict)
    posts: list[MPost] = field(default_factory=list)
    # The world's posts by index as written (None: the server refused it, as expected).
    posts_written: list[MPost | None] = field(default_factory=list)
    entries: set[tuple[int, str]] = field(default_factory=set)
    notifications: list[Notification] = field(default_factory=list)
    likes: dict[str, list[int]] = field(default_factory=dict)
    reposters: dict[str, list[int]] = field(default_factory=dict)
    # Each account's direct conversations, keyed by (thread root, people): the newest post
    # filed there for it (at the time it was written: a later block or mute files no more).
    conversations: dict[tuple[int, str, frozenset[int]], MPost] = field(default_factory=dict)

    # -- the rules ------------------------------------------------------------------------

    def hidden(self, viewer: int | None, other: int, mutes: MuteScope = "posts") -> bool:
        """The viewer blocks or is blocked by `other`, or mutes it (per `mutes`)."""
        if viewer is None or viewer == other:
            return False
        if (viewer, other) in self.blocks or (other, viewer) in self.blocks:
            return True
        if mutes == "none" or (viewer, other) not in self.mutes:
            return False
        return mutes == "posts" or self.mutes[(viewer, other)]

    def can_view(self, viewer: int | None, post: MPost) -> bool:
        public = post.visibility in ("public", "unlisted")
        if viewer is None:
            return public
        if viewer == post.author:
            return True
        if (post.author, viewer) in self.blocks:
            return False
        if public or viewer in post.mentions:
            return True
        return post.visibility == "private" and (viewer, post.author) in self.follows

    def can_open(self, viewer: int | None, post: MPost) -> bool:
        """Status get: the post, and for a repost its original, are visible."""
        original = post.repost_of
        return self.can_view(viewer, post) and (original is None
                                                or self.can_view(viewer, original))

    def _home_shows(self, viewer: int, post: MPost) -> bool:
        involved = [post.author, *post.mentions]
        if post.reply_account is not None:
            involved.append(post.reply_account)
        return not any(self.hidden(viewer, other) for other in involved)

    def home_shows(self, viewer: int, post: MPost) -> bool:
        if (viewer, post.sid) not in self.entries or not self.can_open(viewer, post):
            return False
        if post.author == viewer:
            return True
        original = post.repost_of
        return self._home_shows(viewer, post) and (original is None
                                                   or self._home_shows(viewer, original))

    def in_public(self, viewer: int | None, post: MPost, *, tag: bool = False) -> bool:
        if post.visibility != "public" or post.repost_of is not None:
            return False
        if tag:
            if not post.tagged:
                return False
        elif post.reply_account not in (None, post.author):
            return False
        return not self.hidden(viewer, post.author)

    def in_account(self, viewer: int | None, post: MPost) -> bool:
        original = post.repost_of
        return self.can_open(viewer, post) and (original is None
                                                or not self.hidden(viewer, original.author))

    def in_thread(self, viewer: int | None, post: MPost) -> bool:
        return self.can_view(viewer, post) and not self.hidden(viewer, post.author)

    def shown_accounts(self, viewer: int | None, accounts: list[int]) -> set[int]:
        """favourited_by / reblogged_by: blocked accounts (either way) are left out."""
        return {account for account in accounts if not self.hidden(viewer, account, "none")}

    def listed_notifications(self, viewer: int) -> set[tuple[str, int, str | None]]:
        by_sid = {post.sid: post for post in self.posts}
        return {(kind, sender, sid) for recipient, kind, sender, sid in self.notifications
                if recipient == viewer and not self.hidden(viewer, sender, "notifications")
                and (sid is None or self.can_view(viewer, by_sid[sid]))}

    # -- what happens ---------------------------------------------------------------------

    def notify(self, recipient: int, kind: str, sender: int, sid: str | None) -> None:
        if recipient == sender or self.hidden(recipient, sender, "notifications"):
            return
        if sid is not None and (recipient, kind, sender, sid) in self.notifications:
            return
        self.notifications.append((recipient, kind, sender, sid))

    def follow(self, follower: int, target: int, locked: bool) -> None:
        if locked:
            self.pending.add((follower, target))
            self.notify(target, "follow_request", follower, None)
        else:
            self.follows.add((follower, target))
            self.notify(target, "follow", follower, None)

    def authorise(self, follower: int, target: int) -> None:
        self.pending.discard((follower, target))
        self.follows.add((follower, target))
        # An accepted request's notification goes, as Mastodon's does.
        request = (target, "follow_request", follower, None)
        self.notifications = [n for n in self.notifications if n != request]

    def block(self, blocker: int, blocked: int) -> None:
        self.blocks.add((blocker, blocked))
        for a, b in ((blocker, blocked), (blocked, blocker)):
            if (a, b) in self.follows:  # the unmerge job empties a's home of b's posts
                self.entries -= {(a, post.sid) for post in self.posts if post.author == b}
            self.follows.discard((a, b))
            self.pending.discard((a, b))
        self.notifications = [note for note in self.notifications
                              if (note[0], note[2]) != (blocker, blocked)]

    def _has_original(self, owner: int, original: MPost) -> bool:
        return any((owner, post.sid) in self.entries for post in self.posts
                   if post is original or post.repost_of is original)

    def _receives(self, receiver: int, post: MPost) -> bool:
        replied = post.reply_account
        if replied is not None and replied != post.author and receiver != replied \
                and (receiver, replied) not in self.follows:
            return False
        original = post.repost_of
        if original is not None and (self._has_original(receiver, original)
                                     or self.hidden(receiver, original.author)):
            return False
        return not self.hidden(receiver, post.author)

    def fan_out(self, post: MPost) -> None:
        """Home delivery, as the fan-out job does it (run to completion before the next)."""
        delivered: set[int] = set()
        if post.repost_of is None or not self._has_original(post.author, post.repost_of):
            delivered.add(post.author)
        if post.visibility == "direct":
            audience = {m for m in post.mentions if (m, post.author) in self.follows}
        else:
            audience = {a for a, b in self.follows if b == post.author}
        delivered |= {receiver for receiver in audience if self._receives(receiver, post)}
        self.entries |= {(receiver, post.sid) for receiver in delivered}

    def add_post(self, post: MPost) -> None:
        self.posts.append(post)
        for mentioned in sorted(post.mentions):
            self.notify(mentioned, "mention", post.author, post.sid)
        self.fan_out(post)
        if post.visibility == "direct":
            self.file_direct(post)

    def file_direct(self, post: MPost) -> None:
        """A direct post reaches the conversations of its author and of the mentioned who
        do not block, mute or get blocked by the author (conversations/direct.py)."""
        root = post
        while root.parent is not None:
            root = root.parent
        people = post.mentions | {post.author}
        for person in people:
            if not self.hidden(person, post.author):
                self.conversations[(person, root.sid, people)] = post

    def like(self, account: int, post: MPost) -> None:
        self.likes.setdefault(post.sid, []).append(account)
        self.notify(post.author, "favourite", account, post.sid)

    def repost_outcome(self, account: int, post: MPost) -> int:
        """The HTTP status a repost request gets."""
        if not self.can_view(account, post):
            return 404
        if post.visibility == "direct" or (post.visibility == "private"
                                           and post.author != account):
            return 403
        return 200

    def add_repost(self, repost: MPost) -> None:
        assert repost.repost_of is not None
        self.reposters.setdefault(repost.repost_of.sid, []).append(repost.author)
        self.posts.append(repost)
        self.notify(repost.repost_of.author, "reblog", repost.author, repost.repost_of.sid)
        self.fan_out(repost)

    def descendants(self, post: MPost) -> list[MPost]:
        below: list[MPost] = []
        frontier = [post]
        while frontier:
            current = frontier.pop()
            children = [p for p in self.posts if p.parent is current]
            below.extend(children)
            frontier.extend(children)
        return below

    def ancestors(self, post: MPost) -> list[MPost]:
        chain: list[MPost] = []
        current = post.parent
        while current is not None:
            chain.append(current)
            current = current.parent
        return list(reversed(chain))
