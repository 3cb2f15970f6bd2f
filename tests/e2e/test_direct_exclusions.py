"""Direct messages from someone the recipient blocks or mutes (or who blocks them) reach them
nowhere: not in their conversations, not on their direct stream (issue 17's finding)."""

from __future__ import annotations

from support.clients import Clients, eventually
from support.streams import streaming


def test_blocked_and_muted_accounts_direct_messages_reach_no_conversation(
        clients: Clients) -> None:
    alice = clients.new_user("dmx_alice")
    blocked, muted, friend = (clients.new_user(name) for name in ("dmx_b", "dmx_m", "dmx_f"))
    alice.api.account_block(blocked.account["id"])
    alice.api.account_mute(muted.account["id"])
    with streaming(alice.api.stream_direct) as recorder:
        from_blocked = blocked.api.status_post(f"@{alice.username} let me in",
                                               visibility="direct")
        from_muted = muted.api.status_post(f"@{alice.username} psst", visibility="direct")
        from_friend = friend.api.status_post(f"@{alice.username} hello", visibility="direct")
        assert eventually(lambda: recorder.of("conversation"), timeout=10)
    shown = [c["last_status"]["id"] for c in alice.api.conversations()]
    assert shown == [from_friend["id"]]
    streamed = [c["last_status"]["id"] for c in recorder.of("conversation")]
    assert from_blocked["id"] not in streamed and from_muted["id"] not in streamed
    # The senders still have their own conversations.
    assert [c["last_status"]["id"] for c in blocked.api.conversations()] == [from_blocked["id"]]


def test_a_muted_reply_leaves_a_conversation_at_the_last_post_one_hears(
        clients: Clients) -> None:
    alice, bob = clients.new_user("dmx_c"), clients.new_user("dmx_d")
    first = alice.api.status_post(f"@{bob.username} first", visibility="direct")
    alice.api.account_mute(bob.account["id"])
    reply = bob.api.status_post(f"@{alice.username} reply", visibility="direct",
                                in_reply_to_id=first["id"])
    [conversation] = alice.api.conversations()
    assert conversation["last_status"]["id"] == first["id"]
    [theirs] = bob.api.conversations()
    assert theirs["last_status"]["id"] == reply["id"]
