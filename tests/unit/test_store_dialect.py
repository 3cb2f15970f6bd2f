"""store/dialect's capabilities, on the test backend (SQLite, or PostgreSQL when
PARLEY_TEST_DATABASE_URL names one): what domains ask the store for instead of branching on
the database they run on."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from pathlib import Path

from sqlalchemy import func, select

import parley.models  # noqa: F401  (every table, so that foreign keys resolve)
from parley.lib.ids import new_id
from parley.lib.timefmt import utcnow
from parley.posts.models import Tag
from parley.store.database import Database
from parley.store.dialect import POSTGRESQL, SQLITE, dialect_of, dialect_of_url, engine_url
from parley.store.migrate import migrate
from parley.store.rawsql import PerRow, RowColumn, Sql
from parley.store.rawwrite import SessionSql, writer_of
from support.server import fresh_database


def test_what_a_database_url_means() -> None:
    assert engine_url("sqlite:///x/p.sqlite3") == "sqlite+aiosqlite:///x/p.sqlite3"
    assert engine_url("postgres://u@h/d") == "postgresql+asyncpg://u@h/d"
    assert engine_url("postgresql://u@h/d") == "postgresql+asyncpg://u@h/d"
    assert engine_url("postgresql+asyncpg://u@h/d") == "postgresql+asyncpg://u@h/d"
    assert dialect_of_url("sqlite:///p") is dialect_of_url("sqlite+aiosqlite:///p") is SQLITE
    assert dialect_of_url("postgres://u@h/d") is POSTGRESQL
    assert SQLITE.single_writer and not POSTGRESQL.single_writer


def test_a_claim_locks_rows_only_where_claimers_run_side_by_side() -> None:
    sql = Sql("SELECT id FROM jobs WHERE state = 'queued' LIMIT :limit FOR_CLAIM")
    assert sql.sqlite == "SELECT id FROM jobs WHERE state = 'queued' LIMIT :limit"
    assert sql.pg()[0] == ("SELECT id FROM jobs WHERE state = 'queued' LIMIT $1 "
                           "FOR UPDATE SKIP LOCKED")


def _per_row() -> PerRow:
    return PerRow("x.n, x.shown", "SELECT f.a * 10 AS n, f.b AS shown", "x", "ORDER BY x.n",
                  row="f", columns=(RowColumn("a", "BIGINT", one="a", many="as_"),
                                    RowColumn("b", "BOOLEAN", one="b", many="bs")))


def test_per_row_statement_forms() -> None:
    per_row = _per_row()
    assert per_row.one.sqlite == ("SELECT x.n, x.shown FROM (SELECT :a * 10 AS n, :b AS shown) x "
                                  "ORDER BY x.n")
    assert per_row.many.pg()[0] == (
        "SELECT x.n, x.shown FROM unnest(CAST($1 AS BIGINT[]), CAST($2 AS BOOLEAN[])) "
        "AS f(a, b) CROSS JOIN LATERAL (SELECT f.a * 10 AS n, f.b AS shown) x ORDER BY x.n")


def _on_test_database(tmp_path: Path, check: Callable[[Database], Awaitable[None]]) -> None:
    with fresh_database(tmp_path) as url:
        migrate(url)

        async def run() -> None:
            db = Database(url)
            try:
                await check(db)
            finally:
                await db.dispose()

        asyncio.run(run())


def test_capabilities_on_the_test_database(tmp_path: Path) -> None:
    async def check(db: Database) -> None:
        # An upsert that skips conflicts, built once per dialect.
        async with db.write() as session:
            dialect = dialect_of(session)
            assert dialect is db.dialect
            insert = dialect.insert_ignoring(Tag, ["name"], returning=[Tag.id])
            assert insert is dialect.insert_ignoring(Tag, ["name"], returning=[Tag.id])
            row = {"name": "cats", "display_name": "Cats", "created_at": utcnow()}
            first = await session.scalar(insert, {**row, "id": new_id()})
            again = await session.scalar(insert, {**row, "id": new_id()})
            assert first is not None and again is None
            assert await session.scalar(select(func.count()).select_from(Tag)) == 1
        # One statement per row of values, or one over all of them: the same rows (in an
        # order of their own: callers merge them).
        async with db.fast() as reader:
            rows = await _per_row().fetch(reader, {}, [(2, True), (1, False)])
            assert sorted((row[0], bool(row[1])) for row in rows) == [(10, False), (20, True)]

    _on_test_database(tmp_path, check)


def test_fresh_reads_see_commits_made_after_another_fresh_block_began(tmp_path: Path) -> None:
    """The publisher holds a fresh block for a batch; the hub's lookups in the meantime must
    still see every commit before them."""
    count = Sql("SELECT COUNT(*) FROM tags")

    async def add(db: Database, name: str) -> None:
        async with db.write() as session:
            await session.execute(db.dialect.insert_ignoring(Tag, ["name"]).values(
                id=new_id(), name=name, display_name=name, created_at=utcnow()))

    async def check(db: Database) -> None:
        await add(db, "cats")  # (the writer's first connection puts SQLite in WAL mode)
        async with db.fresh() as outer:
            assert (await outer.fetch(count, {}))[0][0] == 1
            await add(db, "dogs")
            async with db.fresh() as inner:
                assert inner is not outer
                assert (await inner.fetch(count, {}))[0][0] == 2
        async with db.fresh() as again:  # connections are kept for reuse
            assert (await again.fetch(count, {}))[0][0] == 2

    _on_test_database(tmp_path, check)


def test_notify_wakes_listeners_of_other_processes_at_commit(tmp_path: Path) -> None:
    async def check(db: Database) -> None:
        woken = asyncio.Event()
        listener = db.listener("parley_test", woken.set)
        if db.dialect is SQLITE:
            assert listener is None  # the committing process wakes its own worker
            return
        assert listener is not None
        listener.start()
        try:
            await asyncio.wait_for(woken.wait(), 10)  # woken once when listening starts
            woken.clear()
            async with db.write() as session:
                await (await writer_of(session)).notify("parley_test")
            await asyncio.wait_for(woken.wait(), 10)
        finally:
            await listener.stop()

    _on_test_database(tmp_path, check)


def test_session_sql_sees_the_session_s_own_uncommitted_rows(tmp_path: Path) -> None:
    names = Sql("SELECT name FROM tags WHERE name IN ('owls', 'bats') ORDER BY name")

    async def check(db: Database) -> None:
        async with db.write() as session:
            session.add(Tag(id=new_id(), name="owls", display_name="owls"))  # flushed first
            raw = SessionSql(session)
            assert [row[0] for row in await raw.fetch(names, {})] == ["owls"]
            writer = await writer_of(session)
            assert writer is await writer_of(session)
            await writer.execute(Sql("INSERT INTO tags (id, name, display_name, created_at) "
                                     "VALUES (:id, 'bats', 'bats', :now)"),
                                 {"id": new_id(), "now": utcnow()})
            assert [row[0] for row in await raw.fetch(names, {})] == ["bats", "owls"]
        async with db.read() as session:  # a read session: through it, on any backend
            assert [row[0] for row in await SessionSql(session).fetch(names, {})] == [
                "bats", "owls"]

    _on_test_database(tmp_path, check)
