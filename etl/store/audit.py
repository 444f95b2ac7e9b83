"""操作日志: an append-only record of who did what, when, to which units and periods.

Writers call `record(con, actor, ...)` INSIDE their own transaction, so the entry commits
or rolls back together with the change it describes. This module offers no way to change
or delete an entry, and neither does any page.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from pathlib import Path

import duckdb
import pandas as pd

from etl import store
from etl.core.strings import CATALOGUE
from etl.store.permissions import Actor

# action id -> Chinese label; the labels live with the other UI strings ("audit.action.<id>")
ACTIONS: dict[str, str] = {
    k.removeprefix("audit.action."): zh for k, (zh, _) in CATALOGUE.items() if k.startswith("audit.action.")
}
MAX_TEXT = 2000  # one entry never grows without bound (a load of thousands of units)


def _clip(value: object) -> str:
    text = "" if value is None else str(value)
    return text if len(text) <= MAX_TEXT else text[: MAX_TEXT - 1] + "…"


def joined(names: Iterable[object]) -> str:
    return "、".join(sorted({str(n) for n in names if n is not None and str(n)}))


def record(
    con: duckdb.DuckDBPyConnection,
    actor: Actor | None,
    action: str,
    *,
    target: object = "",
    units: object = "",
    periods: object = "",
    detail: object = "",
) -> None:
    """Append one entry. Call inside the caller's transaction."""
    if action not in ACTIONS:
        raise ValueError(f"unknown audit action {action!r}")
    con.execute(
        "INSERT INTO audit_log (audit_id, logged_at, account, role, via, action, target, units, periods, "
        "detail) VALUES (nextval('audit_ids'), ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        [
            dt.datetime.now(),
            actor.name if actor else "",
            actor.role if actor else "",
            actor.via if actor else "",
            action,
            _clip(target),
            _clip(units),
            _clip(periods),
            _clip(detail),
        ],
    )


def record_alone(con: duckdb.DuckDBPyConnection, actor: Actor | None, action: str, **fields: object) -> None:
    """Append one entry in a transaction of its own (a refused write, after its rollback)."""
    with store.transaction(con):
        record(con, actor, action, **fields)  # type: ignore[arg-type]


def record_refusal(db: Path | str | None, actor: Actor | None, action: str, reason: object) -> None:
    """A refused write leaves a 'denied' entry: what was attempted and why it was refused."""
    with store.writer(db) as con:
        record_alone(con, actor, "denied", target=action, detail=reason)


def entries(
    con: duckdb.DuckDBPyConnection,
    *,
    since: dt.datetime | None = None,
    until: dt.datetime | None = None,
    account: str | None = None,
    actions: list[str] | None = None,
    limit: int = 5000,
) -> pd.DataFrame:
    """Entries newest first, filtered by time (since <= logged_at < until), account and actions."""
    return con.execute(
        """SELECT audit_id, logged_at, account, role, via, action, target, units, periods, detail
           FROM audit_log
           WHERE ($since IS NULL OR logged_at >= $since) AND ($until IS NULL OR logged_at < $until)
             AND ($account IS NULL OR account = $account)
             AND ($any_action OR list_contains($actions, action))
           ORDER BY audit_id DESC LIMIT $limit""",
        {
            "since": since,
            "until": until,
            "account": account,
            "any_action": not actions,
            "actions": list(actions or []),
            "limit": limit,
        },
    ).df()


def accounts_seen(con: duckdb.DuckDBPyConnection) -> list[str]:
    rows = con.execute(
        "SELECT DISTINCT account FROM audit_log WHERE account <> '' ORDER BY account"
    ).fetchall()
    return [r[0] for r in rows]
