"""Who is told about a light that fired, and what: a nudge to the assignee or unit, its head and (red) the command center, and for red a request for a written explanation."""

from __future__ import annotations

import dataclasses
from datetime import datetime
from typing import Any

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.buttons import ExplainTask, StaffCard
from handlers.codec import SEPARATOR, ButtonData
from handlers.texts import texts_for
from scheduler.lights.quiet import send_at
from scheduler.lights.recipients import Directory, chosen_languages, load_directory, unique
from scheduler.lights.store import Due, Lit, Store
from scheduler.settings import SweepSettings
from scheduler.texts import summary
from storage.cases.supervision import LightKind, Supervision


def _id_button_prefix(sample: ButtonData) -> str:
    """Return the packed prefix of a one-integer payload type (e.g. "sc:"), checked against the codec.

    ButtonData.pack() re-reads the type hints on every call (~30 µs); a sweep packs one button per
    light, so it packs database ids (whole numbers ≥ 0, always valid) as prefix + str(id).
    """
    values = dataclasses.astuple(sample)
    packed = sample.pack()
    prefix = f"{sample.prefix}{SEPARATOR}"
    if values != (1,) or packed != f"{prefix}1":
        raise TypeError(f"{type(sample).__name__} is not a one-integer payload packed as {prefix}<id>")
    return prefix


_CARD = _id_button_prefix(StaffCard(1))


_EXPLAIN = _id_button_prefix(ExplainTask(1))


class Words:
    """A batch's wording: texts filled once per case, local times formatted once per moment."""

    def __init__(self, settings: SweepSettings, explain_due: datetime | None, language: str | None = None) -> None:
        self.language = language
        self.templates = texts_for(language or settings.language).catalogue
        self.tz = settings.tz
        self.explain_due = explain_due
        self.open_card = self.text("open_card", {})
        self.explain_button = self.text("explanation_button", {})
        self._local: dict[datetime | None, str] = {None: "—"}
        self._params: dict[int, dict[str, str]] = {}

    def local(self, at: datetime | None) -> str:
        """Return a moment in local time, as the notices show it."""
        shown = self._local.get(at)
        if shown is None:
            assert at is not None
            shown = self._local[at] = at.astimezone(self.tz).strftime("%Y-%m-%d %H:%M")
        return shown

    def params(self, case: Due, explained: bool) -> dict[str, str]:
        """Return the values a notice about a case is filled in with (the same for all its lights)."""
        params = self._params.get(case.id)
        if params is None:
            params = self._params[case.id] = {
                "number": case.number,
                "summary": summary(case.text),
                "due": self.local(case.facts.sign_deadline),
                "deadline": self.local(case.facts.handle_deadline),
                "explain_due": self.local(self.explain_due if explained else None),
            }
        return params

    def text(self, key: str, params: dict[str, str]) -> str:
        """Return a [scheduler] text filled in (scheduler.texts.text, without copying PARAMS per call)."""
        return self.templates[f"scheduler.{key}"].format_map(params)


class Readers:
    """Each recipient's chosen language, and the wording in it (the district's for those who chose none)."""

    def __init__(self, settings: SweepSettings, explain_due: datetime | None, chosen: dict[int, str]) -> None:
        self.chosen = chosen
        self.district = Words(settings, explain_due)
        self._words: dict[str, Words] = {}
        self._settings = settings
        self._explain_due = explain_due

    def groups(self, people: list[int]) -> list[tuple[Words, list[int]]]:
        """Return the people grouped by the wording they read, in the order they first appear."""
        if not self.chosen:
            return [(self.district, people)]
        grouped: dict[str | None, list[int]] = {}
        for person in people:
            grouped.setdefault(self.chosen.get(person), []).append(person)
        return [(self.words(language), group) for language, group in grouped.items()]

    def words(self, language: str | None) -> Words:
        """Return the wording in a chosen language (None: the district's)."""
        if language is None:
            return self.district
        words = self._words.get(language)
        if words is None:
            words = self._words[language] = Words(self._settings, self._explain_due, language)
        return words


