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
from handlers.texts import Texts
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
    department_names: Mapping[str, str]
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

    def t(self, key: str, **params: Any) -> str:
        """Return a text from the user's catalogue."""
        return self.services.texts.t(key, **params)

    def local(self, moment: datetime | None) -> str:
        """Format a UTC time in the configured time zone, e.g. 11月21日 09:30."""
        if moment is None:
            return "—"
        return moment.astimezone(self.services.tz).strftime(self.t("format.datetime"))

    def as_resident(self) -> Actor:
        """Return the sender acting as a resident (the lifecycle decides what that allows)."""
        return Actor(Role.RESIDENT, person_id=self.person.id)

    def step(self, *replies: Outbound, state: str = IDLE, data: Mapping[str, Any] | None = None) -> Step:
        """Return a step with these replies, moving to `state` (idle by default)."""
        return Step(replies=replies, state=state, data=dict(data or {}))
