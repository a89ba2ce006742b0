"""Fold place text the same way for the gazetteer and for what residents type, and read numbered parts."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass
from functools import cache

from nlp.text import opencc_simplify

_DROP = re.compile(r"[^0-9a-z\u3400-\u4dbf\u4e00-\u9fff#\-]+")
_CN_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
_CN_UNITS = {"十": 10, "百": 100, "千": 1000}
# A Chinese numeral is read as a number only before a word that numbers something (栋, 号, 单元, 网格 ...),
# so that names like 三里屯 or 五一路 keep their characters.
_CN_NUMBER = re.compile(r"[零〇一二两三四五六七八九十百千]+(?=(?:号楼|栋|幢|座|单元|号|弄|室|组|期|网格|层|楼|户|#))")
_BUILDING_WORDS = ("号楼", "栋", "幢", "座", "#")
_NUMBER_AT = re.compile(r"(\d{1,5})(号楼|栋|幢|座|#|号|弄)?")
_DASHED = re.compile(r"(?<!\d)(\d{1,3})-(\d{1,2})-(\d{2,4})(?!\d)")


@cache
def _simplify() -> Callable[[str], str]:
    """Return the traditional → simplified conversion the classifier uses too (OpenCC, made once)."""
    return opencc_simplify()


def chinese_number(text: str) -> int | None:
    """Return the value of a Chinese numeral of up to four digits (七 → 7, 十二 → 12, 二十三 → 23, 一零五 → 105)."""
    if not text or any(ch not in _CN_DIGITS and ch not in _CN_UNITS for ch in text):
        return None
    if not any(ch in _CN_UNITS for ch in text):
        return int("".join(str(_CN_DIGITS[ch]) for ch in text))
    total, digit = 0, None
    for ch in text:
        if ch in _CN_DIGITS:
            digit = _CN_DIGITS[ch]
        else:
            total += (1 if digit is None else digit) * _CN_UNITS[ch]
            digit = None
    return total + (digit or 0)


def fold(text: str) -> str:
    """Return TEXT folded for matching: NFKC, lower case, simplified, numerals as digits, no spaces or punctuation."""
    folded = _simplify()(unicodedata.normalize("NFKC", text).lower())
    folded = folded.replace("—", "-").replace("~", "-").replace("～", "-")
    folded = _DROP.sub("", folded)

    def digits(match: re.Match[str]) -> str:
        value = chinese_number(match.group(0))
        return match.group(0) if value is None else str(value)

    return _CN_NUMBER.sub(digits, folded)


@dataclass(frozen=True)
class NumberAt:
    """A number written right after a name: its value and whether it names a building (栋, 号楼 ...)."""

    value: int
    building: bool
    house: bool


def number_at(folded: str, position: int) -> NumberAt | None:
    """Return the number that follows a matched name at POSITION (7栋, 23号, 7-2-301), if any."""
    dashed = _DASHED.match(folded, position)
    if dashed is not None:
        return NumberAt(int(dashed.group(1)), building=True, house=False)
    match = _NUMBER_AT.match(folded, position)
    if match is None:
        return None
    word = match.group(2) or ""
    return NumberAt(int(match.group(1)), building=word in _BUILDING_WORDS, house=word in ("号", "弄"))
