"""The one background mechanism: a durable job table, enqueued in the same transaction."""
