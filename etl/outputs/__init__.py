"""What people read: narrative (drafted sentences), figures (charts), tables (page tables),
report (Word and PowerPoint), templates (blank spreadsheets) and docs (generated README tables)."""
