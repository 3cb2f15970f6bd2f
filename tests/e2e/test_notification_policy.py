"""Notification policy (v2), notification requests, and the admin notifications."""

from __future__ import annotations

import os
import subprocess
import sys
from typing import Any

import httpx
import pytest
from mastodon import MastodonAPIError, MastodonNotFoundError

from support.clients import PASSWORD, Clients, TestUser, eventually
from support.server import LiveServer
from support.streams import streaming


def bearer(user: TestUser) -> dict[str, str]:
    return {"Authorization": f"Bearer {user.api.access_token}"}


def kinds(notifications: Any) -> list[str]:
    return [n["type"] for n in notifications]


def test_default_policy_filters_private_mentions_from_strangers(clients: Clients) -> None:
    me, friend, stranger = (clients.new_user(n) for n in ("pme", "pfriend", "pstranger"))
    policy = me.api.notifications_policy()
    assert (policy["for_not_following"], policy["for_private_mentions"]) == ("accept", "filter")
    assert policy["summary"]["pending_requests_count"] == 0
    me.api.account_follow(friend.id)
    friend.api.status_post(f"@{me.username} from a friend", visibility="direct")
    first = stranger.api.status_post(f"@{me.username} psst", visibility="direct")
    second = stranger.api.status_post(f"@{me.username} psst again", visibility="direct")
    stranger.api.status_post(f"@{me.username} in public")  # public mentions pass
    assert kinds(me.api.notifications()) == ["mention", "mention"]
    [request] = me.api.notification_requests()
    assert request["account"]["id"] == stranger.id
    assert str(request["notifications_count"]) == "2"
    assert request["last_status"]["id"] == second["id"]
    assert me.api.notification_request(request["id"])["id"] == request["id"]
    summary = me.api.notifications_policy()["summary"]
    assert (summary["pending_requests_count"], summary["pending_notifications_count"]) == (1, 2)
    held = me.api.notifications(account_id=stranger.id)  # one sender's: filtered ones too
    assert [n["status"]["id"] for n in held if n["status"]["visibility"] == "direct"] == [
        second["id"], first["id"]]
    assert me.api.notifications(id=held[-1]["id"])["status"]["id"] == first["id"]
    assert me.api.grouped_notifications(account_id=stranger.id)["notification_groups"]
    assert me.api.notifications_unread_count()["count"] == 2

    me.api.accept_notification_request(request["id"])
    assert me.api.notifications_merged() is True
    assert me.api.notification_requests() == []
    assert kinds(me.api.notifications()) == ["mention"] * 4
    stranger.api.status_post(f"@{me.username} thanks for accepting", visibility="direct")
    assert kinds(me.api.notifications()) == ["mention"] * 5  # now always let through
    with pytest.raises(MastodonNotFoundError):
        me.api.notification_request(request["id"])


def test_answers_to_ones_own_private_mention_are_never_filtered(clients: Clients) -> None:
    me, other = clients.new_user("pasker"), clients.new_user("panswerer")
    question = me.api.status_post(f"@{other.username} a private question", visibility="direct")
    other.api.status_post(f"@{me.username} the answer", visibility="direct",
                          in_reply_to_id=question["id"])
    assert kinds(me.api.notifications()) == ["mention"]
    assert me.api.notification_requests() == []


def test_dismissing_drops_the_held_notifications(clients: Clients, http: httpx.Client) -> None:
    me = clients.new_user("pdismiss")
    spammers = [clients.new_user("pspam") for _ in range(3)]
    for spammer in spammers:
        spammer.api.status_post(f"@{me.username} buy now", visibility="direct")
    requests = me.api.notification_requests()
    assert [r["account"]["id"] for r in requests] == [s.id for s in reversed(spammers)]
    me.api.dismiss_notification_request(requests[0]["id"])
    me.api.dismiss_multiple_notification_requests([requests[1]["id"], "12345"])
    [left] = me.api.notification_requests()
    assert left["account"]["id"] == spammers[0].id
    assert http.get("/api/v1/notifications", params={"include_filtered": "true"},
                    headers=bearer(me)).json()[0]["account"]["id"] == spammers[0].id
    me.api.accept_multiple_notification_requests([left["id"]])
    assert [n["account"]["id"] for n in me.api.notifications()] == [spammers[0].id]
    first = http.get("/api/v1/notifications/requests", params={"limit": 1},
                     headers=bearer(me))
    assert first.status_code == 200 and first.json() == []


