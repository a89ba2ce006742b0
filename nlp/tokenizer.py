"""Cut text into words: a small Tokenizer protocol and its jieba implementation.

jieba's full dictionary (350 000 words) costs about half a second and 60 MB to
load. We build, once, a smaller dictionary in the cache directory: jieba's
words seen at least ``min_freq`` times plus our lexicon words, and let jieba
keep its prefix-dictionary cache for that file next to it. Both live in
``settings.cache_dir`` (never /tmp) and are rebuilt when the lexicon changes.
"""

from __future__ import annotations

import hashlib
import logging
import os
import tempfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any, Protocol

DEFAULT_MIN_FREQ = 20
LEXICON_FREQ = 50_000


class Tokenizer(Protocol):
    """Anything that cuts a normalised text into words."""

    def cut(self, text: str) -> list[str]:
        """Return the words of text in order."""
        ...


@contextmanager
def _quiet_jieba() -> Iterator[None]:
    """Silence jieba's debug chatter on stderr while it loads, then restore its level."""
    logger = logging.getLogger("jieba")
    level = logger.level
    logger.setLevel(logging.WARNING)
    try:
        yield
    finally:
        logger.setLevel(level)


def _jieba_dict_path() -> Path:
    """Return the path of jieba's bundled dictionary."""
    import jieba  # noqa: PLC0415  (imported lazily: nothing loads at import time)

    return Path(jieba.__file__).resolve().parent / "dict.txt"


def small_dictionary(cache_dir: Path, words: Iterable[str], min_freq: int = DEFAULT_MIN_FREQ) -> Path:
    """Build (once) and return a jieba dictionary file of frequent words plus our lexicon words."""
    source = _jieba_dict_path()
    extra = sorted({w.replace(" ", "") for w in words if w.strip()})
    digest = hashlib.sha256(
        "\n".join([str(source.stat().st_size), str(min_freq), *extra]).encode("utf-8")
    ).hexdigest()[:16]
    target = cache_dir / f"qungong-dict-{digest}.txt"
    if target.exists():
        return target
    cache_dir.mkdir(parents=True, exist_ok=True)
    lines: list[str] = []
    seen: set[str] = set()
    with source.open(encoding="utf-8") as handle:
        for line in handle:
            parts = line.split()
            if len(parts) >= 2 and int(parts[1]) >= min_freq:
                lines.append(f"{parts[0]} {parts[1]}\n")
                seen.add(parts[0])
    lines.extend(f"{w} {LEXICON_FREQ}\n" for w in extra if w not in seen)
    fd, tmp = tempfile.mkstemp(dir=cache_dir, suffix=".tmp")
    with os.fdopen(fd, "w", encoding="utf-8") as out:
        out.writelines(lines)
    os.replace(tmp, target)
    return target


class JiebaTokenizer:
    """Cut text with a private jieba.Tokenizer (never the global one), HMM off for speed."""

    def __init__(self, dictionary: Path, cache_dir: Path) -> None:
        """Load the dictionary, keeping jieba's prefix cache in cache_dir."""
        import jieba  # noqa: PLC0415  (imported lazily: nothing loads at import time)

        cache_dir.mkdir(parents=True, exist_ok=True)
        self.dictionary = dictionary  # its name carries a digest of its words (small_dictionary)
        self._jieba: Any = jieba.Tokenizer(dictionary=str(dictionary))
        self._jieba.tmp_dir = str(cache_dir)
        with _quiet_jieba():
            self._jieba.initialize()

    def cut(self, text: str) -> list[str]:
        """Return the words of text in order."""
        return [w for w in self._jieba.cut(text, HMM=False) if w.strip()]


def load_jieba(cache_dir: Path, words: Iterable[str], min_freq: int = DEFAULT_MIN_FREQ) -> JiebaTokenizer:
    """Return a jieba tokenizer over the small dictionary built from words, cached in cache_dir."""
    dictionary = small_dictionary(cache_dir, words, min_freq)
    return JiebaTokenizer(dictionary, cache_dir)
