"""Featured services: pinning one's own posts to the profile (a remote account's pins as its
server says) and endorsing followed accounts."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import delete, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.errors import Invalid
from parley.events import Subscriber, record
from parley.events.posts import PostPinned, PostUnpinned
from parley.events.social import FollowEnded
from parley.featured.models import Endorsement, PostPin
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.posts.lookup import get_post
from parley.posts.models import Post
from parley.social.models import Follow

MAX_PINS = 5
# A remote account's pins kept here: its server has its own limit; this one bounds what a
# server can make us keep.
MAX_REMOTE_PINS = 20
PINNABLE_VISIBILITIES = ("public", "unlisted", "private")


def _check_pinnable(post: Post, account_id: int) -> None:
    """One's own post, not a repost, not a direct post."""
    if post.account_id != account_id:
        raise Invalid("Validation failed: Someone else's post cannot be pinned")
    if post.repost_of_id is not None:
        raise Invalid("Validation failed: A boost cannot be pinned")
    if post.visibility not in PINNABLE_VISIBILITIES:
        raise Invalid("Validation failed: Posts that are only visible to mentioned users "
                      "cannot be pinned")


async def _pin(session: AsyncSession, account_id: int, post: Post, limit: int) -> None:
    pinned = await session.scalar(select(PostPin.id).where(
        PostPin.account_id == account_id, PostPin.post_id == post.id))
    if pinned is not None:
        return
    count = await session.scalar(select(func.count()).select_from(PostPin)
                                 .where(PostPin.account_id == account_id)) or 0
    if count >= limit:
        raise Invalid(f"Validation failed: You can pin at most {limit} posts")
    pin = PostPin(id=new_id(), account_id=account_id, post_id=post.id)
    session.add(pin)
    await session.flush()
    await record(session, PostPinned(account_id, post.id, pin.id))


async def pin_post(session: AsyncSession, *, actor_id: int, post_id: int) -> Post:
    """Pin one of one's own posts (not a repost, not a direct post), at most MAX_PINS."""
    post = await get_post(session, post_id, viewer_id=actor_id)
    _check_pinnable(post, actor_id)
    await _pin(session, actor_id, post, MAX_PINS)
    return post


async def pin_remote_post(session: AsyncSession, *, account_id: int, post: Post) -> None:
    """A remote account's pin, as its server says: the same rules, at most
    MAX_REMOTE_PINS (Invalid otherwise)."""
    _check_pinnable(post, account_id)
    await _pin(session, account_id, post, MAX_REMOTE_PINS)


async def unpin(session: AsyncSession, *, account_id: int, post_id: int) -> None:
    """Unpin a post (a remote account's as its server says); one not pinned stays as it is."""
    pin_id = await session.scalar(select(PostPin.id).where(
        PostPin.account_id == account_id, PostPin.post_id == post_id))
    if pin_id is None:
        return
    await session.execute(delete(PostPin).where(PostPin.id == pin_id))
    await record(session, PostUnpinned(account_id, post_id, pin_id))


async def unpin_post(session: AsyncSession, *, actor_id: int, post_id: int) -> Post:
    """Unpin one of one's posts; a post that is not pinned stays as it is."""
    post = await get_post(session, post_id, viewer_id=actor_id)
    await unpin(session, account_id=actor_id, post_id=post.id)
    return post


async def pinned_among(session: AsyncSession, *, account_id: int | None,
                       post_ids: Sequence[int]) -> set[int]:
    """Which of `post_ids` the account has pinned (for Status.pinned), in one query."""
    if account_id is None or not post_ids:
        return set()
    return set(await session.scalars(select(PostPin.post_id).where(
        PostPin.account_id == account_id, PostPin.post_id.in_(post_ids))))


async def _follows(session: AsyncSession, account_id: int, target_id: int) -> bool:
    found = await session.scalar(select(Follow.id).where(
        Follow.account_id == account_id, Follow.target_account_id == target_id,
        Follow.state == "accepted"))
    return found is not None


async def endorse(session: AsyncSession, *, actor_id: int, target: Account) -> None:
    """Recommend a followed account on one's profile; endorsing again changes nothing."""
    if target.id == actor_id:
        raise Invalid("Validation failed: You cannot endorse yourself")
    if not await _follows(session, actor_id, target.id):
        raise Invalid("Validation failed: You must be already following the person you "
                      "want to endorse")
    existing = await session.scalar(select(Endorsement.id).where(
        Endorsement.account_id == actor_id, Endorsement.target_account_id == target.id))
    if existing is None:
        session.add(Endorsement(id=new_id(), account_id=actor_id, target_account_id=target.id))
        await session.flush()


async def unendorse(session: AsyncSession, *, actor_id: int, target_id: int) -> None:
    """Stop endorsing an account; idempotent."""
    await session.execute(delete(Endorsement).where(
        Endorsement.account_id == actor_id, Endorsement.target_account_id == target_id))


async def _follow_ended(session: AsyncSession, event: FollowEnded) -> None:
    """As in Mastodon, an endorsement ends with the follow."""
    await unendorse(session, actor_id=event.follower_id, target_id=event.target_id)


async def endorsed_accounts(session: AsyncSession, *, account_id: int, page: Page
                            ) -> list[tuple[int, Account]]:
    """(endorsement id, account) pairs, newest first, of accounts still followed."""
    stmt = (select(Endorsement.id, Account)
            .join(Account, Account.id == Endorsement.target_account_id)
            .join(Follow, (Follow.account_id == account_id)
                  & (Follow.target_account_id == Endorsement.target_account_id)
                  & (Follow.state == "accepted"))
            .where(Endorsement.account_id == account_id))
    rows = (await session.execute(page.apply(stmt, Endorsement.id))).all()
    return page.arrange([(int(row[0]), row[1]) for row in rows])


async def endorsed_among(session: AsyncSession, *, account_id: int,
                         target_ids: Sequence[int]) -> set[int]:
    """Which of `target_ids` the account endorses (for Relationship.endorsed), one query."""
    if not target_ids:
        return set()
    return set(await session.scalars(select(Endorsement.target_account_id).where(
        Endorsement.account_id == account_id, Endorsement.target_account_id.in_(target_ids))))


SUBSCRIBERS = (Subscriber(FollowEnded, _follow_ended),)
