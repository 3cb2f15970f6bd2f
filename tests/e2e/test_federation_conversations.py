"""The conversations of issue #15, across three Parley servers on 127.0.0.1 (three ports:
three domains), driven with Mastodon.py as people would: a burst of replies to a one-word
post, a long exchange between two people, a three-way conversation seen alike everywhere,
direct and followers-only posts reaching only whom they are for, a locked account choosing
between two servers, a suspended server cut off both ways, edits and deletes propagated.
Following across two servers, a locked account's request too, is tests/e2e/test_federation.py's."""

from __future__ import annotations

import itertools
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from functools import partial
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from mastodon import MastodonNotFoundError
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from e2e.test_admin import make_staff
from parley.posts.models import Post
from support.clients import Clients, SchemaLog, TestUser, eventually
from support.database import ServerDatabase
from support.federation import federating, find_remote, follow_across, handle
from support.server import LiveServer

WAIT = 30.0  # seconds any one arrival may take on a loaded machine (a bound, not a measure)
Trio = tuple[LiveServer, LiveServer, LiveServer]


@pytest.fixture(scope="module")
def servers(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Trio]:
    with federating(tmp_path_factory, "conv", 3) as (a, b, c):
        yield a, b, c


@pytest.fixture(scope="module")
def sides(servers: Trio, schema_log: SchemaLog) -> tuple[Clients, Clients, Clients]:
    a, b, c = servers
    return Clients(a, schema_log), Clients(b, schema_log), Clients(c, schema_log)


@pytest.fixture(scope="module")
def databases(servers: Trio) -> Iterator[tuple[ServerDatabase, ...]]:
    opened = tuple(ServerDatabase(server.database_url) for server in servers)
    yield opened
    for database in opened:
        database.close()


# -- helpers ---------------------------------------------------------------------------------

def following(follower: TestUser, remote: dict[str, Any]) -> bool:
    return bool(eventually(
        lambda: follower.api.account_relationships(remote["id"])[0]["following"],
        timeout=WAIT))


def follows(follower: TestUser, target: TestUser, target_server: LiveServer) -> None:
    """`follower` follows `target` on another server, and the Accept came back."""
    assert following(follower, follow_across(follower, target, target_server)), (
        f"{follower.username} could not follow {target.username}")


def arrived(user: TestUser, uri: str) -> dict[str, Any]:
    """The user's server's copy of the post `uri`, once it is in their home timeline."""
    def probe() -> list[dict[str, Any]]:
        return [s for s in user.api.timeline_home(limit=40) if s["uri"] == uri]
    found = eventually(probe, timeout=WAIT)
    assert found, f"{uri} did not reach {user.username}'s home"
    return dict(found[0])


def mention(parent: dict[str, Any]) -> str:
    """The mention a reply to `parent` starts with, as a client writes it."""
    return f"@{parent['account']['acct']}"


def thread_of(user: TestUser, post_id: str) -> list[tuple[str, str | None]]:
    """The whole thread of a post as the user's server gives it (/context): each post's
    (uri, uri of the post it answers), in the order given."""
    context = user.api.status_context(post_id)
    posts = [*context["ancestors"], user.api.status(post_id), *context["descendants"]]
    uris = {str(s["id"]): s["uri"] for s in posts}
    return [(s["uri"], uris.get(str(s["in_reply_to_id"])) if s["in_reply_to_id"] else None)
            for s in posts]


def settled(databases: tuple[ServerDatabase, ...]) -> None:
    """Every server's jobs have run (deliveries sent, received activities handled), twice
    round: what one server received may send more."""
    for _ in range(2):
        for database in databases:
            database.wait_for_jobs(timeout=WAIT)


def gone(user: TestUser, post_id: str) -> bool:
    """Whether the post is no more, as the user's server says (404)."""
    try:
        user.api.status(post_id)
    except MastodonNotFoundError:
        return True
    return False


def requests_to(server: LiveServer, path_start: str) -> int:
    """How many requests for paths starting so the server's access log shows."""
    return server.log_path.read_text(errors="replace").count(f'"GET {path_start}')


def holds(database: ServerDatabase, uri: str) -> bool:
    """Whether a server keeps a post with this uri at all (its database, not its API, so
    that nothing hidden there escapes the check)."""
    async def probe(session: AsyncSession) -> bool:
        return await session.scalar(select(Post.id).where(Post.uri == uri)) is not None
    return database.read(probe)


