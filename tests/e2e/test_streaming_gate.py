"""A block or mute made while a stream is open holds from the very next event: the
connection's gate is told to re-read what its viewer hides (no window of stale rules)."""

from __future__ import annotations

from support.clients import Clients, eventually
from support.streams import Recorder, streaming


def _contents(recorder: Recorder) -> list[str]:
    return [str(status["content"]) for status in recorder.of("update")]


def _arrives(recorder: Recorder, text: str) -> None:
    assert eventually(lambda: any(text in content for content in _contents(recorder)),
                      timeout=10)


def test_a_block_made_mid_stream_holds_for_the_next_post(clients: Clients) -> None:
    viewer, loud, other = (clients.new_user("gateviewer"), clients.new_user("gateloud"),
                           clients.new_user("gateother"))
    with streaming(viewer.api.stream_public) as recorder:
        loud.api.status_post("gate before the block")
        _arrives(recorder, "before the block")
        viewer.api.account_block(loud.id)
        loud.api.status_post("gate after the block")
        other.api.status_post("gate marker after the block")
        _arrives(recorder, "marker")
        viewer.api.account_unblock(loud.id)
        viewer.api.account_mute(loud.id)
        loud.api.status_post("gate while muted")
        other.api.status_post("gate marker while muted")
        _arrives(recorder, "marker while muted")
    seen = _contents(recorder)
    assert not any("after the block" in c and "marker" not in c for c in seen)
    assert not any("while muted" in c and "marker" not in c for c in seen)


def test_being_blocked_mid_stream_holds_for_the_next_post(clients: Clients) -> None:
    viewer, blocker, other = (clients.new_user("gatevictim"), clients.new_user("gateblocker"),
                              clients.new_user("gateother"))
    with streaming(viewer.api.stream_public) as recorder:
        blocker.api.status_post("blocker before")
        _arrives(recorder, "blocker before")
        blocker.api.account_block(viewer.id)
        blocker.api.status_post("blocker after")
        other.api.status_post("blocker marker")
        _arrives(recorder, "blocker marker")
    assert not any("blocker after" in c for c in _contents(recorder))
