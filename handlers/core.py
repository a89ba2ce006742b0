"""What every handler works with: the context of one inbound message, and the step it returns."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta, tzinfo
from typing import Any, Protocol

from handlers.messages import Button, Inbound, Outbound
from handlers.places import PlaceFinder
from handlers.reports.settings import CockpitSection
from handlers.settings import AbuseSection
from handlers.texts import Texts, texts_for
from nlp import Classification
from storage.cases.lifecycle import Actor, Deadlines, Role
from storage.cases.supervision import DEFAULT_SUPERVISION, Supervision
from storage.lovebank.settings import LovebankSection
from storage.models.people import Person, RoleBinding
from storage.uow import UnitOfWork
from storage.wishes.settings import WishesSection

IDLE = "idle"


class UserError(Exception):
    """A refusal whose text is safe and meant to be shown to the user as it is."""

    def __init__(self, text: str, buttons: tuple[Button, ...] = ()) -> None:
        super().__init__(text)
        self.text = text
        self.buttons = buttons


@dataclass(frozen=True)
class Step:
    """What a handler decided: the replies to show here, and the conversation's next state."""

    replies: tuple[Outbound, ...]
    state: str = IDLE
    data: Mapping[str, Any] = field(default_factory=dict)
    keep_until: datetime | None = None  # keep the conversation at least this long (else the usual timeout)


class RequestClassifier(Protocol):
    """The routing classifier as the flows use it."""

    def classify(self, text: str) -> Classification:
        """Pick a department for a text."""

    def guess_request_type(self, text: str) -> str:
        """Guess help / complaint / suggestion / consultation."""


@dataclass(frozen=True)
class Services:
    """Long-lived collaborators of the handlers, built once by the composition root."""

    classifier: RequestClassifier
    places: PlaceFinder
    texts: Texts
    tz: tzinfo
    department_names: Mapping[str, str]  # in the district's language
    supervision: Supervision = DEFAULT_SUPERVISION
    max_redos: int = 2
    conversation_timeout: timedelta = timedelta(minutes=30)

    def deadlines(self, department: str | None) -> Deadlines:
        """Return a department's sign-for and handling limits, from the supervision policy."""
        hours = self.supervision.hours_for(department)
        return Deadlines(sign_hours=hours.sign_hours, red_hours=hours.red_hours)
    wishes: WishesSection = WishesSection()
    abuse: AbuseSection = AbuseSection()
    # Channels only staff may use (WeChat Work), each with the official account residents are sent to ("" when unnamed).
    staff_only_channels: Mapping[str, str] = field(default_factory=dict)
    lovebank: LovebankSection = LovebankSection()
    cockpit: CockpitSection = CockpitSection()
    web_address: str = "http://127.0.0.1:8080"  # where the web server answers, for links when [cockpit] base_url is empty
    # Department names in a language other than the district's ({"en": {code: name}}), for people who chose it.
    department_names_in: Mapping[str, Mapping[str, str]] = field(default_factory=dict)

    def texts_of(self, language: str | None) -> Texts:
        """Return the copy in a person's language (None: the district's)."""
        if not language or language == self.texts.language:
            return self.texts
        return texts_for(language)

    def departments_in(self, language: str | None) -> Mapping[str, str]:
        """Return the department names in a language (the district's when there are none in it)."""
        return self.department_names_in.get(language or "", self.department_names)


def local_time(texts: Texts, tz: tzinfo, moment: datetime | None) -> str:
    """Format a UTC time in a time zone the way a language writes it, e.g. 11月21日 09:30 or 21 Nov 09:30."""
    if moment is None:
        return "—"
    return moment.astimezone(tz).strftime(texts.t("format.datetime"))


@dataclass
class Context:
    """One inbound message being handled: the transaction, who sent it, and the conversation."""

    uow: UnitOfWork
    services: Services
    inbound: Inbound
    now: datetime
    person: Person
    state: str = IDLE
    data: dict[str, Any] = field(default_factory=dict)
    _bindings: list[RoleBinding] | None = field(default=None, repr=False)

    async def bindings(self) -> list[RoleBinding]:
        """Return the sender's role bindings (loaded on first use: residents have none)."""
        if self._bindings is None:
            self._bindings = list(await self.uow.people.bindings(self.person.id))
        return self._bindings

    @property
    def texts(self) -> Texts:
        """Return the copy in the sender's language (theirs if they chose one, else the district's)."""
        return self.services.texts_of(self.person.language)

    @property
    def department_names(self) -> Mapping[str, str]:
        """Return the department names in the sender's language."""
        return self.services.departments_in(self.person.language)

    def t(self, key: str, **params: Any) -> str:
        """Return a text from the user's catalogue."""
        return self.texts.t(key, **params)

    def local(self, moment: datetime | None) -> str:
        """Format a UTC time in the configured time zone, the way the sender's language writes it."""
        return local_time(self.texts, self.services.tz, moment)

    def as_resident(self) -> Actor:
        """Return the sender acting as a resident (the lifecycle decides what that allows)."""
        return Actor(Role.RESIDENT, person_id=self.person.id)

    def step(self, *replies: Outbound, state: str = IDLE, data: Mapping[str, Any] | None = None) -> Step:
        """Return a step with these replies, moving to `state` (idle by default)."""
        return Step(replies=replies, state=state, data=dict(data or {}))
