"""The unit tree: the one place it is walked, and the SQL pieces that read it.

Writers walk `units.parent_id` (the only recursive SQL in etl/) to keep the closure table
`unit_tree` (etl.store.derived); indicators, page queries and permissions read that table, so a
scope ("a unit and everything below it") means the same on every page, in every indicator and in
the report.
"""

from __future__ import annotations

# Deep enough for any union hierarchy (全国 → 省 → 市 → 县 → 乡镇 → 基层 is six); a guard against
# cycles. The closure table keeps ancestors up to this many levels up, and a load looks this far
# (one more: the unit itself) for a cycle its parent edges would close.
MAX_DEPTH = 50


def ancestor_rows(start: str) -> str:
    """SQL: (ancestor_id, unit_id, depth) for each unit of the table `start` (a unit_id column):
    the unit itself at depth 0 and each unit above it, up to MAX_DEPTH levels."""
    return f"""WITH RECURSIVE up(unit_id, ancestor_id, depth) AS (
    SELECT u.unit_id, u.unit_id, 0 FROM units u WHERE u.unit_id IN (SELECT unit_id FROM {start})
    UNION ALL
    SELECT up.unit_id, u.parent_id, up.depth + 1 FROM up JOIN units u ON u.unit_id = up.ancestor_id
    WHERE u.parent_id IS NOT NULL AND up.depth < {MAX_DEPTH})
SELECT DISTINCT ancestor_id, unit_id, depth FROM up"""


def closing_edges(edges: str) -> str:
    """SQL: the proposed parent edges that close a cycle, one per cycle (its latest, by `ord`).

    `edges` is a table (unit_id, parent_id, ord) of parents proposed for units. With them in
    place of the units' own parents, a walk up from each proposed child that comes back to the
    child is a cycle; the largest `ord` on that walk is the edge to drop.
    """
    return f"""WITH RECURSIVE
tree AS (
    SELECT u.unit_id, coalesce(e.parent_id, u.parent_id) AS parent_id, e.ord
    FROM units u LEFT JOIN {edges} e USING (unit_id)
),
walk(child, node, ords, depth) AS (
    SELECT e.unit_id, e.parent_id, [e.ord], 1 FROM {edges} e
    UNION ALL
    SELECT w.child, t.parent_id, CASE WHEN t.ord IS NULL THEN w.ords ELSE list_append(w.ords, t.ord) END,
           w.depth + 1
    FROM walk w JOIN tree t ON t.unit_id = w.node
    WHERE w.node <> w.child AND t.parent_id IS NOT NULL AND w.depth <= {MAX_DEPTH}
)
SELECT DISTINCT list_max(ords) FROM walk WHERE node = child"""


# every unit of the subtree of $scope, itself included (unit_tree holds each unit at depth 0)
SUBTREE = "SELECT unit_id FROM unit_tree WHERE ancestor_id = $scope"

# every unit of the scope $scope (NULL = the whole organisation)
SCOPE = f"""scope AS (
    SELECT unit_id FROM units WHERE CAST($scope AS INTEGER) IS NULL
    UNION ALL
    {SUBTREE}
)"""

# every unit below $scope (NULL = the top) with the unit directly under $scope it comes under (group_id)
CHILD_GROUPS = """SELECT tr.unit_id, tr.ancestor_id AS group_id FROM unit_tree tr
    JOIN units c ON c.unit_id = tr.ancestor_id
    WHERE c.parent_id IS NOT DISTINCT FROM CAST($scope AS INTEGER)"""


def expected_at(period_sql: str, unit: str = "u") -> str:
    """SQL condition: the unit is expected to report in the period (year * 10 + quarter).

    Expected = marked as reporting (units.reports; a retired unit is not) and already known by then
    (its first report is not later). A unit that never sent anything is expected from the start.
    """
    return f"({unit}.reports AND ({unit}.first_period IS NULL OR {unit}.first_period <= {period_sql}))"
