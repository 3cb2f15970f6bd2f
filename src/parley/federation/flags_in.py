"""Received reports (Flag, Mastodon's forwarded reports): about local accounts and their
posts, they become reports in the moderators' queue, the sending actor (often its server's
instance actor) as the reporter, one report per account named (a few). What else a Flag
names is ignored; servers the instance takes no reports from (a domain block with
reject_reports, or a suspension) are not heard."""

from __future__ import annotations

from sqlalchemy import select

from parley.accounts.models import Account
from parley.federation.inbound import Inbound
from parley.federation.parse import iri, text
from parley.federation.vocab import as_list
from parley.moderation.blocks import rejects_reports
from parley.moderation.service import MAX_COMMENT, MAX_REPORTED_POSTS, receive_report
from parley.posts.models import Post

MAX_OBJECTS = 1 + MAX_REPORTED_POSTS  # ids of a Flag read: an account and its posts
MAX_TARGETS = 5  # accounts one Flag may report


async def flag(inbound: Inbound) -> None:
    named = [iri(item, required=False) for item in as_list(inbound.activity.object)
             [:MAX_OBJECTS]]
    local = [uri for uri in named if uri and uri.startswith(inbound.settings.base_url + "/")]
    if not local:
        return
    comment = text(inbound.document.get("content"), MAX_COMMENT)
    async with inbound.db.write() as session:
        if await rejects_reports(session, inbound.actor.domain or ""):
            return
        reporter = await session.merge(inbound.actor)
        targets = (await session.scalars(select(Account).where(
            Account.uri.in_(local), Account.domain.is_(None)).limit(MAX_TARGETS))).all()
        posts = (await session.scalars(select(Post).where(
            Post.uri.in_(local), Post.domain.is_(None)))).all() if targets else []
        for target in targets:
            await receive_report(session, reporter=reporter, target=target, posts=posts,
                                 comment=comment)
