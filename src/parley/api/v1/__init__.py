"""Mastodon API v1 routers."""
