"""Parley's own API beyond Mastodon's: conversations and "Waiting for you"."""
