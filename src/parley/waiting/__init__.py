"""Waiting for you: mentions and replies someone has not answered yet."""
