"""Normalisation, the lexicon matcher and the tokenizer's cache placement."""

from __future__ import annotations

from pathlib import Path

from nlp import Classifier, NlpSettings
from nlp.lexicon import TermMatcher
from nlp.text import Normaliser, opencc_simplify
from nlp.tokenizer import small_dictionary


def test_normaliser_fixes_typos_traditional_and_controls() -> None:
    """Variants, traditional characters, full-width forms and control characters are normalised."""
    norm = Normaliser(opencc_simplify(), {"路登": "路灯", "天然气": "天然气", "然气": "燃气"})
    assert norm("路登壞了\x00！") == "路灯坏了 !"
    assert norm("天然气和然气") == "天然气和燃气"
    assert norm("ＫＴＶ") == "ktv"
    assert len(Normaliser(opencc_simplify(), {}, max_chars=50)("长" * 10_000)) == 50


def test_traditional_characters_are_simplified_by_phrase() -> None:
    """The common characters a hand-kept table missed, and 狼藉 left alone (a character table made it 狼借)."""
    norm = Normaliser(opencc_simplify(), {})
    assert norm("國家 員工 應該 專業 臺灣 養老 別的") == "国家 员工 应该 专业 台湾 养老 别的"
    assert norm("一片狼藉") == "一片狼藉"
    assert norm("頭髮 發現 乾淨 幹部") == "头发 发现 干净 干部"


def test_matcher_prefers_longest_term() -> None:
    """A term inside a longer matched term does not count separately."""
    hits = TermMatcher(["物业", "物业费", "井盖"]).find("物业费涨了，井盖也坏了")
    assert [h.term for h in hits] == ["物业费", "井盖"]


def test_neutral_words_hide_shorter_terms(classifier: Classifier) -> None:
    """偷偷 is matched as neutral so 偷 (theft) does not fire."""
    terms = [h.term for h in classifier.prepare("培训班偷偷上课").hits]
    assert "偷" not in terms


def test_jieba_cache_lives_in_cache_dir(classifier: Classifier, nlp_settings: NlpSettings) -> None:
    """The small dictionary and jieba's cache are written to settings.cache_dir."""
    names = [p.name for p in Path(nlp_settings.cache_dir).iterdir()]
    assert any(n.startswith("qungong-dict-") for n in names)
    assert any(n.startswith("jieba.") and n.endswith(".cache") for n in names)


def test_small_dictionary_is_reused(nlp_settings: NlpSettings) -> None:
    """Building the dictionary twice with the same words returns the same file."""
    first = small_dictionary(Path(nlp_settings.cache_dir), ["井盖", "路灯"])
    assert small_dictionary(Path(nlp_settings.cache_dir), ["路灯", "井盖"]) == first


def test_lexicon_words_are_single_tokens(classifier: Classifier) -> None:
    """Lexicon words are kept whole by the tokenizer."""
    assert "化粪池" in classifier.prepare("小区化粪池满了").words
