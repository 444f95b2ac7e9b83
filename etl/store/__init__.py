"""The store: the DuckDB file and everything that writes to it.

`database` holds the schema and the connections (one writer, many readers); the other modules
are the writes (load, edits, units, history, backup, accounts) and the tables every write keeps
(derived, audit). The connection API is re-exported here: `from etl import store; store.connect(...)`,
`with store.writer(db) as con, store.transaction(con): ...`.
"""

from etl.store.database import (
    ARCHIVED_TABLES,
    PRIVATE_MODE,
    SQL_TYPES,
    DatabaseBusy,
    checkpoint,
    connect,
    data_changed,
    data_version,
    ensure_schema,
    fact_columns,
    get_setting,
    make_private,
    private_files,
    resolve,
    set_setting,
    stamp,
    transaction,
    writer,
)

__all__ = [
    "ARCHIVED_TABLES",
    "PRIVATE_MODE",
    "SQL_TYPES",
    "DatabaseBusy",
    "checkpoint",
    "connect",
    "data_changed",
    "data_version",
    "ensure_schema",
    "fact_columns",
    "get_setting",
    "make_private",
    "private_files",
    "resolve",
    "set_setting",
    "stamp",
    "transaction",
    "writer",
]
