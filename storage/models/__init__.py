"""The database tables, as SQLAlchemy 2.x declarative models, one module per area (Alembic migrations own the schema).

    base      the declarative base and the constraint naming convention
    people    units, people, role bindings, chat accounts
    places    the gazetteer: compounds, buildings, road sections and landmarks in their grids
    cases     cases, their events, ratings, lights, explanations, publications, the calendar overrides
    chat      recorded updates, the outbox, conversations, WeChat menus
    access    staff invites, bans, the simulator's identity owners and trainers' passes, cockpit passes and page views
    wishes    micro-wishes and their events
    lovebank  the love bank: points ledger, balances, activities, rewards, redemptions, wish teams
    media     the media store (photos and charts by content hash) and the simulator's transcripts
    reports   reports asked for in chat, answered by a job; the daily rollup of the headline figures
    routing   the versions of the routing model and which one is active
    runtime   processes' heartbeats, the scheduler's lease, shared send limits, retention runs
    wecom     the WeChat Work channel's shared access token and its template cards
    intake    the Open311 API's keys and the requests filed through it

Importing this package registers every table on `Base.metadata`. It imports nothing else of QunGong
but `storage.types`.
"""

from storage.models import (  # noqa: F401 - registers every table
    access,
    base,
    cases,
    chat,
    intake,
    lovebank,
    media,
    people,
    places,
    reports,
    routing,
    runtime,
    wecom,
    wishes,
)

__all__ = ["access", "base", "cases", "chat", "intake", "lovebank", "media", "people", "places", "reports", "routing", "runtime", "wecom", "wishes"]
