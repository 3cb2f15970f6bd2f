"""Keyword and post filters people set on what they see."""
