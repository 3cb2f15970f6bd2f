"""Web Push through Mastodon.py, as clients use it: a subscription per access token, the
server's VAPID key in the instance and app entities, and a message for each kind of
notification, pushed to a push service on 127.0.0.1 that decrypts it with the subscriber's
keys; a 410 from the push service removes the subscription."""

from __future__ import annotations

import base64
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest
from mastodon import MastodonNotFoundError

from e2e.test_polls import _ask, _end_now
from support.clients import Clients, TestUser, eventually
from support.database import ServerDatabase
from support.push_receiver import Receiver, decrypt, push_receiver
from support.server import LiveServer

ALL_EVENTS = {f"{name}_events": True for name in (
    "mention", "follow", "favourite", "reblog", "follow_request", "poll", "update", "quote",
    "status")}


@pytest.fixture(scope="module")
def receiver() -> Iterator[Receiver]:
    with push_receiver() as found:
        yield found


def _subscribe(user: TestUser, receiver: Receiver, *, status: int = 201, policy: str = "all",
               **events: bool) -> tuple[str, dict[str, Any], dict[str, Any]]:
    """(endpoint, the private keys, the subscription entity)."""
    private, public = user.api.push_subscription_generate_keys()
    endpoint = receiver.endpoint(status)
    entity = user.api.push_subscription_set(endpoint, public, policy=policy,
                                            **(events or ALL_EVENTS))
    return endpoint, private, dict(entity)


def _pushed(user: TestUser, receiver: Receiver, endpoint: str, private: dict[str, Any],
            count: int) -> list[dict[str, Any]]:
    return [decrypt(user.api, message, private)
            for message in receiver.wait(endpoint, count)[:count]]


def test_subscription_lifecycle_and_the_servers_key(clients: Clients, receiver: Receiver,
                                                    http: httpx.Client) -> None:
    ana = clients.new_user("pusher")
    with pytest.raises(MastodonNotFoundError):
        ana.api.push_subscription()
    endpoint, _, entity = _subscribe(ana, receiver, mention_events=True, follow_events=True)
    assert entity["endpoint"] == endpoint
    assert entity["alerts"]["mention"] and entity["alerts"]["follow"]
    assert not entity["alerts"]["favourite"] and not entity["alerts"]["reblog"]
    key = entity["server_key"]
    assert len(base64.urlsafe_b64decode(key)) == 65  # an uncompressed P-256 point
    assert http.get("/api/v2/instance").json()["configuration"]["vapid"]["public_key"] == key
    assert ana.api.app_verify_credentials()["vapid_key"] == key
    assert dict(ana.api.push_subscription())["id"] == entity["id"]
    changed = ana.api.push_subscription_update(favourite_events=True, policy="followed")
    assert changed["alerts"]["favourite"] and not changed["alerts"]["mention"]  # replaced
    assert changed["policy"] == "followed"
    # A new subscription of the same token replaces the old one.
    again = _subscribe(ana, receiver, reblog_events=True)[2]
    assert again["id"] != entity["id"] and dict(ana.api.push_subscription())["id"] == again["id"]
    ana.api.push_subscription_delete()
    with pytest.raises(MastodonNotFoundError):
        ana.api.push_subscription()


