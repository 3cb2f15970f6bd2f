"""Property-based visibility: hypothesis builds small random worlds (accounts, locked ones,
follows and requests, blocks, mutes, posts of every visibility with mentions and replies,
likes and reposts) through the API of the live server; then, for every viewer (and the
signed-out public) and every post, each endpoint in CHECKERS must show the post exactly when
the pure-Python model in support/visibility_world.py says the rules allow it.

PARLEY_PROPERTY_EXAMPLES sets how many worlds (CI can ask for more); unless it is set, a time
budget (PARLEY_PROPERTY_BUDGET seconds) keeps the test to a couple of minutes. The summary
line (pytest -s) gives the number of checks and the PARLEY_PROPERTY_SEED that replays a run.
"""

from __future__ import annotations

import contextlib
import itertools
import os
import random
import time
from collections import defaultdict
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import httpx
import pytest
from hypothesis import HealthCheck, given, seed, settings

from support.clients import PASSWORD, Clients, eventually
from support.database import ServerDatabase
from support.server import LiveServer
from support.visibility_world import Model, MPost, World, worlds

EXAMPLES = int(os.environ.get("PARLEY_PROPERTY_EXAMPLES", "50"))
BUDGET = float(os.environ.get("PARLEY_PROPERTY_BUDGET",
                              "0" if "PARLEY_PROPERTY_EXAMPLES" in os.environ else "200"))
_names = itertools.count(1)
Viewer = int | None


@dataclass
class Probe:
    """One built world: the server's ids for the model's accounts and posts, and an HTTP
    client that speaks for any of the accounts (or nobody)."""

    http: httpx.Client
    model: Model
    world: World
    account_ids: list[str]
    tokens: list[str]
    tag: str
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def viewers(self) -> list[Viewer]:
        return [None, *range(self.world.n)]

    def call(self, method: str, path: str, viewer: Viewer, **kwargs: Any) -> httpx.Response:
        headers = {} if viewer is None else {"Authorization": f"Bearer {self.tokens[viewer]}"}
        response = self.http.request(method, path, headers=headers, **kwargs)
        assert response.status_code < 500, f"{method} {path}: {response.text}"
        return response

    def get(self, path: str, viewer: Viewer, **params: Any) -> Any:
        response = self.call("GET", path, viewer, params=params)
        assert response.status_code == 200, f"GET {path} as {viewer}: {response.text}"
        return response.json()

    def pages(self, path: str, viewer: Viewer, **params: Any) -> list[Any]:
        """Every item of a paged list, following max_id down."""
        items: list[Any] = []
        while True:
            page = self.get(path, viewer, limit=40, **params)
            items.extend(page)
            if len(page) < 40:
                return items
            params["max_id"] = page[-1]["id"]

    def count(self, endpoint: str, checks: int) -> None:
        self.counts[endpoint] = self.counts.get(endpoint, 0) + checks

    def who(self, viewer: Viewer) -> str:
        return "the public" if viewer is None else f"account {viewer}"


def agree(probe: Probe, endpoint: str, viewer: Viewer, candidates: list[MPost],
          shown: set[str], allowed: Callable[[MPost], bool]) -> None:
    """Each candidate post is shown iff the model allows it; nothing else from this world
    (or beyond it) shows."""
    known = {post.sid for post in probe.model.posts}
    for post in candidates:
        expected = allowed(post)
        assert (post.sid in shown) == expected, (
            f"{endpoint} for {probe.who(viewer)}: {post.describe()} should "
            f"{'' if expected else 'not '}show")
    strangers = shown - {post.sid for post in candidates}
    assert not strangers & known or endpoint in ("public", "tag"), (endpoint, strangers)
    probe.count(endpoint, len(candidates))


def status_ids(items: list[Any]) -> set[str]:
    return {str(item["id"]) for item in items}


# -- the endpoint checkers: (name, function of the probe) ---------------------------------

def check_status_get(probe: Probe) -> None:
    for viewer in probe.viewers:
        for post in probe.model.posts:
            response = probe.call("GET", f"/api/v1/statuses/{post.sid}", viewer)
            expected = probe.model.can_open(viewer, post)
            assert response.status_code == (200 if expected else 404), (
                f"status get for {probe.who(viewer)}: {post.describe()} -> "
                f"{response.status_code}")
        probe.count("status", len(probe.model.posts))


