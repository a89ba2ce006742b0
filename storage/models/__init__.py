"""The database tables, as SQLAlchemy 2.x declarative models, one module per area (Alembic migrations own the schema).

    base      the declarative base and the constraint naming convention
    people    units, people, role bindings, chat accounts
    cases     cases, their events, ratings, lights, explanations, the calendar overrides
    chat      recorded updates, the outbox, conversations, WeChat menus
    access    staff invites, the simulator's identity owners and trainers' passes
    wishes    micro-wishes and their events
    reports   reports asked for in chat, answered by a job
    routing   the versions of the routing model and which one is active

Importing this package registers every table on `Base.metadata`. It imports nothing else of QunGong
but `storage.types`.
"""

from storage.models import access, base, cases, chat, people, reports, routing, wishes  # noqa: F401 - registers every table

__all__ = ["access", "base", "cases", "chat", "people", "reports", "routing", "wishes"]
