"""The social graph: follows and follow requests (later blocks and mutes)."""
