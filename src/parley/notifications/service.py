"""Notification services: recording notifications, listing, dismissing and clearing them."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy import (
    BigInteger,
    DateTime,
    Select,
    and_,
    bindparam,
    delete,
    exists,
    func,
    or_,
    select,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.sql.elements import ColumnElement

from parley.accounts.models import Account, User
from parley.accounts.roles import STAFF_ROLES
from parley.errors import NotFound
from parley.events import record
from parley.events.live import NotificationCreated
from parley.lib.ids import new_id
from parley.lib.paging import Page
from parley.lib.timefmt import utcnow
from parley.notifications.grouping import choose_key, group_prefix, open_candidates
from parley.notifications.markers import notifications_read_up_to
from parley.notifications.models import Notification, NotificationPolicy
from parley.notifications.policy import (
    DEFAULTS,
    NON_FILTERABLE,
    POLICY_FIELDS,
    Verdict,
    applicable_settings,
    decide,
)
from parley.notifications.requests import hold_as_request
from parley.posts.models import Post
from parley.posts.thread_mutes import muted_thread
from parley.posts.visibility import AccountRef, account_hidden, visible_to
from parley.store.rawwrite import insert_of, writer_of

# Types that tell the one who acted too: a poll's end reaches its author, "from" them.
TOLD_TO_ACTOR = ("poll",)


def _recipient_state(recipient: ColumnElement[Any]) -> list[ColumnElement[Any]]:
    """Columns saying, for one recipient (a column of the enclosing query), all that the
    rules of notify() read: whether the sender (`n_sender`) is hidden from them, whether
    this activity already notified them, their open group key among `n_keys`, and their
    policy (the outer-joined NotificationPolicy, NULLs for the defaults)."""
    now = bindparam("n_now", type_=DateTime(timezone=True))
    sender = bindparam("n_sender", type_=BigInteger)
    # The clock is a parameter: this statement is built once per process, so a `now` read
    # when it is built would stop timed mutes from ever ending.
    hidden = account_hidden(recipient, sender, mutes="notifications", now=now)
    existing = exists(select(Notification.id).where(
        Notification.account_id == recipient, Notification.type == bindparam("n_type"),
        Notification.from_account_id == sender,
        Notification.post_id.is_not_distinct_from(bindparam("n_post", type_=BigInteger)),
        Notification.report_id.is_not_distinct_from(bindparam("n_report", type_=BigInteger))))
    # Keys of one prefix differ only in their hour bucket, all of one length for centuries:
    # the greatest string is the latest bucket.
    open_key = (select(func.max(Notification.group_key))
                .where(Notification.account_id == recipient,
                       Notification.group_key.in_(bindparam("n_keys", expanding=True)))
                .scalar_subquery())
    # A muted thread (posts/thread_mutes.py) is silent for any activity on its posts.
    muted = muted_thread(recipient, bindparam("n_thread", type_=BigInteger))
    policy = [getattr(NotificationPolicy, name).label(name) for name in POLICY_FIELDS]
    return [hidden.label("n_hidden"), existing.label("n_existing"),
            open_key.label("n_open_key"), muted.label("n_thread_muted"), *policy]


def with_recipient_state(stmt: Select[*tuple[Any, ...]], recipient: Any
                         ) -> Select[*tuple[Any, ...]]:
    """`stmt` (reading accounts, `recipient` its id column) with the columns notify_many
    needs of each: build it once, execute it with recipient_params()."""
    return (stmt.add_columns(*_recipient_state(recipient))
            .outerjoin(NotificationPolicy, NotificationPolicy.account_id == recipient))


def recipient_params(*, type: str, from_account_id: int, post: Post | None,
                     report_id: int | None = None) -> dict[str, Any]:
    """Bind parameters of a with_recipient_state statement for this activity."""
    return {"n_now": utcnow(), "n_sender": from_account_id, "n_type": type,
            "n_post": post.id if post is not None else None, "n_report": report_id,
            "n_thread": post.thread_id if post is not None else None,
            "n_keys": open_candidates(group_prefix(type, post))}


# Only local accounts are notified: a remote account's own server tells its owner.
_ONE_RECIPIENT = with_recipient_state(
    select(Account.id).where(Account.id == bindparam("n_recipient", type_=BigInteger),
                             Account.domain.is_(None)),
    Account.id)
_RECIPIENTS = with_recipient_state(
    select(Account.id).where(Account.id.in_(bindparam("n_recipients", expanding=True)),
                             Account.domain.is_(None)),
    Account.id)
_COLUMNS = ("id", "account_id", "from_account_id", "type", "post_id", "report_id",
            "group_key", "filtered", "created_at")


async def _insert(session: AsyncSession, rows: list[dict[str, Any]]) -> None:
    """The notification rows, on the raw write path (a compose's hottest insert but one)."""
    await (await writer_of(session)).execute_many(insert_of("notifications", _COLUMNS), rows)


@dataclass(frozen=True)
class Recipient:
    """One prospective recipient with what with_recipient_state read about them."""

    account_id: int
    hidden: bool
    existing: bool
    open_key: str | None
    policy: dict[str, str]
    thread_muted: bool = False

    @classmethod
    def from_row(cls, account_id: int, row: Any) -> Recipient:
        values = row._mapping
        policy = {name: values[name] or DEFAULTS[name] for name in POLICY_FIELDS}
        return cls(account_id, bool(values["n_hidden"]), bool(values["n_existing"]),
                   values["n_open_key"], policy, bool(values["n_thread_muted"]))


def _row(recipient: Recipient, *, type: str, from_account_id: int, post: Post | None,
         report_id: int | None, filtered: bool) -> dict[str, Any]:
    group_key = None if filtered else choose_key(group_prefix(type, post), [recipient.open_key])
    return {"id": new_id(), "account_id": recipient.account_id,
            "from_account_id": from_account_id, "type": type,
            "post_id": post.id if post is not None else None, "report_id": report_id,
            "group_key": group_key, "filtered": filtered, "created_at": utcnow()}


async def _verdict(session: AsyncSession, recipient: Recipient, *, type: str,
                   from_account_id: int, post: Post | None, report_id: int | None = None
                   ) -> Verdict | None:
    """None: not notified at all (own action but a poll's end, hidden sender, a muted
    thread, this post's or report's activity already notified); else what the policy says.
    Most need no query: only non-accepting settings that apply do."""
    repeated = recipient.existing and (post is not None or report_id is not None)
    own = recipient.account_id == from_account_id and type not in TOLD_TO_ACTOR
    if own or recipient.hidden or repeated or recipient.thread_muted:
        return None
    if type in NON_FILTERABLE or not applicable_settings(recipient.policy, type, post):
        return "accept"
    return await decide(session, recipient_id=recipient.account_id,
                        sender_id=from_account_id, type=type, post=post,
                        policy=recipient.policy)


async def notify_many(session: AsyncSession, recipients: Sequence[Recipient], *, type: str,
                      from_account_id: int, post: Post | None) -> None:
    """notify() for several recipients of one activity at once (a post's mentions), their
    state read beforehand by a with_recipient_state query: one INSERT for all."""
    rows: list[dict[str, Any]] = []
    for recipient in recipients:
        verdict = await _verdict(session, recipient, type=type,
                                 from_account_id=from_account_id, post=post)
        if verdict is not None and verdict != "drop":
            rows.append(_row(recipient, type=type, from_account_id=from_account_id, post=post,
                             report_id=None, filtered=verdict == "filter"))
    if rows:
        await _insert(session, rows)
    for row in rows:
        await _after_insert(session, row)


async def notify_accounts(session: AsyncSession, account_ids: Sequence[int], *, type: str,
                          from_account_id: int, post: Post | None) -> None:
    """notify() for several accounts of one activity (a post's mentions), in their order:
    their state in one read, one INSERT for all."""
    if not account_ids:
        return
    params = recipient_params(type=type, from_account_id=from_account_id, post=post)
    rows = await session.execute(_RECIPIENTS, {**params, "n_recipients": list(account_ids)})
    found = {row.id: Recipient.from_row(row.id, row) for row in rows}
    await notify_many(session, [found[i] for i in account_ids if i in found], type=type,
                      from_account_id=from_account_id, post=post)


async def unnotify(session: AsyncSession, *, recipient_id: int, type: str,
                   from_account_id: int, post_id: int) -> None:
    """An undone like or repost takes its notification with it, as in Mastodon."""
    await session.execute(delete(Notification).where(
        Notification.account_id == recipient_id, Notification.type == type,
        Notification.from_account_id == from_account_id, Notification.post_id == post_id))


async def _after_insert(session: AsyncSession, row: dict[str, Any]) -> None:
    if row["filtered"]:
        # Held back: counted under a request, not streamed until the request is accepted.
        await hold_as_request(session, Notification(**row))
    else:
        await record(session, NotificationCreated(row["id"], row["account_id"], row=row))


async def notify(session: AsyncSession, *, recipient_id: int, from_account_id: int,
                 type: str, post_id: int | None = None, report_id: int | None = None
                 ) -> Notification | None:
    """Record a notification in the caller's transaction; nobody is notified of their own
    actions, and the same activity never notifies twice. Nothing comes from an account the
    recipient blocks, is blocked by, blocks the domain of, or mutes with its notifications.
    The recipient's policy may drop it, or hold it back (filtered) under a request."""
    if recipient_id == from_account_id:
        return None
    post = await session.get(Post, post_id) if post_id is not None else None
    params = recipient_params(type=type, from_account_id=from_account_id, post=post,
                              report_id=report_id)
    found = (await session.execute(_ONE_RECIPIENT, {**params, "n_recipient": recipient_id})
             ).first()
    if found is None:
        return None
    recipient = Recipient.from_row(recipient_id, found)
    verdict = await _verdict(session, recipient, type=type, from_account_id=from_account_id,
                             post=post, report_id=report_id)
    if verdict is None or verdict == "drop":
        return None
    row = _row(recipient, type=type, from_account_id=from_account_id, post=post,
               report_id=report_id, filtered=verdict == "filter")
    await _insert(session, [row])
    await _after_insert(session, row)
    return Notification(**row)


@dataclass(frozen=True)
class NotificationFilter:
    """Mastodon's list filters: only these types, not these types, only from this account."""

    types: Sequence[str] = field(default_factory=tuple)
    exclude_types: Sequence[str] = field(default_factory=tuple)
    from_account_id: int | None = None
    # Filtered (held back) notifications show with this, or when asking for one sender's.
    include_filtered: bool = False


def _sender_hidden(viewer_id: int, sender: AccountRef) -> ColumnElement[bool]:
    return account_hidden(viewer_id, sender, mutes="notifications")


def _post_visible(viewer_id: int) -> ColumnElement[bool]:
    # A notification about a post the viewer can no longer see (say, a follow ended), or from
    # an account blocked or muted since, is skipped in SQL, so pages keep their size.
    return and_(
        or_(Notification.post_id.is_(None),
            exists(select(Post.id).where(Post.id == Notification.post_id,
                                         visible_to(viewer_id)))),
        ~_sender_hidden(viewer_id, Notification.from_account_id))


def notification_conditions(viewer_id: int, filters: NotificationFilter
                            ) -> list[ColumnElement[bool]]:
    """WHERE clauses of the viewer's notifications as a list shows them (v1 and grouped)."""
    conditions = [Notification.account_id == viewer_id, _post_visible(viewer_id)]
    if not filters.include_filtered and filters.from_account_id is None:
        conditions.append(Notification.filtered.is_(False))
    if filters.types:
        conditions.append(Notification.type.in_(list(filters.types)))
    if filters.exclude_types:
        conditions.append(Notification.type.not_in(list(filters.exclude_types)))
    if filters.from_account_id is not None:
        conditions.append(Notification.from_account_id == filters.from_account_id)
    return conditions


async def list_notifications(session: AsyncSession, *, viewer_id: int, page: Page,
                             filters: NotificationFilter) -> list[Notification]:
    """A page of the viewer's notifications, newest first."""
    stmt = select(Notification).where(*notification_conditions(viewer_id, filters))
    rows = (await session.scalars(page.apply(stmt, Notification.id))).all()
    return page.arrange(rows)


async def unread_count(session: AsyncSession, *, viewer_id: int, filters: NotificationFilter,
                       limit: int) -> int:
    """How many notifications came after the notifications marker (at most `limit`)."""
    read_up_to = await notifications_read_up_to(session, account_id=viewer_id)
    unread = (select(Notification.id)
              .where(*notification_conditions(viewer_id, filters), Notification.id > read_up_to)
              .limit(limit).subquery())
    return int(await session.scalar(select(func.count()).select_from(unread)) or 0)


async def notify_admins(session: AsyncSession, *, type: str, from_account_id: int,
                        report_id: int | None = None) -> int:
    """Tell every active staff member (admin.sign_up, admin.report: moderators, admins and
    owners, who all handle users and reports); returns how many were told."""
    admins = (await session.scalars(select(User.account_id).where(
        User.role.in_(STAFF_ROLES), User.disabled.is_(False)))).all()
    told = 0
    for admin_id in admins:
        if await notify(session, recipient_id=admin_id, from_account_id=from_account_id,
                        type=type, report_id=report_id) is not None:
            told += 1
    return told


async def notify_post_edited(session: AsyncSession, *, post: Post) -> None:
    """An edited post tells those who reposted it (update) and those who quoted it
    (quoted_update, about their quote), as Mastodon does; call it where posts are edited."""
    reposters = (await session.scalars(select(Post.account_id).distinct().where(
        Post.repost_of_id == post.id))).all()
    for account_id in reposters:
        await _renotify(session, recipient_id=account_id, from_account_id=post.account_id,
                        type="update", post_id=post.id)
    # A revoked quote no longer shows the post: its author is not told of edits.
    quotes = (await session.execute(select(Post.id, Post.account_id).where(
        Post.quote_of_id == post.id, Post.quote_state == "accepted"))).tuples().all()
    for quote_id, account_id in quotes:
        await _renotify(session, recipient_id=account_id, from_account_id=post.account_id,
                        type="quoted_update", post_id=quote_id)


async def _renotify(session: AsyncSession, *, recipient_id: int, from_account_id: int,
                    type: str, post_id: int) -> None:
    """Edits happen again and again: the newest edit replaces the older notification."""
    await session.execute(delete(Notification).where(
        Notification.account_id == recipient_id, Notification.type == type,
        Notification.from_account_id == from_account_id, Notification.post_id == post_id))
    await notify(session, recipient_id=recipient_id, from_account_id=from_account_id,
                 type=type, post_id=post_id)


async def dismiss_notification(session: AsyncSession, *, viewer_id: int,
                               notification_id: int) -> None:
    """Delete one of the viewer's notifications."""
    result = await session.execute(delete(Notification).where(
        Notification.id == notification_id, Notification.account_id == viewer_id))
    if getattr(result, "rowcount", 0) == 0:
        raise NotFound()


async def clear_notifications(session: AsyncSession, *, viewer_id: int) -> None:
    """Delete all of the viewer's notifications."""
    await session.execute(delete(Notification).where(Notification.account_id == viewer_id))
