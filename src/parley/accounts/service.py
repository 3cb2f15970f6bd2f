"""Account services: creating local accounts, finding accounts, editing profiles."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.accounts.links import VERIFY_PROFILE_LINKS, ProfileLinks, needs_verification
from parley.accounts.models import QUOTE_POLICIES, Account, User
from parley.accounts.passwords import (
    MAX_PASSWORD_LENGTH,
    MIN_PASSWORD_LENGTH,
    hash_password,
    password_problem,
    verify_password,
)
from parley.accounts.roles import ROLES
from parley.config import Settings
from parley.errors import Invalid, NotFound
from parley.events import record
from parley.events.social import AccountCreated, ProfileUpdated
from parley.jobs.queue import enqueue
from parley.lib.html import plain_to_html
from parley.lib.ids import new_id
from parley.lib.text import is_language_code

MAX_USERNAME_LENGTH = 30
USERNAME_RE = re.compile(r"^[A-Za-z0-9_]{1,30}$")
# Any syntactically valid address, as Mastodon (Devise) takes it: a@localhost12345 too.
EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+$")
MAX_EMAIL_LENGTH = 320
RESERVED_USERNAMES = frozenset({"admin", "root", "api", "oauth", "settings", "about", "static",
                                "well-known", "parley", "instance", "support", "postmaster"})
MAX_FIELDS = 4


def account_urls(settings: Settings, username: str) -> tuple[str, str]:
    """(uri, url) of a local account: the ActivityPub id and the profile page."""
    return f"{settings.base_url}/users/{username}", f"{settings.base_url}/@{username}"


class InvalidAccount(Invalid):
    """A refused registration, with Mastodon's per-field details: field -> [(code,
    description)], e.g. ("ERR_TAKEN", "has already been taken")."""

    def __init__(self, details: dict[str, list[tuple[str, str]]]) -> None:
        self.details = details
        super().__init__("Validation failed: " + ", ".join(
            f"{field.capitalize()} {description}"
            for field, problems in details.items() for _code, description in problems))


def new_account_problems(username: str, email: str, password: str
                         ) -> dict[str, list[tuple[str, str]]]:
    """What is wrong with the form, field by field, in Mastodon's codes and words."""
    problems: dict[str, list[tuple[str, str]]] = {}
    if not username:
        problems["username"] = [("ERR_BLANK", "can't be blank")]
    elif len(username) > MAX_USERNAME_LENGTH:
        problems["username"] = [("ERR_TOO_LONG", "is too long (maximum is "
                                 f"{MAX_USERNAME_LENGTH} characters)")]
    elif not USERNAME_RE.match(username):
        problems["username"] = [("ERR_INVALID",
                                 "must contain only letters, numbers and underscores")]
    elif username.lower() in RESERVED_USERNAMES:
        problems["username"] = [("ERR_RESERVED", "is reserved")]
    if not email:
        problems["email"] = [("ERR_BLANK", "can't be blank")]
    elif len(email) > MAX_EMAIL_LENGTH:
        problems["email"] = [("ERR_TOO_LONG", "is too long (maximum is "
                              f"{MAX_EMAIL_LENGTH} characters)")]
    elif not EMAIL_RE.match(email):
        problems["email"] = [("ERR_INVALID", "is invalid")]
    if not password:
        problems["password"] = [("ERR_BLANK", "can't be blank")]
    elif (problem := password_problem(password)) is not None:
        code = ("ERR_TOO_SHORT" if len(password) < MIN_PASSWORD_LENGTH else
                "ERR_TOO_LONG" if len(password) > MAX_PASSWORD_LENGTH else "ERR_INVALID")
        problems["password"] = [(code, problem.removeprefix("password "))]
    return problems


async def create_local_account(
    session: AsyncSession, settings: Settings, *, username: str, email: str, password: str,
    role: str = "user", approved: bool = True, display_name: str = "", note: str = "",
    reason: str | None = None,
) -> Account:
    """A new local account with its credentials; usernames and e-mails are unique."""
    if role not in ROLES:
        raise Invalid(f"Validation failed: role must be one of {', '.join(ROLES)}")
    problems = new_account_problems(username, email, password)
    if "username" not in problems and await session.scalar(
            select(Account.id).where(Account.acct_key == username.lower())) is not None:
        problems["username"] = [("ERR_TAKEN", "has already been taken")]
    if "email" not in problems and await session.scalar(select(User.account_id).where(
            func.lower(User.email) == email.lower())) is not None:
        problems["email"] = [("ERR_TAKEN", "has already been taken")]
    if problems:
        raise InvalidAccount(problems)
    uri, url = account_urls(settings, username)
    account = Account(
        id=new_id(), username=username, domain=None, acct_key=username.lower(), uri=uri,
        url=url, display_name=display_name, note_source=note, note=plain_to_html(note),
        fields=[], locked=False, bot=False, discoverable=True, indexable=True,
        followers_count=0, following_count=0, posts_count=0,
    )
    session.add(account)
    await session.flush()
    session.add(User(account_id=account.id, email=email.lower(),
                     password_hash=hash_password(password), role=role, approved=approved,
                     registration_reason=reason))
    await session.flush()
    await record(session, AccountCreated(account.id))
    return account


async def get_account(session: AsyncSession, account_id: int) -> Account:
    account = await session.get(Account, account_id)
    if account is None:
        raise NotFound()
    return account


async def accounts_by_ids(session: AsyncSession, account_ids: Sequence[int]) -> list[Account]:
    """The accounts with these ids that exist, in the order given, in one query."""
    if not account_ids:
        return []
    found = {account.id: account for account in await session.scalars(
        select(Account).where(Account.id.in_(account_ids)))}
    return [found[i] for i in account_ids if i in found]


