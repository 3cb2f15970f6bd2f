"""Moderation: reports about accounts and posts, and their resolution."""
