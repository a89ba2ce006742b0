"""The proposed public text: phones, ID numbers, addresses and names removed; the [wishes] config."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.config.loader import ConfigError, load_config
from bot.config.schema import Config
from storage.wishes.redact import leaks, names_in_contact, redact

ROOT = Path(__file__).resolve().parents[2]
PLACES = ["桂香苑", "桂香苑小区", "东湖路"]


@pytest.mark.parametrize(
    ("text", "expected", "kinds"),
    [
        ("电话13912345678或027-87654321", "电话[电话已隐去]或[电话已隐去]", ["phone", "phone"]),
        ("身份证42010219500101123X", "身份证[证件号已隐去]", ["id_number"]),
        ("住桂香苑小区3号楼2单元501室", "住[地址已隐去]", ["address"]),
        ("住在东湖路18号", "住在[地址已隐去]", ["address"]),
        ("5栋302", "[地址已隐去]", ["address"]),
        ("电话１３９１２３４５６７８", "电话[电话已隐去]", ["phone"]),
        ("手机 139 1234 5678，座机 ０２７－８７６５４３２１", "手机 [电话已隐去]，座机 [电话已隐去]", ["phone", "phone"]),
        ("号码139.1234.5678", "号码[电话已隐去]", ["phone"]),
        ("证件 420102 19500101 123X", "证件 [证件号已隐去]", ["id_number"]),
        ("住桂香苑小区7-2-301", "住[地址已隐去]", ["address"]),
        ("2026-12-01前想要", "2026-12-01前想要", []),
        ("隔壁王大爷和李奶奶、陈阿姨", "隔壁某大爷和某奶奶、某阿姨", ["name", "name", "name"]),
        ("张三想要一台轮椅", "某某想要一台轮椅", ["name"]),
        ("12月1号前想要一件棉衣", "12月1号前想要一件棉衣", []),
        ("想要一台老人手机", "想要一台老人手机", []),
    ],
)
def test_redact(text: str, expected: str, kinds: list[str]) -> None:
    result = redact(text, ["张三"], PLACES)
    assert result.text == expected
    assert [f.kind for f in result.flags] == kinds


def test_names_in_a_contact_and_leaks_in_a_typed_text() -> None:
    assert names_in_contact("王秀英 13912345678") == ["王秀英"]
    assert names_in_contact("电话 13912345678") == []
    assert [f.kind for f in leaks("老人电话13912345678，证件420102195001011234")] == ["id_number", "phone"]
    assert leaks("一位老人想要收音机") == []
    assert [f.kind for f in leaks("电话１３９－１２３４－５６７８")] == ["phone"]
    assert [f.kind for f in leaks("号 4 2 0 1 0 2 1 9 5 0 0 1 0 1 1 2 3 4")] == ["id_number"]


def test_the_example_config_documents_the_wish_defaults() -> None:
    assert load_config(ROOT / "config.example.toml", environ={}).wishes == Config().wishes
    with pytest.raises(ConfigError, match="wishes.max_open_claims: expected 1 or more"):
        load_config(None, environ={"QUNGONG_WISHES__MAX_OPEN_CLAIMS": "0"})
    with pytest.raises(ConfigError, match="wishes.remind_at"):
        load_config(None, environ={"QUNGONG_WISHES__REMIND_AT": "25:00"})
