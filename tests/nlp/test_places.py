"""Places as residents name them: the scored matcher and the grid map over the demo district."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.errors import NlpInputError
from nlp.places.demo import demo_district as read_demo
from nlp.places.gazetteer import Gazetteer, PlaceEntry, UnitInfo
from nlp.places.matcher import ASK, FOUND, NONE, VAGUE, PlaceMatcher
from nlp.places.spatial import GridLocator, geometry_of
from nlp.places.text import chinese_number, fold, number_at


@pytest.fixture(scope="module")
def demo(demo_district: Path) -> tuple[PlaceMatcher, GridLocator]:
    """Return the matcher and locator over the demo district."""
    gazetteer, locator = read_demo(demo_district)
    return PlaceMatcher(gazetteer), locator


def found(matcher: PlaceMatcher, text: str) -> str:
    """Return the code a text is found at, failing when the matcher does not find it for sure."""
    answer = matcher.match(text)
    assert answer.outcome == FOUND and answer.best is not None, (text, answer)
    return answer.best.code


def asked(matcher: PlaceMatcher, text: str) -> list[str]:
    """Return the codes the matcher asks about."""
    answer = matcher.match(text)
    assert answer.outcome == ASK, (text, answer)
    return [c.code for c in answer.candidates]


def test_folding_reads_widths_traditional_characters_and_numerals() -> None:
    assert fold("東湖路 二十三號") == "东湖路23号"
    assert fold("柳岸新村七栋") == "柳岸新村7栋"
    assert fold("第一网格") == "第1网格"
    assert fold("三里屯") == "三里屯"  # a numeral in a name is left alone
    assert chinese_number("一百零五") == 105 and chinese_number("十二") == 12 and chinese_number("七") == 7
    number = number_at(fold("和平里小区3-2-301"), 5)
    assert number is not None and number.value == 3 and number.building


def test_names_and_the_numbers_after_them(demo: tuple[PlaceMatcher, GridLocator]) -> None:
    matcher, _ = demo
    assert found(matcher, "桂香苑7栋") == "guixiang-1"
    assert found(matcher, "湖畔人家3栋电梯坏了") == "liuan-2"
    assert found(matcher, "桂香苑小区门口").startswith("guixiang-1")
    assert found(matcher, "东郊村一组") == found(matcher, "东郊村1组") == "dongjiao-1"


def test_other_generic_endings_find_the_compound(demo: tuple[PlaceMatcher, GridLocator]) -> None:
    """柳岸小区 is not in the gazetteer, 柳岸新村 and 柳岸家园 are (both in liuan-1)."""
    matcher, _ = demo
    assert found(matcher, "柳岸小区") == "liuan-1"
    assert found(matcher, "竹林园") == "cuizhu-1"  # 竹林苑


def test_homophones_and_typed_pinyin(demo: tuple[PlaceMatcher, GridLocator]) -> None:
    matcher, _ = demo
    assert found(matcher, "柳按新村") == "liuan-1"
    assert found(matcher, "liuanxincun") == "liuan-1"
    assert found(matcher, "石桥新院") == "shiqiao-2"


def test_a_road_in_two_grids_is_asked_about(demo: tuple[PlaceMatcher, GridLocator]) -> None:
    matcher, _ = demo
    assert sorted(asked(matcher, "东湖路")) == ["guixiang-2", "liuan-2"]
    assert sorted(asked(matcher, "和平里")) == ["heping-1", "heping-2"]


def test_two_names_that_agree_settle_it(demo: tuple[PlaceMatcher, GridLocator]) -> None:
    matcher, _ = demo
    assert found(matcher, "东湖路湖畔人家") == "liuan-2"


def test_a_community_name_stays_at_the_community(demo: tuple[PlaceMatcher, GridLocator]) -> None:
    matcher, _ = demo
    answer = matcher.match("柳岸社区")
    assert answer.outcome == FOUND and answer.best is not None and (answer.best.level, answer.best.code) == ("community", "liuan")


def test_weak_matches_are_only_suggested(demo: tuple[PlaceMatcher, GridLocator]) -> None:
    matcher, _ = demo
    assert asked(matcher, "望江") == ["wangjiang-1", "wangjiang-2"]
    assert "cuizhu-1" in asked(matcher, "翠竹国门口")  # a typo that is no homophone
    assert found(matcher, "翠竹圆小区门口") == "cuizhu-1"  # a homophone is taken


def test_nothing_and_fillers(demo: tuple[PlaceMatcher, GridLocator]) -> None:
    matcher, _ = demo
    assert matcher.match("火星").outcome == NONE
    assert matcher.match("确认").outcome == NONE
    assert matcher.is_filler("确认") and matcher.is_filler("好的。") and not matcher.is_filler("柳岸小区")
    assert matcher.is_unsure("不知道") and not matcher.is_unsure("柳岸小区")


def test_ranges_pick_the_part_and_ask_without_a_number() -> None:
    units = [
        UnitInfo("s", "甲街道", "street"),
        UnitInfo("c1", "甲社区", "community", "s"),
        UnitInfo("c2", "乙社区", "community", "s"),
        UnitInfo("g1", "甲社区第1网格", "grid", "c1"),
        UnitInfo("g2", "乙社区第1网格", "grid", "c2"),
    ]
    places = [
        PlaceEntry("p1", "长青新村", "building", "g1", low=1, high=12),
        PlaceEntry("p2", "长青新村", "building", "g2", low=13, high=30),
        PlaceEntry("r1", "长青路", "road", "g1", low=1, high=99, parity="odd"),
        PlaceEntry("r2", "长青路", "road", "g2", low=2, high=98, parity="even"),
    ] + [PlaceEntry(f"m{i}", "农贸市场", "landmark", "g1" if i < 3 else "g2", aliases=(f"农贸市场{i}",)) for i in range(6)]
    matcher = PlaceMatcher(Gazetteer.build(units, places))
    assert found(matcher, "长青新村7栋") == "g1"
    assert found(matcher, "长青新村十五栋") == "g2"
    assert found(matcher, "长青路23号") == "g1"
    assert found(matcher, "长青路24号") == "g2"
    assert sorted(asked(matcher, "长青路")) == ["g1", "g2"]
    assert sorted(asked(matcher, "长青新村")) == ["g1", "g2"]
    assert matcher.match("长青新村99栋").outcome == ASK  # beyond every range: asked, not guessed


def test_many_alike_in_one_community_resolve_to_it_and_across_communities_are_vague() -> None:
    units = [UnitInfo("s", "甲街道", "street")] + [UnitInfo(f"c{i}", f"社区{i}", "community", "s") for i in range(2)]
    units += [UnitInfo(f"g{i}", f"网格{i}", "grid", f"c{i // 6}") for i in range(12)]
    same = [PlaceEntry(f"b{i}", "公交站", "landmark", f"g{i}") for i in range(6)]
    matcher = PlaceMatcher(Gazetteer.build(units, same))
    answer = matcher.match("公交站")
    assert answer.outcome == FOUND and answer.best is not None and answer.best.code == "c0"
    spread = [PlaceEntry(f"b{i}", "公交站", "landmark", f"g{i}") for i in range(0, 12, 2)]
    assert PlaceMatcher(Gazetteer.build(units, spread)).match("公交站").outcome == VAGUE


def test_coordinate_inside_a_grid_and_just_outside(demo: tuple[PlaceMatcher, GridLocator]) -> None:
    _, locator = demo
    inside = locator.locate(114.335, 30.615)
    assert inside is not None and (inside.code, inside.inside) == ("guixiang-2", True) and inside.confidence > 0.9
    near = locator.locate(114.3405, 30.615)  # about 50 m east of the district's edge
    assert near is not None and near.code == "guixiang-2" and not near.inside
    assert locator.locate(116.4, 39.9) is None


def test_nearest_centre_without_shapes() -> None:
    locator = GridLocator([], [("a", (114.0, 30.0)), ("b", (114.02, 30.0))])
    found_at = locator.locate(114.016, 30.001)
    assert found_at is not None and found_at.code == "b" and 0 < found_at.confidence < 0.9
    assert locator.locate(115.0, 31.0) is None


def test_geojson_multipolygons() -> None:
    square = [[0.0, 0.0], [1.0, 0.0], [1.0, 1.0], [0.0, 1.0], [0.0, 0.0]]
    far = [[[5.0, 5.0], [6.0, 5.0], [6.0, 6.0], [5.0, 5.0]]]
    locator = GridLocator([("m", geometry_of({"type": "MultiPolygon", "coordinates": [[square], far]}))])
    assert locator.locate(5.8, 5.2) is not None and locator.locate(3.0, 3.0) is None


def test_bad_district_file(tmp_path: Path) -> None:
    bad = tmp_path / "d.toml"
    bad.write_text('[[street]]\ncode = "s"\nname = "S"\n[[street.community]]\ncode = "c"\nname = "C"\n[[street.community.grid]]\nname = "no code"\n', encoding="utf-8")
    with pytest.raises(NlpInputError):
        read_demo(bad)