def _shown_below(model: Model, viewer: Viewer, below: set[MPost], post: MPost) -> bool:
    return post in below and model.in_thread(viewer, post)


def check_context(probe: Probe) -> None:
    model = probe.model
    for viewer in probe.viewers:
        for post in [p for p in model.posts if p.repost_of is None]:
            response = probe.call("GET", f"/api/v1/statuses/{post.sid}/context", viewer)
            if not model.can_view(viewer, post):
                assert response.status_code == 404, (viewer, post.describe())
                probe.count("context", 1)
                continue
            body = response.json()
            ancestors = [str(item["id"]) for item in body["ancestors"]]
            expected = [a.sid for a in model.ancestors(post) if model.in_thread(viewer, a)]
            assert ancestors == expected, (f"context ancestors for {probe.who(viewer)} of "
                                           f"{post.describe()}: {ancestors} != {expected}")
            # Every other post of the world is a candidate: below the post and visible, or
            # absent from the descendants.
            below = set(model.descendants(post))
            others = [p for p in model.posts if p.repost_of is None and p is not post
                      and p not in model.ancestors(post)]
            agree(probe, "context", viewer, others, status_ids(body["descendants"]),
                  partial(_shown_below, model, viewer, below))
            probe.count("context", len(model.ancestors(post)))


def _settled_home(probe: Probe, viewer: int, expected: set[str]) -> set[str]:
    """The viewer's home, polled briefly until it is `expected` (jobs have run already;
    this only absorbs stragglers)."""
    shown: set[str] = set()

    def settled() -> bool:
        shown.clear()
        shown.update(status_ids(probe.pages("/api/v1/timelines/home", viewer)))
        return shown == expected

    eventually(settled, timeout=5)
    return shown


def check_home(probe: Probe) -> None:
    model = probe.model
    for viewer in range(probe.world.n):
        expected = {p.sid for p in model.posts if model.home_shows(viewer, p)}
        shown = _settled_home(probe, viewer, expected)
        agree(probe, "home", viewer, model.posts, shown, partial(model.home_shows, viewer))


def check_public(probe: Probe) -> None:
    model = probe.model
    since = str(int(model.posts[0].sid) - 1)
    for viewer in probe.viewers:
        shown = status_ids(probe.get("/api/v1/timelines/public", viewer, limit=40,
                                     since_id=since))
        agree(probe, "public", viewer, model.posts, shown,
              partial(model.in_public, viewer))


def check_tag(probe: Probe) -> None:
    model = probe.model
    for viewer in probe.viewers:
        shown = status_ids(probe.pages(f"/api/v1/timelines/tag/{probe.tag}", viewer))
        agree(probe, "tag", viewer, model.posts, shown,
              partial(model.in_public, viewer, tag=True))


def check_account_statuses(probe: Probe) -> None:
    model = probe.model
    for viewer in probe.viewers:
        for account, account_id in enumerate(probe.account_ids):
            shown = status_ids(probe.pages(f"/api/v1/accounts/{account_id}/statuses", viewer))
            theirs = [p for p in model.posts if p.author == account]
            agree(probe, "account statuses", viewer, theirs, shown,
                  partial(model.in_account, viewer))


def _check_accounts_of(probe: Probe, endpoint: str, path: str,
                       source: dict[str, list[int]],
                       seen: Callable[[Viewer, MPost, int], bool] = lambda *_: True) -> None:
    """`seen(viewer, post, account)`: whether the viewer may see that account's act (a
    repost is a post of its own, with the original's visibility)."""
    model = probe.model
    for viewer in probe.viewers:
        for post in [p for p in model.posts if p.repost_of is None]:
            response = probe.call("GET", f"/api/v1/statuses/{post.sid}/{path}", viewer)
            if not model.can_view(viewer, post):
                assert response.status_code == 404, (endpoint, viewer, post.describe())
                probe.count(endpoint, 1)
                continue
            shown = {str(account["id"]) for account in response.json()}
            everyone = source.get(post.sid, [])
            expected = {probe.account_ids[a] for a in model.shown_accounts(viewer, everyone)
                        if seen(viewer, post, a)}
            assert shown == expected, (f"{endpoint} for {probe.who(viewer)} of "
                                       f"{post.describe()}: {shown} != {expected}")
            probe.count(endpoint, 1 + len(everyone))


