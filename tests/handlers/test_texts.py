"""Copy catalogues: the English one mirrors the Chinese one key for key and placeholder for placeholder."""

from __future__ import annotations

import re

import pytest

from handlers.texts import load_catalogue, load_texts, placeholders

ZH = load_catalogue("zh")
EN = load_catalogue("en")

# CJK ideographs, CJK punctuation, kana and full-width forms.
CJK = re.compile(
    r"[\u3000-\u303f\u3040-\u30ff\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff\uff00-\uffef]"
)

# English values allowed to keep Chinese text (e.g. a literal command the bot only knows in Chinese).
# The language menu names each language in itself, so that someone who cannot read the current one finds theirs.
CJK_ALLOWED: dict[str, set[str]] = {
    "language.menu": {"语言"},
    "language.prompt": {"请选择您的语言"},
    "language.unknown": {"中文"},
    "language.name.zh": {"中文"},
}


def test_catalogues_have_the_same_keys() -> None:
    assert set(ZH) - set(EN) == set(), "keys missing from en.toml"
    assert set(EN) - set(ZH) == set(), "keys missing from zh.toml"


@pytest.mark.parametrize("key", sorted(ZH))
def test_placeholders_match(key: str) -> None:
    assert placeholders(EN[key]) == placeholders(ZH[key])


@pytest.mark.parametrize("language", ["zh", "en"])
def test_every_value_is_non_empty(language: str) -> None:
    empty = [key for key, value in load_catalogue(language).items() if not value.strip()]
    assert empty == []


def test_english_has_no_chinese_except_whitelisted_commands() -> None:
    offenders = {}
    for key, value in EN.items():
        rest = value
        for literal in CJK_ALLOWED.get(key, set()):
            assert literal in ZH[key], f"{key}: whitelisted {literal!r} is not in the zh value"
            rest = rest.replace(literal, "")
        if CJK.search(rest):
            offenders[key] = value
    assert offenders == {}


def test_english_mentions_only_commands_the_bot_recognises() -> None:
    assert "/cancel" in EN["help.text"]
    assert "/menu" in EN["help.text"]
    assert "/menu" in EN["errors.apology"]
    assert "/cancel" in EN["errors.unexpected_input"]


def test_load_texts_fills_a_template_in_english() -> None:
    texts = load_texts("en")
    assert texts.language == "en"
    assert texts.has("cases.withdrawn")
    filled = texts.t("cases.withdrawn", number="QG20240001")
    assert "QG20240001" in filled
    assert "{" not in filled
    assert texts.t("report.noted", count=12) != texts.catalogue["report.noted"]
    assert "12" in texts.t("report.noted", count=12)


def test_english_datetime_format() -> None:
    assert EN["format.datetime"] == "%b %d %H:%M"
