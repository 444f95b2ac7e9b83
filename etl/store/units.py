"""Unit register administration: rename, merge, re-parent, aliases.

Every change runs in one transaction and keeps history attached: a renamed unit keeps
its old spelling as an alias (so next quarter's file still matches), and a merged unit's
facts, targets, children and aliases move to the unit it is merged into.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from etl import store
from etl.core import settings
from etl.core.dictionary import KINDS, UNIT_TYPES, unit_type_of
from etl.core.names import clean_name, control_characters, name_key, to_simplified
from etl.store import audit, derived, permissions
from etl.store.permissions import Actor, PermissionDenied


class UnitEditError(ValueError):
    """A change that cannot be made; the message says why, in Chinese."""


def _bump(con: duckdb.DuckDBPyConnection) -> None:
    counter = int(store.get_setting(con, "edit_counter", "0")) + 1
    store.set_setting(con, "edit_counter", str(counter))


def _name(con: duckdb.DuckDBPyConnection, unit_id: int) -> str:
    rows = con.execute("SELECT name FROM units WHERE unit_id = ?", [unit_id]).fetchall()
    if not rows:
        raise UnitEditError(f"单位编号 {unit_id} 不存在")
    return rows[0][0]


def _owner(con: duckdb.DuckDBPyConnection, key: str) -> int | None:
    rows = con.execute(
        "SELECT unit_id FROM units WHERE name_key = ? UNION "
        "SELECT unit_id FROM unit_aliases WHERE alias_key = ?",
        [key, key],
    ).fetchall()
    return int(rows[0][0]) if rows else None


def _transaction(db: Path | str | None, work, actor: Actor | None = None, action: str = "") -> object:
    """Run `work(con, actor)` in one transaction, once the actor's right to change the register
    is checked under the writer lock (default actor: the OS user, as the command line)."""
    actor = actor or permissions.local_admin(settings.current_user())
    with store.writer(db) as con:
        try:
            permissions.require(actor, "units")
        except PermissionDenied as denied:
            audit.record_alone(con, actor, "denied", target=action, detail=denied)
            raise
        with store.transaction(con):
            result = work(con, actor)
            _bump(con)
        store.checkpoint(con)
        store.data_changed(db)
        return result


def _refuse_controls(text: str, what: str) -> None:
    found = control_characters(text)
    if found:
        raise UnitEditError(f"{what}含有不可见的控制字符（{'、'.join(found)}），请删除后再保存")


def rename(db: Path | str | None, unit_id: int, new_name: str, *, actor: Actor | None = None) -> None:
    _refuse_controls(new_name, "新名称")
    display = to_simplified(clean_name(new_name))
    key = name_key(new_name)
    if not key:
        raise UnitEditError("新名称不能为空")

    def work(con: duckdb.DuckDBPyConnection, actor: Actor) -> None:
        old_name = _name(con, unit_id)
        owner = _owner(con, key)
        if owner is not None and owner != unit_id:
            raise UnitEditError(
                f"名称「{display}」已属于单位「{_name(con, owner)}」；如是同一单位，请使用“合并”"
            )
        old_key = name_key(old_name)
        con.execute("DELETE FROM unit_aliases WHERE alias_key = ?", [key])
        con.execute("UPDATE units SET name = ?, name_key = ? WHERE unit_id = ?", [display, key, unit_id])
        if old_key != key:
            con.execute("INSERT OR REPLACE INTO unit_aliases VALUES (?, ?)", [old_key, unit_id])
        audit.record(
            con, actor, "unit_rename", target=old_name, units=display, detail=f"{old_name} → {display}"
        )

    _transaction(db, work, actor, "unit_rename")


def add_alias(db: Path | str | None, unit_id: int, alias: str, *, actor: Actor | None = None) -> None:
    _refuse_controls(alias, "写法")
    key = name_key(alias)
    if not key:
        raise UnitEditError("写法不能为空")

    def work(con: duckdb.DuckDBPyConnection, actor: Actor) -> None:
        unit_name = _name(con, unit_id)
        owner = _owner(con, key)
        if owner is not None and owner != unit_id:
            raise UnitEditError(
                f"写法「{alias}」已对应单位「{_name(con, owner)}」；如是同一单位，请使用“合并”"
            )
        if owner is None:
            con.execute("INSERT INTO unit_aliases VALUES (?, ?)", [key, unit_id])
        audit.record(con, actor, "alias_add", target=alias, units=unit_name)

    _transaction(db, work, actor, "alias_add")


def remove_alias(db: Path | str | None, alias: str, *, actor: Actor | None = None) -> None:
    def work(con: duckdb.DuckDBPyConnection, actor: Actor) -> None:
        owner = _owner(con, name_key(alias))
        con.execute("DELETE FROM unit_aliases WHERE alias_key = ?", [name_key(alias)])
        audit.record(con, actor, "alias_remove", target=alias, units=_name(con, owner) if owner else "")

    _transaction(db, work, actor, "alias_remove")


def set_parent(
    db: Path | str | None, unit_id: int, parent_id: int | None, *, actor: Actor | None = None
) -> None:
    def work(con: duckdb.DuckDBPyConnection, actor: Actor) -> None:
        unit_name = _name(con, unit_id)
        parent_name = "（无上级）"
        if parent_id is not None:
            parent_name = _name(con, parent_id)
            below = con.execute(  # the would-be parent is the unit or one of its descendants
                "SELECT count(*) FROM unit_tree WHERE ancestor_id = ? AND unit_id = ?", [unit_id, parent_id]
            ).fetchall()[0][0]
            if below:
                raise UnitEditError("不能把单位设为其自身或其下级单位的下级")
        con.execute("UPDATE units SET parent_id = ? WHERE unit_id = ?", [parent_id, unit_id])
        derived.refresh_tree(con, [unit_id])
        audit.record(
            con, actor, "unit_parent", target=unit_name, units=unit_name, detail=f"上级工会：{parent_name}"
        )

    _transaction(db, work, actor, "unit_parent")


def set_unit_type(
    db: Path | str | None, unit_id: int, unit_type: str | None, *, actor: Actor | None = None
) -> None:
    """单位性质 as the user states it (None: not known). Decides which indicators apply to the unit."""
    canonical = unit_type_of(unit_type) if unit_type else None
    if unit_type and canonical is None:
        raise UnitEditError(f"「{unit_type}」不是可选的单位性质，请从 {'、'.join(UNIT_TYPES)} 中选择")

    def work(con: duckdb.DuckDBPyConnection, actor: Actor) -> None:
        unit_name = _name(con, unit_id)
        con.execute("UPDATE units SET unit_type = ? WHERE unit_id = ?", [canonical, unit_id])
        audit.record(
            con,
            actor,
            "unit_type",
            target=unit_name,
            units=unit_name,
            detail=f"单位性质：{canonical or '未填写'}",
        )

    _transaction(db, work, actor, "unit_type")


def merge(
    db: Path | str | None, source_id: int, target_id: int, *, actor: Actor | None = None
) -> dict[str, int]:
    """Move everything of `source` to `target`, then remove `source`.

    Where both units hold a snapshot for the same quarter (a unit that reported twice
    under two spellings), the target's rows are kept; the counts of dropped rows are returned.
    """
    if source_id == target_id:
        raise UnitEditError("不能把单位合并到它自己")

    def work(con: duckdb.DuckDBPyConnection, actor: Actor) -> dict[str, int]:
        source_name, target_name = _name(con, source_id), _name(con, target_id)
        dropped: dict[str, int] = {}
        for kind in KINDS.values():
            if kind.id == "targets":
                continue
            if kind.shape == "snapshot":
                clash = f"""EXISTS (SELECT 1 FROM {kind.table} t WHERE t.unit_id = $target
                                    AND t.year = s.year AND t.quarter = s.quarter)"""
                dropped[kind.id] = con.execute(
                    f"SELECT count(*) FROM {kind.table} s WHERE s.unit_id = $source AND {clash}",
                    {"source": source_id, "target": target_id},
                ).fetchall()[0][0]
                con.execute(
                    f"DELETE FROM {kind.table} s WHERE s.unit_id = $source AND {clash}",
                    {"source": source_id, "target": target_id},
                )
            con.execute(f"UPDATE {kind.table} SET unit_id = ? WHERE unit_id = ?", [target_id, source_id])
        con.execute(
            """DELETE FROM coverage s WHERE s.unit_id = $source AND EXISTS (
                           SELECT 1 FROM coverage t WHERE t.unit_id = $target AND t.kind = s.kind
                             AND t.year = s.year AND t.quarter = s.quarter)""",
            {"source": source_id, "target": target_id},
        )
        con.execute("UPDATE coverage SET unit_id = ? WHERE unit_id = ?", [target_id, source_id])
        con.execute(
            """DELETE FROM targets s WHERE s.unit_id = $source AND EXISTS (
                           SELECT 1 FROM targets t WHERE t.unit_id = $target AND t.year = s.year
                             AND t.indicator = s.indicator)""",
            {"source": source_id, "target": target_id},
        )
        con.execute("UPDATE targets SET unit_id = ? WHERE unit_id = ?", [target_id, source_id])
        children = [
            r[0] for r in con.execute("SELECT unit_id FROM units WHERE parent_id = ?", [source_id]).fetchall()
        ]
        con.execute("UPDATE units SET parent_id = ? WHERE parent_id = ?", [target_id, source_id])
        con.execute("UPDATE unit_aliases SET unit_id = ? WHERE unit_id = ?", [target_id, source_id])
        # accounts attached to the merged unit now look after the unit it became part of
        con.execute("UPDATE accounts SET unit_id = ? WHERE unit_id = ?", [target_id, source_id])
        con.execute(
            "UPDATE units SET reports = TRUE WHERE unit_id = ? AND "
            "(SELECT reports FROM units WHERE unit_id = ?)",
            [target_id, source_id],
        )
        con.execute("DELETE FROM units WHERE unit_id = ?", [source_id])
        derived.forget_units(con, [source_id])
        derived.refresh_tree(con, children)
        derived.refresh_units(con, [target_id])
        con.execute("INSERT OR REPLACE INTO unit_aliases VALUES (?, ?)", [name_key(source_name), target_id])
        audit.record(
            con,
            actor,
            "unit_merge",
            target=source_name,
            units=audit.joined([source_name, target_name]),
            detail=f"{source_name} 并入 {target_name}",
        )
        return dropped

    result = _transaction(db, work, actor, "unit_merge")
    assert isinstance(result, dict)
    return result


def retire(db: Path | str | None, unit_id: int, *, actor: Actor | None = None) -> None:
    """停用: the unit no longer counts as expected to report (数据报送率, 未报送 lists) and leaves the
    scope list of years it has no data in; its data, targets and spellings stay."""

    def work(con: duckdb.DuckDBPyConnection, actor: Actor) -> None:
        name = _name(con, unit_id)
        active_children = con.execute(
            "SELECT count(*) FROM units WHERE parent_id = ? AND NOT coalesce(retired, FALSE)", [unit_id]
        ).fetchall()[0][0]
        if active_children:
            raise UnitEditError(
                f"「{name}」下还有 {active_children} 个未停用的下级单位；请先停用它们或把它们移到其他上级工会"
            )
        con.execute("UPDATE units SET retired = TRUE, reports = FALSE WHERE unit_id = ?", [unit_id])
        audit.record(con, actor, "unit_retire", target=name, units=name)

    _transaction(db, work, actor, "unit_retire")


def restore(db: Path | str | None, unit_id: int, *, actor: Actor | None = None) -> None:
    """Undo 停用: the unit is expected to report again if it ever sent a sheet (as when loaded)."""

    def work(con: duckdb.DuckDBPyConnection, actor: Actor) -> None:
        name = _name(con, unit_id)
        con.execute(
            """UPDATE units SET retired = FALSE,
                   reports = EXISTS (SELECT 1 FROM coverage c WHERE c.unit_id = units.unit_id)
               WHERE unit_id = ?""",
            [unit_id],
        )
        audit.record(con, actor, "unit_restore", target=name, units=name)

    _transaction(db, work, actor, "unit_restore")


def aliases(con: duckdb.DuckDBPyConnection, unit_id: int) -> list[str]:
    rows = con.execute(
        "SELECT alias_key FROM unit_aliases WHERE unit_id = ? ORDER BY alias_key", [unit_id]
    ).fetchall()
    return [r[0] for r in rows]
