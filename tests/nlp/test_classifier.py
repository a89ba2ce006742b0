"""Routing decisions: typos, synonyms, dialect, traditional characters, threshold and bad input."""

from __future__ import annotations

import json
import time

import pytest

from nlp import Classifier, NlpSettings
from nlp.model import RoutingModel
from nlp.training import load_model


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("燥音太大了，工地天天晚上施工", "zhujian"),
        ("路口的井概破了，晚上很危险", "shizheng"),
        ("路登坏了一个星期了", "shizheng"),
        ("物叶不管事，电梯老坏", "zhujian"),
        ("公司不给交设保", "renshe"),
        ("然气灶打不着火，是不是没气了", "ranqi"),
        ("垃极桶满了没人收，在公交站旁边", "chengguan"),
        ("家里困难想申请低包", "minzheng"),
        ("电悌关人了，快来", "zhujian"),
    ],
)
def test_typos_and_homophones(classifier: Classifier, text: str, department: str) -> None:
    """Common phone typos still route to the right department."""
    assert classifier.classify(text).department == department


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("今日又冇水啊，搞乜鬼", "gongshui"),
        ("楼上贼拉吵，天天半夜蹦迪，这咋整", "gongan"),
        ("阿拉弄堂口个路灯坏脱老长辰光了", "shizheng"),
        ("俺们这儿的井盖叫人偷走了，恁赶紧来弄弄", "shizheng"),
        ("烧烤摊烟子大得很，签签丢一地", "chengguan"),
        ("胡同口那公厕倍儿脏", "chengguan"),
    ],
)
def test_dialect_wording(classifier: Classifier, text: str, department: str) -> None:
    """Dialect wording (粤、东北、吴、中原、川渝、北京) is understood."""
    assert classifier.classify(text).department == department


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("路燈壞了好幾天，晚上黑漆漆的", "shizheng"),
        ("樓上鄰居天天開派對，吵得睡不著", "gongan"),
        ("工廠排出來的廢氣好臭", "shengtai"),
        ("電費單上的度數不對", "gongdian"),
    ],
)
def test_traditional_characters(classifier: Classifier, text: str, department: str) -> None:
    """Traditional characters are simplified before scoring."""
    assert classifier.classify(text).department == department


@pytest.mark.parametrize(
    ("text", "department"),
    [
        ("马路上那个窨井盖没了", "shizheng"),
        ("晚上整条街黑灯瞎火的，路灯一个都不亮", "shizheng"),
        ("家里断电了，整栋楼都没电", "gongdian"),
        ("厨房里有股臭鸡蛋味", "ranqi"),
        ("老板欠薪三个月了", "renshe"),
        ("网约车司机绕路多收钱", "jiaotong"),
    ],
)
def test_synonyms(classifier: Classifier, text: str, department: str) -> None:
    """Synonyms of the scope wording route the same way."""
    assert classifier.classify(text).department == department


def test_result_shape_and_display(classifier: Classifier) -> None:
    """A result carries confidence in [0,1], three alternatives and a Chinese reason."""
    result = classifier.classify("井盖破损了，在东湖路上")
    assert result.department == "shizheng"
    assert 0.0 <= result.confidence <= 1.0
    assert len(result.alternatives) == 3
    assert result.alternatives[0].code == "shizheng"
    assert "井盖" in result.evidence
    assert result.display_zh().startswith("将转交：区市政设施管理处（依据：井盖")


def test_below_threshold_answers_dispatch_keeping_guesses(classifier: Classifier) -> None:
    """Below the threshold the answer is dispatch, but the guesses are kept."""
    text = "路口的井盖破了"
    sure = classifier.classify(text)
    probability = classifier.probabilities(text)["shizheng"]
    strict = classifier.with_threshold((1.0 + probability) / 2).classify(text)
    assert sure.department == "shizheng"
    assert strict.department == "dispatch"
    assert strict.guess == "shizheng"
    assert strict.alternatives == sure.alternatives
    assert "人工分拨" in strict.display_zh()


def test_threshold_zero_always_routes(classifier: Classifier) -> None:
    """With threshold 0 the best department guess is always used (the command center remains a decision)."""
    text = "楼下那个灯不亮"
    unsure = classifier.classify(text)
    assert unsure.guess != "dispatch"
    assert classifier.with_threshold(0.0).classify(text).department == unsure.guess


@pytest.mark.parametrize(
    "text",
    ["", "   ", "😀😀😡🙏", "12345678", "hello, is anyone there?", "\x00\x01\x1b[31m\u200b", "。。。！！！"],
)
def test_bad_input_goes_to_dispatch_with_low_confidence(classifier: Classifier, text: str) -> None:
    """Empty, emoji, digits, English and control characters give a clear dispatch with confidence 0."""
    result = classifier.classify(text)
    assert result.department == "dispatch"
    assert result.confidence < classifier.threshold
    assert "未识别" in result.display_zh()
    assert classifier.guess_request_type(text) in {"help", "complaint", "suggestion", "consultation"}


def test_very_long_text_is_bounded(classifier: Classifier) -> None:
    """A 10,000-character text is truncated and classified quickly."""
    text = "楼下烧烤店油烟太大了，" * 1000
    start = time.perf_counter()
    result = classifier.classify(text)
    assert time.perf_counter() - start < 0.1
    assert result.department == "chengguan"


def test_non_string_input_does_not_raise(classifier: Classifier) -> None:
    """Even a wrong type gives a dispatch answer rather than an exception."""
    assert classifier.classify(None).department == "dispatch"  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("text", "rtype"),
    [
        ("请问低保怎么申请？需要什么材料", "consultation"),
        ("建议在公园多放几个垃圾桶", "suggestion"),
        ("电梯关人了，快来人！", "help"),
        ("楼下KTV天天吵到凌晨，说了多少次都没人管", "complaint"),
    ],
)
def test_request_type(classifier: Classifier, text: str, rtype: str) -> None:
    """Cue words and learned weights give the request type."""
    assert classifier.guess_request_type(text) == rtype


def test_shipped_model_loads_and_is_a_routing_model(classifier: Classifier) -> None:
    """The shipped model file parses and covers every taxonomy department."""
    model = load_model(NlpSettings().model_path)
    assert isinstance(model, RoutingModel)
    assert set(model.department.labels) == set(classifier.taxonomy.codes)
    assert model.trained_on > 500


def test_model_json_round_trip(classifier: Classifier) -> None:
    """A model survives JSON serialisation unchanged."""
    data = json.loads(json.dumps(classifier.model.to_json()))
    again = RoutingModel.from_json(data)
    assert again.department.labels == classifier.model.department.labels
    assert (again.department.weights == classifier.model.department.weights).all()
    assert again.threshold == classifier.model.threshold
    text = "工地夜间施工太吵"
    assert classifier.with_model(again).classify(text) == classifier.classify(text)


def test_importing_nlp_loads_nothing() -> None:
    """Importing the package does not import jieba (nothing loads at import time)."""
    import subprocess
    import sys

    code = "import sys, nlp, nlp.cli, nlp.places.matcher, nlp.places.spatial; print('jieba' in sys.modules, 'sklearn' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False False"