async def find_by_acct(session: AsyncSession, settings: Settings, acct: str) -> Account | None:
    """An account by `user`, `@user`, `user@domain` (our own domain means local)."""
    handle = acct.strip().lstrip("@").lower()
    username, _, domain = handle.partition("@")
    key = username if domain in ("", settings.domain.lower()) else f"{username}@{domain}"
    result: Account | None = await session.scalar(select(Account).where(Account.acct_key == key))
    return result


@dataclass
class ProfileChanges:
    """What update_credentials may change; None leaves a value as it is."""

    display_name: str | None = None
    note: str | None = None
    locked: bool | None = None
    bot: bool | None = None
    discoverable: bool | None = None
    indexable: bool | None = None
    fields: list[dict[str, str]] | None = None
    privacy: str | None = None
    quote_policy: str | None = None
    attribution_domains: list[str] | None = None
    sensitive: bool | None = None
    language: str | None = None  # "" (or blank): no default language
    hide_collections: bool | None = None
    avatar_description: str | None = None
    header_description: str | None = None


_DOMAIN = re.compile(r"^(?=.{1,253}$)([a-z0-9]([a-z0-9-]{0,61}[a-z0-9])?\.)+[a-z]{2,63}$")
MAX_ATTRIBUTION_DOMAINS = 100


def attribution_domains(raw: list[str]) -> list[str]:
    """Host names, lower-cased and each once, at most 100 (as Mastodon checks them)."""
    domains = list(dict.fromkeys(d.strip().lower() for d in raw if d.strip()))
    if len(domains) > MAX_ATTRIBUTION_DOMAINS:
        raise Invalid("Validation failed: Attribution domains too many (maximum is 100)")
    for domain in domains:
        if not _DOMAIN.match(domain):
            raise Invalid(f"Validation failed: Attribution domains {domain} is not a valid "
                          "domain")
    return domains


def _apply_simple(account: Account, changes: ProfileChanges) -> None:
    simple: dict[str, Any] = {
        "display_name": changes.display_name, "locked": changes.locked, "bot": changes.bot,
        "discoverable": changes.discoverable, "indexable": changes.indexable,
        "default_privacy": changes.privacy, "default_sensitive": changes.sensitive,
        "default_quote_policy": changes.quote_policy,
        "hide_collections": changes.hide_collections,
        "avatar_description": changes.avatar_description,
        "header_description": changes.header_description,
    }
    for attribute, value in simple.items():
        if value is not None:
            setattr(account, attribute, value)
    if changes.language is not None:
        # Apps send the field blank for "no default", as Mastodon takes it; stored blank,
        # it would make every later post fail the language check.
        account.default_language = changes.language.strip() or None


def public_profile(account: Account) -> tuple[Any, ...]:
    """What other servers see of a profile (what its actor document shows)."""
    return (account.display_name, account.note, [dict(f) for f in account.fields or []],
            account.locked, account.bot, account.discoverable, account.indexable,
            account.avatar_url, account.header_url, account.avatar_description,
            account.header_description)


def _kept_verification(old: list[dict[str, Any]], new: list[dict[str, Any]]
                       ) -> list[dict[str, Any]]:
    """A link saved again unchanged keeps its verification (as in Mastodon)."""
    verified = {f.get("value"): f["verified_at"] for f in old if f.get("verified_at")}
    return [{**f, "verified_at": verified[f["value"]]} if f["value"] in verified else f
            for f in new]


async def update_profile(session: AsyncSession, account: Account, changes: ProfileChanges
                         ) -> Account:
    """Apply profile changes with Mastodon's limits; a change others see (what the actor
    document shows) is recorded, for federation to send."""
    before = public_profile(account)
    if changes.display_name is not None and len(changes.display_name) > 30:
        raise Invalid("Validation failed: display name is too long (maximum 30 characters)")
    if changes.note is not None:
        if len(changes.note) > 500:
            raise Invalid("Validation failed: note is too long (maximum 500 characters)")
        account.note_source = changes.note
        account.note = plain_to_html(changes.note)
    if changes.privacy is not None and changes.privacy not in ("public", "unlisted", "private"):
        raise Invalid("Validation failed: source[privacy] is not a valid visibility")
    if changes.quote_policy is not None and changes.quote_policy not in QUOTE_POLICIES:
        raise Invalid("Validation failed: source[quote_policy] is not a valid quote policy")
    if changes.attribution_domains is not None:
        account.attribution_domains = attribution_domains(changes.attribution_domains)
    if changes.language and changes.language.strip() and not is_language_code(
            changes.language.strip()):
        raise Invalid("Validation failed: source[language] is not an ISO 639 language code")
    if changes.fields is not None:
        if len(changes.fields) > MAX_FIELDS:
            raise Invalid(f"Validation failed: at most {MAX_FIELDS} profile fields")
        account.fields = _kept_verification(
            account.fields or [], [{"name": f["name"][:255], "value": f["value"][:2047]}
                                   for f in changes.fields if f.get("name") or f.get("value")])
        if needs_verification(account.fields):
            await enqueue(session, VERIFY_PROFILE_LINKS, ProfileLinks(account.id))
    _apply_simple(account, changes)
    account = await session.merge(account)
    await session.flush()
    if public_profile(account) != before:
        await record(session, ProfileUpdated(account.id))
    return account


async def change_password(session: AsyncSession, *, account_id: int, current: str, new: str
                          ) -> None:
    """Replace a local account's password; the current one must be given and right."""
    user = await session.get(User, account_id)
    if user is None or not verify_password(user.password_hash, current):
        raise Invalid("Validation failed: the current password is not right")
    problem = password_problem(new)
    if problem:
        raise Invalid(f"Validation failed: {problem}")
    user.password_hash = hash_password(new)
    await session.flush()
