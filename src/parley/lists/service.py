"""List services: creating and changing lists, their members, and reading list timelines."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import and_, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account
from parley.errors import Invalid, NotFound
from parley.jobs.queue import enqueue
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.lists.fanout import MERGE_LIST, ListAdditions, remove_from_lists
from parley.lists.models import REPLIES_POLICIES, List, ListEntry, ListMember
from parley.posts.models import Post
from parley.posts.visibility import feed_visible
from parley.social.models import Follow

MAX_LISTS = 50
MAX_TITLE = 255


@dataclass(frozen=True)
class ListChanges:
    """What to set on a list; None keeps the current value."""

    title: str | None = None
    replies_policy: str | None = None
    exclusive: bool | None = None


def _apply(lst: List, changes: ListChanges) -> None:
    if changes.title is not None:
        title = changes.title.strip()
        if not title:
            raise Invalid("Validation failed: Title can't be blank")
        if len(title) > MAX_TITLE:
            raise Invalid(f"Validation failed: Title is too long (maximum is {MAX_TITLE})")
        lst.title = title
    if changes.replies_policy is not None:
        if changes.replies_policy not in REPLIES_POLICIES:
            raise Invalid("Validation failed: replies_policy must be one of "
                          + ", ".join(REPLIES_POLICIES))
        lst.replies_policy = changes.replies_policy
    if changes.exclusive is not None:
        lst.exclusive = changes.exclusive


async def owned_lists(session: AsyncSession, *, owner_id: int) -> list[List]:
    """The owner's lists, oldest first."""
    rows = await session.scalars(select(List).where(List.account_id == owner_id)
                                 .order_by(List.id))
    return list(rows)


async def get_list(session: AsyncSession, *, owner_id: int, list_id: int) -> List:
    """One of the owner's lists; anyone else's is simply not found."""
    lst = await session.scalar(select(List).where(List.id == list_id,
                                                  List.account_id == owner_id))
    if lst is None:
        raise NotFound()
    return lst


async def create_list(session: AsyncSession, *, owner_id: int, changes: ListChanges) -> List:
    if changes.title is None:
        raise Invalid("Validation failed: Title can't be blank")
    count = await session.scalar(select(func.count()).select_from(List)
                                 .where(List.account_id == owner_id)) or 0
    if count >= MAX_LISTS:
        raise Invalid(f"Validation failed: You can have at most {MAX_LISTS} lists")
    lst = List(id=new_id(), account_id=owner_id, title="", replies_policy="list",
               exclusive=False)
    _apply(lst, changes)
    session.add(lst)
    await session.flush()
    return lst


async def update_list(session: AsyncSession, *, owner_id: int, list_id: int,
                      changes: ListChanges) -> List:
    lst = await get_list(session, owner_id=owner_id, list_id=list_id)
    _apply(lst, changes)
    await session.flush()
    return lst


async def delete_list(session: AsyncSession, *, owner_id: int, list_id: int) -> None:
    """Delete a list; its members and entries go with it (ON DELETE CASCADE)."""
    lst = await get_list(session, owner_id=owner_id, list_id=list_id)
    await session.delete(lst)
    await session.flush()


def _followed_by(owner_id: int) -> ColumnElement[bool]:
    # Unfollowing removes the membership; this also hides one whose follow ended otherwise.
    return and_(Follow.account_id == owner_id, Follow.target_account_id == ListMember.account_id,
                Follow.state == "accepted")


async def list_members(session: AsyncSession, *, owner_id: int, list_id: int, page: Page
                       ) -> list[tuple[int, Account]]:
    """(membership id, account) pairs, newest member first; the membership id pages."""
    lst = await get_list(session, owner_id=owner_id, list_id=list_id)
    stmt = (select(ListMember.id, Account).join(Account, Account.id == ListMember.account_id)
            .join(Follow, _followed_by(owner_id))
            .where(ListMember.list_id == lst.id))
    rows = (await session.execute(page.apply(stmt, ListMember.id))).all()
    return page.arrange([(int(row[0]), row[1]) for row in rows])


async def add_members(session: AsyncSession, *, owner_id: int, list_id: int,
                      account_ids: Sequence[int]) -> None:
    """Add accounts the owner follows; adding a member again changes nothing. Their recent
    posts come into the list's timeline by a job."""
    lst = await get_list(session, owner_id=owner_id, list_id=list_id)
    wanted = list(dict.fromkeys(account_ids))
    if not wanted:
        raise Invalid("Validation failed: account_ids must list at least one account")
    known = set(await session.scalars(select(Account.id).where(Account.id.in_(wanted))))
    if len(known) != len(wanted):
        raise NotFound()
    followed = set(await session.scalars(select(Follow.target_account_id).where(
        Follow.account_id == owner_id, Follow.target_account_id.in_(wanted),
        Follow.state == "accepted")))
    if followed != known:
        raise Invalid("Validation failed: You can only add accounts you follow to a list")
    present = set(await session.scalars(select(ListMember.account_id).where(
        ListMember.list_id == lst.id, ListMember.account_id.in_(wanted))))
    added = [account_id for account_id in wanted if account_id not in present]
    session.add_all([ListMember(id=new_id(), list_id=lst.id, account_id=account_id)
                     for account_id in added])
    await session.flush()
    if added:
        await enqueue(session, MERGE_LIST, ListAdditions(lst.id, added))


async def remove_members(session: AsyncSession, *, owner_id: int, list_id: int,
                         account_ids: Sequence[int]) -> None:
    """Take accounts out of the list, and their posts out of its timeline, at once."""
    lst = await get_list(session, owner_id=owner_id, list_id=list_id)
    if not account_ids:
        raise Invalid("Validation failed: account_ids must list at least one account")
    await remove_from_lists(session, owner_id=owner_id, member_ids=list(account_ids),
                            list_id=lst.id)


async def lists_with_member(session: AsyncSession, *, owner_id: int, account_id: int
                            ) -> list[List]:
    """The owner's lists that contain `account_id`."""
    rows = await session.scalars(
        select(List).join(ListMember, ListMember.list_id == List.id)
        .where(List.account_id == owner_id, ListMember.account_id == account_id)
        .order_by(List.id))
    return list(rows)


async def list_timeline(session: AsyncSession, *, owner_id: int, list_id: int, page: Page
                        ) -> list[Post]:
    """A page of a list's timeline: a range of its entries, checked again against what the
    owner may see and has excluded (blocks, mutes), as the home timeline is."""
    lst = await get_list(session, owner_id=owner_id, list_id=list_id)
    stmt = (select(Post)
            .join(ListEntry, and_(ListEntry.post_id == Post.id, ListEntry.list_id == lst.id))
            .where(feed_visible(owner_id)))
    rows = (await session.scalars(page.apply(stmt, ListEntry.post_id))).all()
    return page.arrange(rows)
