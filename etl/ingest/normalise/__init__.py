"""Raw sheet grids -> canonical rows of one kind, with every problem located.

Steps per sheet (sheet.parse_sheet): find the header (header: one row, or two rows with group
labels above — merged in Excel, written once above the first sub-column in a CSV — or a row of
units below), map headers to fields, decide the kind, decide the period (periods), then parse
each data row (rows, frames), skipping blank, 合计, repeated-header and footer rows; annual
targets have their own rows (targets).
"""

from etl.ingest.normalise.cells import HEADER_SCAN_ROWS, _is_total_or_footer
from etl.ingest.normalise.model import ColumnMap, Hints, ParsedSheet
from etl.ingest.normalise.periods import COLUMN_SOURCE, HINT_SOURCE, _title_cells
from etl.ingest.normalise.rows import _category  # fastrows reads categories the same way
from etl.ingest.normalise.sheet import parse_sheet

__all__ = [
    "COLUMN_SOURCE",
    "HEADER_SCAN_ROWS",
    "HINT_SOURCE",
    "ColumnMap",
    "Hints",
    "ParsedSheet",
    "_category",
    "_is_total_or_footer",
    "_title_cells",
    "parse_sheet",
]
