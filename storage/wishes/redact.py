"""Propose a public text for a wish: phone numbers, ID numbers, addresses and names it can detect removed.

The proposal is a help for the reviewer, not a guarantee: the community reads it and accepts it or
types its own. Everything found is reported as a Flag so the reviewer sees what was removed.

Residents write numbers every way a phone lets them: full-width (１３８…), with spaces, dashes or
dots between the groups, look-alike digits. `fold` turns every digit into its ASCII form and every
dash and space look-alike into "-" and " " before any pattern runs (Unicode's NFKC, applied to
digits, dashes and spaces only, so the Chinese punctuation of the text stays as it was), and the
patterns allow one separator between any two digits. The same `redact` and `leaks` serve every text
that becomes public.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.models.people import Unit

PHONE_MASK = "[电话已隐去]"
ID_MASK = "[证件号已隐去]"
ADDRESS_MASK = "[地址已隐去]"
NAME_MASK = "某某"

SEP = r"[ .\-]?"  # one space, dot or dash a resident may put between two digits
ID_NUMBER = re.compile(rf"(?<![0-9A-Za-z])[1-9](?:{SEP}[0-9]){{16}}{SEP}[0-9Xx](?![0-9A-Za-z])")
PHONE = re.compile(
    rf"(?<![0-9])(?:\+?86{SEP})?(?:1[3-9](?:{SEP}[0-9]){{9}}|0[0-9]{{2,3}}{SEP}(?:[0-9]{SEP}){{6,7}}[0-9])(?![0-9])"
)
NUMERAL = r"[0-9一二三四五六七八九十百零〇两]+"
ADDRESS_PART = rf"{NUMERAL}\s*-?\s*(?:号楼|栋|幢|单元|号院|号|室|楼|层)"
ROOM = r"(?:\s*-?\s*[0-9]{2,4}(?![0-9]))?"  # a bare room number after the building: 5栋302
BUILDING_UNIT_ROOM = r"(?<![0-9-])[0-9]{1,3}-[0-9]{1,2}-[0-9]{2,4}(?![0-9-])"  # 7-2-301 (a date has a 4-digit year)
DASHES = "‐‑‒–—―−－﹣⁃"
SPACES = "\u00a0\u2000\u2001\u2002\u2003\u2004\u2005\u2006\u2007\u2008\u2009\u200a\u202f\u205f\u3000"
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


_LOOK_ALIKES = str.maketrans({**dict.fromkeys(DASHES, "-"), **dict.fromkeys(SPACES, " ")})
_NON_ASCII_DIGIT = re.compile(r"[^\x00-\x7f]")


def _ascii_digit(match: re.Match[str]) -> str:
    """Return a digit's ASCII form (any other character as it is)."""
    char = match.group(0)
    return str(unicodedata.decimal(char)) if char.isdecimal() else char


def fold(text: str) -> str:
    """Return the text with digits, dashes and spaces in their plain forms (the rest as it was)."""
    return _NON_ASCII_DIGIT.sub(_ascii_digit, text.translate(_LOOK_ALIKES))


def names_in_contact(contact: str) -> list[str]:
    """Return the words of a contact text that look like a name ('王秀英 139...' → ['王秀英'])."""
    folded = fold(contact)
    stripped = PHONE.sub(" ", ID_NUMBER.sub(" ", folded))
    words = CJK_WORD.findall(stripped)
    return [w for w in words if w not in NOT_NAMES and not any(w.endswith(h) for h in HONORIFICS.split("|"))]


def _address_pattern(places: Iterable[str]) -> re.Pattern[str]:
    """Return the address pattern: a gazetteer name followed by numbered parts, or numbered parts alone."""
    names = sorted({p for p in places if p}, key=len, reverse=True)
    parts = rf"(?:\s*{ADDRESS_PART})"
    numbered = rf"(?<!月){parts}+{ROOM}|{BUILDING_UNIT_ROOM}"
    if not names:
        return re.compile(numbered)
    alternatives = "|".join(re.escape(n) for n in names)
    return re.compile(rf"(?:{alternatives})(?:{parts}+{ROOM}|\s*{BUILDING_UNIT_ROOM})?|{numbered}")


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
    result = _sub(ID_NUMBER, ID_MASK, "id_number", fold(text), flags)
    result = _sub(PHONE, PHONE_MASK, "phone", result, flags)
    result = _sub(_address_pattern(places), ADDRESS_MASK, "address", result, flags)
    for name in sorted({n.strip() for n in names if len(n.strip()) >= 2}, key=len, reverse=True):
        result = _sub(re.compile(re.escape(name)), NAME_MASK, "name", result, flags)
    result = _honorific(result, flags)
    return Redaction(text=result, flags=tuple(flags))


def leaks(text: str) -> list[Flag]:
    """Return the phone and ID numbers still in a text a reviewer typed (they must not be published)."""
    flags: list[Flag] = []
    folded = fold(text)
    _sub(ID_NUMBER, ID_MASK, "id_number", folded, flags)
    _sub(PHONE, PHONE_MASK, "phone", ID_NUMBER.sub("", folded), flags)
    return flags


async def gazetteer_places(session: AsyncSession) -> list[str]:
    """Return every compound and road name the grids' gazetteers know."""
    rows = (await session.scalars(select(Unit.gazetteer).where(Unit.kind == "grid"))).all()
    places: list[str] = []
    for gazetteer in rows:
        if isinstance(gazetteer, dict):
            places += [str(p) for key in ("compounds", "roads") for p in gazetteer.get(key, [])]
    return places
