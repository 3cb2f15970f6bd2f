"""Blocks, mutes and domain blocks through Mastodon.py: the endpoints, and their effect on
follows, timelines, threads, notifications, interactions and lists of accounts."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonError, MastodonNotFoundError
from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.notifications.service import notify
from parley.posts.models import Mention, Post
from parley.social.models import Follow
from support.clients import Clients, TestUser, eventually
from support.database import ServerDatabase
from support.server import LiveServer


@pytest.fixture(scope="module")
def server_db(server: LiveServer) -> Iterator[ServerDatabase]:
    database = ServerDatabase(server.database_url)
    yield database
    database.close()


def ids(items: Any) -> list[str]:
    return [str(item["id"]) for item in items]


def home_ids(user: TestUser) -> list[str]:
    return ids(user.api.timeline_home(limit=40))


def bearer(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def me(user: TestUser) -> dict[str, Any]:
    return dict(user.api.account_verify_credentials())


def test_block_ends_follows_both_ways_with_counters(clients: Clients) -> None:
    alice, bob, carol = (clients.new_user("blka"), clients.new_user("blkb"),
                         clients.new_user("blkc"))
    alice.api.account_follow(bob.id)
    bob.api.account_follow(alice.id)
    carol.api.account_follow(alice.id)
    assert me(alice)["following_count"] == 1 and me(alice)["followers_count"] == 2
    rel = alice.api.account_block(bob.id)
    assert rel["blocking"] and not rel["following"] and not rel["followed_by"]
    assert not rel["blocked_by"] and not rel["muting"]
    [seen_by_bob] = bob.api.account_relationships(alice.id)
    assert seen_by_bob["blocked_by"] and not seen_by_bob["blocking"]
    assert not seen_by_bob["following"] and not seen_by_bob["followed_by"]
    assert me(alice)["following_count"] == 0 and me(alice)["followers_count"] == 1
    assert me(bob)["following_count"] == 0 and me(bob)["followers_count"] == 0
    assert ids(alice.api.blocks()) == [bob.id]
    again = alice.api.account_block(bob.id)  # idempotent
    assert again["blocking"] and ids(alice.api.blocks()) == [bob.id]
    lifted = alice.api.account_unblock(bob.id)
    assert not lifted["blocking"] and not lifted["following"]
    assert alice.api.blocks() == []
    assert not bob.api.account_relationships(alice.id)[0]["blocked_by"]


def test_block_removes_pending_requests_and_forbids_following(clients: Clients) -> None:
    locked, asker = clients.new_user("blklock"), clients.new_user("blkask")
    locked.api.account_update_credentials(locked=True)
    assert asker.api.account_follow(locked.id)["requested"]
    assert ids(locked.api.follow_requests()) == [asker.id]
    locked.api.account_block(asker.id)
    assert locked.api.follow_requests() == []
    assert not asker.api.account_relationships(locked.id)[0]["requested"]
    for follower, target in ((asker, locked), (locked, asker)):
        with pytest.raises(MastodonAPIError) as refused:
            follower.api.account_follow(target.id)
        assert refused.value.args[1] == 403


def test_blocked_viewer_sees_nothing_of_the_blocker(clients: Clients) -> None:
    blocker, blocked, other = (clients.new_user("blkr"), clients.new_user("blkd"),
                               clients.new_user("blko"))
    post = blocker.api.status_post("you will not see this")
    theirs = blocked.api.status_post("but I can still open this if I want")
    blocker.api.account_block(blocked.id)
    with pytest.raises(MastodonNotFoundError):
        blocked.api.status(post["id"])
    with pytest.raises(MastodonNotFoundError):
        blocked.api.status_context(post["id"])
    assert blocked.api.account_statuses(blocker.id) == []
    for action in (blocked.api.status_favourite, blocked.api.status_reblog,
                   blocked.api.status_bookmark):
        with pytest.raises(MastodonNotFoundError):
            action(post["id"])
    with pytest.raises(MastodonNotFoundError):
        blocked.api.status_post("a reply", in_reply_to_id=post["id"])
    # The blocker opened the blocked account's post on purpose: that still works.
    assert blocker.api.status(theirs["id"])["id"] == theirs["id"]
    public_for_blocker = ids(blocker.api.timeline_public(limit=40))
    public_for_blocked = ids(blocked.api.timeline_public(limit=40))
    assert theirs["id"] not in public_for_blocker and post["id"] not in public_for_blocked
    anonymous = ids(clients.anonymous().timeline_public(limit=40))
    assert {post["id"], theirs["id"]} <= set(anonymous)
    # A repost by a third account does not carry the post across the block.
    repost = other.api.status_reblog(post["id"])
    with pytest.raises(MastodonNotFoundError):
        blocked.api.status(repost["id"])
    assert repost["id"] not in ids(blocked.api.account_statuses(other.id))
    assert blocked.api.statuses([post["id"], repost["id"], theirs["id"]])[0]["id"] == theirs["id"]


def test_block_clears_home_both_ways(clients: Clients) -> None:
    reader, author, booster = (clients.new_user("blkhr"), clients.new_user("blkha"),
                               clients.new_user("blkhb"))
    reader.api.account_follow(author.id)
    reader.api.account_follow(booster.id)
    before = author.api.status_post("in the home timeline")
    boosted = booster.api.status_reblog(before["id"])
    assert eventually(lambda: before["id"] in home_ids(reader))
    author.api.account_block(reader.id)  # the author blocks: the reader loses it at once
    assert before["id"] not in home_ids(reader) and boosted["id"] not in home_ids(reader)
    later = author.api.status_post("written after the block")
    marker = booster.api.status_post("a marker from someone else")
    assert eventually(lambda: marker["id"] in home_ids(reader))
    assert later["id"] not in home_ids(reader)
    assert not reader.api.account_relationships(author.id)[0]["following"]


def test_context_and_interaction_lists_leave_blocked_accounts_out(clients: Clients) -> None:
    host, blocker, blocked = (clients.new_user("blkt"), clients.new_user("blktr"),
                              clients.new_user("blktd"))
    root = host.api.status_post("a thread everyone answers")
    by_blocker = blocker.api.status_post("first answer", in_reply_to_id=root["id"])
    by_blocked = blocked.api.status_post("second answer", in_reply_to_id=root["id"])
    below = host.api.status_post("answering the blocked one", in_reply_to_id=by_blocked["id"])
    for user in (blocker, blocked):
        user.api.status_favourite(root["id"])
        user.api.status_reblog(root["id"])
    blocker.api.account_block(blocked.id)
    for viewer, hidden, shown in ((blocker, by_blocked, by_blocker),
                                  (blocked, by_blocker, by_blocked)):
        descendants = ids(viewer.api.status_context(root["id"])["descendants"])
        assert hidden["id"] not in descendants and shown["id"] in descendants
        assert below["id"] in descendants  # replies under a hidden post still show
    for viewer in (blocker, blocked):  # each sees only themself of the two
        assert ids(viewer.api.status_favourited_by(root["id"])) == [viewer.id]
        assert ids(viewer.api.status_reblogged_by(root["id"])) == [viewer.id]
    assert set(ids(host.api.status_favourited_by(root["id"]))) == {blocker.id, blocked.id}
    assert len(clients.anonymous().status_reblogged_by(root["id"])) == 2
    with pytest.raises(MastodonNotFoundError):  # the blocked one may not open the blocker's
        blocked.api.status_context(by_blocker["id"])


def test_block_stops_and_hides_notifications(clients: Clients) -> None:
    quiet, noisy = clients.new_user("blkn"), clients.new_user("blknn")
    noisy.api.account_follow(quiet.id)
    mine = quiet.api.status_post("like this")
    noisy.api.status_favourite(mine["id"])
    assert len(quiet.api.notifications()) == 2
    quiet.api.account_block(noisy.id)
    assert quiet.api.notifications() == []
    noisy.api.status_post(f"@{quiet.username} can you hear me?")
    quiet.api.account_unblock(noisy.id)
    # The block deleted the older ones; what was sent during the block never existed.
    assert quiet.api.notifications() == []
    noisy.api.status_unfavourite(mine["id"])
    noisy.api.status_favourite(mine["id"])
    assert [n["type"] for n in quiet.api.notifications()] == ["favourite"]


def test_mute_hides_from_feeds_but_not_from_a_direct_look(clients: Clients) -> None:
    reader, loud, friend = (clients.new_user("mutr"), clients.new_user("mutl"),
                            clients.new_user("mutf"))
    reader.api.account_follow(loud.id)
    reader.api.account_follow(friend.id)
    tag = f"mutetag{new_id()}"
    before = loud.api.status_post(f"before the mute #{tag}")
    assert eventually(lambda: before["id"] in home_ids(reader))
    rel = reader.api.account_mute(loud.id)
    assert rel["muting"] and rel["muting_notifications"] and rel["following"]
    after = loud.api.status_post(f"during the mute #{tag}")
    reply = friend.api.status_post(f"@{loud.username} answering the loud one",
                                   in_reply_to_id=after["id"])
    mention = friend.api.status_post(f"hey @{loud.username}")
    marker = friend.api.status_post("a marker")
    assert eventually(lambda: marker["id"] in home_ids(reader))
    home = home_ids(reader)
    assert not {before["id"], after["id"], reply["id"], mention["id"]} & set(home)
    assert not {before["id"], after["id"]} & set(ids(reader.api.timeline_public(limit=40)))
    assert reader.api.timeline_hashtag(tag) == []
    assert len(clients.anonymous().timeline_hashtag(tag)) == 2
    assert reader.api.status(after["id"])["id"] == after["id"]
    assert ids(reader.api.account_statuses(loud.id)) == [after["id"], before["id"]]
    context = reader.api.status_context(reply["id"])
    assert context["ancestors"] == []
    [muted] = reader.api.mutes()
    assert muted["id"] == loud.id and muted["mute_expires_at"] is None
    reader.api.account_unmute(loud.id)
    # What came during the mute never reached the home timeline; what was there is back.
    assert before["id"] in home_ids(reader) and after["id"] not in home_ids(reader)
    assert reader.api.mutes() == []


def test_mute_notifications_flag_and_duration(clients: Clients) -> None:
    quiet, chatty = clients.new_user("mutn"), clients.new_user("mutc")
    rel = quiet.api.account_mute(chatty.id, notifications=False)
    assert rel["muting"] and not rel["muting_notifications"]
    chatty.api.status_post(f"@{quiet.username} still heard")
    assert [n["type"] for n in quiet.api.notifications()] == ["mention"]
    quiet.api.account_mute(chatty.id)  # muting again replaces the options
    assert quiet.api.notifications() == []
    chatty.api.status_post(f"@{quiet.username} not heard")
    quiet.api.account_unmute(chatty.id)
    assert [n["type"] for n in quiet.api.notifications()] == ["mention"]
    timed = quiet.api.account_mute(chatty.id, duration=3600)
    assert timed["muting"]
    [muted] = quiet.api.mutes()
    assert muted["mute_expires_at"] is not None and muted["mute_expires_at"] > utcnow()
    quiet.api.account_mute(chatty.id, duration=1)
    assert eventually(lambda: quiet.api.mutes() == [])  # an expired mute is gone
    assert not quiet.api.account_relationships(chatty.id)[0]["muting"]


def test_blocks_and_mutes_lists_page_with_links(clients: Clients) -> None:
    owner = clients.new_user("blkp")
    others = [clients.new_user("blkpx") for _ in range(3)]
    for other in others:
        owner.api.account_block(other.id)
        owner.api.account_mute(other.id)
    for fetch in (owner.api.blocks, owner.api.mutes):
        first = fetch(limit=2)
        assert ids(first) == [others[2].id, others[1].id]
        second = owner.api.fetch_next(first)
        assert second is not None and ids(second) == [others[0].id]


async def _remote_world(session: AsyncSession, local_id: int, domain: str) -> tuple[int, int]:
    """A remote account on `domain` that follows `local_id` and mentions it in a public
    post (federation is not built yet, so the rows go in directly)."""
    account_id, post_id = new_id(), new_id()
    session.add(Account(id=account_id, username="spammer", domain=domain,
                        acct_key=f"spammer@{domain}", uri=f"https://{domain}/users/spammer",
                        url=f"https://{domain}/@spammer", fields=[], following_count=1))
    await session.flush()
    session.add(Post(id=post_id, account_id=account_id, domain=domain,
                     uri=f"https://{domain}/statuses/{post_id}", text="buy now",
                     content="<p>buy now</p>", visibility="public", thread_id=post_id,
                     created_at=utcnow()))
    session.add(Follow(id=new_id(), account_id=account_id, target_account_id=local_id,
                       state="accepted"))
    await session.flush()
    session.add(Mention(post_id=post_id, account_id=local_id))
    await session.execute(update(Account).where(Account.id == local_id)
                          .values(followers_count=Account.followers_count + 1))
    await notify(session, recipient_id=local_id, from_account_id=account_id, type="mention",
                 post_id=post_id)
    return account_id, post_id


def test_domain_block_hides_the_domain_and_its_followers(clients: Clients,
                                                         server_db: ServerDatabase) -> None:
    local = clients.new_user("dblk")
    domain = f"spam{new_id()}.example"
    remote_id, post_id = server_db.write(lambda s: _remote_world(s, int(local.id), domain))
    assert str(post_id) in ids(local.api.timeline_public(limit=40))
    assert [n["type"] for n in local.api.notifications()] == ["mention"]
    assert me(local)["followers_count"] == 1
    local.api.domain_block(f"HTTPS://{domain.upper()}/some/path")
    assert local.api.domain_blocks() == [domain]
    assert str(post_id) not in ids(local.api.timeline_public(limit=40))
    assert local.api.notifications() == []
    [rel] = local.api.account_relationships(remote_id)
    assert rel["domain_blocking"] and not rel["followed_by"]
    assert me(local)["followers_count"] == 0
    assert local.api.status(post_id)["id"] == str(post_id)  # a direct look still works
    local.api.domain_block(domain)  # idempotent
    assert local.api.domain_blocks() == [domain]
    local.api.domain_unblock(domain)
    assert local.api.domain_blocks() == []
    assert str(post_id) in ids(local.api.timeline_public(limit=40))


def test_domain_blocks_page_and_reject_bad_domains(clients: Clients,
                                                    http: httpx.Client) -> None:
    user = clients.new_user("dblp")
    for name in ("a.example", "b.example", "c.example"):
        user.api.domain_block(name)
    first = http.get("/api/v1/domain_blocks", params={"limit": 2}, headers=bearer(user))
    assert first.json() == ["c.example", "b.example"] and 'rel="next"' in first.headers["link"]
    next_url = first.headers["link"].split(">")[0].lstrip("<")
    assert http.get(next_url, headers=bearer(user)).json() == ["a.example"]
    own = http.get("/api/v1/instance").json()["uri"]
    for bad in ("", "not a domain", "-x-.example", "localhost", "a" * 300 + ".example", own):
        response = http.post("/api/v1/domain_blocks", data={"domain": bad},
                             headers=bearer(user))
        assert response.status_code == 422, bad
        assert "error" in response.json()
    assert http.post("/api/v1/domain_blocks", headers=bearer(user)).status_code == 422
    assert http.request("DELETE", "/api/v1/domain_blocks", json={"domain": "a.example"},
                        headers=bearer(user)).json() == {}
    assert len(user.api.domain_blocks()) == 2


def test_block_and_mute_bad_input(clients: Clients, http: httpx.Client) -> None:
    user, other = clients.new_user("blkbad"), clients.new_user("blkbad")
    for verb in ("block", "unblock", "mute", "unmute"):
        for bad in ("abc", "999999", "99999999999999999999"):
            response = http.post(f"/api/v1/accounts/{bad}/{verb}", headers=bearer(user))
            assert response.status_code == 404 and "error" in response.json()
        assert http.post(f"/api/v1/accounts/{other.id}/{verb}").status_code == 401
    for verb in ("block", "mute"):
        assert http.post(f"/api/v1/accounts/{user.id}/{verb}",
                         headers=bearer(user)).status_code == 403
    for duration in ("abc", "-5", "1.5"):
        response = http.post(f"/api/v1/accounts/{other.id}/mute", data={"duration": duration},
                             headers=bearer(user))
        assert response.status_code == 422, duration
    for path in ("/api/v1/blocks", "/api/v1/mutes", "/api/v1/domain_blocks"):
        assert http.get(path).status_code == 401
        odd = http.get(path, params={"limit": "x", "max_id": "y"}, headers=bearer(user))
        assert odd.status_code == 200 and odd.json() == []
    reader = clients.mastodon()
    reader.log_in(username=f"{user.username}@example.com", password=user.password,
                  scopes=["read"], allow_http=True)
    with pytest.raises(MastodonError):
        reader.account_block(other.id)
    with pytest.raises(MastodonError):
        reader.domain_block("x.example")
    assert reader.blocks() == []
