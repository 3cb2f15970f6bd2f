"""Hashtags beyond posts: following tags, featuring them on a profile, their usage history."""
