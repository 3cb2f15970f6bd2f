"""Who a post reached, for the streaming hub: which connected accounts a fan-out batch wrote
the post for, and which get a broadcast account's post in their home (by the home rules of
timelines/fanout_rules.py, compiled once). The hub asks here; it does not restate the rule."""

from __future__ import annotations

from collections.abc import Collection, Sequence

from sqlalchemy import BigInteger, and_
from sqlalchemy.orm import aliased

from parley.social.models import Follow
from parley.store.rawsql import Fragment, Reader, Sql, param
from parley.streaming.broker import BroadcastPost
from parley.timelines.fanout_rules import PostFacts, excluded_by_lists, home_rules

# A batch writes the homes of the author's followers in its range. Other homes in that range
# may hold the post too (the author's own, a tag follower's who does not follow), but those
# were written by name and published by name: matching them here would send a second update.
_REACHED = Sql("""
    SELECT t.owner_id FROM timeline_entries t
    JOIN posts p ON p.id = t.post_id
    JOIN follows f ON f.account_id = t.owner_id AND f.target_account_id = p.account_id
    WHERE t.post_id = :post AND t.owner_id IN_IDS(:ids) AND f.state = 'accepted'""")

_FOLLOW = aliased(Follow, name="f")


def _rules(repost: bool) -> Fragment:
    # A broadcast post is never direct (timelines/jobs.py): "public" stands for its audience.
    facts = PostFacts(param("post"), param("author"), "public", param("replied", BigInteger),
                      -1 if repost else None)
    return Fragment(lambda: and_(*home_rules(facts, _FOLLOW.account_id, _FOLLOW.show_reposts),
                                 ~excluded_by_lists(_FOLLOW.account_id, param("author"))),
                    over=lambda: [_FOLLOW])


# A follower whose home holds the post (a mentioned one) was written and published by name,
# so is not matched again.
_FOLLOWERS = {repost: Sql(f"""
    SELECT f.account_id FROM follows f
    WHERE f.target_account_id = :author AND f.state = 'accepted' AND f.account_id IN_IDS(:ids)
      AND {_rules(repost)} AND NOT EXISTS (
          SELECT 1 FROM timeline_entries t WHERE t.owner_id = f.account_id AND t.post_id = :post)
    """) for repost in (False, True)}


async def reached_homes(reader: Reader, post_id: int, owners: Sequence[int]) -> list[int]:
    """Those of `owners` who follow the post's author and whose home holds it (primary-key
    probes): the receivers of its fan-out batches."""
    rows = await reader.fetch(_REACHED, {"post": post_id, "ids": list(owners)})
    return [row[0] for row in rows]


async def broadcast_receivers(reader: Reader, post: BroadcastPost, account_ids: Sequence[int]
                              ) -> Collection[int]:
    """Which of `account_ids` get a broadcast account's post in their home."""
    params = {"author": post.author_id, "ids": list(account_ids), "post": post.post_id,
              "replied": post.reply_to_account_id}
    return {row[0] for row in await reader.fetch(_FOLLOWERS[post.repost], params)}
