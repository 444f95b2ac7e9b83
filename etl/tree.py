"""The unit tree and the units expected to report, as SQL pieces shared by indicators and page queries.

One definition, so a scope ("a unit and everything below it") means the same on every page, in
every indicator and in the report.
"""

from __future__ import annotations

# Deep enough for any union hierarchy (全国 → 省 → 市 → 县 → 乡镇 → 基层 is six); a guard against cycles.
MAX_DEPTH = 50

# (unit, each of its ancestors including itself); needs WITH RECURSIVE
LINEAGE = f"""lineage(unit_id, ancestor_id, depth) AS (
    SELECT unit_id, unit_id, 0 FROM units
    UNION ALL
    SELECT l.unit_id, u.parent_id, l.depth + 1
    FROM lineage l JOIN units u ON u.unit_id = l.ancestor_id
    WHERE u.parent_id IS NOT NULL AND l.depth < {MAX_DEPTH}
)"""

# every unit of the scope $scope (NULL = the whole organisation); needs LINEAGE before it
SCOPE = """scope AS (
    SELECT DISTINCT unit_id FROM lineage
    WHERE CAST($scope AS INTEGER) IS NULL OR ancestor_id = $scope
)"""

# the first quarter (year * 10 + quarter) a unit sent anything: it is not expected to report before it
FIRSTS = """firsts AS (
    SELECT unit_id, min(year * 10 + quarter) AS first_p FROM coverage GROUP BY unit_id
)"""


def expected_at(period_sql: str, unit: str = "u", first: str = "f") -> str:
    """SQL condition: the unit is expected to report in the period (year * 10 + quarter).

    Expected = marked as reporting (units.reports; a retired unit is not) and already known by then
    (its first report is not later). A unit that never sent anything is expected from the start.
    """
    return f"({unit}.reports AND ({first}.first_p IS NULL OR {first}.first_p <= {period_sql}))"
