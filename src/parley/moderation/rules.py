"""The server's rules (Mastodon's Rule): written, edited, reordered and retired by staff
with the rules permission, each change in the audit log; read by sign-up, the instance
entities and reports (which may cite only rules in force)."""

from __future__ import annotations

from collections.abc import Sequence

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from parley.errors import Invalid, NotFound
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.moderation.audit import log_action
from parley.moderation.models import ServerRule

MAX_TEXT = 300  # Mastodon's Rule::TEXT_SIZE_LIMIT
MAX_HINT = 2000  # Mastodon sets none; a bound so that a page of rules stays readable


def _checked(text: str, hint: str) -> tuple[str, str]:
    text, hint = text.strip(), hint.strip()
    if not text:
        raise Invalid("Validation failed: Text can't be blank")
    if len(text) > MAX_TEXT:
        raise Invalid(f"Validation failed: Text is too long (maximum is {MAX_TEXT} characters)")
    if len(hint) > MAX_HINT:
        raise Invalid(f"Validation failed: Hint is too long (maximum is {MAX_HINT} characters)")
    return text, hint


async def rules_in_force(session: AsyncSession) -> list[ServerRule]:
    """The rules as shown everywhere: not retired, in their order."""
    return list((await session.scalars(
        select(ServerRule).where(ServerRule.deleted_at.is_(None))
        .order_by(ServerRule.priority, ServerRule.id))).all())


async def rules_named(session: AsyncSession, ids: Sequence[int], *, in_force: bool = True
                      ) -> list[ServerRule]:
    """The rules among `ids`: only those in force (what a new report may cite), or also the
    retired ones (what an old report cited)."""
    if not ids:
        return []
    stmt = select(ServerRule).where(ServerRule.id.in_(list(ids)))
    if in_force:
        stmt = stmt.where(ServerRule.deleted_at.is_(None))
    return list((await session.scalars(stmt.order_by(ServerRule.priority, ServerRule.id))).all())


async def _rule(session: AsyncSession, rule_id: int) -> ServerRule:
    rule = await session.get(ServerRule, rule_id)
    if rule is None or rule.deleted_at is not None:
        raise NotFound()
    return rule


async def add_rule(session: AsyncSession, *, actor_id: int, text: str, hint: str = ""
                   ) -> ServerRule:
    """A new rule, last in the order."""
    text, hint = _checked(text, hint)
    last = await session.scalar(select(func.max(ServerRule.priority))
                                .where(ServerRule.deleted_at.is_(None)))
    now = utcnow()
    rule = ServerRule(id=new_id(), text=text, hint=hint, priority=(last or 0) + 1,
                      created_at=now, updated_at=now)
    session.add(rule)
    await log_action(session, actor_id=actor_id, action="create_rule", target_type="rule",
                     target_id=rule.id, label=text)
    return rule


async def edit_rule(session: AsyncSession, *, actor_id: int, rule_id: int, text: str,
                    hint: str) -> ServerRule:
    rule = await _rule(session, rule_id)
    rule.text, rule.hint = _checked(text, hint)
    rule.updated_at = utcnow()
    await log_action(session, actor_id=actor_id, action="update_rule", target_type="rule",
                     target_id=rule.id, label=rule.text)
    return rule


async def retire_rule(session: AsyncSession, *, actor_id: int, rule_id: int) -> None:
    """Take a rule out of force; reports that cite it keep naming it."""
    rule = await _rule(session, rule_id)
    rule.deleted_at = rule.updated_at = utcnow()
    await log_action(session, actor_id=actor_id, action="destroy_rule", target_type="rule",
                     target_id=rule.id, label=rule.text)


async def move_rule(session: AsyncSession, *, actor_id: int, rule_id: int, up: bool) -> None:
    """Swap a rule with its neighbour above (or below); the order is renumbered 1..n."""
    rules = await rules_in_force(session)
    index = next((i for i, rule in enumerate(rules) if rule.id == rule_id), None)
    if index is None:
        raise NotFound()
    moved = rules[index]
    other = index - 1 if up else index + 1
    if 0 <= other < len(rules):
        rules[index], rules[other] = rules[other], moved
    for position, rule in enumerate(rules, start=1):
        rule.priority = position
    await log_action(session, actor_id=actor_id, action="update_rule", target_type="rule",
                     target_id=rule_id, label=moved.text)
