"""What notifies whom: notifications written in the transaction of the event that causes
them (a mention, a like, a follow...), and taken back when it is undone."""

from __future__ import annotations

from sqlalchemy import delete
from sqlalchemy.ext.asyncio import AsyncSession

from parley.events import Subscriber
from parley.events.polls import PollEnded
from parley.events.posts import (
    Liked,
    PostCreated,
    PostEdited,
    QuoteSettled,
    Reposted,
    Unliked,
    Unreposted,
)
from parley.events.social import (
    AccountCreated,
    Blocked,
    FollowAccepted,
    FollowRequested,
    FollowRequestWithdrawn,
)
from parley.notifications.models import Notification
from parley.notifications.service import (
    notify,
    notify_accounts,
    notify_admins,
    notify_post_edited,
    unnotify,
)
from parley.posts.models import Post
from parley.posts.visibility import can_view


async def _post(session: AsyncSession, post_id: int) -> Post | None:
    # The writer put the post in the session: found in its identity map, no query.
    return await session.get(Post, post_id)


async def post_created(session: AsyncSession, event: PostCreated) -> None:
    """Mentioned local people hear of it (they can always see it); so does a quoted author
    who can see the quote. A reply that does not mention its parent's author is silent."""
    post = await _post(session, event.post_id)
    if post is None:
        return
    await notify_accounts(session, event.local_mentions, type="mention",
                          from_account_id=post.account_id, post=post)
    quoted = event.quoted_author_id
    if quoted is not None and await can_view(session, post, quoted):
        await notify(session, recipient_id=quoted, from_account_id=post.account_id,
                     type="quote", post_id=post.id)


async def post_edited(session: AsyncSession, event: PostEdited) -> None:
    """Newly mentioned people hear of the post; reposters and quoters of the edit."""
    post = await _post(session, event.post_id)
    if post is None:
        return
    await notify_accounts(session, event.new_local_mentions, type="mention",
                          from_account_id=post.account_id, post=post)
    await notify_post_edited(session, post=post)


async def quote_settled(session: AsyncSession, event: QuoteSettled) -> None:
    """The quoted author hears of a quote once it is accepted (another server asked them, or
    they approved it), or once it waits for their approval."""
    if event.state not in ("accepted", "pending") or event.quoted_author_id is None:
        return
    post = await _post(session, event.post_id)
    if post is not None and await can_view(session, post, event.quoted_author_id):
        await notify(session, recipient_id=event.quoted_author_id,
                     from_account_id=post.account_id, type="quote", post_id=post.id)


async def poll_ended(session: AsyncSession, event: PollEnded) -> None:
    """The author and every voter hear that the poll has ended, as Mastodon tells them."""
    post = await _post(session, event.post_id)
    if post is None:
        return
    await notify_accounts(session, [event.author_id, *event.voter_ids], type="poll",
                          from_account_id=event.author_id, post=post)


async def reposted(session: AsyncSession, event: Reposted) -> None:
    await notify(session, recipient_id=event.original_author_id,
                 from_account_id=event.account_id, type="repost", post_id=event.original_id)


async def unreposted(session: AsyncSession, event: Unreposted) -> None:
    await unnotify(session, recipient_id=event.original_author_id, type="repost",
                   from_account_id=event.account_id, post_id=event.original_id)


async def liked(session: AsyncSession, event: Liked) -> None:
    await notify(session, recipient_id=event.author_id, from_account_id=event.account_id,
                 type="like", post_id=event.post_id)


async def unliked(session: AsyncSession, event: Unliked) -> None:
    await unnotify(session, recipient_id=event.author_id, type="like",
                   from_account_id=event.account_id, post_id=event.post_id)


async def follow_requested(session: AsyncSession, event: FollowRequested) -> None:
    await notify(session, recipient_id=event.target_id, from_account_id=event.follower_id,
                 type="follow_request")


async def follow_accepted(session: AsyncSession, event: FollowAccepted) -> None:
    """A follow made at once notifies; an accepted request was notified as a request, which
    goes now that it is answered."""
    if not event.requested:
        await notify(session, recipient_id=event.target_id,
                     from_account_id=event.follower_id, type="follow")
    else:
        await _request_answered(session, event.follower_id, event.target_id)


async def follow_request_withdrawn(session: AsyncSession, event: FollowRequestWithdrawn
                                   ) -> None:
    await _request_answered(session, event.follower_id, event.target_id)


async def _request_answered(session: AsyncSession, follower_id: int, target_id: int) -> None:
    """A follow request's notification lasts as long as the request, as in Mastodon."""
    await session.execute(delete(Notification).where(
        Notification.account_id == target_id, Notification.type == "follow_request",
        Notification.from_account_id == follower_id))


async def blocked(session: AsyncSession, event: Blocked) -> None:
    """The blocker's notifications from the blocked account go, as in Mastodon."""
    await session.execute(delete(Notification).where(
        Notification.account_id == event.account_id,
        Notification.from_account_id == event.target_id))


async def account_created(session: AsyncSession, event: AccountCreated) -> None:
    await notify_admins(session, type="admin.sign_up", from_account_id=event.account_id)


SUBSCRIBERS = (
    Subscriber(PostCreated, post_created),
    Subscriber(PostEdited, post_edited),
    Subscriber(QuoteSettled, quote_settled),
    Subscriber(PollEnded, poll_ended),
    Subscriber(Reposted, reposted),
    Subscriber(Unreposted, unreposted),
    Subscriber(Liked, liked),
    Subscriber(Unliked, unliked),
    Subscriber(FollowRequested, follow_requested),
    Subscriber(FollowAccepted, follow_accepted),
    Subscriber(FollowRequestWithdrawn, follow_request_withdrawn),
    Subscriber(Blocked, blocked),
    Subscriber(AccountCreated, account_created),
)
