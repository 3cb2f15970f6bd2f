"""Backend-neutral raw SQL for the hot read paths: SQL text written once with `:name`
parameters (and Fragments: a rule's SQLAlchemy Core definition compiled once per dialect), run
on the bare driver (a synchronous sqlite3 read connection, or asyncpg; inside an ORM
session's transaction: store/rawwrite's SessionSql); rows come back as tuples."""

from __future__ import annotations

import re
import sqlite3
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any, Protocol

import orjson
from sqlalchemy import CompoundSelect, Select, cast, literal_column, select
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Dialect as SqlDialect
from sqlalchemy.sql.elements import ColumnElement

from parley.store.dialect import POSTGRESQL, SQLITE, Dialect

Row = Sequence[Any]
_PARAM = re.compile(r"(?<![:\w]):([A-Za-z_]\w*)")
# `col IN_IDS(:ids)`: a list of bigint ids as ONE parameter, so a statement's text (and its
# prepared plan) does not depend on how many ids a page has.
_IN_IDS = re.compile(r"\bIN_IDS\(:([A-Za-z_]\w*)\)")
# `col IN_TEXTS(:names)`: the same for a list of strings (custom emoji shortcodes, domains).
_IN_TEXTS = re.compile(r"\bIN_TEXTS\(:([A-Za-z_]\w*)\)")
# `col IS_TRUE`: a boolean test in the form each backend's partial indexes are declared with
# (SQLAlchemy's `IS 1` / `IS true`): a planner uses such an index only for its own spelling.
_IS_TRUE = re.compile(r"\bIS_TRUE\b")
# `... FOR_CLAIM`: rows a claimer takes, locked and skipped by the other claimers on
# PostgreSQL; SQLite has one writer (the claim runs under its lock), so nothing to add there.
_FOR_CLAIM = re.compile(r"\s*\bFOR_CLAIM\b")
# Where a Fragment stands in a statement's source until the dialect is known.
_FRAGMENT = re.compile(r"/\*fragment (\d+)\*/")
_DIALECTS: dict[str, SqlDialect] = {"sqlite": sqlite.dialect(),
                                     "postgresql": postgresql.dialect()}


def param(name: str, type_: Any = None) -> ColumnElement[Any]:
    """A statement parameter (`:name`) inside a Fragment's Core expression; with `type_`, cast
    to it (for a parameter PostgreSQL cannot type from its uses, e.g. only `IS NULL`)."""
    found: ColumnElement[Any] = literal_column(f":{name}")
    return found if type_ is None else cast(found, type_)


class Fragment:
    """A condition or a SELECT defined once as a SQLAlchemy Core expression (a rule's one
    definition), for raw statements: embedded in their source as a token (`f"... WHERE
    {fragment}"`), compiled per dialect on first use with constants inline and `param()`s as
    `:name`, then kept.

    A condition is built over aliases named as the statement names its tables (e.g.
    `aliased(Post, name="p")` for `posts p`); its subqueries correlate with them, and with
    those `over` names (tables the condition reads in subqueries only)."""

    _all: list[Fragment] = []
    __slots__ = ("_build", "_over", "_texts", "token")

    def __init__(self, build: Callable[[], ColumnElement[bool] | Select[Any] | CompoundSelect],
                 *, over: Callable[[], Sequence[Any]] = tuple) -> None:
        self._build = build
        self._over = over
        self._texts: dict[str, str] = {}
        self.token = f"/*fragment {len(Fragment._all)}*/"
        Fragment._all.append(self)

    def __str__(self) -> str:
        return self.token

    def text(self, dialect: str) -> str:
        found = self._texts.get(dialect)
        if found is None:
            built = self._build()
            if isinstance(built, Select | CompoundSelect):
                found = _compiled(built, dialect)
            else:
                # Compiled as the WHERE of a SELECT over the aliases it reads, so that its
                # subqueries correlate with them; the FROM is dropped (the statement has
                # its own).
                wrapper: Select[Any] = (select(literal_column("1"))
                                        .select_from(*self._over()).where(built))
                found = "(" + _compiled(wrapper, dialect).split(" WHERE ", 1)[1] + ")"
            self._texts[dialect] = found
        return found


def _compiled(statement: Select[Any] | CompoundSelect, dialect: str) -> str:
    return " ".join(str(statement.compile(dialect=_DIALECTS[dialect],
                                          compile_kwargs={"literal_binds": True})).split())


def _expand(source: str, dialect: str) -> str:
    return _FRAGMENT.sub(lambda match: Fragment._all[int(match.group(1))].text(dialect), source)


