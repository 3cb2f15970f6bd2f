"""Posts: writing, replies and threads, reposts and quotes, likes and bookmarks."""
