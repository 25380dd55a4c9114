"""Many new rows in one insert, their ids back in the rows' order.

SQLAlchemy's multi-row insert writes one ``VALUES`` list per number of rows, and asyncpg
prepares every text it has not seen on a connection: batches of one to a hundred new
incidents made hundreds of statements for PostgreSQL to parse and plan, over and over on
each of the pool's connections. On PostgreSQL the rows travel instead as one JSON document
(``json_to_recordset``) in a statement whose text depends only on the table and its
columns, prepared once per connection.

The ids come back in the rows' order: the rows are inserted in their order (``ORDER BY``
their position) and a serial's values grow in the order they are taken, which is what
SQLAlchemy's own ordered ``RETURNING`` relies on too. Elsewhere (SQLite) it is SQLAlchemy's
multi-row insert.
"""

from __future__ import annotations

import json
from datetime import date, datetime
from enum import Enum
from functools import lru_cache
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.ext.asyncio import AsyncConnection

POSITION = "_position"  # each row's place in the document, the order it is inserted in
_DIALECT = postgresql.dialect()


async def insert_returning_ids(
    connection: AsyncConnection, table: sa.Table, rows: list[dict[str, Any]]
) -> list[int]:
    """Insert ``rows`` (dicts with the same keys: column keys) into ``table``; their new
    ``id`` values, in the order of ``rows``."""
    if not rows:
        return []
    if connection.dialect.name != "postgresql":
        ordered = sa.insert(table).returning(table.c.id, sort_by_parameter_order=True)
        return list((await connection.execute(ordered, rows)).scalars().all())
    keys = tuple(rows[0])
    document = json.dumps(
        [{**row, POSITION: i} for i, row in enumerate(rows)], default=_plain, ensure_ascii=False
    )
    result = await connection.execute(_statement(table, keys), {"rows": document})
    return sorted(result.scalars().all())


@lru_cache(maxsize=256)
def _statement(table: sa.Table, keys: tuple[str, ...]) -> sa.TextClause:
    quote = _DIALECT.identifier_preparer.quote
    names = [quote(table.c[key].name) for key in keys]
    types = [table.c[key].type.compile(dialect=_DIALECT) for key in keys]
    columns = ", ".join(names)
    record = ", ".join(f"{name} {type_}" for name, type_ in zip(names, types, strict=True))
    return sa.text(
        f"INSERT INTO {quote(table.name)} ({columns}) SELECT {columns} "  # noqa: S608 (names from the table)
        f"FROM json_to_recordset(CAST(:rows AS json)) AS r({record}, {POSITION} integer) "
        f"ORDER BY {POSITION} RETURNING {quote(table.c.id.name)}"
    )


def _plain(value: Any) -> Any:
    """What JSON does not hold, as PostgreSQL reads it back into the column's type."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        return value.isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Enum):
        return value.value
    raise TypeError(f"{type(value).__name__} cannot be written as JSON")