def check_favourited_by(probe: Probe) -> None:
    _check_accounts_of(probe, "favourited_by", "favourited_by", probe.model.likes)


def check_reblogged_by(probe: Probe) -> None:
    model = probe.model

    def repost_seen(viewer: Viewer, post: MPost, reposter: int) -> bool:
        return any(model.can_view(viewer, p) for p in model.posts
                   if p.repost_of is post and p.author == reposter)

    _check_accounts_of(probe, "reblogged_by", "reblogged_by", model.reposters, repost_seen)


def check_notifications(probe: Probe) -> None:
    model = probe.model
    index = {account_id: account for account, account_id in enumerate(probe.account_ids)}
    for viewer in range(probe.world.n):
        listed = probe.pages("/api/v1/notifications", viewer, include_filtered="true")
        shown = {(n["type"], index.get(n["account"]["id"], -1),
                  str(n["status"]["id"]) if n.get("status") else None) for n in listed}
        expected = model.listed_notifications(viewer)
        assert shown == expected, (f"notifications of account {viewer}: unexpected "
                                   f"{shown - expected}, missing {expected - shown}")
        probe.count("notifications", len(model.posts) + len(expected))


def check_search(probe: Probe) -> None:
    """Full-text search, one author at a time (every post says "words"): what the viewer may
    see, without reposts or authors hidden either way; nothing for the signed-out public."""
    model = probe.model
    for viewer in probe.viewers:
        for author, author_id in enumerate(probe.account_ids):
            found = probe.get("/api/v2/search", viewer, q="words", type="statuses",
                              account_id=author_id, limit=40)["statuses"]
            theirs = [p for p in model.posts if p.author == author]
            agree(probe, "search", viewer, theirs, status_ids(found),
                  lambda post, v=viewer: (v is not None and post.repost_of is None
                                          and model.in_thread(v, post)))


def check_conversations(probe: Probe) -> None:
    """Direct-message conversations: one per (thread, author and mentioned) among the
    viewer's, each showing the newest post filed for the viewer (Model.file_direct)."""
    model = probe.model
    for viewer in range(probe.world.n):
        listed = probe.pages("/api/v1/conversations", viewer)
        shown = {str(c["last_status"]["id"]) for c in listed if c.get("last_status")}
        expected = {post.sid for (owner, _root, _people), post in model.conversations.items()
                    if owner == viewer and model.can_view(viewer, post)}
        assert shown == expected, (f"conversations of account {viewer}: unexpected "
                                   f"{shown - expected}, missing {expected - shown}")
        for conversation in [c for c in listed if c.get("last_status")]:
            post = next(p for p in model.posts
                        if p.sid == str(conversation["last_status"]["id"]))
            others = {probe.account_ids[a] for a in post.mentions | {post.author}} - {
                probe.account_ids[viewer]}
            shown_accounts = {str(a["id"]) for a in conversation["accounts"]}
            assert shown_accounts == (others or {probe.account_ids[viewer]}), conversation
        probe.count("conversations", len(expected) + len(listed))


# Later features add their endpoints here (lists...).
CHECKERS: list[tuple[str, Callable[[Probe], None]]] = [
    ("status", check_status_get),
    ("context", check_context),
    ("home", check_home),
    ("public", check_public),
    ("tag", check_tag),
    ("account statuses", check_account_statuses),
    ("favourited_by", check_favourited_by),
    ("reblogged_by", check_reblogged_by),
    ("notifications", check_notifications),
    ("search", check_search),
    ("conversations", check_conversations),
]


# -- building a world through the API -------------------------------------------------------

