"""Announcements: what the server's staff tell every user, with dismissals and reactions."""
