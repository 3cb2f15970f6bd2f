"""Test support: a live Parley server, Mastodon.py clients, schema validation."""
