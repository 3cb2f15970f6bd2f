"""Web Push: subscriptions per access token, the server's VAPID key, and sending encrypted
push messages for notifications (RFC 8030, 8291, 8292)."""