# -- the conversations -----------------------------------------------------------------------

def test_twenty_four_replies_to_one_word(servers: Trio, sides: tuple[Clients, ...]) -> None:
    """'Frustrated.': 24 people on another server answer at once, each answer reaches the
    origin, which notifies the author 24 times and shows the 24 answers in the thread."""
    a, _, _ = servers
    author, reader = sides[0].new_user("frus"), sides[1].new_user("read")
    follows(reader, author, a)
    post = author.api.status_post("Frustrated.")
    copy = arrived(reader, post["uri"])
    repliers = [sides[1].new_user("kind") for _ in range(24)]

    def reply(replier: TestUser) -> str:
        return str(replier.api.status_post(f"{mention(copy)} what happened?",
                                           in_reply_to_id=copy["id"])["uri"])

    with ThreadPoolExecutor(max_workers=8) as pool:
        sent = set(pool.map(reply, repliers))
    def all_notified() -> list[dict[str, Any]] | None:
        found = author.api.notifications(types=["mention"], limit=40)
        return found if len(found) >= 24 else None
    notified = eventually(all_notified, timeout=2 * WAIT)
    assert notified, "not all 24 replies reached the origin"
    assert {n["status"]["uri"] for n in notified} == sent
    assert {n["account"]["acct"] for n in notified} == {handle(r, servers[1]) for r in repliers}
    replies = author.api.status_context(post["id"])["descendants"]
    assert {s["uri"] for s in replies} == sent
    assert all(s["in_reply_to_id"] == post["id"] for s in replies)
    # B asked A's WebFinger once (the reader's search): 24 mentions of someone B knows
    # did not each wait on A.
    assert requests_to(a, f"/.well-known/webfinger?resource=acct%3A{author.username}%40") == 1


def test_a_long_exchange_reads_whole_on_both_sides(servers: Trio,
                                                   sides: tuple[Clients, ...]) -> None:
    """Two people on two servers answer each other 27 times; either side's /context of the
    first post and of the last gives the same 28 posts, in the same order, as the same
    tree."""
    a, b, _ = servers
    pat, quin = sides[0].new_user("pat"), sides[1].new_user("quin")
    follows(quin, pat, a)
    follows(pat, quin, b)
    first = pat.api.status_post("Is anyone else awake?")
    sent = [(first["uri"], None)]
    last = first
    for turn in range(1, 28):
        speaker = quin if turn % 2 else pat
        seen = arrived(speaker, last["uri"])
        last = speaker.api.status_post(f"{mention(seen)} turn {turn}",
                                       in_reply_to_id=seen["id"])
        sent.append((last["uri"], seen["uri"]))
    on_a_last = arrived(pat, last["uri"])  # quin wrote the last one
    on_b_first = arrived(quin, first["uri"])
    assert thread_of(pat, first["id"]) == sent
    assert thread_of(pat, on_a_last["id"]) == sent
    assert thread_of(quin, on_b_first["id"]) == sent
    assert thread_of(quin, last["id"]) == sent


def test_a_three_way_conversation_is_one_tree_everywhere(servers: Trio,
                                                         sides: tuple[Clients, ...]) -> None:
    """Three people on three servers, each following the other two, answer each other in
    branches; each server shows the same tree, and its root's /context lists it whole."""
    people = [side.new_user(name) for side, name in zip(sides, ("ann", "ben", "cat"),
                                                          strict=True)]
    for (one, _), (other, server) in itertools.permutations(zip(people, servers,
                                                               strict=True), 2):
        follows(one, other, server)
    ann, ben, cat = people
    root = ann.api.status_post("Where should we meet?")
    tree: dict[str, str | None] = {root["uri"]: None}

    def answer(who: TestUser, to_uri: str, text: str) -> str:
        seen = arrived(who, to_uri)
        uri = str(who.api.status_post(f"{mention(seen)} {text}",
                                      in_reply_to_id=seen["id"])["uri"])
        tree[uri] = to_uri
        return uri

    from_ben = answer(ben, root["uri"], "the station")
    from_cat = answer(cat, root["uri"], "the park")
    answer(ann, from_ben, "too far")
    answer(cat, from_ben, "too loud")
    answer(ben, from_cat, "fine by me")
    last = answer(ann, from_cat, "agreed")
    wanted = sorted(tree.items())
    for who in people:
        arrived(who, last)
        local_root = arrived(who, root["uri"])
        assert sorted(thread_of(who, local_root["id"])) == wanted, who.username


