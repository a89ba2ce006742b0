"""Propose a public text for a wish: phone numbers, ID numbers, addresses and names it can detect removed.

The proposal is a help for the reviewer, not a guarantee: the community reads it and accepts it or
types its own. Everything found is reported as a Flag so the reviewer sees what was removed.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.people import Unit

PHONE_MASK = "[电话已隐去]"
ID_MASK = "[证件号已隐去]"
ADDRESS_MASK = "[地址已隐去]"
NAME_MASK = "某某"

ID_NUMBER = re.compile(r"(?<![0-9A-Za-z])[1-9]\d{16}[0-9Xx](?![0-9A-Za-z])")
PHONE = re.compile(r"(?<!\d)(?:\+?86[- ]?)?(?:1[3-9]\d[- ]?\d{4}[- ]?\d{4}|0\d{2,3}-?\d{7,8})(?!\d)")
NUMERAL = r"[0-9０-９一二三四五六七八九十百零〇两]+"
ADDRESS_PART = rf"{NUMERAL}\s*[-－]?\s*(?:号楼|栋|幢|单元|号院|号|室|楼|层)"
HONORIFICS = "大爷|大娘|大妈|奶奶|爷爷|阿姨|叔叔|婶婶|伯伯|大伯|大叔|婆婆|老人|老太|师傅"
# Common single-character surnames: the first character of "X大爷", "X奶奶", "X阿姨"...
SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
HONORIFIC_NAME = re.compile(rf"([{SURNAMES}])(?={HONORIFICS})")
CJK_WORD = re.compile(r"[\u4e00-\u9fff]{2,4}")
NOT_NAMES = frozenset({"联系", "电话", "手机", "本人", "家属", "老人", "居民", "女儿", "儿子", "社区", "网格"})


@dataclass(frozen=True)
class Flag:
    """One personal detail found: its kind (phone, id_number, address, name) and the text found."""

    kind: str
    found: str


@dataclass(frozen=True)
class Redaction:
    """The proposed public text and what was removed from it."""

    text: str
    flags: tuple[Flag, ...]


def names_in_contact(contact: str) -> list[str]:
    """Return the words of a contact text that look like a name ('王秀英 139...' → ['王秀英'])."""
    stripped = PHONE.sub(" ", ID_NUMBER.sub(" ", contact))
    words = CJK_WORD.findall(stripped)
    return [w for w in words if w not in NOT_NAMES and not any(w.endswith(h) for h in HONORIFICS.split("|"))]


def _address_pattern(places: Iterable[str]) -> re.Pattern[str]:
    """Return the address pattern: a gazetteer name followed by numbered parts, or numbered parts alone."""
    names = sorted({p for p in places if p}, key=len, reverse=True)
    parts = rf"(?:\s*{ADDRESS_PART})"
    if not names:
        return re.compile(rf"(?<!月){parts}+")
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?:{alternatives}){parts}*|(?<!月){parts}+")


def _sub(pattern: re.Pattern[str], mask: str, kind: str, text: str, flags: list[Flag]) -> str:
    """Replace every match with the mask, recording a flag per match."""

    def replace(match: re.Match[str]) -> str:
        flags.append(Flag(kind, match.group(0).strip()))
        return mask

    return pattern.sub(replace, text)


def _honorific(text: str, flags: list[Flag]) -> str:
    """Replace the surname of 'X大爷 / X奶奶 / X阿姨...' with 某."""

    def replace(match: re.Match[str]) -> str:
        surname = match.group(1)
        end = match.end()
        honorific = re.match(HONORIFICS, text[end:])
        flags.append(Flag("name", surname + (honorific.group(0) if honorific else "")))
        return "某"

    return HONORIFIC_NAME.sub(replace, text)


def redact(text: str, names: Sequence[str] = (), places: Iterable[str] = ()) -> Redaction:
    """Propose a public text: ID numbers, phones, addresses, known names and 'X大爷' surnames removed."""
    flags: list[Flag] = []
    result = _sub(ID_NUMBER, ID_MASK, "id_number", text, flags)
    result = _sub(PHONE, PHONE_MASK, "phone", result, flags)
    result = _sub(_address_pattern(places), ADDRESS_MASK, "address", result, flags)
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        result = _sub(re.compile(re.escape(name)), NAME_MASK, "name", result, flags)
    result = _honorific(result, flags)
    return Redaction(text=result, flags=tuple(flags))


def leaks(text: str) -> list[Flag]:
    """Return the phone and ID numbers still in a text a reviewer typed (they must not be published)."""
    flags: list[Flag] = []
    _sub(ID_NUMBER, ID_MASK, "id_number", text, flags)
    _sub(PHONE, PHONE_MASK, "phone", ID_NUMBER.sub("", text), flags)
    return flags


async def gazetteer_places(session: AsyncSession) -> list[str]:
    """Return every compound and road name the grids' gazetteers know."""
    rows = (await session.scalars(select(Unit.gazetteer).where(Unit.kind == "grid"))).all()
    places: list[str] = []
    for gazetteer in rows:
        if isinstance(gazetteer, dict):
            places += [str(p) for key in ("compounds", "roads") for p in gazetteer.get(key, [])]
    return places
