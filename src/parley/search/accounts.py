"""Finding accounts by name: the prefix search of the account search and the compose
mention suggestions."""

from __future__ import annotations

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account
from parley.social.models import Follow


async def search_accounts(session: AsyncSession, query: str, *, limit: int, offset: int = 0,
                          followed_by: int | None = None) -> list[Account]:
    """Prefix search on username and display name; exact username match first.
    With `followed_by`, only accounts that account follows."""
    text = query.strip().lstrip("@").lower()
    if not text:
        return []
    username = text.partition("@")[0]
    pattern = username.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
    stmt = (
        select(Account)
        .where(or_(Account.acct_key.like(pattern, escape="\\"),
                   func.lower(Account.display_name).like(pattern, escape="\\")))
        .order_by((Account.acct_key == username).desc(), Account.followers_count.desc(),
                  Account.id)
        .limit(limit).offset(offset)
    )
    if followed_by is not None:
        stmt = stmt.join(Follow, (Follow.target_account_id == Account.id)
                         & (Follow.account_id == followed_by) & (Follow.state == "accepted"))
    return list((await session.scalars(stmt)).all())
