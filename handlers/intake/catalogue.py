"""The request categories other systems may file: the routing taxonomy's departments as Open311 services."""

from __future__ import annotations

from dataclasses import dataclass

from handlers.texts import Texts
from nlp.taxonomy import FALLBACK, Taxonomy

REQUEST_TYPES = ("help", "complaint", "suggestion", "consultation")
REQUEST_TYPE_ATTRIBUTE = "request_type"


@dataclass(frozen=True)
class Service:
    """One Open311 service: a department a request can be routed to."""

    code: str
    name: str
    description: str
    keywords: tuple[str, ...]
    group: str


@dataclass(frozen=True)
class Attribute:
    """One attribute of a service definition (an optional single-value list)."""

    code: str
    description: str
    values: tuple[tuple[str, str], ...]  # (key, name)
    required: bool = False
    order: int = 1


def services(taxonomy: Taxonomy, texts: Texts) -> list[Service]:
    """Return the services in taxonomy order (the command center's fallback is not one: leave service_code out)."""
    english = texts.language == "en"
    return [
        Service(
            code=d.code,
            name=(d.name_en or d.name_zh) if english else d.name_zh,
            description=texts.t("open311.scope_separator").join(d.scope) if not english else (d.name_en or d.name_zh),
            keywords=d.keywords,
            group=texts.t("open311.group_community" if d.community else "open311.group_department"),
        )
        for d in taxonomy.departments
        if d.code != FALLBACK
    ]


def service_codes(taxonomy: Taxonomy) -> frozenset[str]:
    """Return the codes a client may file under."""
    return frozenset(d.code for d in taxonomy.departments if d.code != FALLBACK)


def attributes(texts: Texts) -> tuple[Attribute, ...]:
    """Return the attributes every service takes: the request type (left out: QunGong guesses it)."""
    values = tuple((code, texts.t(f"types.{code}")) for code in REQUEST_TYPES)
    return (Attribute(REQUEST_TYPE_ATTRIBUTE, texts.t("open311.request_type"), values),)
