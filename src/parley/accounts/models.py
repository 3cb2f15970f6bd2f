"""Account and User tables: a profile for everyone, credentials for local people."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    false,
)
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base
from parley.store.sql import partial_index_where

# Who may quote a post (Mastodon 4.5): the values of posts.quote_policy and of an
# account's default; posts/quotes.py holds the rule. `manual` (Parley's, beyond the three
# Mastodon clients send): anyone may ask, the author approves each quote.
QUOTE_POLICIES = ("public", "followers", "nobody", "manual")


class Account(Base):
    """A profile, local (domain NULL) or remote; counters are kept right transactionally."""

    __tablename__ = "accounts"
    __table_args__ = (
        # The few remote accounts: the fan-out skips them as one small set instead of
        # looking up every follower's row (migration 0002).
        Index("ix_accounts_remote", "id", **partial_index_where("domain IS NOT NULL")),
    )

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    username: Mapped[str] = mapped_column(String(64))
    domain: Mapped[str | None] = mapped_column(String(255), default=None)
    # lower(username) or lower(username@domain): the unique handle key.
    acct_key: Mapped[str] = mapped_column(String(320), unique=True)
    uri: Mapped[str] = mapped_column(String(2048), unique=True)
    url: Mapped[str] = mapped_column(String(2048))
    display_name: Mapped[str] = mapped_column(String(100), default="")
    note: Mapped[str] = mapped_column(Text, default="")
    note_source: Mapped[str] = mapped_column(Text, default="")
    fields: Mapped[list[dict[str, Any]]] = mapped_column(JSON, default=list)
    # The images shown: files this server stored (a remote account's, copies of the images
    # its server names in `*_remote_url`: accounts/remote_images.py).
    avatar_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    header_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    avatar_remote_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    header_remote_url: Mapped[str | None] = mapped_column(String(2048), default=None)
    locked: Mapped[bool] = mapped_column(Boolean, default=False)
    bot: Mapped[bool] = mapped_column(Boolean, default=False)
    discoverable: Mapped[bool] = mapped_column(Boolean, default=True)
    indexable: Mapped[bool] = mapped_column(Boolean, default=True)
    default_privacy: Mapped[str] = mapped_column(String(16), default="public")
    default_sensitive: Mapped[bool] = mapped_column(Boolean, default=False)
    default_language: Mapped[str | None] = mapped_column(String(16), default=None)
    # Who may quote new posts unless a post says otherwise (QUOTE_POLICIES; posts/quotes.py).
    default_quote_policy: Mapped[str] = mapped_column(String(16), default="public",
                                                      server_default="public")
    # Sites allowed to credit this account as an author (Mastodon 4.4's fediverse:creator).
    attribution_domains: Mapped[list[str]] = mapped_column(JSON, default=list,
                                                           server_default="[]")
    # Followers and follows lists shown to their owner only (Mastodon's hide_collections).
    hide_collections: Mapped[bool] = mapped_column(Boolean, default=False,
                                                   server_default=false())
    avatar_description: Mapped[str] = mapped_column(String(1500), default="", server_default="")
    header_description: Mapped[str] = mapped_column(String(1500), default="", server_default="")
    followers_count: Mapped[int] = mapped_column(Integer, default=0)
    following_count: Mapped[int] = mapped_column(Integer, default=0)
    posts_count: Mapped[int] = mapped_column(Integer, default=0)
    last_post_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Moderation (moderation/accounts.py): a suspended account's posts are hidden from
    # everyone and its tokens stop working; a silenced account's posts reach only its
    # followers; a sensitized account's media is marked sensitive.
    suspended_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    silenced_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True), default=None)
    sensitized_at: Mapped[datetime | None] = mapped_column(DateTime(timezone=True),
                                                           default=None)
    # Moves (accounts/moves.py): the URIs of the accounts this one says it also is (its
    # aliases: ActivityPub's alsoKnownAs), and the account it moved to (no foreign key:
    # added in place by migration 0026).
    also_known_as: Mapped[list[str]] = mapped_column(JSON, default=list, server_default="[]")
    moved_to_account_id: Mapped[int | None] = mapped_column(BigInteger, default=None)

    @property
    def is_local(self) -> bool:
        return self.domain is None

    @property
    def acct(self) -> str:
        return self.username if self.domain is None else f"{self.username}@{self.domain}"

    def shows_collections_to(self, viewer_id: int | None) -> bool:
        """Whether the viewer may list this account's followers and follows."""
        return not self.hide_collections or viewer_id == self.id


class User(Base):
    """Credentials and settings of a local account."""

    __tablename__ = "users"

    account_id: Mapped[int] = mapped_column(
        ForeignKey("accounts.id", ondelete="CASCADE"), primary_key=True, autoincrement=False
    )
    email: Mapped[str] = mapped_column(String(320), unique=True)
    password_hash: Mapped[str] = mapped_column(String(255))
    # owner | admin | moderator | user (accounts/roles.py says what each may do).
    role: Mapped[str] = mapped_column(String(16), default="user", server_default="user")
    approved: Mapped[bool] = mapped_column(Boolean, default=True)
    disabled: Mapped[bool] = mapped_column(Boolean, default=False)
    locale: Mapped[str] = mapped_column(String(16), default="en")
    registration_reason: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
    # Two-factor sign-in (accounts/two_factor.py): on while a secret is set. The secret is
    # sealed (lib/sealing.py); the last accepted time step refuses a code used twice.
    otp_secret: Mapped[str | None] = mapped_column(Text, default=None)
    otp_last_step: Mapped[int | None] = mapped_column(BigInteger, default=None)

    @property
    def two_factor(self) -> bool:
        return self.otp_secret is not None


class WebSessionRecord(Base):
    """A signed-in web session, so that signing out, a password change or "sign out
    everywhere" ends it on the server (a captured cookie is then worth nothing). The cookie
    carries the session's random id; only its digest is stored."""

    __tablename__ = "web_sessions"
    __table_args__ = (Index("ix_web_sessions_account_id", "account_id"),)

    id: Mapped[str] = mapped_column(String(64), primary_key=True)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"))
    user_agent: Mapped[str] = mapped_column(String(255), default="")
    address: Mapped[str] = mapped_column(String(64), default="")
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class RecoveryCode(Base):
    """One unspent two-factor recovery code of an account; only its digest is stored, and
    spending it deletes the row."""

    __tablename__ = "recovery_codes"

    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            primary_key=True, autoincrement=False)
    digest: Mapped[str] = mapped_column(String(64), primary_key=True)
