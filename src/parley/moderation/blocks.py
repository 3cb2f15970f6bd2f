"""Server-wide blocks: domains (silencing or suspending their accounts, as Mastodon's
BlockDomainService does), e-mail domains refused at sign-up, and address ranges refused at
sign-up or sign-in. The sign-up and sign-in gates (check_sign_up, check_sign_in) are called by
every adapter that signs people up or in."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import func, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute

from parley.accounts.models import Account
from parley.errors import Forbidden, Invalid, NotFound, Unauthorized
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.moderation.audit import log_action
from parley.moderation.models import EmailDomainBlock, InstanceDomainBlock, IpBlock
from parley.store.rawsql import Reader, Sql
from parley.store.rawwrite import SessionSql

DOMAIN_SEVERITIES = ("silence", "suspend", "noop")
IP_SEVERITIES = ("sign_up_requires_approval", "sign_up_block", "no_access")
_DOMAIN_CHARS = set("abcdefghijklmnopqrstuvwxyz0123456789-.")


def normalize_domain(raw: str) -> str:
    """A bare lower-case host name (with its port, when the server is known by one), or
    Invalid."""
    domain = raw.strip().lower().removeprefix("https://").removeprefix("http://").strip("/.")
    host, colon, port = domain.partition(":")
    if (not host or len(domain) > 253 or not set(host) <= _DOMAIN_CHARS or ".." in host
            or (colon and not (port.isascii() and port.isdigit() and len(port) <= 5))):
        raise Invalid("Validation failed: domain is not a valid domain name")
    return domain


# -- domain blocks ---------------------------------------------------------------------------

@dataclass(frozen=True)
class DomainBlockForm:
    severity: str | None = None
    reject_media: bool | None = None
    reject_reports: bool | None = None
    private_comment: str | None = None
    public_comment: str | None = None
    obfuscate: bool | None = None


async def _apply_domain_block(session: AsyncSession, block: InstanceDomainBlock) -> None:
    """Silence or suspend the domain's accounts, stamped with the block's time so that
    lifting the block lifts only what it did."""
    column = {"silence": Account.silenced_at, "suspend": Account.suspended_at}.get(block.severity)
    if column is not None:
        await session.execute(update(Account).where(
            func.lower(Account.domain) == block.domain, column.is_(None))
            .values({column.key: block.created_at}))


async def _lift_domain_block(session: AsyncSession, block: InstanceDomainBlock) -> None:
    for column in (Account.silenced_at, Account.suspended_at):
        await session.execute(update(Account).where(
            func.lower(Account.domain) == block.domain, column == block.created_at)
            .values({column.key: None}))


def _changes(block: InstanceDomainBlock, form: DomainBlockForm) -> None:
    if form.severity is not None:
        if form.severity not in DOMAIN_SEVERITIES:
            raise Invalid("Validation failed: severity must be one of "
                          + ", ".join(DOMAIN_SEVERITIES))
        block.severity = form.severity
    for name in ("reject_media", "reject_reports", "private_comment", "public_comment",
                 "obfuscate"):
        value = getattr(form, name)
        if value is not None:
            setattr(block, name, value)


async def create_domain_block(session: AsyncSession, actor_id: int, domain: str,
                              form: DomainBlockForm) -> InstanceDomainBlock:
    name = normalize_domain(domain)
    if await session.scalar(select(InstanceDomainBlock.id)
                            .where(InstanceDomainBlock.domain == name)) is not None:
        raise Invalid("Validation failed: domain is already blocked")
    block = InstanceDomainBlock(id=new_id(), domain=name, severity="silence",
                                reject_media=False, reject_reports=False, obfuscate=False,
                                created_at=utcnow())
    _changes(block, form)
    session.add(block)
    await session.flush()
    await _apply_domain_block(session, block)
    await log_action(session, actor_id=actor_id, action="create_domain_block",
                     target_type="domain_block", target_id=block.id, label=name,
                     text=block.severity)
    return block


async def get_domain_block(session: AsyncSession, block_id: int) -> InstanceDomainBlock:
    block = await session.get(InstanceDomainBlock, block_id)
    if block is None:
        raise NotFound()
    return block


async def update_domain_block(session: AsyncSession, actor_id: int, block_id: int,
                              form: DomainBlockForm) -> InstanceDomainBlock:
    block = await get_domain_block(session, block_id)
    await _lift_domain_block(session, block)
    _changes(block, form)
    await session.flush()
    await _apply_domain_block(session, block)
    await log_action(session, actor_id=actor_id, action="update_domain_block",
                     target_type="domain_block", target_id=block.id, label=block.domain,
                     text=block.severity)
    return block


async def delete_domain_block(session: AsyncSession, actor_id: int, block_id: int) -> None:
    block = await get_domain_block(session, block_id)
    await _lift_domain_block(session, block)
    await log_action(session, actor_id=actor_id, action="delete_domain_block",
                     target_type="domain_block", target_id=block.id, label=block.domain)
    await session.delete(block)
    await session.flush()


async def list_domain_blocks(session: AsyncSession) -> list[InstanceDomainBlock]:
    return list((await session.scalars(select(InstanceDomainBlock)
                                       .order_by(InstanceDomainBlock.id.desc()))).all())


# -- e-mail domain blocks --------------------------------------------------------------------

async def create_email_domain_block(session: AsyncSession, actor_id: int, domain: str
                                    ) -> EmailDomainBlock:
    name = normalize_domain(domain)
    if await session.scalar(select(EmailDomainBlock.id)
                            .where(EmailDomainBlock.domain == name)) is not None:
        raise Invalid("Validation failed: domain is already blocked")
    block = EmailDomainBlock(id=new_id(), domain=name, created_at=utcnow())
    session.add(block)
    await session.flush()
    await log_action(session, actor_id=actor_id, action="create_email_domain_block",
                     target_type="email_domain_block", target_id=block.id, label=name)
    return block


async def get_email_domain_block(session: AsyncSession, block_id: int) -> EmailDomainBlock:
    block = await session.get(EmailDomainBlock, block_id)
    if block is None:
        raise NotFound()
    return block


async def delete_email_domain_block(session: AsyncSession, actor_id: int, block_id: int
                                    ) -> None:
    block = await get_email_domain_block(session, block_id)
    await log_action(session, actor_id=actor_id, action="delete_email_domain_block",
                     target_type="email_domain_block", target_id=block.id, label=block.domain)
    await session.delete(block)
    await session.flush()


async def list_email_domain_blocks(session: AsyncSession) -> list[EmailDomainBlock]:
    return list((await session.scalars(select(EmailDomainBlock)
                                       .order_by(EmailDomainBlock.id.desc()))).all())


def _parent_domains(domain: str) -> list[str]:
    """a.b.example.com -> a.b.example.com, b.example.com, example.com, com."""
    parts = domain.split(".")
    return [".".join(parts[index:]) for index in range(len(parts))]


async def email_blocked(session: AsyncSession, email: str) -> bool:
    """The address's domain, or a domain above it, is blocked."""
    domain = email.rpartition("@")[2].strip().lower()
    if not domain:
        return False
    found = await session.scalar(select(EmailDomainBlock.id).where(
        EmailDomainBlock.domain.in_(_parent_domains(domain))).limit(1))
    return found is not None


