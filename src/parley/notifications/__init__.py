"""Notifications: telling people that someone replied, mentioned, followed, liked or reposted."""
