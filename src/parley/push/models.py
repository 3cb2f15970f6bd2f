"""Push subscription and server key tables."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, DateTime, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from parley.lib.timefmt import utcnow
from parley.store.database import Base


class PushSubscription(Base):
    """Where to push `account_id`'s notifications for one access token (one per token, as in
    Mastodon): the push service's endpoint, the user agent's keys, which types and from whom."""

    __tablename__ = "push_subscriptions"

    id: Mapped[int] = mapped_column(primary_key=True, autoincrement=False)
    account_id: Mapped[int] = mapped_column(ForeignKey("accounts.id", ondelete="CASCADE"),
                                            index=True)
    access_token_id: Mapped[int] = mapped_column(
        ForeignKey("oauth_access_tokens.id", ondelete="CASCADE"), unique=True)
    endpoint: Mapped[str] = mapped_column(String(2048))
    # The user agent's P-256 public key and auth secret, base64url without padding.
    p256dh: Mapped[str] = mapped_column(String(128))
    auth: Mapped[str] = mapped_column(String(64))
    # RFC 8291 aes128gcm; False: the draft "aesgcm" encoding Mastodon still sends by default.
    standard: Mapped[bool] = mapped_column(Boolean, default=False)
    # Notification types pushed, in Parley's words, space-separated.
    alerts: Mapped[str] = mapped_column(String(512), default="")
    policy: Mapped[str] = mapped_column(String(16), default="all")
    # The access token itself, encrypted with the server's secret: the push message carries
    # it (clients with several accounts tell them apart by it), and only digests of tokens
    # are stored in the clear.
    sealed_token: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)


class PushServerKey(Base):
    """The server's VAPID key pair (one row): made once, shared by every process."""

    __tablename__ = "push_server_keys"

    id: Mapped[int] = mapped_column(Integer, primary_key=True, autoincrement=False)
    private_key: Mapped[str] = mapped_column(Text)  # PKCS#8 PEM
    public_key: Mapped[str] = mapped_column(String(128))  # uncompressed point, base64url
    created_at: Mapped[datetime] = mapped_column(DateTime(timezone=True), default=utcnow)