@dataclass
class Builder:
    """Registers the accounts and performs the world's actions in order, checking each
    answer against the model and keeping the model in step."""

    http: httpx.Client
    app_token: str
    jobs: ServerDatabase
    world: World
    model: Model = field(init=False)
    account_ids: list[str] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)
    usernames: list[str] = field(default_factory=list)

    def __post_init__(self) -> None:
        self.model = Model(self.world.n)

    def call(self, method: str, path: str, actor: int, **kwargs: Any) -> httpx.Response:
        response = self.http.request(method, path, headers={
            "Authorization": f"Bearer {self.tokens[actor]}"}, **kwargs)
        assert response.status_code < 500, f"{method} {path}: {response.text}"
        return response

    def ok(self, method: str, path: str, actor: int, **kwargs: Any) -> Any:
        response = self.call(method, path, actor, **kwargs)
        assert response.status_code == 200, f"{method} {path} as {actor}: {response.text}"
        return response.json()

    def register(self) -> None:
        for account in range(self.world.n):
            name = f"pv{next(_names)}x{account}"
            response = self.http.post("/api/v1/accounts", headers={
                "Authorization": f"Bearer {self.app_token}"}, data={
                "username": name, "email": f"{name}@example.com", "password": PASSWORD,
                "agreement": "true"})
            assert response.status_code == 200, response.text
            self.tokens.append(response.json()["access_token"])
            self.usernames.append(name)
            self.account_ids.append(self.ok("GET", "/api/v1/accounts/verify_credentials",
                                            account)["id"])
            if self.world.locked[account]:
                self.ok("PATCH", "/api/v1/accounts/update_credentials", account,
                        data={"locked": "true"})

    def follow(self) -> None:
        for follower, target in self.world.follows:
            rel = self.ok("POST", f"/api/v1/accounts/{self.account_ids[target]}/follow",
                          follower)
            locked = self.world.locked[target]
            assert rel["requested"] == locked and rel["following"] == (not locked)
            self.model.follow(follower, target, locked)
        for follower, target in sorted(self.world.authorised):
            self.ok("POST", f"/api/v1/follow_requests/{self.account_ids[follower]}/authorize",
                    target)
            self.model.authorise(follower, target)

    def exclude(self, *, early: bool) -> None:
        for blocker, blocked, when in self.world.blocks:
            if when == early:
                rel = self.ok("POST", f"/api/v1/accounts/{self.account_ids[blocked]}/block",
                              blocker)
                assert rel["blocking"] and not rel["following"] and not rel["followed_by"]
                self.model.block(blocker, blocked)
        for muter, muted, when, notifications in self.world.mutes:
            if when == early:
                rel = self.ok("POST", f"/api/v1/accounts/{self.account_ids[muted]}/mute",
                              muter, data={"notifications": str(notifications).lower()})
                assert rel["muting"] and rel["muting_notifications"] == notifications
                self.model.mutes[(muter, muted)] = notifications
        self.jobs.wait_for_jobs()

    def write_posts(self, tag: str) -> None:
        for spec in self.world.posts:
            mentions = " ".join(f"@{self.usernames[m]}" for m in spec.mentions)
            text = f"{mentions} words{' #' + tag if spec.tagged else ''}".strip()
            parent = (self.model.posts_written[spec.reply_to]
                      if spec.reply_to is not None else None)
            data = {"status": text, "visibility": spec.visibility}
            if spec.reply_to is not None:
                if parent is None:  # its parent could not be written
                    self.model.posts_written.append(None)
                    continue
                data["in_reply_to_id"] = parent.sid
            response = self.call("POST", "/api/v1/statuses", spec.author, data=data)
            if parent is not None and not self.model.can_view(spec.author, parent):
                assert response.status_code == 404, (spec, parent.describe(), response.text)
                self.model.posts_written.append(None)
                continue
            assert response.status_code == 200, (spec, response.text)
            post = MPost(str(response.json()["id"]), spec.author, spec.visibility,
                         frozenset(spec.mentions), parent, spec.tagged)
            self.model.posts_written.append(post)
            self.model.add_post(post)
            self.jobs.wait_for_jobs()  # fan-out in order, as the model does it

    def interact(self) -> None:
        written = self.model.posts_written
        for account, index in self.world.likes:
            post = written[index]
            if post is None:
                continue
            response = self.call("POST", f"/api/v1/statuses/{post.sid}/favourite", account)
            expected = 200 if self.model.can_view(account, post) else 404
            assert response.status_code == expected, (account, post.describe(), response.text)
            if expected == 200:
                self.model.like(account, post)
        for account, index in self.world.reposts:
            post = written[index]
            if post is None:
                continue
            response = self.call("POST", f"/api/v1/statuses/{post.sid}/reblog", account)
            expected = self.model.repost_outcome(account, post)
            assert response.status_code == expected, (account, post.describe(), response.text)
            if expected == 200:
                body = response.json()
                self.model.add_repost(MPost(str(body["id"]), account, body["visibility"],
                                            repost_of=post))
                self.jobs.wait_for_jobs()

    def build(self) -> Probe:
        tag = f"pv{next(_names)}tag"
        self.register()
        self.follow()
        self.jobs.wait_for_jobs()
        self.exclude(early=True)
        self.write_posts(tag)
        self.interact()
        self.exclude(early=False)
        return Probe(self.http, self.model, self.world, self.account_ids, self.tokens, tag)


