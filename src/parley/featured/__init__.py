"""What a profile features: pinned posts and endorsed accounts."""
