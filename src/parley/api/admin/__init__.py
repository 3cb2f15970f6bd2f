"""Mastodon's admin API (/api/v1/admin, /api/v2/admin): what moderation apps use."""
