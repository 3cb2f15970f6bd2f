"""The endpoints apps call (issue 16, item 5): accounts by ids, familiar followers, private
notes, removing a follower, muting a conversation, translation, /api/v1/profile
(familiar_followers answering at all is the routing rule's: tests/unit/test_routing.py)."""

from __future__ import annotations

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from support.clients import Clients, TestUser


def auth(user: TestUser) -> dict[str, str]:
    return {"authorization": f"Bearer {user.api.access_token}"}


def test_familiar_followers_and_accounts_by_ids(clients: Clients, http: httpx.Client) -> None:
    viewer, friend, other, target, lonely = (clients.new_user(p) for p in (
        "famviewer", "famfriend", "famother", "famtarget", "famlonely"))
    viewer.api.account_follow(friend.id)
    viewer.api.account_follow(other.id)
    for follower in (friend, other):
        follower.api.account_follow(target.id)
    viewer.api.account_follow(target.id)  # the viewer is not their own familiar follower
    known = viewer.api.account_familiar_followers([target.id, lonely.id])
    assert [entry["id"] for entry in known] == [target.id, lonely.id]
    assert {a["id"] for a in known[0]["accounts"]} == {friend.id, other.id}
    assert known[1]["accounts"] == []
    # Once the viewer stops following one, it is no longer familiar.
    viewer.api.account_unfollow(other.id)
    [entry] = viewer.api.account_familiar_followers(target.id)
    assert [a["id"] for a in entry["accounts"]] == [friend.id]
    assert http.get("/api/v1/accounts/familiar_followers",
                    params={"id[]": target.id}).status_code == 401
    # GET /api/v1/accounts?id[]=: in the order asked, unknown ids left out.
    found = viewer.api.accounts([lonely.id, "99999999", friend.id, lonely.id])
    assert [account["id"] for account in found] == [lonely.id, friend.id]
    assert http.get("/api/v1/accounts", params={"id[]": ["x", friend.id]}).json()[0][
        "id"] == friend.id
    assert http.get("/api/v1/accounts").json() == []


def test_private_note_in_the_relationship(clients: Clients, http: httpx.Client) -> None:
    writer, subject, third = (clients.new_user(p) for p in ("notewriter", "notesubject",
                                                             "notethird"))
    rel = writer.api.account_note_set(subject.id, "met at the conference")
    assert rel["note"] == "met at the conference" and rel["id"] == subject.id
    assert writer.api.account_relationships([subject.id])[0]["note"] == "met at the conference"
    # A note is the writer's own.
    assert third.api.account_relationships([subject.id])[0]["note"] == ""
    assert writer.api.account_note_set(subject.id, "changed")["note"] == "changed"
    assert writer.api.account_note_set(subject.id, "")["note"] == ""
    assert writer.api.account_relationships([subject.id])[0]["note"] == ""
    with pytest.raises(MastodonNotFoundError):
        writer.api.account_note_set("99999999", "nobody")
    response = http.post(f"/api/v1/accounts/{subject.id}/note", headers=auth(writer),
                         data={"comment": "x" * 2001})
    assert response.status_code == 422 and "too long" in response.json()["error"]
    assert writer.api.account_relationships([subject.id])[0]["note"] == ""
    assert http.post(f"/api/v1/accounts/{subject.id}/note",
                     data={"comment": "hi"}).status_code == 401


def test_remove_from_followers(clients: Clients, http: httpx.Client) -> None:
    owner, follower = clients.new_user("rmowner"), clients.new_user("rmfollower")
    follower.api.account_follow(owner.id)
    assert owner.api.account_relationships([follower.id])[0]["followed_by"] is True
    rel = owner.api.account_remove_from_followers(follower.id)
    assert rel["followed_by"] is False
    assert follower.api.account_relationships([owner.id])[0]["following"] is False
    assert owner.api.account(owner.id)["followers_count"] == 0
    assert follower.api.account(follower.id)["following_count"] == 0
    # Again, or for someone who never followed: nothing changes.
    assert owner.api.account_remove_from_followers(follower.id)["followed_by"] is False
    with pytest.raises(MastodonNotFoundError):
        owner.api.account_remove_from_followers("99999999")
    assert http.post(f"/api/v1/accounts/{follower.id}/remove_from_followers"
                     ).status_code == 401


