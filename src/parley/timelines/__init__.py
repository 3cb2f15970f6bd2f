"""Timelines: home (fan-out on write), public, tag, account, bookmarks and likes."""