def test_a_direct_conversation_reaches_only_its_servers(
        servers: Trio, sides: tuple[Clients, ...], databases: tuple[ServerDatabase, ...]
) -> None:
    """A DM from A to someone on B, answered directly: each side has the conversation (the
    answer in reply to the DM), and C, where both have a follower, never holds either, in a
    timeline or in its database."""
    a, b, _ = servers
    dee, eli, fox = sides[0].new_user("dee"), sides[1].new_user("eli"), sides[2].new_user("fox")
    follows(fox, dee, a)
    follows(fox, eli, b)
    dm = dee.api.status_post(f"@{handle(eli, b)} just between us", visibility="direct")
    received = eventually(lambda: [c["last_status"] for c in eli.api.conversations()
                                   if c["last_status"]["uri"] == dm["uri"]], timeout=WAIT)
    assert received, "the DM did not reach B"
    answer = eli.api.status_post(f"{mention(received[0])} of course",
                                 in_reply_to_id=received[0]["id"], visibility="direct")
    back = eventually(lambda: [c["last_status"] for c in dee.api.conversations()
                               if c["last_status"]["uri"] == answer["uri"]], timeout=WAIT)
    assert back, "the answer did not reach A"
    assert back[0]["in_reply_to_id"] == dm["id"] and back[0]["visibility"] == "direct"
    later = dee.api.status_post("a public word after the DM")
    arrived(fox, later["uri"])
    settled(databases)
    for uri in (dm["uri"], answer["uri"]):
        assert not holds(databases[2], uri)
        assert not [s for s in fox.api.timeline_home(limit=40) if s["uri"] == uri]


def test_a_followers_only_post_skips_servers_without_followers(
        servers: Trio, sides: tuple[Clients, ...], databases: tuple[ServerDatabase, ...]
) -> None:
    """A followers-only post goes to the servers of the author's followers (B) and not to a
    server that knows the author but follows only someone else on A (C)."""
    a, _, _ = servers
    gus, hop = sides[0].new_user("gus"), sides[0].new_user("hop")
    ida, jon = sides[1].new_user("ida"), sides[2].new_user("jon")
    follows(ida, gus, a)
    follows(jon, hop, a)
    find_remote(jon, handle(gus, a))  # C knows gus, without following him
    private = gus.api.status_post("for my followers only", visibility="private")
    public = hop.api.status_post("for everyone")
    arrived(ida, private["uri"])
    arrived(jon, public["uri"])
    settled(databases)
    assert not holds(databases[2], private["uri"])
    assert holds(databases[1], private["uri"])


def test_a_locked_account_decides_between_two_servers(
        servers: Trio, sides: tuple[Clients, ...], databases: tuple[ServerDatabase, ...]
) -> None:
    """A locked account on A is asked by someone on B and someone on C; it accepts B's
    request and refuses C's: B's follower gets its followers-only posts, C's asker is told
    no and C never holds them. (One server's request and its acceptance are
    test_federation.py's.)"""
    a, b, c = servers
    una, vic, wes = sides[0].new_user("una"), sides[1].new_user("vic"), sides[2].new_user("wes")
    una.api.account_update_credentials(locked=True)
    on_b, on_c = follow_across(vic, una, a), follow_across(wes, una, a)
    requests = eventually(lambda: una.api.follow_requests() if len(
        una.api.follow_requests()) == 2 else None, timeout=WAIT)
    assert requests, "both requests did not reach A"
    by_acct = {r["acct"]: r["id"] for r in requests}
    assert set(by_acct) == {handle(vic, b), handle(wes, c)}
    assert wes.api.account_relationships(on_c["id"])[0]["requested"]
    una.api.follow_request_authorize(by_acct[handle(vic, b)])
    una.api.follow_request_reject(by_acct[handle(wes, c)])
    assert following(vic, on_b)
    assert eventually(lambda: not wes.api.account_relationships(on_c["id"])[0]["requested"],
                      timeout=WAIT), "the refusal did not reach C"
    assert not wes.api.account_relationships(on_c["id"])[0]["following"]
    private = una.api.status_post("for the ones I let in", visibility="private")
    arrived(vic, private["uri"])
    settled(databases)
    assert not holds(databases[2], private["uri"])


