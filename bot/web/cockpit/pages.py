"""The cockpit's pages: the overview, a drill-down list of cases, one case's history, the evaluation exports, the live refresh.

    GET /cockpit/                 headline, map, hotspots, trends, per-unit table (?period=&from=&to=&unit=&kind=&sort=&dir=)
    GET /cockpit/cases            the cases behind a figure (?grid=&category=&light=red|yellow&open=1&page=)
    GET /cockpit/case/{number}    one case's history: events, lights, explanations, ratings (read-only)
    GET /cockpit/export.csv|xlsx  the per-unit evaluation, as `qungong report --evaluation` gives it
    GET /cockpit/api/live         the headline and the map as JSON, for the 30-second refresh
"""

from __future__ import annotations

import asyncio
import tempfile
import time
import urllib.parse
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.app import App
from bot.web.cockpit import views
from bot.web.cockpit.access import Refused, Visit, period_of, record, unit_of, visit
from bot.web.cockpit.render import mask_name, mask_phone, mask_text, page, refused_page
from bot.web.cockpit.svg import Series, line_chart, map_svg, sparkline
from bot.web.guard import refuse
from handlers.reports.build import Keywords, Report, build_report, fallback_names
from handlers.reports.dashboard import build_dashboard, overview_report, quick_pulse
from handlers.reports.export import all_evaluation_rows, evaluation_sheets, to_csv, write_xlsx
from handlers.reports.leader import load_keywords
from handlers.reports.sources import source_name
from nlp.categories import packaged_categories
from storage.cases.lifecycle import WORKING_STATES
from storage.models.people import Person
from storage.stats.directory import covers, load_directory, resolve_scope
from storage.stats.live import PAGE_SIZE, CaseFilter, case_history, case_list

REPORT_SECONDS = 120  # how long an overview's hotspots, trends and tables are reused
APP_KEY = web.AppKey("qungong_cockpit", App)
KEYWORDS_KEY = web.AppKey("qungong_cockpit_keywords", dict)
QUERY_KEYS = ("period", "from", "to", "unit")
FILTER_KEYS = ("grid", "category", "light", "open")
CASE_NUMBER_CHARS = 40


def _app(request: web.Request) -> App:
    """Return the app the cockpit runs in."""
    return request.app[APP_KEY]


def link_builder(request: web.Request) -> Any:
    """Return a function making cockpit links that keep the page's period and unit."""
    kept = {k: request.query[k] for k in QUERY_KEYS if request.query.get(k)}

    def link(path: str, **changes: object) -> str:
        params = {**kept, **{k: str(v) for k, v in changes.items() if v is not None and v != ""}}
        return path + ("?" + urllib.parse.urlencode(params) if params else "")

    return link


async def keywords_of(request: web.Request) -> Keywords:
    """Return the hot-word tokenizer, loaded once per web server."""
    holder = request.app[KEYWORDS_KEY]
    if "keywords" not in holder:
        holder["keywords"] = await load_keywords(_app(request).config)
    found: Keywords = holder["keywords"]
    return found


class ReportCache:
    """The overview's reports of the last moments, by unit and period: hot words take seconds to cut, the
    headline and the map (the pulse) are counted afresh on every page and refresh anyway."""

    def __init__(self, seconds: float = REPORT_SECONDS, size: int = 64) -> None:
        self.seconds = seconds
        self.size = size
        self.found: dict[object, tuple[float, Report]] = {}

    def get(self, key: object) -> Report | None:
        """Return a report made less than SECONDS ago."""
        hit = self.found.get(key)
        return hit[1] if hit is not None and hit[0] > time.monotonic() else None

    def put(self, key: object, report: Report) -> None:
        """Keep a report (the oldest goes when there are SIZE)."""
        if len(self.found) >= self.size:
            self.found.pop(min(self.found, key=lambda k: self.found[k][0]))
        self.found[key] = (time.monotonic() + self.seconds, report)


CACHE_KEY = web.AppKey("qungong_cockpit_reports", ReportCache)


def reports_cache(request: web.Request) -> ReportCache:
    """Return the web server's cache of overview reports."""
    return request.app[CACHE_KEY]


def _now_text(app: App, moment: datetime) -> str:
    """Format a moment in local time."""
    return moment.astimezone(app.config.tz).strftime("%Y-%m-%d %H:%M:%S")


