"""The deterministic synthetic social network (numpy): accounts, follows, posts, mentions.

Accounts are indexed 0..N-1: regular users first, then the planted celebrities (exactly
F followers each), then the probes (following exactly K accounts each). Posts are indexed in
time order, so a reply's parent always has a smaller index and a smaller id.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import numpy as np
import numpy.typing as npt

from bench.tiers import Tier

Ints = npt.NDArray[np.int64]
PUBLIC, UNLISTED, PRIVATE = 0, 1, 2
VISIBILITY_NAMES = ("public", "unlisted", "private")
ID_SHIFT = 16


@dataclass
class Graph:
    """Everything the loader writes, as arrays; ids are snowflakes like the app's."""

    tier: Tier
    seed: int
    account_ids: Ints
    usernames: list[str]
    follow_src: Ints  # account indices
    follow_dst: Ints
    post_ids: Ints
    post_author: Ints  # account index
    post_parent: Ints  # post index, -1 for a root
    post_thread: Ints  # post index of the root
    post_visibility: Ints
    mention_post: Ints  # post index
    mention_account: Ints  # account index
    celebrities: dict[int, int]  # followers -> account index
    probes: dict[int, int]  # followees -> account index
    active: Ints  # account indices that get tokens and precomputed homes
    conversation_roots: Ints  # post indices
    start_ms: int
    timings: dict[str, float] = field(default_factory=dict)

    @property
    def accounts(self) -> int:
        return len(self.account_ids)

    def created_ms(self) -> Ints:
        return self.post_ids >> ID_SHIFT


def _zipf_weights(n: int, s: float, rng: np.random.Generator) -> npt.NDArray[np.float64]:
    """Popularity of each regular user: rank r has weight 1/r^s, ranks shuffled."""
    weights = 1.0 / np.arange(1, n + 1, dtype=np.float64) ** s
    weights = weights[rng.permutation(n)]
    return weights / weights.sum()


def _sample(weights: npt.NDArray[np.float64], size: int, rng: np.random.Generator) -> Ints:
    """`size` draws with replacement by weight (inverse CDF: fast for millions)."""
    cdf = np.cumsum(weights)
    picks = np.searchsorted(cdf, rng.random(size) * cdf[-1], side="right")
    return np.minimum(picks, len(weights) - 1).astype(np.int64)


def _follows(tier: Tier, rng: np.random.Generator, popularity: npt.NDArray[np.float64]
             ) -> tuple[Ints, Ints, dict[int, int], dict[int, int]]:
    users = tier.users
    drawn = rng.lognormal(np.log(tier.follow_median), tier.follow_sigma, users)
    counts = np.clip(np.rint(drawn), 1, users - 1).astype(np.int64)
    src = np.repeat(np.arange(users, dtype=np.int64), counts)
    dst = _sample(popularity, len(src), rng)
    srcs, dsts = [src], [dst]
    celebrities: dict[int, int] = {}
    for offset, followers in enumerate(tier.celebrities):
        index = users + offset
        celebrities[followers] = index
        srcs.append(rng.choice(users, min(followers, users), replace=False).astype(np.int64))
        dsts.append(np.full(len(srcs[-1]), index, dtype=np.int64))
    probes: dict[int, int] = {}
    for offset, followees in enumerate(tier.probes):
        index = users + len(tier.celebrities) + offset
        probes[followees] = index
        targets = rng.choice(users, min(followees, users), replace=False, p=popularity)
        dsts.append(targets.astype(np.int64))
        srcs.append(np.full(len(targets), index, dtype=np.int64))
    src, dst = np.concatenate(srcs), np.concatenate(dsts)
    keep = src != dst
    total = users + len(tier.celebrities) + len(tier.probes)
    pairs = np.unique(src[keep] * total + dst[keep])  # sorted: follower-major, deduplicated
    return pairs // total, pairs % total, celebrities, probes