async def announce(
    session: AsyncSession,
    store: Store,
    supervision: Supervision,
    settings: SweepSettings,
    now: datetime,
    *,
    inserted: list[Lit],
) -> int:
    """Write each new light's case event, nudges and (for red) explanation task and request."""
    red = [lit for lit in inserted if lit.kind is LightKind.RED]
    directory = await load_directory(
        session, {lit.case.unit_id for lit in inserted if lit.case.unit_id is not None}, with_command_center=bool(red)
    )
    explain_due = supervision.clock.add(now, settings.explanation_hours) if red else None
    explained = {lit.case.id for lit in red}
    quiet = send_at(now, settings.tz, settings.quiet_start, settings.quiet_end, urgent=False)
    people_for: dict[tuple[int | None, int | None, LightKind], list[int]] = {}
    for lit in inserted:
        key = (lit.case.unit_id, lit.case.assignee, lit.kind)
        if key not in people_for:
            people_for[key] = _recipients(directory, lit.case, lit.kind)
    everyone = {p for people in [*people_for.values(), *directory.staff.values()] for p in people}
    everyone |= {unit.head_person_id for unit in directory.units.values() if unit.head_person_id is not None}
    readers = Readers(settings, explain_due, await chosen_languages(session, everyone))
    words = readers.district
    for lit in inserted:
        case, kind = lit.case, lit.kind
        store.event(case.id, f"light_{kind}", case.facts.status.value, case.unit_id, words.text(f"event_{kind}", words.params(case, case.id in explained)))
        people = people_for[(case.unit_id, case.assignee, kind)]
        for reading, group in readers.groups(people) if people else []:
            params = reading.params(case, case.id in explained)
            _nudge(store, case, kind, group, params, words=reading, when=now if kind is LightKind.RED else quiet)
    tasks = await store.insert_tasks([lit for lit in red if lit.case.unit_id is not None], explain_due, now) if red else []
    for task_id, case in tasks:
        unit = directory.units.get(case.unit_id) if case.unit_id is not None else None
        people = unique([*directory.staff_of(case.unit_id), unit.head_person_id if unit else None])
        for reading, group in readers.groups(people) if people else []:
            _explanation(store, task_id, case, group, reading.params(case, True), words=reading, now=now)
    await store.write_events(now)
    return await store.write_notices(now)


def _recipients(directory: Directory, case: Due, kind: LightKind) -> list[int]:
    """Return who a light is told to."""
    head = directory.head_for(case.unit_id)
    if kind is LightKind.SIGN_OVERDUE:
        return unique([*directory.staff_of(case.unit_id), head])
    doers = [case.assignee] if case.assignee is not None else directory.staff_of(case.unit_id)
    if kind is LightKind.YELLOW:
        return unique([*doers, head])
    return unique([*doers, head, *directory.command_center])


def _payload(body: str, button: tuple[str, str], meta: dict[str, Any], template: dict[str, Any], language: str | None) -> dict[str, Any]:
    """Return an outbox payload with one button (delivered on the person's most recently used channel).

    LANGUAGE is the one its readers chose (None: the district's), for what a channel adds itself."""
    buttons = [{"label": button[0], "payload": button[1]}]
    payload = {"text": body, "buttons": buttons, "image": None, "meta": meta, "template": template}
    if language is not None:
        payload["language"] = language
    return payload


def _nudge(
    store: Store, case: Due, kind: LightKind, people: list[int], params: dict[str, str], *, words: Words, when: datetime
) -> None:
    """Return the nudge about a light for its people; only red ignores quiet hours (WHEN)."""
    light = str(kind)
    meta = {"case_id": case.id, "cycle": case.facts.cycle, "light": light}
    template = {"id": "case_light", "data": {"number": case.number, "light": light, **params}}
    payload = _payload(words.text(light, params), (words.open_card, f"{_CARD}{case.id}"), meta, template, words.language)
    key = f"light:{case.id}:{case.facts.cycle}:{light}:p"
    store.notice(f"light_{light}", payload, when, [(f"{key}{person}", person) for person in people])


def _explanation(
    store: Store, task_id: int, case: Due, people: list[int], params: dict[str, str], *, words: Words, now: datetime
) -> None:
    """Return the request for a written explanation, sent at once."""
    meta = {"case_id": case.id, "explanation_task_id": task_id}
    template = {"id": "explanation_request", "data": {"number": case.number, "due": params["explain_due"]}}
    body = words.text("explanation_request", {**params, "due": params["explain_due"]})
    payload = _payload(body, (words.explain_button, f"{_EXPLAIN}{task_id}"), meta, template, words.language)
    store.notice("explanation_request", payload, now, [(f"explain:{task_id}:p{person}", person) for person in people])