def notification_types(user: TestUser) -> list[tuple[str, str | None]]:
    return [(n["type"], n["status"]["id"] if n.get("status") else None)
            for n in user.api.notifications()]


def test_muted_conversation_is_silent(clients: Clients) -> None:
    author, replier, liker = (clients.new_user(p) for p in ("muteauthor", "mutereplier",
                                                             "muteliker"))
    root = author.api.status_post("a thread")
    first = replier.api.status_post(f"@{author.username} first", in_reply_to_id=root["id"])
    assert ("mention", first["id"]) in notification_types(author)
    muted = author.api.status_mute(root["id"])
    assert muted["muted"] is True
    # The viewer's mark is theirs, on every post of the thread, wherever it shows.
    assert author.api.status(first["id"])["muted"] is True
    assert replier.api.status(root["id"])["muted"] is False
    assert author.api.status_mute(root["id"])["muted"] is True  # again: no error
    second = replier.api.status_post(f"@{author.username} second", in_reply_to_id=first["id"])
    liker.api.status_favourite(root["id"])
    liker.api.status_reblog(root["id"])
    seen = notification_types(author)
    assert ("mention", second["id"]) not in seen
    assert ("favourite", root["id"]) not in seen and ("reblog", root["id"]) not in seen
    # Muting from a reply mutes the same thread; unmuting from another post unmutes it.
    assert author.api.status_unmute(second["id"])["muted"] is False
    assert author.api.status(root["id"])["muted"] is False
    third = replier.api.status_post(f"@{author.username} third", in_reply_to_id=root["id"])
    assert ("mention", third["id"]) in notification_types(author)
    other = author.api.status_post("another thread")
    assert author.api.status(other["id"])["muted"] is False
    with pytest.raises(MastodonNotFoundError):
        author.api.status_mute("99999999")
    private = author.api.status_post("followers only", visibility="private")
    with pytest.raises(MastodonNotFoundError):
        liker.api.status_mute(private["id"])


def test_translate_without_a_translation_service(clients: Clients, http: httpx.Client
                                                 ) -> None:
    author, reader = clients.new_user("trauthor"), clients.new_user("trreader")
    post = author.api.status_post("bonjour tout le monde", language="fr")
    with pytest.raises(MastodonAPIError) as refused:
        reader.api.status_translate(post["id"], lang="en")
    assert refused.value.args[1] == 403
    response = http.post(f"/api/v1/statuses/{post['id']}/translate", headers=auth(reader))
    assert response.status_code == 403
    assert response.json() == {"error": "This action is not allowed"}
    private = author.api.status_post("secret", visibility="private")
    response = http.post(f"/api/v1/statuses/{private['id']}/translate", headers=auth(reader))
    assert response.status_code == 404
    assert http.post(f"/api/v1/statuses/{post['id']}/translate").status_code == 401
    instance = http.get("/api/v2/instance").json()
    assert instance["configuration"]["translation"]["enabled"] is False


def test_profile(clients: Clients, http: httpx.Client) -> None:
    user = clients.new_user("profiler")
    checked = clients.schema_log.session()  # Mastodon.py gates these on version 4.6
    url = f"{clients.server.base_url}/api/v1/profile"
    profile = checked.get(url, headers=auth(user)).json()
    assert profile["id"] == user.id and profile["avatar"] is None
    response = checked.patch(url, headers=auth(user), data={
        "display_name": "Pro Filer", "note": "plain *text*", "locked": "true",
        "hide_collections": "true", "avatar_description": "a cat",
        "fields_attributes[0][name]": "site", "fields_attributes[0][value]": "example"})
    assert response.status_code == 200
    profile = response.json()
    assert profile["display_name"] == "Pro Filer" and profile["note"] == "plain *text*"
    assert profile["locked"] is True and profile["hide_collections"] is True
    assert profile["avatar_description"] == "a cat" and profile["header_description"] == ""
    assert profile["fields"] == [{"name": "site", "value": "example", "verified_at": None}]
    assert user.api.account_verify_credentials()["display_name"] == "Pro Filer"
    assert checked.get(url, headers=auth(user)).json() == profile
    response = checked.patch(url, headers=auth(user), data={"display_name": "x" * 31})
    assert response.status_code == 422
    assert http.get("/api/v1/profile").status_code == 401
