"""The configuration: typed sections, read once from TOML and QUNGONG_* environment variables, checked whole.

Each section's dataclass lives with the package it configures ([storage] in storage/settings.py,
[sla] in storage/cases/settings.py, [nlp] in nlp/settings.py, [reports] in handlers/reports/...);
`bot.config.schema.Config` only assembles them, with the sections of bot/ itself in `sections.py`.
`loader.load_config` reads and converts; `checks.config_problems` checks meaning. This package may
import every layer below bot/; nothing below imports it.
"""
