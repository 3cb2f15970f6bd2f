"""Mastodon's Admin::DomainBlock, Admin::EmailDomainBlock and Admin::IpBlock."""

from __future__ import annotations

import hashlib
from typing import Any

from parley.lib.timefmt import iso
from parley.moderation.models import EmailDomainBlock, InstanceDomainBlock, IpBlock


def domain_block_entity(block: InstanceDomainBlock) -> dict[str, Any]:
    return {
        "id": str(block.id),
        "domain": block.domain,
        "digest": hashlib.sha256(block.domain.encode()).hexdigest(),
        "created_at": iso(block.created_at),
        "severity": block.severity,
        "reject_media": block.reject_media,
        "reject_reports": block.reject_reports,
        "private_comment": block.private_comment,
        "public_comment": block.public_comment,
        "obfuscate": block.obfuscate,
    }


def email_domain_block_entity(block: EmailDomainBlock) -> dict[str, Any]:
    # history: the sign-up attempts per day are not counted yet.
    return {"id": str(block.id), "domain": block.domain, "created_at": iso(block.created_at),
            "history": []}


def ip_block_entity(block: IpBlock) -> dict[str, Any]:
    return {"id": str(block.id), "ip": block.ip, "severity": block.severity,
            "comment": block.comment, "created_at": iso(block.created_at),
            "expires_at": iso(block.expires_at)}
