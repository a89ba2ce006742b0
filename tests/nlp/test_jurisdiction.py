"""Jurisdiction: from a coordinate, from a name in the text, from registration, or unknown."""

from __future__ import annotations

from pathlib import Path

import pytest

from nlp.errors import NlpInputError
from nlp.jurisdiction import GridPlace, JurisdictionResolver, places_from_demo_toml


@pytest.fixture(scope="module")
def resolver(demo_district: Path) -> JurisdictionResolver:
    """Return a resolver over the demo district."""
    return JurisdictionResolver(places_from_demo_toml(demo_district))


def test_demo_file_builds_all_grids(demo_district: Path) -> None:
    """Every grid of the demo district becomes a GridPlace with its shape and names."""
    places = places_from_demo_toml(demo_district)
    assert len(places) == 16
    first = places[0]
    assert (first.code, first.community_code, first.street_code) == ("guixiang-1", "guixiang", "dh")
    assert first.polygon is not None and len(first.polygon) == 4
    assert "桂香苑" in first.compounds


def test_coordinate_inside_polygon(resolver: JurisdictionResolver) -> None:
    """A shared location inside a grid polygon resolves to that grid."""
    found = resolver.resolve(point=(114.335, 30.615), text="东湖花园", registered_community="heping")
    assert (found.source, found.level, found.grid_code) == ("coordinate", "grid", "guixiang-2")
    assert found.street_code == "dh"
    assert found.confidence > 0.9


def test_nearest_centre_without_shapes() -> None:
    """Without polygons the nearest grid centre wins, if close enough."""
    places = [
        GridPlace("a", "A网格", "c1", "C1社区", "s1", "S1街道", (114.0, 30.0), None, (), ()),
        GridPlace("b", "B网格", "c2", "C2社区", "s1", "S1街道", (114.02, 30.0), None, (), ()),
    ]
    resolver = JurisdictionResolver(places)
    found = resolver.resolve(point=(114.016, 30.001))
    assert (found.source, found.grid_code) == ("coordinate", "b")
    assert 0 < found.confidence < 0.9
    assert not resolver.resolve(point=(115.0, 31.0)).known


def test_far_outside_is_unknown(resolver: JurisdictionResolver) -> None:
    """A coordinate far from every grid (and nothing else) is unknown."""
    found = resolver.resolve(point=(116.4, 39.9))
    assert (found.source, found.level, found.confidence) == ("unknown", "none", 0.0)


def test_compound_name_in_text(resolver: JurisdictionResolver) -> None:
    """A compound name in the text resolves to its grid."""
    found = resolver.resolve(text="湖畔人家3栋电梯坏了")
    assert (found.source, found.level, found.grid_code, found.matched) == ("text", "grid", "liuan-2", "湖畔人家")


def test_longest_name_wins(resolver: JurisdictionResolver) -> None:
    """桂香苑小区 is matched rather than its prefix."""
    assert resolver.resolve(text="桂香苑小区门口").matched == "桂香苑小区"


def test_shared_road_resolves_to_common_community(resolver: JurisdictionResolver) -> None:
    """和平路 lies in two grids of one community: community level, lower confidence."""
    found = resolver.resolve(text="和平路中段燃气管挖破了")
    assert (found.level, found.community_code, found.grid_code) == ("community", "heping", None)
    assert found.confidence < resolver.resolve(text="机械厂宿舍").confidence


def test_shared_road_across_communities_resolves_to_street(resolver: JurisdictionResolver) -> None:
    """东湖路 crosses two communities of one street: street level."""
    found = resolver.resolve(text="东湖路上井盖没了")
    assert (found.level, found.street_code, found.community_code) == ("street", "dh", None)


def test_registered_community(resolver: JurisdictionResolver) -> None:
    """With nothing better, the resident's registered community is used."""
    found = resolver.resolve(text="电梯坏了", registered_community="fenglin")
    assert (found.source, found.level, found.community_code, found.street_code) == (
        "registered", "community", "fenglin", "xs",
    )


def test_unknown_when_nothing_matches(resolver: JurisdictionResolver) -> None:
    """Unknown is a valid answer."""
    found = resolver.resolve(text="电梯坏了", registered_community="nowhere")
    assert not found.known and found.source == "unknown"


def test_bad_district_file(tmp_path: Path) -> None:
    """A broken district file raises NlpInputError."""
    bad = tmp_path / "d.toml"
    bad.write_text(
        '[[street]]\ncode = "s"\nname = "S"\n[[street.community]]\ncode = "c"\nname = "C"\n'
        '[[street.community.grid]]\nname = "no code"\n',
        encoding="utf-8",
    )
    with pytest.raises(NlpInputError):
        places_from_demo_toml(bad)
