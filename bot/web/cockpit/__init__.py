"""The data cockpit (数据驾驶舱) at /cockpit/: server-rendered pages for leaders, the command center and administrators.

    access   who looks (a session from a personal link), what they may see, the log of what they saw
    login    the link's sign-in button, signing out
    pages    the overview, drill-down lists, a case's history, the evaluation exports, the live refresh
    views    the figures shaped for the templates and the refresh (formatted, never recomputed)
    svg      the map of the grids and the charts, drawn on the server
    render   templates/ (Jinja2, worded from handlers/locales), static/ (style, script) and the CJK web font
    routes   where each of these answers

Every figure comes from handlers.reports (dashboard, build, export) over storage.stats, as the pushes
and `qungong report` do. The package may import anything below bot/, bot.app and bot.web.guard;
bot.web.server mounts it, and bot.web.public borrows its rendering.
"""
