"""Load a district's routing taxonomy (departments, topics, keywords, request types) from TOML.

The smallest file a district writes is one ``[[department]]`` table per department with
``code`` and ``name_zh``, plus the ``dispatch`` entry (the command center). Everything else is
optional: ``name_en``, ``scope`` (what belongs there), ``community = true`` for matters a
community or grid handles, ``topics`` (the boundary-rule topics it owns, e.g.
``"noise.construction"``: a rule counts only for the departments that declare its topic) and
``keywords`` (words that point to it, a prior for a department with few examples).
"""

from __future__ import annotations

import hashlib
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from nlp.errors import NlpInputError

FALLBACK = "dispatch"
DEFAULT_REQUEST_TYPES = (("help", "求助"), ("complaint", "投诉"), ("suggestion", "建议"), ("consultation", "咨询"))


@dataclass(frozen=True)
class Department:
    """One unit a request can be routed to."""

    code: str
    name_zh: str
    name_en: str = ""
    scope: tuple[str, ...] = ()
    community: bool = False
    topics: tuple[str, ...] = ()
    keywords: tuple[str, ...] = ()


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

    def topic_owners(self) -> dict[str, tuple[str, ...]]:
        """Return, per declared topic, the departments that own it."""
        owners: dict[str, list[str]] = {}
        for dept in self.departments:
            for topic in dept.topics:
                owners.setdefault(topic, []).append(dept.code)
        return {topic: tuple(codes) for topic, codes in owners.items()}

    def community_codes(self) -> tuple[str, ...]:
        """Return the codes of the community-level departments."""
        return tuple(d.code for d in self.departments if d.community)

    def digest(self) -> str:
        """Return a short fingerprint of the codes, topics and keywords (what a model depends on)."""
        parts = [f"{d.code}|{','.join(d.topics)}|{','.join(d.keywords)}" for d in self.departments]
        return hashlib.sha256("\n".join(parts).encode("utf-8")).hexdigest()[:12]


def _strings(raw: dict[str, Any], key: str, where: str) -> tuple[str, ...]:
    """Return a list of strings from a department table, or complain."""
    value = raw.get(key, ())
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise NlpInputError(f"{where}: {key} 应是字符串列表")
    return tuple(v.strip() for v in value if v.strip())


def _department(raw: object, n: int, path: Path) -> Department:
    """Build one department from its TOML table, checking the required keys."""
    where = f"分类体系 {path} 第 {n} 个 [[department]]"
    if not isinstance(raw, dict):
        raise NlpInputError(f"{where} 不是表")
    code, name = raw.get("code"), raw.get("name_zh")
    if not isinstance(code, str) or not code.strip() or not isinstance(name, str) or not name.strip():
        raise NlpInputError(f"{where} 需要 code 和 name_zh")
    return Department(
        code=code.strip(),
        name_zh=name.strip(),
        name_en=str(raw.get("name_en", "")),
        scope=_strings(raw, "scope", where),
        community=bool(raw.get("community", False)),
        topics=_strings(raw, "topics", where),
        keywords=tuple(k.lower() for k in _strings(raw, "keywords", where)),
    )


def load_taxonomy(path: Path) -> Taxonomy:
    """Read the taxonomy TOML file into typed objects."""
    try:
        raw = tomllib.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise NlpInputError(f"无法读取分类体系文件 {path}: {exc}") from exc
    departments = tuple(_department(d, n, path) for n, d in enumerate(raw.get("department", ()), start=1))
    codes = [d.code for d in departments]
    if len(set(codes)) != len(codes):
        raise NlpInputError(f"分类体系 {path} 有重复的部门代码")
    if FALLBACK not in codes:
        raise NlpInputError(f"分类体系 {path} 缺少兜底部门 {FALLBACK}")
    if len(codes) < 2:
        raise NlpInputError(f"分类体系 {path} 除 {FALLBACK} 外至少需要一个部门")
    boundary = tuple((str(k), str(v)) for k, v in raw.get("boundary", {}).items())
    request_types = tuple(
        RequestType(code=str(r["code"]), name_zh=str(r["name_zh"])) for r in raw.get("request_type", ())
    ) or tuple(RequestType(code, name) for code, name in DEFAULT_REQUEST_TYPES)
    return Taxonomy(departments=departments, boundary=boundary, request_types=request_types)
