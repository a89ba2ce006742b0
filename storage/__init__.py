"""The bottom of the house: the domain and its persistence.

At the top of this package, persistence: the tables (models/), the engine and SQLite driver (db.py,
sqlite_driver.py), repositories and the unit of work (repositories.py, conversations.py, outbox.py,
uow.py, upsert.py, types.py), schema migrations (migrate.py, migrations/), invites and simulator
access, settings, the stored versions of the routing model (routing_models.py). By capability below: cases/
(the lifecycle and its use cases, routing, lights and the work clock), wishes/, stats/ (report figures), demo/
(the demo district and its history) and district/ (a real district's own files: units, gazetteer, departments,
roster; export and check).
storage/ imports no other QunGong package.
"""
