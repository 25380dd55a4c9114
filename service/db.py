"""Database: engine from a plain URL, SQLite pragmas, session scope, shared column types.

One style throughout: SQLModel tables, SQLAlchemy 2 async sessions (aiosqlite, asyncpg).
Services ``flush()``; whoever opened the session (the request dependency, a job) commits.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, TypeVar

import sqlalchemy as sa
from sqlalchemy import event
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import URL, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, async_sessionmaker, create_async_engine
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.orm import Session, SessionTransaction
from sqlalchemy.sql.functions import FunctionElement
from sqlalchemy.util import await_only
from sqlmodel import SQLModel
from sqlmodel.ext.asyncio.session import AsyncSession
from sqlmodel.sql.expression import SelectOfScalar

from service import jsontext

Row = TypeVar("Row")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}
SQLModel.metadata.naming_convention = NAMING_CONVENTION

SQLITE_BUSY_TIMEOUT_MS = 10_000
HOLDS_WRITER = "yingji_holds_writer"
WRITE_OPTION = "yingji_write"
PENDING_EVENTS = "outbox_pending"  # session.info key where the outbox lists new events
# run on each write session just before it commits (the outbox numbers and writes the
# events the transaction staged); registered by the modules that need it
BEFORE_COMMIT: list[Callable[[AsyncSession], Awaitable[None]]] = []
STAGED = "staged_rows"  # session.info key: {kind: [row, …]} waiting for the commit
STAGED_MARKS = "staged_marks"  # session.info key: staged counts at each savepoint


def utcnow() -> datetime:
    return datetime.now(UTC)


def stage(session: AsyncSession, kind: str, row: Any) -> None:
    """Keep ``row`` for the insert that a ``BEFORE_COMMIT`` writer makes of every row of
    ``kind`` the transaction staged (audit rows, outbox events): one statement instead of an
    ORM object and a flush each. A rolled-back savepoint drops what was staged inside it."""
    session.info.setdefault(STAGED, {}).setdefault(kind, []).append(row)


def take_staged(session: AsyncSession, kind: str) -> list[Any]:
    """The rows of ``kind`` staged so far, in order; they are no longer staged."""
    rows: list[Any] = session.info.get(STAGED, {}).pop(kind, [])
    return rows


@event.listens_for(Session, "after_transaction_create")
def _mark_savepoint(session: Session, transaction: SessionTransaction) -> None:
    """Remember how many rows of each kind were staged when a savepoint began…"""
    if transaction.nested:
        staged = session.info.get(STAGED, {})
        marks = session.info.setdefault(STAGED_MARKS, {})
        marks[id(transaction)] = {kind: len(rows) for kind, rows in staged.items()}


@event.listens_for(Session, "after_soft_rollback")
def _drop_rolled_back(session: Session, previous: SessionTransaction) -> None:
    """…so that rolling it back drops the rows staged inside it, as the ORM drops the rows it
    holds (a full rollback drops them all)."""
    if not previous.nested:
        session.info.pop(STAGED, None)
        session.info.pop(STAGED_MARKS, None)
        return
    mark = session.info.get(STAGED_MARKS, {}).pop(id(previous), None)
    if mark is None:
        return
    for kind, rows in session.info.get(STAGED, {}).items():
        del rows[mark.get(kind, 0) :]


def one_of(column: Any, values: Any, dialect: str) -> sa.ColumnElement[bool]:
    """``column IN values`` with the values as one parameter: thousands of values are one
    bind, not thousands, and the statement is compiled once. On PostgreSQL an array
    (``= ANY``); on SQLite a JSON array (``IN (SELECT value FROM json_each(…))``)."""
    if dialect == "postgresql":
        array = sa.bindparam(None, list(values), type_=postgresql.ARRAY(column.type))
        return column == sa.any_(array)
    each = sa.func.json_each(sa.bindparam(None, jsontext.dumps(list(values)), type_=sa.String()))
    return column.in_(sa.select(each.table_valued("value").c.value))


class UTCDateTime(sa.types.TypeDecorator[datetime]):
    """Timezone-aware UTC in and out, on SQLite (which keeps no zone) as on PostgreSQL."""

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None or value.tzinfo is UTC:  # asyncpg's, already in UTC
            return value
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def async_url(url: str) -> URL:
    """Accept the usual plain URLs and pick our async driver for them."""
    parsed = make_url(url)
    backend = parsed.get_backend_name()
    if backend == "sqlite":
        return parsed.set(drivername="sqlite+aiosqlite")
    if backend in ("postgresql", "postgres"):
        return parsed.set(drivername="postgresql+asyncpg")
    raise ValueError(f"unsupported database {backend!r}: use sqlite:// or postgresql://")


def _prepare_sqlite(engine: AsyncEngine) -> None:
    """WAL, foreign keys, busy timeout; explicit BEGIN so writers take the lock up front.

    A deferred transaction that reads and then writes fails with SQLITE_BUSY when
    another writer committed in between, so write sessions begin IMMEDIATE.
    """
    database = engine.url.database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)

    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_conn: Any, _record: Any) -> None:
        dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
        cursor = dbapi_conn.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    # One writer at a time inside this process. SQLite allows only one anyway, and its busy
    # handler makes waiting writers sleep in growing steps (up to 100 ms), so dozens of
    # concurrent writers (the clock's handlers) spend most of their time asleep while the
    # lock is free. Taken when the write transaction begins, given back when it ends.
    writer = asyncio.Lock()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(conn: sa.Connection) -> None:
        immediate = conn.get_execution_options().get(WRITE_OPTION, False)
        if not immediate:
            conn.exec_driver_sql("BEGIN")
            return
        await_only(_acquire(writer))
        conn.info[HOLDS_WRITER] = True
        try:
            conn.exec_driver_sql("BEGIN IMMEDIATE")
        except BaseException:
            _release(conn.info)
            raise

    def _release(info: dict[Any, Any]) -> None:
        if info.pop(HOLDS_WRITER, False):
            writer.release()

    @event.listens_for(engine.sync_engine, "commit")
    def _on_commit(conn: sa.Connection) -> None:
        _release(conn.info)

    @event.listens_for(engine.sync_engine, "rollback")
    def _on_rollback(conn: sa.Connection) -> None:
        _release(conn.info)

    @event.listens_for(engine.sync_engine.pool, "checkin")
    def _on_checkin(_dbapi_conn: Any, record: Any) -> None:
        if record is not None:
            _release(record.info)  # a connection that went back without commit or rollback

    @event.listens_for(engine.sync_engine.pool, "invalidate")
    def _on_invalidate(_dbapi_conn: Any, record: Any, _exc: Any) -> None:
        if record is not None:
            _release(record.info)


async def _acquire(lock: asyncio.Lock) -> None:
    """The process's SQLite write lock, or "database is locked" after the busy timeout (a
    task that opened a second write transaction inside its first would wait forever)."""
    try:
        await asyncio.wait_for(lock.acquire(), SQLITE_BUSY_TIMEOUT_MS / 1000)
    except TimeoutError:
        raise sa.exc.OperationalError(
            "BEGIN IMMEDIATE", {}, Exception("database is locked")
        ) from None


STATEMENT_CACHE = 500  # prepared statements asyncpg keeps per PostgreSQL connection


class Database:
    """The engine and session factories of one process."""

    def __init__(self, url: str, *, pool_size: int = 20, echo: bool = False) -> None:
        self.url = async_url(url)
        self.connect_args: dict[str, Any] = {}
        kwargs: dict[str, Any] = {"echo": echo, "pool_pre_ping": False}
        if self.url.get_backend_name() == "postgresql":
            # ``pool_size`` stay open; the overflow is closed as soon as it is given back, so
            # a load that keeps needing it would open a PostgreSQL backend (a fork) per request
            kwargs |= {"pool_size": pool_size, "max_overflow": max(1, pool_size // 2)}
            if "prepared_statement_cache_size" not in self.url.query:
                # a batched insert's text depends on its number of rows: with asyncpg's
                # default (100 per connection) they pushed each other out, and every
                # batch was prepared (parsed and planned) again
                self.connect_args["prepared_statement_cache_size"] = STATEMENT_CACHE
            kwargs["connect_args"] = self.connect_args
        self.engine = create_async_engine(self.url, **kwargs)
        if self.is_sqlite:
            _prepare_sqlite(self.engine)
        # called with the outbox events of each committed unit of work (publish after commit)
        self.after_commit: list[Callable[[list[Any]], Awaitable[None]]] = []
        self._read = async_sessionmaker(self.engine, class_=AsyncSession, expire_on_commit=False)
        self._write = async_sessionmaker(
            self.engine.execution_options(**{WRITE_OPTION: True}),
            class_=AsyncSession,
            expire_on_commit=False,
        )

    @property
    def is_sqlite(self) -> bool:
        return self.url.get_backend_name() == "sqlite"

    @asynccontextmanager
    async def session(self, *, write: bool = True) -> AsyncIterator[AsyncSession]:
        """A unit of work: commit on success, roll back on any exception."""
        factory = self._write if write else self._read
        async with factory() as session:
            try:
                yield session
                if write:
                    for prepare in BEFORE_COMMIT:
                        await prepare(session)
                    await session.commit()
            except BaseException as exc:
                try:
                    await session.rollback()
                except Exception:
                    if isinstance(exc, Exception):
                        raise
                    # cancelled (shutting down): the rollback of a cancelled statement may
                    # fail, but the cancellation must go on up, or the caller would take the
                    # rollback's error for a failed write and carry on (a batcher's worker
                    # would never stop)
                    raise exc from None
                raise
            committed = session.info.pop(PENDING_EVENTS, [])
        await self.committed(committed)

    async def committed(self, events: list[Any]) -> None:
        """A unit of work committed these outbox events: tell the listeners."""
        for listener in self.after_commit:
            await listener(events)

    def twin(self, *, pool_size: int) -> Database:
        """Another engine on the same database, for another thread's event loop (an
        engine's connections belong to the loop that opened them)."""
        return Database(self.url.render_as_string(hide_password=False), pool_size=pool_size)

    async def ping(self) -> None:
        async with self.engine.connect() as conn:
            await conn.execute(sa.text("SELECT 1"))

    async def dispose(self) -> None:
        await self.engine.dispose()