def test_each_kind_of_notification_pushes(clients: Clients, receiver: Receiver) -> None:
    ana, bo = clients.new_user("pushed"), clients.new_user("pushy")
    bo.api.account_update_credentials(display_name="Bo Pushy")
    endpoint, private, _ = _subscribe(ana, receiver)
    post = ana.api.status_post("a post of mine to like, repost and answer")
    actions = [
        ("mention", "You were mentioned by Bo Pushy", "hello",
         lambda: bo.api.status_post(f"@{ana.username} hello")),
        ("mention", "You were mentioned by Bo Pushy", "an answer",  # a reply
         lambda: bo.api.status_reply(post, "an answer")),
        ("follow", "Bo Pushy is now following you", "",
         lambda: bo.api.account_follow(ana.id)),
        ("favourite", "Bo Pushy favorited your post", "a post of mine",
         lambda: bo.api.status_favourite(post["id"])),
        ("reblog", "Bo Pushy boosted your post", "a post of mine",
         lambda: bo.api.status_reblog(post["id"])),
        ("quote", "Bo Pushy quoted your post", "quoting you",
         lambda: bo.api.status_post("quoting you", quoted_status_id=post["id"])),
    ]
    waits = []
    for count, (kind, title, body, act) in enumerate(actions, start=1):
        started = time.monotonic()
        act()
        arrived = receiver.wait(endpoint, count)
        assert len(arrived) == count, f"no push for {kind}"
        waits.append(arrived[-1].at - started)
        message = decrypt(ana.api, arrived[-1], private)
        assert message["notification_type"] == kind
        assert message["title"] == title
        assert body in message["body"]
        assert message["icon"].startswith("http")
        assert message["access_token"] == ana.api.access_token
        assert message["preferred_locale"] == "en"
        latest = ana.api.notifications(limit=1)[0]
        assert str(message["notification_id"]) == str(latest["id"])
        assert latest["type"] == kind
    print(f"\npush latency (action answered -> message received), s: "
          f"{', '.join(f'{w:.3f}' for w in waits)}; max {max(waits):.3f}")


def test_a_410_removes_the_subscription(clients: Clients, receiver: Receiver) -> None:
    ana, bo = clients.new_user("gone"), clients.new_user("gonefan")
    endpoint, _, _ = _subscribe(ana, receiver, status=410, mention_events=True)
    bo.api.status_post(f"@{ana.username} are you there?")
    assert len(receiver.wait(endpoint, 1)) == 1

    def removed() -> bool:
        try:
            ana.api.push_subscription()
        except MastodonNotFoundError:
            return True
        return False

    assert eventually(removed)


def test_alerts_and_policy_choose_what_pushes(clients: Clients, receiver: Receiver) -> None:
    ana, friend, stranger = (clients.new_user("picky"), clients.new_user("pfriend"),
                             clients.new_user("pstranger"))
    ana.api.account_follow(friend.id)
    endpoint, private, _ = _subscribe(ana, receiver, policy="followed", mention_events=True)
    stranger.api.status_post(f"@{ana.username} from a stranger")
    post = ana.api.status_post("like it")
    friend.api.status_favourite(post["id"])  # not among the alerts
    friend.api.status_post(f"@{ana.username} from a friend")
    messages = _pushed(ana, receiver, endpoint, private, 1)
    assert [m["body"] for m in messages] == [f"@{ana.username} from a friend"]
    time.sleep(0.5)  # nothing else follows it
    assert len(receiver.messages(endpoint)) == 1


def test_a_standard_subscription_gets_rfc8291_messages(clients: Clients, receiver: Receiver,
                                                        http: httpx.Client) -> None:
    ana, bo = clients.new_user("standard"), clients.new_user("stdfan")
    private, public = ana.api.push_subscription_generate_keys()
    endpoint = receiver.endpoint()
    answer = http.post("/api/v1/push/subscription", headers={
        "Authorization": f"Bearer {ana.api.access_token}"}, json={
        "subscription": {"endpoint": endpoint, "standard": True, "keys": {
            "p256dh": base64.urlsafe_b64encode(public["pubkey"]).decode().rstrip("="),
            "auth": base64.urlsafe_b64encode(public["auth"]).decode().rstrip("=")}},
        "data": {"alerts": {"follow": True}, "policy": "all"}})
    assert answer.status_code == 200, answer.text
    assert answer.json()["standard"] is True
    bo.api.account_follow(ana.id)
    arrived = receiver.wait(endpoint, 1)
    assert arrived and arrived[0].headers["content-encoding"] == "aes128gcm"
    assert arrived[0].headers["authorization"].startswith("vapid t=")
    message = decrypt(ana.api, arrived[0], private)
    assert message["notification_type"] == "follow"


