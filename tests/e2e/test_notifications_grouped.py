"""Grouped notifications (v2), unread counts and read markers, through Mastodon.py."""

from __future__ import annotations

from typing import Any

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from support.clients import Clients, TestUser

SAMPLE_SIZE = 8  # Mastodon's sample_account_ids limit


def bearer(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def groups(result: Any) -> list[dict[str, Any]]:
    return [dict(group) for group in result["notification_groups"]]


def test_two_dozen_replies_read_as_one_group(clients: Clients) -> None:
    author = clients.new_user("gauthor")
    root = author.api.status_post("Grief.")
    repliers = [clients.new_user("gfriend") for _ in range(24)]
    replies = [friend.api.status_post(f"@{author.username} thinking of you",
                                      in_reply_to_id=root["id"]) for friend in repliers]
    flat = author.api.notifications(types=["mention"], limit=40)
    assert len(flat) == 24  # v1 stays ungrouped: one notification per reply
    keys = {n["group_key"] for n in flat}
    assert len(keys) == 1 and keys.pop().startswith(f"mention-{root['id']}-")

    result = author.api.grouped_notifications(expand_accounts="full")
    [group] = groups(result)
    newest_first = [friend.id for friend in reversed(repliers)]
    assert group["type"] == "mention"
    assert group["notifications_count"] == 24
    assert [str(i) for i in group["sample_account_ids"]] == newest_first[:SAMPLE_SIZE]
    assert str(group["most_recent_notification_id"]) == str(flat[0]["id"])
    assert str(group["status_id"]) == str(replies[-1]["id"])
    assert str(group["page_max_id"]) == str(flat[0]["id"])
    assert str(group["page_min_id"]) == str(flat[-1]["id"])
    assert group["latest_page_notification_at"] is not None
    assert [str(a["id"]) for a in result["accounts"]] == newest_first[:SAMPLE_SIZE]
    assert [str(s["id"]) for s in result["statuses"]] == [str(replies[-1]["id"])]

    people = author.api.grouped_notification_accounts(group["group_key"])
    assert [str(a["id"]) for a in people] == newest_first  # all 24 participants
    whole = author.api.grouped_notification(group["group_key"])
    [same] = groups(whole)
    assert same["notifications_count"] == 24 and same.get("page_min_id") is None

    partial = author.api.grouped_notifications()  # Mastodon.py asks for partial_avatars
    assert [str(a["id"]) for a in partial["accounts"]] == newest_first[:1]
    assert [str(a["id"]) for a in partial["partial_accounts"]] == newest_first[1:SAMPLE_SIZE]
    assert set(partial["partial_accounts"][0]) >= {"id", "acct", "avatar", "url"}

    # A client that cannot show mention groups gets the 24 one by one.
    one_by_one = groups(author.api.grouped_notifications(
        grouped_types=["favourite", "reblog", "follow"], limit=40))
    assert len(one_by_one) == 24
    assert all(g["group_key"] == f"ungrouped-{g['most_recent_notification_id']}"
               for g in one_by_one)
    assert author.api.unread_grouped_notifications_count() == 1


Scene = tuple[TestUser, dict[str, Any], list[TestUser], list[TestUser]]


@pytest.fixture(scope="module")
def scene(clients: Clients) -> Scene:
    """Five likes of one post, three follows and a mention, shared by the tests below
    (the one that dismisses a group comes last)."""
    star = clients.new_user("gstar")
    post = star.api.status_post("like this")
    likers = [clients.new_user("gliker") for _ in range(5)]
    for liker in likers:
        liker.api.status_favourite(post["id"])
    followers = [clients.new_user("gfollower") for _ in range(3)]
    for follower in followers:
        follower.api.account_follow(star.id)
    followers[0].api.status_post(f"@{star.username} hello")
    return star, post, likers, followers


def test_groups_page_by_their_newest_notification(scene: Scene, http: httpx.Client) -> None:
    star, post, likers, _followers = scene
    page = groups(star.api.grouped_notifications(expand_accounts="full"))
    assert [g["type"] for g in page] == ["mention", "follow", "favourite"]
    mention, follow, favourite = page
    assert mention["group_key"].startswith("ungrouped-")
    assert (follow["notifications_count"], favourite["notifications_count"]) == (3, 5)
    assert [str(i) for i in favourite["sample_account_ids"]] == [
        liker.id for liker in reversed(likers)]
    assert str(favourite["status_id"]) == str(post["id"])
    assert follow.get("status_id") is None

    # As in Mastodon, a group may show again on a later page (its older notifications):
    # clients merge pages by group_key.
    seen = []
    response = http.get("/api/v2/notifications", params={"limit": 1}, headers=bearer(star))
    while response.json()["notification_groups"]:
        seen += [g["group_key"] for g in response.json()["notification_groups"]]
        response = http.get(response.links["next"]["url"], headers=bearer(star))
    assert list(dict.fromkeys(seen)) == [g["group_key"] for g in page]
    assert len(seen) == 9  # each page's one group stands for one notification
    newer = http.get("/api/v2/notifications", headers=bearer(star),
                     params={"min_id": str(favourite["most_recent_notification_id"])})
    assert [g["type"] for g in newer.json()["notification_groups"]] == ["mention", "follow"]

    only = groups(star.api.grouped_notifications(types=["follow"]))
    assert [g["type"] for g in only] == ["follow"]
    rest = groups(star.api.grouped_notifications(exclude_types=["follow", "mention"]))
    assert [g["type"] for g in rest] == ["favourite"]
    mine = groups(star.api.grouped_notifications(account_id=likers[0].id))
    assert [g["notifications_count"] for g in mine] == [1]


def test_unread_counts_follow_the_notifications_marker(scene: Scene) -> None:
    star = scene[0]
    assert star.api.notifications_unread_count()["count"] == 9
    assert star.api.unread_grouped_notifications_count() == 3
    assert star.api.unread_grouped_notifications_count(
        grouped_types=["follow"]) == 7  # the five likes are one each then
    flat = star.api.notifications()
    follow_ids = [n["id"] for n in flat if n["type"] == "follow"]
    star.api.markers_set("notifications", follow_ids[0])  # read up to the newest follow
    assert star.api.notifications_unread_count()["count"] == 1
    assert star.api.unread_grouped_notifications_count() == 1
    star.api.markers_set("notifications", flat[0]["id"])
    assert star.api.notifications_unread_count()["count"] == 0
    assert star.api.unread_grouped_notifications_count() == 0


def test_group_dismiss_and_single_views(scene: Scene, clients: Clients) -> None:
    star, _post, _likers, _followers = scene
    mention, follow, favourite = groups(star.api.grouped_notifications())
    single = groups(star.api.grouped_notification(mention["group_key"]))
    assert single[0]["type"] == "mention" and single[0]["notifications_count"] == 1
    assert len(star.api.grouped_notification_accounts(favourite["group_key"])) == 5
    star.api.dismiss_grouped_notification(favourite["group_key"])
    assert [g["type"] for g in groups(star.api.grouped_notifications())] == ["mention",
                                                                             "follow"]
    assert "favourite" not in {n["type"] for n in star.api.notifications()}
    with pytest.raises(MastodonNotFoundError):
        star.api.grouped_notification(favourite["group_key"])
    other = clients.new_user("gother")
    with pytest.raises(MastodonNotFoundError):  # someone else's group is not found
        other.api.grouped_notification(follow["group_key"])


def test_groups_leave_out_what_the_list_leaves_out(clients: Clients) -> None:
    """Muted and blocked senders, and posts a `hide` filter matches, are left out of groups,
    their counts and samples as they are of the ungrouped list."""
    me = clients.new_user("ghide")
    post = me.api.status_post("like or answer")
    fans = [clients.new_user("ghfan") for _ in range(4)]
    for fan in fans:
        fan.api.status_favourite(post["id"])
    me.api.account_mute(fans[1].id, notifications=True)
    me.api.account_block(fans[2].id)
    word = "ghidden"
    me.api.create_filter_v2("Hide", ["notifications"], "hide",
                            keywords_attributes=[{"keyword": word}])
    for fan, text in ((fans[0], "a kind answer"), (fans[3], f"a {word} answer")):
        fan.api.status_post(f"@{me.username} {text}", in_reply_to_id=post["id"])
    assert [(n["type"], n["account"]["id"]) for n in me.api.notifications()] == [
        ("mention", fans[0].id), ("favourite", fans[3].id), ("favourite", fans[0].id)]
    # The answers' group stands for its newest answer, which is hidden: it is left out.
    [likes] = groups(me.api.grouped_notifications(expand_accounts="full"))
    assert (likes["type"], likes["notifications_count"]) == ("favourite", 2)
    assert [str(i) for i in likes["sample_account_ids"]] == [fans[3].id, fans[0].id]
    [kind] = groups(me.api.grouped_notifications(grouped_types=["favourite"],
                                                 types=["mention"]))
    assert [str(i) for i in kind["sample_account_ids"]] == [fans[0].id]


def test_markers_store_read_positions_with_versions(clients: Clients, http: httpx.Client
                                                    ) -> None:
    me = clients.new_user("mark")
    assert me.api.markers_get(["home", "notifications"]) == {}
    saved = me.api.markers_set(["home", "notifications"], ["101", "202"])
    assert saved["home"]["last_read_id"] == "101" and saved["home"]["version"] == 0
    assert saved["notifications"]["last_read_id"] == "202"
    moved = me.api.markers_set("home", "150")
    assert moved["home"]["version"] == 1 and "notifications" not in moved
    again = me.api.markers_set("home", "150")
    assert again["home"]["version"] == 1  # not moved, not counted
    both = me.api.markers_get(["home", "notifications"])
    assert (both["home"]["last_read_id"], both["notifications"]["last_read_id"]) == (
        "150", "202")
    only = http.get("/api/v1/markers", params={"timeline[]": "notifications"},
                    headers=bearer(me)).json()
    assert list(only) == ["notifications"]
    form = http.post("/api/v1/markers", data={"home[last_read_id]": "160"},
                     headers=bearer(me))
    assert form.status_code == 200 and form.json()["home"]["version"] == 2
    for bad in ({}, {"home": {"last_read_id": "abc"}}, {"home": {}},
                {"notifications": {"last_read_id": "99999999999999999999"}}):
        response = http.post("/api/v1/markers", json=bad, headers=bearer(me))
        assert response.status_code == 422, bad
        assert "error" in response.json()
    assert http.get("/api/v1/markers").status_code == 401
    reader = clients.new_user("markread", scopes=["read"])
    with pytest.raises(MastodonAPIError):
        reader.api.markers_set("home", "1")


def test_grouped_bad_input(clients: Clients, http: httpx.Client) -> None:
    me = clients.new_user("gbad")
    headers = bearer(me)
    for path in ("/api/v2/notifications", "/api/v2/notifications/unread_count",
                 "/api/v2/notifications/favourite-1-2", "/api/v1/notifications/unread_count"):
        assert http.get(path).status_code == 401
    for key in ("favourite-1-2", "ungrouped-abc", "ungrouped-99999999999999999999",
                "x" * 200, "ungrouped-1"):
        assert http.get(f"/api/v2/notifications/{key}", headers=headers).status_code == 404
        assert http.get(f"/api/v2/notifications/{key}/accounts",
                        headers=headers).status_code == 404
        assert http.post(f"/api/v2/notifications/{key}/dismiss",
                         headers=headers).status_code == 404
    bad = http.get("/api/v2/notifications", params={"expand_accounts": "everything"},
                   headers=headers)
    assert bad.status_code == 422 and "error" in bad.json()
    for params in ({"limit": "1001"}, {"limit": "0"}, {"limit": "many"}):
        response = http.get("/api/v1/notifications/unread_count", params=params,
                            headers=headers)
        assert response.status_code == 422, params
    odd = http.get("/api/v2/notifications", headers=headers,
                   params={"account_id": "nope", "types[]": "nonsense", "max_id": "x"})
    assert odd.status_code == 200 and odd.json()["notification_groups"] == []
    reader = clients.new_user("gread", scopes=["read"])
    assert http.post("/api/v2/notifications/ungrouped-1/dismiss",
                     headers=bearer(reader)).status_code == 403