def test_an_edit_reaches_every_follower(servers: Trio, sides: tuple[Clients, ...]) -> None:
    a, _, _ = servers
    kay, lou, max_ = sides[0].new_user("kay"), sides[1].new_user("lou"), sides[2].new_user("max")
    follows(lou, kay, a)
    follows(max_, kay, a)
    post = kay.api.status_post("See you at 5")
    copies = [arrived(lou, post["uri"]), arrived(max_, post["uri"])]
    kay.api.status_update(post["id"], "See you at 6")
    for reader, copy in zip((lou, max_), copies, strict=True):
        def edited(r: TestUser = reader, c: dict[str, Any] = copy) -> bool:
            return "at 6" in r.api.status(c["id"])["content"]
        assert eventually(edited, timeout=WAIT), f"the edit did not reach {reader.username}"
        assert reader.api.status(copy["id"])["edited_at"] is not None


def test_deletes_reach_every_server(servers: Trio, sides: tuple[Clients, ...]) -> None:
    """A post deleted on A leaves B's and C's timelines and threads; a reply deleted on B
    leaves A's thread and C's."""
    a, b, _ = servers
    ned, ola, pip = sides[0].new_user("ned"), sides[1].new_user("ola"), sides[2].new_user("pip")
    follows(ola, ned, a)
    follows(pip, ned, a)
    follows(pip, ola, b)
    post = ned.api.status_post("a thought I regret")
    other = ned.api.status_post("a thought I keep")
    on_b = arrived(ola, other["uri"])
    reply = ola.api.status_post(f"{mention(on_b)} keep it", in_reply_to_id=on_b["id"])
    on_a = eventually(lambda: ned.api.status_context(other["id"])["descendants"],
                      timeout=WAIT)
    assert [s["uri"] for s in on_a] == [reply["uri"]]
    copies = [(ola, arrived(ola, post["uri"])), (pip, arrived(pip, post["uri"])),
              (ned, on_a[0]), (pip, arrived(pip, reply["uri"]))]
    ned.api.status_delete(post["id"])
    ola.api.status_delete(reply["id"])
    for reader, copy in copies:
        assert eventually(partial(gone, reader, copy["id"]), timeout=WAIT), (
            f"the deletion of {copy['uri']} did not reach {reader.username}")
    assert not ned.api.status_context(other["id"])["descendants"]
    on_c = arrived(pip, other["uri"])
    assert not pip.api.status_context(on_c["id"])["descendants"]


def test_a_suspended_server_is_cut_off_both_ways(
        servers: Trio, sides: tuple[Clients, ...], databases: tuple[ServerDatabase, ...],
        schema_log: SchemaLog, tmp_path: Path) -> None:
    """An admin of A suspends C's domain: A's public posts no longer reach C's followers,
    and what C sends to A (a mention, a new follow) is refused, while B goes on as before."""
    a, b, c = servers
    rae, sam, tea = sides[0].new_user("rae"), sides[1].new_user("sam"), sides[2].new_user("tea")
    follows(sam, rae, a)
    follows(tea, rae, a)
    admin = make_staff(a, tmp_path, schema_log, "admin")
    block = admin.admin_create_domain_block(urlsplit(c.base_url).netloc, severity="suspend")
    try:
        post = rae.api.status_post("after the block")
        arrived(sam, post["uri"])
        shout = tea.api.status_post(f"@{handle(rae, a)} @{handle(sam, b)} let me in")
        newcomer = sides[2].new_user("uma")
        asked = follow_across(newcomer, rae, a)
        assert eventually(lambda: [n for n in sam.api.notifications(types=["mention"])
                                   if n["status"]["uri"] == shout["uri"]], timeout=WAIT)
        settled(databases)
        assert not holds(databases[2], post["uri"])
        assert not holds(databases[0], shout["uri"])
        assert not list(rae.api.notifications(types=["mention"]))
        assert not newcomer.api.account_relationships(asked["id"])[0]["following"]
    finally:
        admin.admin_delete_domain_block(block["id"])
