"""Spreadsheet → rows: guard (size and row limits), sandbox (parsing in a child process), read
(xlsx/xls/csv to raw sheets), headers and normalise (find the table, periods, units, targets),
fast paths for long plain sheets, validate. Writes nothing."""