async def overview(request: web.Request) -> web.StreamResponse:
    """Show the overview of a period for the viewer's scope (or a unit in it)."""
    app = _app(request)
    try:
        seen = await visit(app, request)
        now = datetime.now(UTC)
        period, picker = period_of(request, now, app.config.tz)
        keywords = await keywords_of(request)
        async with app.read_session_factory() as session:
            directory = await load_directory(session, fallback_names(app.config.app.language))
            unit = unit_of(request, seen.viewer, directory)
            key = (unit, period.kind, period.start, None if period.partial else period.end)
            report = reports_cache(request).get(key)
            if report is None:
                report = await overview_report(
                    session, period, unit, tz=app.config.tz, now=now, settings=app.config.reports, keywords=keywords, language=app.config.app.language
                )
                reports_cache(request).put(key, report)
            dashboard = await build_dashboard(
                session, period, unit, tz=app.config.tz, now=now, settings=app.config.reports, keywords=keywords,
                language=app.config.app.language, report=report,
            )
    except Refused as exc:
        return refused_page(request, app.texts, exc.reason, exc.status)
    await record(app, seen, request)
    scope = dashboard.report.stats.scope
    kinds = views.kinds_for(scope.kind)
    kind = request.query.get("kind", kinds[0])
    kind = kind if kind in kinds else kinds[0]
    sort = request.query.get("sort", "received")
    descending = request.query.get("dir", "desc") != "asc"
    link = link_builder(request)
    labels, received, completed, trend_title = views.trend(dashboard, app.texts)
    texts = app.texts
    chart = line_chart(labels, [views_series("received", texts, received), views_series("completed", texts, completed)])
    categories = views.category_rows(dashboard)
    allowed_units = _unit_choices(directory, seen)
    return page(
        "overview.html",
        texts,
        visit=seen,
        scope=scope,
        period=period,
        period_label=views.span_label(period, app.config.tz, texts),
        previous_label=views.span_label(period.previous(app.config.tz), app.config.tz, texts),
        picker=picker,
        cards=views.headline(dashboard.pulse, texts),
        map=map_svg(dashboard.pulse, lambda grid: link("/cockpit/cases", grid=grid.code), texts.t),
        hot=views.hotspots(dashboard),
        trend_chart=chart,
        trend_title=trend_title,
        categories=[(row, sparkline(row.per_day)) for row in categories],
        sources=[(source_name(group, texts), figures) for group, figures in dashboard.report.stats.sources.items()],
        patrol=dashboard.report.stats.patrol,
        kinds=views.kind_labels(kinds, texts),
        kind=kind,
        columns=views.TABLE_COLUMNS,
        rows=views.unit_rows(dashboard, kind, sort, descending),
        cell=views.cell,
        sort=sort,
        descending=descending,
        link=link,
        units=allowed_units,
        made_at=_now_text(app, now),
        refresh_seconds=app.config.cockpit.refresh_seconds,
        live_url=link("/cockpit/api/live"),
    )


def views_series(name: str, texts: Any, values: list[int]) -> Series:
    """Return one line of the trend chart."""
    return Series(name, texts.t(f"reports.chart.{name}"), values)


def _unit_choices(directory: Any, seen: Visit) -> list[tuple[str, str]]:
    """Return the units the viewer may pick: their own scope and the streets and communities in it."""
    scope = resolve_scope(directory, seen.viewer.unit_code)
    found = [("", scope.name)]
    for kind in ("street", "community"):
        found += [(u.code, u.name) for u in directory.within(scope, kind) if u.code != scope.code]
    return found


async def live(request: web.Request) -> web.StreamResponse:
    """Answer the page's refresh: the headline and the map now, as JSON (not logged: it is the same page)."""
    app = _app(request)
    try:
        seen = await visit(app, request)
        now = datetime.now(UTC)
        period, _ = period_of(request, now, app.config.tz)
        async with app.read_session_factory() as session:
            directory = await load_directory(session)
            unit = unit_of(request, seen.viewer, directory)
            pulse = await quick_pulse(session, period, unit, tz=app.config.tz, now=now, language=app.config.app.language)
    except Refused as exc:
        return refuse(request, exc.reason, exc.status)
    response = web.json_response(views.live_json(pulse, app.texts, _now_text(app, now)))
    response.headers["Cache-Control"] = "no-store"
    return response


def _case_filter(request: web.Request, period: Any, directory: Any) -> CaseFilter:
    """Return the drill-down's filter from the query, or raise Refused."""
    grid_code = request.query.get("grid", "")
    grid = directory.by_code.get(grid_code) if grid_code else None
    if grid_code and (grid is None or grid.kind != "grid"):
        raise Refused("unknown grid", 400)
    category = request.query.get("category") or None
    if category is not None and packaged_categories().get(category) is None:
        raise Refused("unknown category", 400)
    light = request.query.get("light") or None
    if light not in (None, "red", "yellow"):
        raise Refused("unknown light", 400)
    open_only = request.query.get("open") == "1"
    return CaseFilter(period=None if light or open_only else period, grid_id=grid.id if grid else None, category=category, light=light, open_only=open_only)