@pytest.fixture(scope="module")
def jobs(server: LiveServer) -> Iterator[ServerDatabase]:
    database = ServerDatabase(server.database_url)
    yield database
    database.close()


def _app_token(http: httpx.Client, clients: Clients) -> str:
    response = http.post("/oauth/token", data={
        "grant_type": "client_credentials", "client_id": clients.client_id,
        "client_secret": clients.client_secret, "scope": "read write follow push"})
    assert response.status_code == 200, response.text
    return str(response.json()["access_token"])


class OutOfTime(BaseException):
    """Ends the hypothesis run when the time budget is spent: not an Exception, so that
    hypothesis lets it through instead of shrinking it as a failure."""


# Room for hypothesis to shrink a failing world (each try builds one on the server).
@pytest.mark.timeout(max(900, EXAMPLES * 40))
def test_every_endpoint_agrees_with_the_visibility_model(
        server: LiveServer, clients: Clients, jobs: ServerDatabase) -> None:
    totals: dict[str, int] = {}
    timings: dict[str, float] = defaultdict(float)
    started = time.monotonic()
    examples = 0
    failing = False
    run_seed = int(os.environ.get("PARLEY_PROPERTY_SEED") or random.getrandbits(64))
    print(f"visibility property: replay with PARLEY_PROPERTY_SEED={run_seed}")

    def out_of_time() -> bool:
        # Once a world fails, hypothesis must be free to shrink it, budget or not.
        return bool(BUDGET) and not failing and time.monotonic() - started > BUDGET

    with httpx.Client(base_url=server.base_url, timeout=30) as http:
        app_token = _app_token(http, clients)

        # An explicit seed (printed below) reproduces a run; it also keeps hypothesis from
        # calling the budget's early stop a failure.
        @seed(run_seed)
        @settings(max_examples=EXAMPLES, deadline=None, database=None, print_blob=True,
                  suppress_health_check=list(HealthCheck))
        @given(world=worlds())
        def one_world(world: World) -> None:
            nonlocal examples, failing
            if out_of_time():
                raise OutOfTime()
            try:
                began = time.monotonic()
                probe = Builder(http, app_token, jobs, world).build()
                timings["build"] += time.monotonic() - began
                for name, checker in CHECKERS:
                    began = time.monotonic()
                    checker(probe)
                    timings[name] += time.monotonic() - began
            except BaseException:
                failing = True
                raise
            for endpoint, checks in probe.counts.items():
                totals[endpoint] = totals.get(endpoint, 0) + checks
            examples += 1

        with contextlib.suppress(OutOfTime):
            one_world()
    total = sum(totals.values())
    detail = ", ".join(f"{name} {count}" for name, count in sorted(totals.items()))
    spent = ", ".join(f"{name} {seconds:.1f}s" for name, seconds in timings.items())
    print(f"\nvisibility property: {examples} worlds, {total} (viewer, post, endpoint) "
          f"checks, no leaks ({detail}); time: {spent}; PARLEY_PROPERTY_SEED={run_seed}")
    assert examples > 0 and total > 0
