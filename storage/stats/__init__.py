"""Report figures from the database: periods (period.py), the units a report covers (directory.py), per-unit
and per-category counts and rates grouped by the database (compute.py, figures.py, with sql.py for what
SQLite and PostgreSQL spell differently), the daily rollup of the headline (rollup.py), what stands now
and the drill-downs (live.py), and what hotspots are counted from (subjects.py). Presenting them is
handlers/reports/. It imports storage only.
"""