class Sql:
    """One statement, written once; its SQLite and PostgreSQL forms are derived on first use
    and kept (the text is the cache key of asyncpg's and sqlite3's prepared statements)."""

    __slots__ = ("_pg", "_pg_named", "_pg_names", "_rewrite", "_sqlite", "source")

    def __init__(self, source: str, *, rewrite: Callable[[str], str] | None = None) -> None:
        """`rewrite` changes the text once its Fragments are expanded (PerRow's per-row form
        names the row's values as parameters, inside the Fragments too)."""
        self.source = source
        self._rewrite = rewrite
        self._sqlite: str | None = None
        self._pg_named: str | None = None
        self._pg: str | None = None
        self._pg_names: tuple[str, ...] = ()

    @property
    def sqlite(self) -> str:
        if self._sqlite is None:
            listed = r"IN (SELECT value FROM json_each(:\1))"
            self._sqlite = _FOR_CLAIM.sub("", _IS_TRUE.sub("IS 1", _IN_TEXTS.sub(
                listed, _IN_IDS.sub(listed, self._expanded("sqlite")))))
        return self._sqlite

    @property
    def pg_named(self) -> str:
        """PostgreSQL text still with `:name` parameters (for SQLAlchemy's text())."""
        if self._pg_named is None:
            self._pg_named = _FOR_CLAIM.sub(" FOR UPDATE SKIP LOCKED", _IS_TRUE.sub(
                "IS true", _IN_TEXTS.sub(r"= ANY(CAST(:\1 AS TEXT[]))", _IN_IDS.sub(
                    r"= ANY(CAST(:\1 AS BIGINT[]))", self._expanded("postgresql")))))
        return self._pg_named

    def _expanded(self, dialect: str) -> str:
        text = _expand(self.source, dialect)
        return text if self._rewrite is None else self._rewrite(text)

    def pg(self) -> tuple[str, tuple[str, ...]]:
        """PostgreSQL text with `$n` parameters, and the parameter names in `$n` order."""
        if self._pg is None:
            names: list[str] = []

            def number(match: re.Match[str]) -> str:
                name = match.group(1)
                if name not in names:
                    names.append(name)
                return f"${names.index(name) + 1}"

            self._pg = _PARAM.sub(number, self.pg_named)
            self._pg_names = tuple(names)
        return self._pg, self._pg_names


_PLAIN = (int, str, float, type(None), bytes)
_COLLECTIONS = (list, tuple, set, frozenset)


def sqlite_params(params: Mapping[str, Any]) -> Mapping[str, Any]:
    """Parameters as sqlite3 takes them: id lists as JSON (for json_each), times as text."""
    if all(type(value) in _PLAIN for value in params.values()):
        return params
    out: dict[str, Any] = {}
    for key, value in params.items():
        if isinstance(value, _COLLECTIONS):
            out[key] = orjson.dumps(list(value)).decode()  # read back by json_each()
        elif isinstance(value, datetime):
            out[key] = sqlite_time(value)
        else:
            out[key] = value
    return out


def sqlite_time(value: datetime) -> str:
    """A datetime as SQLAlchemy stores it in SQLite (naive UTC text), for comparisons."""
    utc = value.astimezone(UTC).replace(tzinfo=None) if value.tzinfo else value
    return utc.isoformat(" ", "microseconds")  # several times faster than strftime


class Reader(Protocol):
    """Runs read statements; the same call on every backend."""

    dialect: Dialect
    @property
    def shared(self) -> bool:
        """Inside a transaction begun by an earlier request (a snapshot that may miss a
        recent commit)."""

    async def fetch(self, sql: Sql, params: Mapping[str, Any]) -> list[Row]: ...


class SqliteReader:
    """A per-process sqlite3 connection used synchronously in the event loop's thread: the
    statements it runs are bounded index-range reads (tens of µs to ~1 ms), cheaper than the
    two thread hand-offs aiosqlite needs per statement."""

    dialect = SQLITE

    def __init__(self, path: str) -> None:
        self.conn = sqlite3.connect(path, isolation_level=None, check_same_thread=False)
        self.conn.execute("PRAGMA busy_timeout=10000")
        self.conn.execute("PRAGMA query_only=1")
        # A small page cache: the OS cache holds the database; RSS stays low.
        self.conn.execute("PRAGMA cache_size=-8000")
        self._depth = 0

    def begin(self) -> None:
        # One deferred transaction per request: a consistent snapshot for all its reads.
        # Requests interleaving on the loop share the outer one rather than nest.
        if self._depth == 0 and not self.conn.in_transaction:
            self.conn.execute("BEGIN")
        self._depth += 1

    @property
    def shared(self) -> bool:
        """Inside another request's transaction (begun earlier, so its snapshot may be older
        than a commit this caller has just made)."""
        return self._depth > 1

    def end(self) -> None:
        self._depth -= 1
        if self._depth == 0 and self.conn.in_transaction:
            self.conn.execute("COMMIT")

    async def fetch(self, sql: Sql, params: Mapping[str, Any]) -> list[Row]:
        return self.conn.execute(sql.sqlite, sqlite_params(params)).fetchall()

    def close(self) -> None:
        self.conn.close()


