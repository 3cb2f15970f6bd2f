"""Moving accounts: the other accounts an account says it also is (its aliases, which its
actor document lists as alsoKnownAs), and its move to another account. A move is honoured
only when the new account names the old one among its aliases, so that nobody can send an
account's followers to an account that did not ask for them (Mastodon's rule, for local and
remote moves alike). What a move means for follows is social's (social/moves.py)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.models import Account, User
from parley.accounts.passwords import verify_password
from parley.errors import Invalid
from parley.events import record
from parley.events.social import AccountMoved

MAX_ALIASES = 10


async def add_alias(session: AsyncSession, *, account: Account, alias: Account) -> None:
    """Say that `account` is also `alias` (an account being moved from); idempotent."""
    if alias.id == account.id:
        raise Invalid("Validation failed: an account cannot be its own alias")
    uris = list(account.also_known_as or [])
    if alias.uri in uris:
        return
    if len(uris) >= MAX_ALIASES:
        raise Invalid(f"Validation failed: at most {MAX_ALIASES} aliases")
    account.also_known_as = [*uris, alias.uri]
    await session.flush()


async def remove_alias(session: AsyncSession, *, account: Account, uri: str) -> None:
    """Stop naming `uri` as an alias; idempotent."""
    account.also_known_as = [known for known in account.also_known_as or [] if known != uri]
    await session.flush()


def check_move(account: Account, target: Account) -> None:
    """The rule of a move: Invalid unless `target` may receive `account`'s followers."""
    if target.id == account.id:
        raise Invalid("Validation failed: an account cannot move to itself")
    if target.suspended_at is not None:
        raise Invalid("Validation failed: the new account is suspended")
    if target.moved_to_account_id is not None:
        raise Invalid("Validation failed: the new account has itself moved")
    if account.uri not in (target.also_known_as or []):
        raise Invalid("Validation failed: the new account must name this one among its "
                      "aliases first")


async def move_account(session: AsyncSession, *, account: Account, target: Account) -> None:
    """Mark `account` as moved to `target` (checked by check_move); its followers follow
    the new account through the AccountMoved subscribers."""
    check_move(account, target)
    account.moved_to_account_id = target.id
    await session.flush()
    await record(session, AccountMoved(account.id, target.id))


async def move_local_account(session: AsyncSession, *, account: Account, target: Account,
                             password: str) -> None:
    """A local account's owner moves it (their password confirms it, as Mastodon asks)."""
    user = await session.get(User, account.id)
    if user is None or not verify_password(user.password_hash, password):
        raise Invalid("Validation failed: the current password is not right")
    await move_account(session, account=account, target=target)
