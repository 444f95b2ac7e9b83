"""The unit tree as SQL pieces shared by indicators, page queries and permissions.

One definition, so a scope ("a unit and everything below it") means the same on every page, in
every indicator and in the report. The tree itself is kept by every write (etl.store.derived.unit_tree).
"""

from __future__ import annotations

# Deep enough for any union hierarchy (全国 → 省 → 市 → 县 → 乡镇 → 基层 is six); a guard against cycles.
MAX_DEPTH = 50

# every unit of the scope $scope (NULL = the whole organisation)
SCOPE = """scope AS (
    SELECT unit_id FROM units WHERE CAST($scope AS INTEGER) IS NULL
    UNION ALL
    SELECT unit_id FROM unit_tree WHERE ancestor_id = $scope
)"""


def expected_at(period_sql: str, unit: str = "u") -> str:
    """SQL condition: the unit is expected to report in the period (year * 10 + quarter).

    Expected = marked as reporting (units.reports; a retired unit is not) and already known by then
    (its first report is not later). A unit that never sent anything is expected from the start.
    """
    return f"({unit}.reports AND ({unit}.first_period IS NULL OR {unit}.first_period <= {period_sql}))"