async def cases(request: web.Request) -> web.StreamResponse:
    """List the cases behind a figure: a grid, a category, the red or yellow lights, the open cases."""
    app = _app(request)
    try:
        seen = await visit(app, request)
        now = datetime.now(UTC)
        period, picker = period_of(request, now, app.config.tz)
        page_number = int(request.query.get("page", "0")) if request.query.get("page", "0").isdigit() else -1
        if not 0 <= page_number < 10_000:
            raise Refused("bad page", 400)
        async with app.read_session_factory() as session:
            directory = await load_directory(session, fallback_names(app.config.app.language))
            scope = resolve_scope(directory, unit_of(request, seen.viewer, directory))
            wanted = _case_filter(request, period, directory)
            total, found = await case_list(session, scope, wanted, now, page_number)
    except Refused as exc:
        return refused_page(request, app.texts, exc.reason, exc.status)
    await record(app, seen, request)
    link = link_builder(request)
    names = packaged_categories().names(app.config.app.language)
    working = {s.value for s in WORKING_STATES}
    rows = [
        {
            "case": case,
            "category": names.get(case.category or "other", ""),
            "place": " · ".join(directory.by_id[i].name for i in (case.community_id, case.grid_id) if i in directory.by_id),
            "department": directory.name_of("department", case.department_code) if case.department_code else "",
            "red": case.status in working and case.handle_deadline is not None and case.handle_deadline <= now,
            "created": case.created_at.astimezone(app.config.tz).strftime("%m-%d %H:%M"),
        }
        for case in found
    ]
    pages = (total + PAGE_SIZE - 1) // PAGE_SIZE
    grid = directory.by_code.get(request.query.get("grid", ""))
    return page(
        "cases.html", app.texts, visit=seen, scope=scope, period=period, period_label=views.span_label(period, app.config.tz, app.texts),
        rows=rows, total=total, page_number=page_number, pages=pages, link=link, wanted=wanted, grid=grid,
        category_name=names.get(wanted.category or "", ""), filters={k: request.query[k] for k in FILTER_KEYS if request.query.get(k)},
    )


async def case_page(request: web.Request) -> web.StreamResponse:
    """Show one case's history, read-only; contacts masked unless the viewer is the command center."""
    app = _app(request)
    number = request.match_info["number"][:CASE_NUMBER_CHARS]
    try:
        seen = await visit(app, request)
        async with app.read_session_factory() as session:
            directory = await load_directory(session, fallback_names(app.config.app.language))
            history = await case_history(session, number)
            scope = resolve_scope(directory, seen.viewer.unit_code)
            if history is None or not covers(scope, history.case):
                raise Refused(f"no case {number} in the viewer's scope", 404)
            resident = await session.get(Person, history.case.resident_person_id)
    except Refused as exc:
        return refused_page(request, app.texts, exc.reason, exc.status)
    await record(app, seen, request)
    case, unmasked = history.case, seen.viewer.unmasked
    if case.anonymous:
        contact = app.texts.t("report.contact_anonymous")
    elif unmasked:
        contact = f"{resident.name if resident else ''} {case.contact_phone or ''}".strip()
    else:
        contact = f"{mask_name(resident.name if resident else '')} {mask_phone(case.contact_phone)}".strip()
    text_of = (lambda text: text or "") if unmasked else mask_text
    local = lambda moment: moment.astimezone(app.config.tz).strftime("%Y-%m-%d %H:%M") if moment else "—"  # noqa: E731
    names = packaged_categories().names(app.config.app.language)
    return page(
        "case.html", app.texts, visit=seen, scope=scope, case=case, history=history, contact=contact, text_of=text_of, local=local,
        unit_name=lambda unit_id: directory.by_id[unit_id].name if unit_id in directory.by_id else "—",
        category=names.get(case.category or "other", ""), department=directory.name_of("department", case.department_code or ""),
        link=link_builder(request), event_label=lambda action: _event_label(app, action),
    )


def _event_label(app: App, action: str) -> str:
    """Return the name of a case event: the lifecycle's, else the lights' and explanations' of the cockpit."""
    for key in (f"events.{action}", f"cockpit.events.{action}"):
        if app.texts.has(key):
            return app.texts.t(key)
    return action


async def export(request: web.Request) -> web.StreamResponse:
    """Download the per-unit evaluation of the period and unit, as CSV or XLSX (the figures of `qungong report --evaluation`)."""
    app = _app(request)
    fmt = request.match_info["fmt"]
    try:
        seen = await visit(app, request)
        now = datetime.now(UTC)
        period, _ = period_of(request, now, app.config.tz)
        async with app.read_session_factory() as session:
            directory = await load_directory(session)
            unit = unit_of(request, seen.viewer, directory)
            report = await build_report(
                session, period, unit_code=unit, tz=app.config.tz, now=now, settings=app.config.reports, keywords=None, language=app.config.app.language
            )
    except Refused as exc:
        return refused_page(request, app.texts, exc.reason, exc.status)
    await record(app, seen, request)
    name = f"evaluation-{report.stats.scope.code}-{period.key.replace('..', '_').replace(':', '')}.{fmt}"
    min_volume = app.config.reports.min_volume
    if fmt == "csv":
        body = to_csv(all_evaluation_rows(report, min_volume)).encode("utf-8-sig")
        content_type = "text/csv; charset=utf-8"
    else:
        body = await asyncio.to_thread(_xlsx_bytes, evaluation_sheets(report, min_volume), app.config.app.language)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    headers = {"Content-Disposition": f'attachment; filename="{name}"', "Cache-Control": "no-store"}
    return web.Response(body=body, content_type=content_type.split(";")[0], headers=headers, charset="utf-8" if fmt == "csv" else None)


def _xlsx_bytes(sheets: dict[str, list[list[Any]]], language: str) -> bytes:
    """Write a workbook to a temporary file and return its bytes."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "export.xlsx"
        write_xlsx(path, sheets, language)
        return path.read_bytes()