def test_policy_settings_filter_and_drop(clients: Clients) -> None:
    me, mutual, followed, follower, stranger = (clients.new_user(n) for n in (
        "ppolicy", "pmutual", "pfollowed", "pfollower", "pnobody"))
    for friend in (mutual, followed):
        me.api.account_follow(friend.id)
    for fan in (mutual, follower):
        fan.api.account_follow(me.id)
    updated = me.api.update_notifications_policy(for_not_following="drop",
                                                 for_not_followers="filter")
    assert (updated["for_not_following"], updated["for_not_followers"]) == ("drop", "filter")
    assert me.api.notifications_policy()["for_private_mentions"] == "filter"  # unchanged
    mine = me.api.status_post("judge me")
    for user in (mutual, followed, follower, stranger):
        user.api.status_favourite(mine["id"])
    # mutual: passes; followed only: filtered (not a follower); follower only: dropped (not
    # followed); stranger: dropped (the strictest setting that applies wins).
    assert [n["account"]["id"] for n in me.api.notifications(types=["favourite"])] == [
        mutual.id]
    assert [r["account"]["id"] for r in me.api.notification_requests()] == [followed.id]
    me.api.update_notifications_policy(for_not_following="accept")
    newcomer = clients.new_user("pnew")
    newcomer.api.status_favourite(mine["id"])  # not a follower: filtered now
    assert [r["account"]["id"] for r in me.api.notification_requests()] == [
        newcomer.id, followed.id]
    me.api.update_notifications_policy(for_not_followers="accept", for_new_accounts="filter")
    later = clients.new_user("pnewer")
    later.api.account_follow(me.id)  # a brand-new account: held back
    assert later.id in [r["account"]["id"] for r in me.api.notification_requests()]


def test_policy_and_requests_bad_input(clients: Clients, http: httpx.Client) -> None:
    me, other = clients.new_user("pbad"), clients.new_user("pbad")
    other.api.status_post(f"@{me.username} hi", visibility="direct")
    [request] = me.api.notification_requests()
    headers = bearer(me)
    for body in ({"for_not_following": "maybe"}, {"for_new_accounts": 3}):
        response = http.patch("/api/v2/notifications/policy", json=body, headers=headers)
        assert response.status_code == 422 and "error" in response.json()
    for path in ("/api/v2/notifications/policy", "/api/v1/notifications/requests",
                 f"/api/v1/notifications/requests/{request['id']}",
                 "/api/v1/notifications/requests/merged"):
        assert http.get(path).status_code == 401
    for bad in ("abc", "99999", "99999999999999999999"):
        assert http.get(f"/api/v1/notifications/requests/{bad}",
                        headers=headers).status_code == 404
        for action in ("accept", "dismiss"):
            assert http.post(f"/api/v1/notifications/requests/{bad}/{action}",
                             headers=headers).status_code == 404
    assert http.get(f"/api/v1/notifications/requests/{request['id']}",
                    headers=bearer(other)).status_code == 404  # not theirs
    assert http.post("/api/v1/notifications/requests/accept", headers=headers,
                     json={}).status_code == 422
    reader = clients.new_user("pread", scopes=["read"])
    with pytest.raises(MastodonAPIError):
        reader.api.update_notifications_policy(for_not_following="filter")
    assert me.api.notification_requests()[0]["id"] == request["id"]  # nothing changed


def _make_admin(server: LiveServer, tmp_path: Any, name: str) -> None:
    env = {**os.environ, "PARLEY_DATABASE_URL": server.database_url,
           "PARLEY_DATA_DIR": str(tmp_path)}
    created = subprocess.run(
        [sys.executable, "-m", "parley", "account", "create", name, "--email",
         f"{name}@example.com", "--password", PASSWORD, "--admin"],
        env=env, text=True, capture_output=True, timeout=120, check=False)
    assert created.returncode == 0, created.stderr


def test_admins_hear_of_sign_ups(server: LiveServer, clients: Clients, tmp_path: Any) -> None:
    _make_admin(server, tmp_path, "padmin")
    admin = clients.mastodon()
    admin.log_in(username="padmin@example.com", password=PASSWORD, allow_http=True)
    newcomers = [clients.new_user("psignup") for _ in range(2)]
    signups = [n for n in admin.notifications(types=["admin.sign_up"])
               if n["account"]["id"] in {u.id for u in newcomers}]
    assert [n["account"]["id"] for n in signups] == [u.id for u in reversed(newcomers)]
    [group] = admin.grouped_notifications(types=["admin.sign_up"])["notification_groups"]
    assert group["notifications_count"] >= 2
    assert newcomers[0].api.notifications() == []  # only admins hear of them


def test_admins_hear_of_reports(server: LiveServer, clients: Clients, tmp_path: Any) -> None:
    _make_admin(server, tmp_path, "radmin")
    admin = clients.mastodon()
    admin.log_in(username="radmin@example.com", password=PASSWORD, allow_http=True)
    reporter, target = clients.new_user("reporter"), clients.new_user("reported")
    post = target.api.status_post("something reportable")
    with streaming(admin.stream_user) as recorder:
        report = reporter.api.report(target.id, status_ids=[post["id"]], comment="spam",
                                     category="spam")
        assert eventually(lambda: any(n["type"] == "admin.report"
                                      for n in recorder.of("notification")))
    reports = [n for n in admin.notifications(types=["admin.report"])
               if n["report"]["id"] == report["id"]]
    assert len(reports) == 1
    assert reports[0]["account"]["id"] == reporter.id
    assert reports[0]["report"]["target_account"]["id"] == target.id
    # The stream, the notification by id and its group carry the same Report.
    [live] = [n for n in recorder.of("notification") if n["type"] == "admin.report"]
    assert (live["id"], live["report"]["id"]) == (reports[0]["id"], report["id"])
    assert admin.notifications(id=reports[0]["id"])["report"] == reports[0]["report"]
    [group] = admin.grouped_notification(reports[0]["group_key"])["notification_groups"]
    assert (group["type"], group["report"]) == ("admin.report", reports[0]["report"])
    assert reporter.api.notifications(types=["admin.report"]) == []
