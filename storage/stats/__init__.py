"""Report figures from the database: periods (period.py), per-unit counts and rates (compute.py,
figures.py), and what hotspots are counted from (subjects.py). Presenting them is handlers/reports/.
"""
