"""Lists through Mastodon.py: CRUD, members, list timelines filled by the fan-out,
replies_policy, exclusive lists, and what an unfollow does to them."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mastodon import MastodonError, MastodonNotFoundError

from support.clients import Clients, TestUser, eventually


def auth(user: TestUser) -> dict[str, str]:
    return {"authorization": f"Bearer {user.api.access_token}"}


def list_ids(user: TestUser, list_id: str) -> set[str]:
    return {status["id"] for status in user.api.timeline_list(list_id, limit=40)}


def home_ids(user: TestUser) -> set[str]:
    return {status["id"] for status in user.api.timeline_home(limit=40)}


def settled(author: TestUser, status: dict[str, Any]) -> bool:
    """The post's fan-out job ran: the home and list inserts are one transaction, and the
    author's own home entry is written by it too."""
    return status["id"] in home_ids(author)


def test_list_crud_and_bad_input(clients: Clients, http: httpx.Client) -> None:
    owner, other = clients.new_user("listowner"), clients.new_user("listother")
    created = owner.api.list_create("Friends", replies_policy="followed", exclusive=True)
    assert (created["title"], created["replies_policy"], created["exclusive"]) == (
        "Friends", "followed", True)
    second = owner.api.list_create("Work")
    assert (second["replies_policy"], second["exclusive"]) == ("list", False)
    assert [lst["id"] for lst in owner.api.lists()] == [created["id"], second["id"]]
    assert owner.api.list(created["id"])["title"] == "Friends"
    updated = owner.api.list_update(created["id"], "Close friends", replies_policy="none",
                                    exclusive=False)
    assert (updated["title"], updated["replies_policy"], updated["exclusive"]) == (
        "Close friends", "none", False)
    # Someone else's list does not exist for you.
    with pytest.raises(MastodonNotFoundError):
        other.api.list(created["id"])
    with pytest.raises(MastodonNotFoundError):
        other.api.timeline_list(created["id"])
    assert other.api.lists() == []
    owner.api.list_delete(second["id"])
    with pytest.raises(MastodonNotFoundError):
        owner.api.list(second["id"])
    headers = auth(owner)
    for body in ({"title": "  "}, {}, {"title": "x", "replies_policy": "everyone"},
                 {"title": "x", "exclusive": "maybe"}, {"title": ["a"]}):
        response = http.post("/api/v1/lists", json=body, headers=headers)
        assert response.status_code == 422, (body, response.text)
    assert http.get("/api/v1/lists/abc", headers=headers).status_code == 404
    assert http.get("/api/v1/timelines/list/0", headers=headers).status_code == 404
    assert http.get("/api/v1/lists").status_code == 401
    reader = clients.new_user("listreader", scopes=["read"])
    with pytest.raises(MastodonError):
        reader.api.list_create("nope")


def test_members_must_be_followed(clients: Clients, http: httpx.Client) -> None:
    owner, friend, stranger = (clients.new_user("memowner"), clients.new_user("memfriend"),
                               clients.new_user("memstranger"))
    lst = owner.api.list_create("People")
    with pytest.raises(MastodonError):
        owner.api.list_accounts_add(lst["id"], [stranger.id])
    owner.api.account_follow(friend.id)
    owner.api.list_accounts_add(lst["id"], [friend.id])
    owner.api.list_accounts_add(lst["id"], [friend.id])  # again: nothing changes
    assert [account["id"] for account in owner.api.list_accounts(lst["id"])] == [friend.id]
    assert [found["id"] for found in owner.api.account_lists(friend.id)] == [lst["id"]]
    assert owner.api.account_lists(stranger.id) == []
    headers = auth(owner)
    url = f"/api/v1/lists/{lst['id']}/accounts"
    assert http.post(url, json={"account_ids": ["99999999"]}, headers=headers).status_code == 404
    assert http.post(url, json={"account_ids": ["abc"]}, headers=headers).status_code == 404
    assert http.post(url, json={}, headers=headers).status_code == 422
    assert http.get(url, params={"limit": 0}, headers=headers).status_code == 200
    owner.api.list_accounts_delete(lst["id"], [friend.id])
    assert owner.api.list_accounts(lst["id"]) == []
    assert owner.api.account_lists(friend.id) == []