@pytest.mark.parametrize("subscription", [
    {"endpoint": "not a url", "keys": {"p256dh": "x", "auth": "y"}},
    {"endpoint": "https://push.example/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
    {"endpoint": "ftp://push.example/x", "keys": {"p256dh": "AAAA", "auth": "AAAA"}},
    {"endpoint": "https://push.example/x"},
])
def test_bad_subscriptions_are_refused(clients: Clients, http: httpx.Client,
                                       subscription: dict[str, Any]) -> None:
    ana = clients.new_user("badpush")
    headers = {"Authorization": f"Bearer {ana.api.access_token}"}
    answer = http.post("/api/v1/push/subscription", headers=headers,
                       json={"subscription": subscription})
    assert answer.status_code == 422 and "error" in answer.json()
    assert http.get("/api/v1/push/subscription", headers=headers).status_code == 404


def test_push_needs_the_push_scope(clients: Clients, http: httpx.Client) -> None:
    ana = clients.new_user("noscope", scopes=["read", "write"])
    headers = {"Authorization": f"Bearer {ana.api.access_token}"}
    assert http.get("/api/v1/push/subscription", headers=headers).status_code == 403
    assert http.get("/api/v1/push/subscription").status_code == 401
    assert http.delete("/api/v1/push/subscription", headers=headers).status_code == 403


def test_a_revoked_token_pushes_no_more(clients: Clients, receiver: Receiver,
                                        http: httpx.Client) -> None:
    ana, bo = clients.new_user("revoker"), clients.new_user("revfan")
    second = clients.mastodon()
    second.log_in(username=f"{ana.username}@example.com", password=ana.password,
                  scopes=["read", "push"], allow_http=True)
    _, public = second.push_subscription_generate_keys()
    revoked = receiver.endpoint()
    second.push_subscription_set(revoked, public, mention_events=True)
    kept, kept_private, _ = _subscribe(ana, receiver, mention_events=True)
    answer = http.post("/oauth/revoke", data={"client_id": clients.client_id,
                                              "client_secret": clients.client_secret,
                                              "token": second.access_token})
    assert answer.status_code == 200
    bo.api.status_post(f"@{ana.username} still there?")
    assert len(_pushed(ana, receiver, kept, kept_private, 1)) == 1
    time.sleep(0.5)
    assert receiver.messages(revoked) == []


def test_a_failing_push_service_is_tried_again(clients: Clients, receiver: Receiver) -> None:
    ana, bo = clients.new_user("retried"), clients.new_user("retryfan")
    endpoint, private, _ = _subscribe(ana, receiver, status=503, mention_events=True)
    bo.api.status_post(f"@{ana.username} knock knock")
    assert len(receiver.wait(endpoint, 1)) == 1
    receiver.statuses[endpoint.removeprefix(receiver.base_url)] = 201  # back up
    again = receiver.wait(endpoint, 2, timeout=30)  # after the queue's backoff
    assert len(again) == 2
    assert decrypt(ana.api, again[1], private)["body"] == f"@{ana.username} knock knock"
    assert dict(ana.api.push_subscription())["endpoint"] == endpoint  # not removed


@pytest.fixture
def server_db(server: LiveServer) -> Iterator[ServerDatabase]:
    database = ServerDatabase(server.database_url)
    yield database
    database.loop.run_until_complete(database.db.dispose())
    database.loop.close()


def test_a_polls_end_pushes_to_its_author_and_voters(clients: Clients, receiver: Receiver,
                                                      server_db: ServerDatabase) -> None:
    author, voter = clients.new_user("pollpush"), clients.new_user("pollvoter")
    subscribed = {user.id: _subscribe(user, receiver, poll_events=True)
                  for user in (author, voter)}
    status = _ask(author, "tea", "coffee")
    voter.api.poll_vote(status["poll"]["id"], [0])
    _end_now(server_db, status["poll"]["id"])  # its closing job runs now
    titles = {}
    for user in (author, voter):
        endpoint, private, _ = subscribed[user.id]
        [message] = _pushed(user, receiver, endpoint, private, 1)
        assert message["notification_type"] == "poll"
        assert message["body"] == "Which one?"
        titles[user.id] = message["title"]
    assert titles == {author.id: "Your poll has ended",
                      voter.id: "A poll you voted in has ended"}
