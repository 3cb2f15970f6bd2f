"""Received polls and votes. A Question's poll becomes a remote poll (its options, counts,
voters and end, in polls' words); a vote (a Note named as an option, without content,
answering a local poll's post) is counted as one choice of its sender's ballot, when the
sender may see the post. Votes that cannot count (an ended poll, an unknown option, a second
choice in a single-choice poll, the author's own, another server's poll) are dropped
quietly; a vote is never kept as a post."""

from __future__ import annotations

import logging

from parley.errors import Invalid, NotFound
from parley.federation.client import domain_of
from parley.federation.inbound import Inbound
from parley.federation.parse import ParsedNote, ParsedPoll
from parley.polls import service as polls
from parley.polls.remote import RemotePoll
from parley.posts.lookup import get_post
from parley.posts.remote import post_by_uri

log = logging.getLogger("parley.federation")


def remote_poll(parsed: ParsedPoll | None) -> RemotePoll | None:
    """A Question's poll as polls keep one (None: the note has none)."""
    if parsed is None:
        return None
    return RemotePoll(options=tuple(o.name for o in parsed.options),
                      counts=tuple(o.votes for o in parsed.options), multiple=parsed.multiple,
                      expires_at=parsed.expires_at, closed=parsed.closed,
                      voters_count=parsed.voters_count)


async def take_vote(inbound: Inbound, parsed: ParsedNote) -> None:
    """Count a vote of the activity's actor in a local poll."""
    actor = inbound.actor
    if (parsed.attributed_to != actor.uri or domain_of(parsed.uri) != domain_of(actor.uri)
            or parsed.in_reply_to is None
            or not parsed.in_reply_to.startswith(inbound.settings.base_url + "/")):
        return
    async with inbound.db.write() as session:
        post = await post_by_uri(session, parsed.in_reply_to)
        if post is None or post.domain is not None or post.poll_id is None:
            return
        try:
            await get_post(session, post.id, viewer_id=actor.id)  # may they see it?
            poll = await polls.get_poll(session, post.poll_id)
            if parsed.name not in poll.options:
                return
            await polls.vote(session, poll_id=poll.id, voter_id=actor.id,
                             choices=[poll.options.index(parsed.name)], adding=True)
        except (NotFound, Invalid) as refused:
            log.info("vote %s not counted: %s", parsed.uri, refused)