# -- IP blocks -------------------------------------------------------------------------------

@dataclass(frozen=True)
class IpBlockForm:
    ip: str | None = None
    severity: str | None = None
    comment: str | None = None
    expires_in: int | None = None  # seconds


def _network(raw: str) -> str:
    try:
        return str(ipaddress.ip_network(raw.strip(), strict=False))
    except ValueError:
        raise Invalid("Validation failed: ip is not an address or range")


def _ip_changes(block: IpBlock, form: IpBlockForm) -> None:
    if form.ip is not None:
        block.ip = _network(form.ip)
    if form.severity is not None:
        if form.severity not in IP_SEVERITIES:
            raise Invalid("Validation failed: severity must be one of "
                          + ", ".join(IP_SEVERITIES))
        block.severity = form.severity
    if form.comment is not None:
        block.comment = form.comment
    if form.expires_in is not None:
        if form.expires_in <= 0:
            raise Invalid("Validation failed: expires_in must be positive")
        block.expires_at = utcnow() + timedelta(seconds=form.expires_in)


async def create_ip_block(session: AsyncSession, actor_id: int, form: IpBlockForm) -> IpBlock:
    if not form.ip or not form.severity:
        raise Invalid("Validation failed: ip and severity are required")
    block = IpBlock(id=new_id(), ip="", severity="", comment="", created_at=utcnow())
    _ip_changes(block, form)
    if await session.scalar(select(IpBlock.id).where(IpBlock.ip == block.ip)) is not None:
        raise Invalid("Validation failed: ip is already blocked")
    session.add(block)
    await session.flush()
    await log_action(session, actor_id=actor_id, action="create_ip_block",
                     target_type="ip_block", target_id=block.id, label=block.ip,
                     text=block.severity)
    return block


async def get_ip_block(session: AsyncSession, block_id: int) -> IpBlock:
    block = await session.get(IpBlock, block_id)
    if block is None:
        raise NotFound()
    return block


