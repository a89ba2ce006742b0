"""Each boundary rule fires on its own case and not on its neighbour's."""

from __future__ import annotations

import pytest

from nlp import Classifier
from nlp.rules import DEFAULT_RULES, fire

CASES = [
    ("noise.construction", "zhujian", "对面工地半夜还在打桩，噪音大得睡不着"),
    ("noise.equipment", "shengtai", "楼下饭店的排风机一直嗡嗡响，太吵了"),
    ("noise.equipment", "shengtai", "工厂车间的机器噪音太大了"),
    ("noise.social", "gongan", "楼上邻居天天半夜蹦迪，吵得睡不着"),
    ("noise.social", "gongan", "广场舞音响太吵了，每天晚上九点还在跳"),
    ("fumes.restaurant", "chengguan", "楼下烧烤店的油烟熏得窗户都不敢开"),
    ("fumes.industrial", "shengtai", "化工厂晚上排废气，臭味刺鼻"),
    ("water.supply", "gongshui", "又停水了，什么时候来水"),
    ("water.supply", "gongshui", "马路上自来水管爆了，水喷得老高"),
    ("water.road", "shizheng", "一下雨路口就积水，排水太差"),
    ("water.road", "shizheng", "马路上的下水道堵了，污水往外冒"),
    ("water.building", "zhujian", "小区化粪池满了往外冒，5栋后面全是粪水"),
    ("water.building", "zhujian", "楼里的公共管井漏水，墙都泡了"),
    ("garbage.public", "chengguan", "路边的垃圾桶满了好几天没人清运"),
    ("garbage.toilet", "chengguan", "公园里的公厕脏得没法进"),
    ("garbage.stairwell", "shequ", "对门把旧家具堆在楼道里，过不去了"),
    ("parking.illegal", "jiaojing", "马路边天天有车违停，堵得过不去"),
    ("parking.fire_lane", "jiaojing", "消防通道被私家车占了"),
    ("parking.community", "zhujian", "物业把小区车位租给外面的人，业主没地方停"),
    ("fees.merchant", "shichang", "饭馆不写价格，结账宰客"),
    ("fees.property", "zhujian", "物业费凭什么涨价"),
    ("fees.school", "jiaoyu", "学校又让交资料费，一学期三百"),
]


@pytest.mark.parametrize(("rule", "target", "text"), CASES)
def test_rule_fires_and_decides(classifier: Classifier, rule: str, target: str, text: str) -> None:
    """The named rule fires, routes to its target and is reported as the reason."""
    prepared = classifier.prepare(text)
    assert rule in {f.rule.name for f in prepared.firings}
    result = classifier.classify(text)
    assert result.department == target
    assert result.rule == rule
    assert result.reason_zh.startswith(next(r.label_zh for r in DEFAULT_RULES if r.name == rule))


@pytest.mark.parametrize(
    ("text", "not_rule"),
    [
        ("楼下超市的空调外机整夜嗡嗡响，吵得睡不着", "noise.social"),
        ("饭店后厨的大排风机太响了，一直到半夜", "fumes.restaurant"),
        ("和楼上因为漏水的事吵了好几次了，想请社区调解", "noise.social"),
        ("加班没有加班费，这种情况能告公司吗", "fees.school"),
        ("小区外面人行道底下的供水管漏了，一直冒水", "water.building"),
        ("马路上自来水管爆了，整条街都是水", "water.road"),
        ("楼道灯坏了，晚上黑漆漆的", "garbage.stairwell"),
        ("商场停车场乱收费，五元一小时收了三十", "parking.illegal"),
        ("行道树把路灯都挡住了", "parking.illegal"),
    ],
)
def test_rule_does_not_fire_on_neighbouring_case(text: str, not_rule: str) -> None:
    """A rule stays quiet where its topic's other side applies."""
    assert not_rule not in {f.rule.name for f in fire(DEFAULT_RULES, text)}


def test_one_rule_per_topic_most_specific_first() -> None:
    """Equipment noise wins over neighbour noise when both triggers are present."""
    firings = fire(DEFAULT_RULES, "楼下那家超市的空调外机噪音太大")
    noise = [f.rule.name for f in firings if f.rule.family == "noise"]
    assert noise == ["noise.equipment"]


def test_every_rule_topic_is_owned_in_the_packaged_taxonomy(classifier: Classifier) -> None:
    """Every rule names a topic, and the packaged taxonomy maps each topic to one department."""
    owners = classifier.taxonomy.topic_owners()
    assert {r.topic for r in DEFAULT_RULES} <= set(owners)
    assert all(len(codes) == 1 for codes in owners.values())


def test_multi_department_request_goes_to_dispatch(classifier: Classifier) -> None:
    """A request naming several problems for several units goes to the command center."""
    result = classifier.classify("楼下饭店油烟大、占道摆桌子、半夜吵，好几个问题，希望各部门联合来查一下")
    assert result.department == "dispatch"
    assert result.rule == "dispatch.multi"


@pytest.mark.parametrize(
    ("text", "quiet"),
    [
        ("看着像饭店油烟，其实不是饭店，是食品厂在排气", "fumes.restaurant"),
        ("前夫不给抚养费，孩子上初中了，我想申请低保", "fees.school"),
        ("被狗咬了去打狂犬疫苗，社区医院说没货了", "pets.dog"),
    ],
)
def test_exclusions_keep_a_rule_off_its_neighbours_case(text: str, quiet: str) -> None:
    """Not a restaurant, child support is not a school fee, a vaccine is not a dog complaint."""
    assert quiet not in {f.rule.name for f in fire(DEFAULT_RULES, text)}


def test_a_negated_word_is_no_cue(classifier: Classifier) -> None:
    """不是饭店 does not count as 饭店, for the rules or the lexicon."""
    prepared = classifier.prepare("这个不是饭店，是一家工厂")
    assert "饭店" not in {h.term for h in prepared.hits}


@pytest.mark.parametrize(
    ("text", "wrong"),
    [
        ("看着像饭店油烟，其实不是饭店，是食品厂", "chengguan"),
        ("前夫不给抚养费，孩子上初中，我想申请低保", "jiaoyu"),
        ("狂犬疫苗没货了", "gongan"),
    ],
)
def test_no_rule_pushes_a_wrong_department_to_certainty(classifier: Classifier, text: str, wrong: str) -> None:
    """The boundary cases of issue 15 no longer go to the department a rule would have forced."""
    assert classifier.probabilities(text)[wrong] < 0.5


def test_rules_are_capped_features(classifier: Classifier) -> None:
    """A rule adds at most the capped weight to the logit of the departments owning its topic."""
    from nlp.learn.combine import RULE_CAP

    assert 0.0 <= classifier.model.rule_weight <= RULE_CAP