class json_array_has(FunctionElement[bool]):
    """``json_array_has(column, value)``: the JSON array in ``column`` holds ``value``."""

    type = sa.Boolean()
    name = "json_array_has"
    inherit_cache = True


@compiles(json_array_has, "sqlite")
def _json_array_has_sqlite(element: json_array_has, compiler: Any, **kw: Any) -> str:
    column, value = list(element.clauses)
    return (
        f"EXISTS (SELECT 1 FROM json_each({compiler.process(column, **kw)}) "  # noqa: S608
        f"WHERE json_each.value = {compiler.process(value, **kw)})"
    )


@compiles(json_array_has, "postgresql")
def _json_array_has_pg(element: json_array_has, compiler: Any, **kw: Any) -> str:
    column, value = list(element.clauses)
    return (
        f"CAST({compiler.process(column, **kw)} AS JSONB) "
        f"@> jsonb_build_array(CAST({compiler.process(value, **kw)} AS TEXT))"
    )


class json_int_array_has(FunctionElement[bool]):
    """``json_int_array_has(column, value)``: the JSON array of integers in ``column`` holds
    the integer ``value``."""

    type = sa.Boolean()
    name = "json_int_array_has"
    inherit_cache = True


@compiles(json_int_array_has, "sqlite")
def _json_int_array_has_sqlite(element: json_int_array_has, compiler: Any, **kw: Any) -> str:
    return _json_array_has_sqlite(element, compiler, **kw)  # type: ignore[arg-type]


@compiles(json_int_array_has, "postgresql")
def _json_int_array_has_pg(element: json_int_array_has, compiler: Any, **kw: Any) -> str:
    column, value = list(element.clauses)
    return (
        f"CAST({compiler.process(column, **kw)} AS JSONB) "
        f"@> jsonb_build_array(CAST({compiler.process(value, **kw)} AS INTEGER))"
    )


async def fetch_page(
    session: AsyncSession,
    statement: SelectOfScalar[Row],
    *,
    order_by: Any,
    limit: int,
    offset: int,
) -> tuple[list[Row], int]:
    """One page of ``statement`` in ``order_by`` order (one column or a tuple of them), and
    the total number of matches."""
    total = await session.scalar(
        sa.select(sa.func.count()).select_from(statement.order_by(None).subquery())
    )
    keys = order_by if isinstance(order_by, tuple) else (order_by,)
    rows = await session.exec(statement.order_by(*keys).limit(limit).offset(offset))
    return list(rows), int(total or 0)