async def update_ip_block(session: AsyncSession, actor_id: int, block_id: int,
                          form: IpBlockForm) -> IpBlock:
    block = await get_ip_block(session, block_id)
    _ip_changes(block, form)
    await session.flush()
    await log_action(session, actor_id=actor_id, action="update_ip_block",
                     target_type="ip_block", target_id=block.id, label=block.ip,
                     text=block.severity)
    return block


async def delete_ip_block(session: AsyncSession, actor_id: int, block_id: int) -> None:
    block = await get_ip_block(session, block_id)
    await log_action(session, actor_id=actor_id, action="delete_ip_block",
                     target_type="ip_block", target_id=block.id, label=block.ip)
    await session.delete(block)
    await session.flush()


async def list_ip_blocks(session: AsyncSession) -> list[IpBlock]:
    return list((await session.scalars(select(IpBlock).order_by(IpBlock.id.desc()))).all())


async def ip_severity(session: AsyncSession, address: str | None) -> str | None:
    """The most severe live block covering `address` (few rows: matched in Python)."""
    if not address:
        return None
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return None
    rows = (await session.scalars(select(IpBlock).where(
        or_(IpBlock.expires_at.is_(None), IpBlock.expires_at > utcnow())))).all()
    found = [block.severity for block in rows
             if ip.version == ipaddress.ip_network(block.ip).version
             and ip in ipaddress.ip_network(block.ip)]
    return max(found, key=IP_SEVERITIES.index) if found else None


# -- the gates -------------------------------------------------------------------------------

async def check_sign_up(session: AsyncSession, *, email: str, ip: str | None) -> bool:
    """Refuse a sign-up from a blocked address or e-mail domain; True when it must wait for
    approval (sign_up_requires_approval)."""
    severity = await ip_severity(session, ip)
    if severity in ("sign_up_block", "no_access"):
        raise Forbidden()
    if await email_blocked(session, email):
        raise Invalid("Validation failed: email uses a disallowed e-mail provider")
    return severity == "sign_up_requires_approval"


async def check_sign_in(session: AsyncSession, *, ip: str | None) -> None:
    """Refuse signing in from a range blocked with no_access."""
    if await ip_severity(session, ip) == "no_access":
        raise Unauthorized("Your login is currently disabled")


def _with_parents(domain: str) -> list[str]:
    """A domain and the domains it lies under (a block of example.com covers a.example.com)."""
    host, colon, _port = domain.partition(":")
    labels = host.split(".")
    parents = [".".join(labels[i:]) for i in range(len(labels) - 1)] or [host]
    return [domain, *parents] if colon else parents


_SUSPENDED = Sql("""
    SELECT domain FROM instance_domain_blocks
    WHERE domain IN_TEXTS(:names) AND severity = 'suspend'""")


async def suspended_domains(session: AsyncSession, domains: Iterable[str]) -> set[str]:
    """Which of these servers the instance suspends (itself or a domain it lies under):
    federation sends them nothing and takes nothing from them."""
    return await suspended_among(SessionSql(session), domains)


async def suspended_among(reader: Reader, domains: Iterable[str]) -> set[str]:
    """suspended_domains() on the raw read path (the inbox's: a statement of microseconds
    where the ORM's took most of a delivery's check)."""
    candidates = {domain: _with_parents(domain.lower()) for domain in set(domains)}
    every = sorted({name for names in candidates.values() for name in names})
    if not every:
        return set()
    blocked = {row[0] for row in await reader.fetch(_SUSPENDED, {"names": every})}
    return {domain for domain, names in candidates.items() if blocked.intersection(names)}


async def _refuses(session: AsyncSession, domain: str, flag: InstrumentedAttribute[bool]
                   ) -> bool:
    """Whether a block of the server (or of a domain it lies under) sets `flag`, or
    suspends it."""
    blocked = await session.scalar(select(InstanceDomainBlock.id).where(
        InstanceDomainBlock.domain.in_(_with_parents(domain.lower())),
        or_(flag.is_(True), InstanceDomainBlock.severity == "suspend")).limit(1))
    return blocked is not None


async def rejects_media(session: AsyncSession, domain: str) -> bool:
    """Whether the instance takes no media files from this server (a block of it, or of a
    domain it lies under, with reject_media, or a suspension): its posts' attachments stay
    links to the other server, never fetched."""
    return await _refuses(session, domain, InstanceDomainBlock.reject_media)


async def rejects_reports(session: AsyncSession, domain: str) -> bool:
    """Whether the instance takes no reports from this server (a block of it, or of a
    domain it lies under, with reject_reports, or a suspension)."""
    return await _refuses(session, domain, InstanceDomainBlock.reject_reports)
