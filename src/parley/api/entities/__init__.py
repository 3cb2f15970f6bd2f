"""Mastodon entities: domain rows rendered as Mastodon JSON, a page at a time."""
