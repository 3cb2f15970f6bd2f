"""Storage: engine, sessions, raw SQLite/PostgreSQL paths, checkpointer, dialect differences.

The ways into the database, and what each is for (`db` is the process's store.database
Database; a domain never learns which database it runs on, it asks store/dialect):

| handle                 | what it is                       | serves                      |
|------------------------|----------------------------------|-----------------------------|
| `db.write()`           | ORM session in a write           | every change; its commit    |
|                        | transaction. SQLite: the one     | runs the after-commit hooks |
|                        | in-loop writer, BEGIN IMMEDIATE  | (worker wake-up, streaming) |
| `db.read()`            | ORM session on the read pool     | reads off the hot paths     |
|                        | (SQLite: threaded readers)       | (not queued behind writes)  |
| `db.lookup()`          | ORM session for a few indexed    | a received activity's keys, |
|                        | lookups (SQLite: in the loop, as | accounts and posts by URI   |
|                        | the writer; PostgreSQL: read())  | (no thread hand-offs)       |
| `db.fast()`            | raw Reader (rawsql). SQLite: the | the hot reads: home, thread,|
|                        | per-process connection in the    | notifications, tokens       |
|                        | loop, one snapshot shared by the | (`reader.shared`: snapshot  |
|                        | requests interleaving on it      | older than this request)    |
| `db.fresh()`           | raw Reader with a snapshot of its| the streaming publisher's   |
|                        | own, newer than the call (SQLite:| batches, the hub's lookups: |
|                        | a connection per open block, not | they must see the commit    |
|                        | shared with requests)            | being published             |
| `SessionSql(session)`, | raw statements in that session's | hot writes (compose, fan-out|
| `writer_of(session)`   | transaction, on its driver       | jobs, counters); renders    |
|                        | connection (rawwrite)            | that must see the session's |
|                        |                                  | own uncommitted rows        |

Why not fewer: SQLite allows one writer, so writes (write) and ORM reads (read) use different
connections; a shared snapshot (fast) costs one BEGIN per burst of requests but may be older
than a commit just made, which the publisher and hub must see (fresh); and a session's own
uncommitted rows are visible only inside its transaction (SessionSql). On PostgreSQL, read()
is write()'s pool and fresh() is fast(): each statement has its own snapshot there.

Dialect differences live in store/dialect.py (`Dialect`: upserts that skip conflicts,
full-text match, single writer, LATERAL; what a URL means), the `Sql` macros of rawsql
(IN_IDS, IN_TEXTS, IS_TRUE, FOR_CLAIM), rawsql.PerRow, sql.partial_index_where and
store/wakeup.py (LISTEN/NOTIFY).
"""
