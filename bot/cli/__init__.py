"""The `qungong` command line (main.py: one entry point, one line per error, an exit code per outcome) and
its command groups: people and invites, the district's own files (district.py, district_commands.py,
district_eval.py), the outbox, reports, the simulator's trainer links, the WeChat menu.
The jobs' and the routing model's commands live with them (scheduler/cli.py, nlp/cli.py).
"""
