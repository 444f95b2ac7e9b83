"""Indicators computed in DuckDB SQL from the store: kpis (actual, target, achievement, status,
coverage), indicator_sums (per-quarter sums), queries (the tables and lists pages show)."""
