"""Mastodon API v2 routers."""