class PgReader:
    """The asyncpg connection under one of SQLAlchemy's pooled connections. No explicit
    transaction: each statement has its own snapshot, as under READ COMMITTED before."""

    dialect = POSTGRESQL
    shared = False

    def __init__(self, conn: Any) -> None:
        self.conn = conn

    async def fetch(self, sql: Sql, params: Mapping[str, Any]) -> list[Row]:
        statement, names = sql.pg()
        rows: list[Row] = await self.conn.fetch(statement, *[pg_value(params[name])
                                                             for name in names])
        return rows


def pg_value(value: Any) -> Any:
    """A parameter as asyncpg takes it (arrays as lists)."""
    return list(value) if isinstance(value, tuple | set | frozenset) else value


@dataclass(frozen=True, slots=True)
class RowColumn:
    """A value of each row of a PerRow statement: `<row>.<name>` in its inner statement,
    `:<one>` when run for one row, `:<many>` (an array of `sql_type`) when run for all."""

    name: str
    sql_type: str
    one: str
    many: str


class PerRow:
    """`SELECT <select> FROM (<inner>) <alias> <tail>` for each of a short list of rows of
    values, which `inner` names `<row>.<column>`: run once over the rows' arrays where the
    dialect has LATERAL (one round trip), else once per row (SQLite: in process, no round
    trip to save). Both forms are built once."""

    def __init__(self, select: str, inner: str, alias: str, tail: str, *, row: str,
                 columns: Sequence[RowColumn]) -> None:
        self.columns = tuple(columns)
        arrays = ", ".join(f"CAST(:{c.many} AS {c.sql_type}[])" for c in self.columns)
        names = ", ".join(c.name for c in self.columns)
        self.many = Sql(f"SELECT {select} FROM unnest({arrays}) AS {row}({names}) "
                        f"CROSS JOIN LATERAL ({inner}) {alias} {tail}")
        def per_row(text: str) -> str:
            for c in self.columns:
                text = re.sub(rf"\b{row}\.{c.name}\b", f":{c.one}", text)
            return text

        self.one = Sql(f"SELECT {select} FROM ({inner}) {alias} {tail}", rewrite=per_row)

    async def fetch(self, reader: Reader, params: Mapping[str, Any],
                    rows: Sequence[Sequence[Any]]) -> list[Row]:
        if reader.dialect.lateral:
            return await reader.fetch(self.many, {**params, **{
                c.many: [row[i] for row in rows] for i, c in enumerate(self.columns)}})
        found: list[Row] = []
        for row in rows:
            found += await reader.fetch(self.one, {**params, **{
                c.one: int(value) if type(value) is bool else value
                for c, value in zip(self.columns, row, strict=True)}})
        return found


def reader_now(reader: Reader) -> Any:
    """`now` as a parameter compared with a timestamp column of this backend."""
    now = datetime.now(UTC)
    return sqlite_time(now) if reader.dialect is SQLITE else now


def iso_of(value: datetime | str | None) -> str | None:
    """Mastodon's 2026-11-22T00:29:33.123Z from a datetime or SQLite's stored text
    ("YYYY-MM-DD HH:MM:SS[.ffffff]", always UTC)."""
    if value is None:
        return None
    if isinstance(value, str):
        millis = value[20:23] if len(value) > 19 else ""
        return f"{value[:10]}T{value[11:19]}.{millis.ljust(3, '0')}Z"
    utc = value.astimezone(UTC) if value.tzinfo else value
    return utc.strftime("%Y-%m-%dT%H:%M:%S.") + f"{utc.microsecond // 1000:03d}Z"


def date_of(value: datetime | date | str | None) -> str | None:
    """YYYY-MM-DD of a datetime (its UTC day) or of SQLite's stored text."""
    if value is None:
        return None
    if isinstance(value, str):
        return value[:10]
    if isinstance(value, datetime) and value.tzinfo is not None:
        value = value.astimezone(UTC)
    return value.strftime("%Y-%m-%d")


def datetime_of(value: datetime | str) -> datetime:
    """A timestamp column as a datetime: SQLite's stored text is naive UTC, as the ORM reads
    it there."""
    return datetime.fromisoformat(value) if isinstance(value, str) else value


def json_of(value: Any) -> Any:
    """A JSON column: text on SQLite (and JSON on asyncpg), already decoded through the ORM."""
    if isinstance(value, str | bytes):
        return orjson.loads(value)
    return value


def is_missing_table(error: BaseException) -> bool:
    """A statement failed because a table does not exist (yet) on either backend."""
    if isinstance(error, sqlite3.OperationalError):
        return "no such table" in str(error)
    return type(error).__name__ == "UndefinedTableError"
