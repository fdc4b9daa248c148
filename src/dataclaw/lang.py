"""Languages of text: which one an intent is written in, Chinese word segmentation, Chinese numerals.

Detection is a script ratio, not a model: an intent is Chinese ("zh") when CJK ideographs make up at
least a quarter of its letters (ideographs + Latin letters; a Chinese word is ~2 ideographs, an
English one ~5 letters, so a half-and-half mixed intent counts as Chinese). Everything else is "en".
Segmentation is jieba (its dictionary ships in its wheel); without jieba, one token per ideograph
run, so planning still works, only coarser.
"""
from __future__ import annotations

import logging
import re
import unicodedata
from functools import lru_cache
from typing import Iterable

LANGUAGES = ("en", "zh")
CJK = "\u3400-\u4dbf\u4e00-\u9fff\uf900-\ufaff"
_CJK_RE = re.compile(f"[{CJK}]")
_LATIN_RE = re.compile(r"[A-Za-z]")
ZH_SHARE = 0.25


def cjk_share(text: str) -> float:
    """Share of CJK ideographs among the text's letters (ideographs + Latin letters)."""
    han = len(_CJK_RE.findall(text or ""))
    lat = len(_LATIN_RE.findall(text or ""))
    return han / (han + lat) if han + lat else 0.0


def detect_language(text: str) -> str:
    """"zh" when CJK ideographs are at least ZH_SHARE of the letters, else "en"."""
    return "zh" if cjk_share(text) >= ZH_SHARE else "en"


def has_cjk(text: str) -> bool:
    return bool(_CJK_RE.search(text or ""))


def spaced(text: str) -> str:
    """Spaces between CJK and Latin/digit runs, so English patterns with \\b match inside mixed text
    ("把这个lecture做成tutorial" -> "把这个 lecture 做成 tutorial")."""
    text = re.sub(f"([{CJK}])([A-Za-z0-9])", r"\1 \2", text or "")
    return re.sub(f"([A-Za-z0-9])([{CJK}])", r"\1 \2", text)


@lru_cache(maxsize=1)
def _jieba():
    try:
        import jieba  # noqa: PLC0415 - optional ([zh] extra), ~1 s to load its dictionary

        jieba.setLogLevel(logging.WARNING)
        return jieba
    except ImportError:
        return None


_added: set[str] = set()


def segment(text: str, words: Iterable[str] = ()) -> list[str]:
    """Chinese word tokens of `text` (jieba; `words` are added to its dictionary first so a task's
    own terms stay whole); without jieba, ideograph runs split per character."""
    jb = _jieba()
    if jb is None:
        return [t for t in re.findall(f"[{CJK}]|[A-Za-z0-9]+", text or "")]
    for w in words:
        if w not in _added:
            jb.add_word(w, freq=None)
            _added.add(w)
    return [t for t in jb.lcut(text or "") if t.strip()]


def contains_word(tokens: list[str], word: str) -> bool:
    """True when `word` is one token or a run of whole tokens (never half a word: "步骤" is not in
    ["子步骤"])."""
    n = len(tokens)
    for i in range(n):
        if not word.startswith(tokens[i]):
            continue
        acc = ""
        for j in range(i, n):
            acc += tokens[j]
            if acc == word:
                return True
            if not word.startswith(acc):
                break
    return False


def fold(text: str) -> str:
    """Full-width forms to half-width (NFKC: "，" -> ",", "１２" -> "12"), for comparing texts."""
    return unicodedata.normalize("NFKC", text or "")


_DIGITS = {"零": 0, "〇": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7,
           "八": 8, "九": 9}
_UNITS = {"十": 10, "百": 100, "千": 1000}
CN_NUMERAL = "零〇一二两三四五六七八九十百千"


def cn_int(s: str) -> int | None:
    """A Chinese numeral ("二十五", "十二", "一百零五", "三") or Arabic digits -> int; None otherwise."""
    s = fold(s).strip()
    if s.isdigit():
        return int(s)
    if not s or any(c not in _DIGITS and c not in _UNITS for c in s):
        return None
    if all(c in _DIGITS for c in s) and len(s) > 1:  # digit by digit: "二〇二六"
        return int("".join(str(_DIGITS[c]) for c in s))
    total, cur = 0, 0
    for c in s:
        if c in _DIGITS:
            cur = _DIGITS[c]
        else:
            total += (cur or 1) * _UNITS[c]
            cur = 0
    return total + cur


def cn_numeral(n: int) -> str:
    """int (0..9999) -> Chinese numeral as read aloud ("二十五", "一百零五"); the inverse of cn_int."""
    digits = "零一二三四五六七八九"
    if n < 10:
        return digits[n]
    if n < 20:
        return "十" + (digits[n % 10] if n % 10 else "")
    out, zero = "", False
    for value, unit in ((1000, "千"), (100, "百"), (10, "十"), (1, "")):
        d = (n // value) % 10
        if d:
            if zero and out:
                out += "零"
            out += digits[d] + unit
            zero = False
        elif out:
            zero = True
    return out


__all__ = ["LANGUAGES", "cjk_share", "detect_language", "has_cjk", "spaced", "segment", "contains_word", "fold",
           "cn_int", "cn_numeral"]
