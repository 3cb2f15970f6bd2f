"""Notification policy: accept, filter (hold as a request) or drop notifications from strangers.

Mastodon 4.3 rules and defaults: private mentions from people the recipient does not follow
are filtered unless they answer the recipient's own private mention; everything else is
accepted until the recipient says otherwise. New accounts only count when the recipient
does not follow them. Notifications from someone whose request was accepted, from staff, and
of the kinds that must not be missed (subscriptions, admin, edits) always pass.
Parley has no moderator-limited accounts yet, so `for_limited_accounts` is stored and shown
but matches nobody; `for_not_followers` means "does not follow me" (no follow-age window).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import timedelta
from typing import Literal, cast

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account, User
from parley.accounts.roles import STAFF_ROLES
from parley.errors import Invalid
from parley.lib.timefmt import as_utc, utcnow
from parley.notifications.models import (
    POLICY_VALUES,
    NotificationPermission,
    NotificationPolicy,
    NotificationRequest,
)
from parley.posts.models import Mention, Post
from parley.social.models import Follow

Verdict = Literal["accept", "filter", "drop"]
POLICY_FIELDS = ("for_not_following", "for_not_followers", "for_new_accounts",
                 "for_private_mentions", "for_limited_accounts")
DEFAULTS: dict[str, str] = {"for_not_following": "accept", "for_not_followers": "accept",
                            "for_new_accounts": "accept", "for_private_mentions": "filter",
                            "for_limited_accounts": "filter"}
# Never filtered: what one subscribed to, staff business, edits of what one interacted with.
NON_FILTERABLE = frozenset({"post", "admin.sign_up", "admin.report", "poll", "update",
                            "quoted_update", "severed_relationships", "moderation_warning"})
NEW_ACCOUNT_AGE = timedelta(days=30)
_RANK = {"accept": 0, "filter": 1, "drop": 2}
# pending_requests_count is capped, as in Mastodon.
REQUESTS_COUNT_CAP = 100


async def get_policy(session: AsyncSession, *, account_id: int) -> NotificationPolicy:
    """The account's policy; the defaults (not stored) when it never changed them."""
    stored = await session.get(NotificationPolicy, account_id)
    if stored is not None:
        return stored
    return NotificationPolicy(account_id=account_id, **DEFAULTS)


async def update_policy(session: AsyncSession, *, account_id: int,
                        changes: dict[str, str | None]) -> NotificationPolicy:
    """Change some of the five settings (each accept, filter or drop)."""
    for name, value in changes.items():
        if name not in POLICY_FIELDS:
            raise Invalid(f"Validation failed: unknown policy setting {name}")
        if value is not None and value not in POLICY_VALUES:
            raise Invalid(f"Validation failed: {name} must be one of "
                          f"{', '.join(POLICY_VALUES)}")
    policy = await session.get(NotificationPolicy, account_id)
    if policy is None:
        policy = NotificationPolicy(account_id=account_id, **DEFAULTS)
        session.add(policy)
    for name, value in changes.items():
        if value is not None:
            setattr(policy, name, value)
    policy.updated_at = utcnow()
    await session.flush()
    return policy


async def policy_summary(session: AsyncSession, *, account_id: int) -> tuple[int, int]:
    """(pending requests, capped; filtered notifications waiting in them)."""
    requests = await session.scalar(select(func.count()).select_from(
        select(NotificationRequest.id).where(NotificationRequest.account_id == account_id)
        .limit(REQUESTS_COUNT_CAP).subquery()))
    waiting = await session.scalar(select(func.coalesce(func.sum(
        NotificationRequest.notifications_count), 0)).where(
        NotificationRequest.account_id == account_id))
    return int(requests or 0), int(waiting or 0)


async def _follows(session: AsyncSession, follower_id: int, target_id: int) -> bool:
    found = await session.scalar(select(Follow.id).where(
        Follow.account_id == follower_id, Follow.target_account_id == target_id,
        Follow.state == "accepted"))
    return found is not None


async def _answers_recipient(session: AsyncSession, post: Post, recipient_id: int,
                             sender_id: int) -> bool:
    """The private mention answers a post of the recipient in the same thread that
    mentioned the sender: a conversation the recipient started is never filtered."""
    if post.in_reply_to_id is None:
        return False
    found = await session.scalar(
        select(Post.id).join(Mention, Mention.post_id == Post.id)
        .where(Post.thread_id == post.thread_id, Post.account_id == recipient_id,
               Mention.account_id == sender_id).limit(1))
    return found is not None


async def _always_allowed(session: AsyncSession, recipient_id: int, sender_id: int) -> bool:
    permitted = await session.scalar(select(NotificationPermission.account_id).where(
        NotificationPermission.account_id == recipient_id,
        NotificationPermission.from_account_id == sender_id))
    if permitted is not None:
        return True
    role = await session.scalar(select(User.role).where(User.account_id == sender_id))
    return role in STAFF_ROLES


def applicable_settings(policy: Mapping[str, str], type: str, post: Post | None) -> list[str]:
    """The non-accepting settings that could concern this notification at all (decided
    without a query: most notifications need no more). `policy`: setting -> value."""
    private_mention = type == "mention" and post is not None and post.visibility == "direct"
    return [name for name in POLICY_FIELDS
            if policy[name] != "accept"
            and name != "for_limited_accounts"  # no moderator-limited accounts yet
            and (name != "for_private_mentions" or private_mention)]


def policy_values(policy: NotificationPolicy) -> dict[str, str]:
    return {name: getattr(policy, name) for name in POLICY_FIELDS}


@dataclass
class _Conditions:
    """Whether the sender meets each setting's condition, each query made at most once."""

    session: AsyncSession
    recipient_id: int
    sender_id: int
    post: Post | None
    _following: bool | None = None

    async def not_following(self) -> bool:
        if self._following is None:
            self._following = await _follows(self.session, self.recipient_id, self.sender_id)
        return not self._following

    async def met(self, name: str) -> bool:
        if name == "for_not_following":
            return await self.not_following()
        if name == "for_not_followers":
            return not await _follows(self.session, self.sender_id, self.recipient_id)
        if name == "for_new_accounts":
            sender = await self.session.get(Account, self.sender_id)
            return (sender is not None
                    and as_utc(sender.created_at) > utcnow() - NEW_ACCOUNT_AGE
                    and await self.not_following())
        if name == "for_private_mentions" and self.post is not None:
            return (await self.not_following() and not await _answers_recipient(
                self.session, self.post, self.recipient_id, self.sender_id))
        return False


async def decide(session: AsyncSession, *, recipient_id: int, sender_id: int, type: str,
                 post: Post | None, policy: Mapping[str, str] | None = None) -> Verdict:
    """What the recipient's policy does with this notification: the strictest setting
    among the conditions the sender meets. `policy`: the recipient's settings when the
    caller already read them."""
    if type in NON_FILTERABLE or recipient_id == sender_id:
        return "accept"
    if policy is None:
        policy = policy_values(await get_policy(session, account_id=recipient_id))
    names = applicable_settings(policy, type, post)
    if not names or await _always_allowed(session, recipient_id, sender_id):
        return "accept"
    conditions = _Conditions(session, recipient_id, sender_id, post)
    verdict: Verdict = "accept"
    for name in sorted(names, key=lambda n: -_RANK[policy[n]]):
        value = cast(Verdict, policy[name])
        if _RANK[value] > _RANK[verdict] and await conditions.met(name):
            verdict = value
    return verdict
