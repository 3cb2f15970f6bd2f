"""What a push message about one notification says, read in one transaction: the
subscription as it is now, the notification, who caused it, the post, and whether the
subscription's policy lets it through."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account, User
from parley.lib.html import html_to_text
from parley.notifications.models import Notification
from parley.oauth.models import AccessToken
from parley.posts.models import Post
from parley.push.crypto import Recipient
from parley.push.models import PushSubscription
from parley.social.service import find_follow


@dataclass(frozen=True)
class PushFacts:
    """Everything a push message is made of, in Parley's words (the adapter that renders the
    message, api/push_messages.py, says them in Mastodon's)."""

    notification_id: int
    type: str
    sealed_token: str
    locale: str
    sender_name: str  # display name, else username
    sender_acct: str
    sender_avatar: str | None
    sender_note: str
    post_text: str | None  # the spoiler if any, else the text; plain
    own_post: bool  # the post is the recipient's (a poll of theirs ended)


@dataclass(frozen=True)
class Delivery:
    """A message to send: where, and what about."""

    subscription_id: int
    to: Recipient
    facts: PushFacts


async def _allowed(session: AsyncSession, policy: str, recipient_id: int, sender_id: int
                   ) -> bool:
    """Whether the subscription's policy lets a notification from `sender_id` through."""
    if policy == "all" or sender_id == recipient_id:
        return policy != "none"
    if policy == "followed":  # from people the recipient follows
        return await _follows(session, recipient_id, sender_id)
    if policy == "follower":  # from people following the recipient
        return await _follows(session, sender_id, recipient_id)
    return False


async def _follows(session: AsyncSession, follower_id: int, target_id: int) -> bool:
    follow = await find_follow(session, follower_id, target_id)
    return follow is not None and follow.state == "accepted"


def _post_text(post: Post | None) -> str | None:
    if post is None:
        return None
    return post.spoiler_text or post.text or html_to_text(post.content)


async def delivery(session: AsyncSession, subscription_id: int, notification_id: int
                   ) -> Delivery | None:
    """The message to send, or None: the subscription, its token or the notification is gone
    (unsubscribed, revoked, undone), or its policy says no."""
    found = (await session.execute(
        select(PushSubscription, Notification)
        .join(AccessToken, AccessToken.id == PushSubscription.access_token_id)
        .join(Notification, Notification.account_id == PushSubscription.account_id)
        .where(PushSubscription.id == subscription_id, Notification.id == notification_id,
               AccessToken.revoked_at.is_(None)))).first()
    if found is None:
        return None
    subscription, notification = found
    if not await _allowed(session, subscription.policy, subscription.account_id,
                          notification.from_account_id):
        return None
    sender = await session.get(Account, notification.from_account_id)
    locale = await session.scalar(select(User.locale).where(
        User.account_id == subscription.account_id))
    post = (await session.get(Post, notification.post_id)
            if notification.post_id is not None else None)
    if sender is None:
        return None
    facts = PushFacts(
        notification_id=notification.id, type=notification.type,
        sealed_token=subscription.sealed_token, locale=locale or "en",
        sender_name=sender.display_name or sender.username, sender_acct=sender.acct,
        sender_avatar=sender.avatar_url, sender_note=html_to_text(sender.note or ""),
        post_text=_post_text(post),
        own_post=post is not None and post.account_id == subscription.account_id)
    to = Recipient(subscription.endpoint, subscription.p256dh, subscription.auth,
                   subscription.standard)
    return Delivery(subscription.id, to, facts)