def test_list_timeline_gets_members_posts(clients: Clients) -> None:
    owner, member, outsider = (clients.new_user("ltowner"), clients.new_user("ltmember"),
                               clients.new_user("ltoutsider"))
    owner.api.account_follow(member.id)
    owner.api.account_follow(outsider.id)
    older = member.api.status_post("written before I was listed")
    lst = owner.api.list_create("Members")
    owner.api.list_accounts_add(lst["id"], [member.id])
    assert eventually(lambda: older["id"] in list_ids(owner, lst["id"]))  # merged in
    newer = member.api.status_post("written while listed")
    private = member.api.status_post("followers only", visibility="private")
    direct = member.api.status_post(f"@{owner.username} just us", visibility="direct")
    elsewhere = outsider.api.status_post("not in the list")
    assert eventually(lambda: {newer["id"], private["id"]} <= list_ids(owner, lst["id"]))
    assert eventually(lambda: settled(member, direct) and settled(outsider, elsewhere))
    assert not {direct["id"], elsewhere["id"]} & list_ids(owner, lst["id"])
    # Not exclusive: the home timeline has the members' posts as usual.
    assert {newer["id"], elsewhere["id"]} <= home_ids(owner)
    page = owner.api.timeline_list(lst["id"], limit=1)
    assert [status["id"] for status in page] == [private["id"]]
    # Removing the member empties the list timeline at once.
    owner.api.list_accounts_delete(lst["id"], [member.id])
    assert list_ids(owner, lst["id"]) == set()


def test_exclusive_list_keeps_members_out_of_home(clients: Clients) -> None:
    owner, member, other = (clients.new_user("exowner"), clients.new_user("exmember"),
                            clients.new_user("exother"))
    owner.api.account_follow(member.id)
    owner.api.account_follow(other.id)
    lst = owner.api.list_create("Loud", exclusive=True)
    owner.api.list_accounts_add(lst["id"], [member.id])
    loud = member.api.status_post("lots of posts")
    reposted = other.api.status_post("something to repost")
    repost = member.api.status_reblog(reposted["id"])
    calm = other.api.status_post("a calm post")
    assert eventually(lambda: {loud["id"], repost["id"]} <= list_ids(owner, lst["id"]))
    assert eventually(lambda: calm["id"] in home_ids(owner))
    assert not {loud["id"], repost["id"]} & home_ids(owner)
    # Leaving the exclusive list lets new posts into home again.
    owner.api.list_update(lst["id"], "Loud", exclusive=False)
    back = member.api.status_post("back in home")
    assert eventually(lambda: back["id"] in home_ids(owner))


def test_replies_policy(clients: Clients) -> None:
    owner, author, member, followed = (
        clients.new_user("rpowner"), clients.new_user("rpauthor"), clients.new_user("rpmember"),
        clients.new_user("rpfollowed"))
    for account in (author, member, followed):
        owner.api.account_follow(account.id)
    lists = {policy: owner.api.list_create(policy, replies_policy=policy)["id"]
             for policy in ("followed", "list", "none")}
    for list_id in lists.values():
        owner.api.list_accounts_add(list_id, [author.id, member.id])
    to_member = author.api.status_post("to a member", in_reply_to_id=member.api.status_post(
        "member's post")["id"])
    to_followed = author.api.status_post("to a followed non-member",
                                         in_reply_to_id=followed.api.status_post("hi")["id"])
    to_owner = author.api.status_post("to the owner",
                                      in_reply_to_id=owner.api.status_post("owner's")["id"])
    own_thread = author.api.status_post("my own thread", in_reply_to_id=to_owner["id"])
    assert eventually(lambda: all(settled(author, s)
                                  for s in (to_member, to_followed, to_owner, own_thread)))
    expected = {
        "followed": {to_member["id"], to_followed["id"], to_owner["id"], own_thread["id"]},
        "list": {to_member["id"], to_owner["id"], own_thread["id"]},
        "none": {to_owner["id"], own_thread["id"]},
    }
    replies = {to_member["id"], to_followed["id"], to_owner["id"], own_thread["id"]}
    for policy, list_id in lists.items():
        assert list_ids(owner, list_id) & replies == expected[policy], policy


def test_unfollow_removes_member_and_its_posts(clients: Clients) -> None:
    owner, member = clients.new_user("ufowner"), clients.new_user("ufmember")
    owner.api.account_follow(member.id)
    lst = owner.api.list_create("Soon gone")
    owner.api.list_accounts_add(lst["id"], [member.id])
    post = member.api.status_post("listed post")
    assert eventually(lambda: post["id"] in list_ids(owner, lst["id"]))
    owner.api.account_unfollow(member.id)  # ends the membership in the same transaction
    assert owner.api.list_accounts(lst["id"]) == []
    assert owner.api.account_lists(member.id) == []
    assert post["id"] not in list_ids(owner, lst["id"])
    # Following again does not bring the membership back.
    owner.api.account_follow(member.id)
    assert owner.api.list_accounts(lst["id"]) == []