def _conversation_slots(tier: Tier, n_posts: int, rng: np.random.Generator) -> Ints:
    """Post positions of each conversation, shape (conversations, length); never shared."""
    length = tier.conversation_length
    taken = np.zeros(n_posts, dtype=bool)
    slots = np.empty((tier.conversations, length), dtype=np.int64)
    for c in range(tier.conversations):
        while True:
            gaps = rng.integers(1, max(2, n_posts // (tier.conversations * length * 4)), length)
            gaps[0] = 0
            root = int(rng.integers(0, max(1, n_posts - int(gaps.sum()) - 1)))
            positions = root + np.cumsum(gaps)
            if positions[-1] < n_posts and not taken[positions].any():
                break
        taken[positions] = True
        slots[c] = positions
    return slots


def _roots_of(parent: Ints) -> Ints:
    """The thread root of every post by pointer jumping (parents precede children)."""
    root = np.where(parent < 0, np.arange(len(parent)), parent)
    while True:
        nxt = root[root]
        if np.array_equal(nxt, root):
            return root
        root = nxt


@dataclass
class _Posts:
    author: Ints
    parent: Ints
    visibility: Ints
    mention_post: list[Ints]
    mention_account: list[Ints]


def _conversations(tier: Tier, slots: Ints, posts: _Posts, active_regular: Ints,
                   rng: np.random.Generator) -> None:
    """Threads of exactly `conversation_length` posts among 3-6 participants each."""
    for positions in slots:
        people = rng.choice(active_regular, int(rng.integers(3, 7)), replace=False)
        authors = [int(people[0])]
        posts.author[positions[0]] = people[0]
        for k in range(1, len(positions)):
            parent_k = k - 1 if rng.random() < 0.6 else int(rng.integers(0, k))
            parent_author = authors[parent_k]
            author = int(rng.choice(people[people != parent_author]))
            authors.append(author)
            posts.author[positions[k]] = author
            posts.parent[positions[k]] = positions[parent_k]
    replies = slots[:, 1:].ravel()
    posts.mention_post.append(replies)
    posts.mention_account.append(posts.author[posts.parent[replies]])


def _regular_posts(tier: Tier, free: Ints, posts: _Posts, celebrities: list[int],
                   popularity: npt.NDArray[np.float64], rng: np.random.Generator) -> None:
    users = tier.users
    activity = rng.lognormal(0.0, 1.2, users)
    posts.author[free] = _sample(activity / activity.sum(), len(free), rng)
    # Planted celebrities post roots spread over the whole period.
    celebrity_slots = rng.choice(len(free), len(celebrities) * tier.celebrity_posts,
                                 replace=False)
    posts.author[free[celebrity_slots]] = np.repeat(celebrities, tier.celebrity_posts)
    is_reply = rng.random(len(free)) < tier.reply_share
    is_reply[celebrity_slots] = False
    rank = np.arange(len(free))
    back = rank - rng.integers(1, 5001, len(free))
    is_reply &= back >= 0
    posts.parent[free[is_reply]] = free[back[is_reply]]
    roots = free[~is_reply]
    posts.visibility[roots] = rng.choice(3, len(roots), p=[0.88, 0.08, 0.04])
    replies = free[is_reply]
    parent_author = posts.author[posts.parent[replies]]
    others = parent_author != posts.author[replies]
    posts.mention_post.append(replies[others])
    posts.mention_account.append(parent_author[others])
    mentioning = roots[rng.random(len(roots)) < tier.mention_share]
    mentioned = _sample(popularity, len(mentioning), rng)
    ok = mentioned != posts.author[mentioning]
    posts.mention_post.append(mentioning[ok])
    posts.mention_account.append(mentioned[ok])


def generate(tier: Tier, seed: int = 1) -> Graph:
    """The network of `tier`; the same seed always gives the same network."""
    started = time.perf_counter()
    rng = np.random.default_rng(seed)
    popularity = _zipf_weights(tier.users, tier.zipf_s, rng)
    src, dst, celebrities, probes = _follows(tier, rng, popularity)
    total = tier.users + len(tier.celebrities) + len(tier.probes)
    now_ms = int(time.time() * 1000) - 60_000
    start_ms = now_ms - tier.days * 86_400_000
    account_ids = ((start_ms - 86_400_000) << ID_SHIFT) + np.arange(total, dtype=np.int64)
    usernames = [f"user{i}" for i in range(tier.users)]
    usernames += [f"celebrity{f}" for f in tier.celebrities]
    usernames += [f"probe{k}" for k in tier.probes]
    active_regular = np.sort(rng.choice(tier.users, min(tier.active, tier.users), replace=False))
    active = np.concatenate([active_regular, np.arange(tier.users, total, dtype=np.int64)])

    n_posts = tier.posts
    step = ((now_ms - start_ms) << ID_SHIFT) // n_posts
    post_ids = (start_ms << ID_SHIFT) + np.arange(n_posts, dtype=np.int64) * step
    posts = _Posts(author=np.zeros(n_posts, dtype=np.int64),
                   parent=np.full(n_posts, -1, dtype=np.int64),
                   visibility=np.zeros(n_posts, dtype=np.int64), mention_post=[],
                   mention_account=[])
    slots = _conversation_slots(tier, n_posts, rng)
    in_conversation = np.zeros(n_posts, dtype=bool)
    in_conversation[slots.ravel()] = True
    _conversations(tier, slots, posts, active_regular, rng)
    free = np.flatnonzero(~in_conversation).astype(np.int64)
    _regular_posts(tier, free, posts, list(celebrities.values()), popularity, rng)
    return Graph(
        tier=tier, seed=seed, account_ids=account_ids, usernames=usernames,
        follow_src=src, follow_dst=dst, post_ids=post_ids, post_author=posts.author,
        post_parent=posts.parent, post_thread=_roots_of(posts.parent),
        post_visibility=posts.visibility,
        mention_post=np.concatenate(posts.mention_post).astype(np.int64),
        mention_account=np.concatenate(posts.mention_account).astype(np.int64),
        celebrities=celebrities, probes=probes, active=active,
        conversation_roots=slots[:, 0].copy(), start_ms=start_ms,
        timings={"generate_s": time.perf_counter() - started},
    )
