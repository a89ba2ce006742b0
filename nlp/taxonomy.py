"""Load the routing taxonomy (departments, scopes, boundary notes, request types) from TOML."""

from __future__ import annotations

import tomllib
from dataclasses import dataclass
from pathlib import Path

from nlp.errors import NlpInputError

FALLBACK = "dispatch"


@dataclass(frozen=True)
class Department:
    """One unit a request can be routed to."""

    code: str
    name_zh: str
    name_en: str
    scope: tuple[str, ...]


@dataclass(frozen=True)
class RequestType:
    """One kind of request a resident can make (求助/投诉/建议/咨询)."""

    code: str
    name_zh: str


@dataclass(frozen=True)
class Taxonomy:
    """The departments, boundary notes and request types the classifier works with."""

    departments: tuple[Department, ...]
    boundary: tuple[tuple[str, str], ...]
    request_types: tuple[RequestType, ...]

    @property
    def codes(self) -> tuple[str, ...]:
        """Return the department codes in file order."""
        return tuple(d.code for d in self.departments)

    @property
    def request_type_codes(self) -> tuple[str, ...]:
        """Return the request type codes in file order."""
        return tuple(r.code for r in self.request_types)

    def department(self, code: str) -> Department:
        """Return the department with this code."""
        for dept in self.departments:
            if dept.code == code:
                return dept
        raise KeyError(code)

    def name_zh(self, code: str) -> str:
        """Return the Chinese name of a department, or the code itself if unknown."""
        try:
            return self.department(code).name_zh
        except KeyError:
            return code

    def request_type_name_zh(self, code: str) -> str:
        """Return the Chinese name of a request type, or the code itself if unknown."""
        for rtype in self.request_types:
            if rtype.code == code:
                return rtype.name_zh
        return code


def load_taxonomy(path: Path) -> Taxonomy:
    """Read the taxonomy TOML file into typed objects."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, tomllib.TOMLDecodeError) as exc:
        raise NlpInputError(f"无法读取分类体系文件 {path}: {exc}") from exc
    departments = tuple(
        Department(
            code=str(d["code"]),
            name_zh=str(d["name_zh"]),
            name_en=str(d.get("name_en", "")),
            scope=tuple(str(s) for s in d.get("scope", ())),
        )
        for d in raw.get("department", ())
    )
    if FALLBACK not in {d.code for d in departments}:
        raise NlpInputError(f"分类体系 {path} 缺少兜底部门 {FALLBACK}")
    boundary = tuple((str(k), str(v)) for k, v in raw.get("boundary", {}).items())
    request_types = tuple(
        RequestType(code=str(r["code"]), name_zh=str(r["name_zh"]))
        for r in raw.get("request_type", ())
    )
    return Taxonomy(departments=departments, boundary=boundary, request_types=request_types)
