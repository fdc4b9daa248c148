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


# quoted spans are the source's own words: never rewritten (ASCII, curly, guillemet and CJK corner quotes)
QUOTE_RE = re.compile("\"[^\"]*\"|\u201c[^\u201d]*\u201d|\u00ab[^\u00bb]*\u00bb|\u300c[^\u300d]*\u300d|"
                      "\u300e[^\u300f]*\u300f|\u2018[^\u2019]*\u2019|(?<![A-Za-z0-9])'[^'\n]+'(?![A-Za-z0-9])")
# (the last two: GUI element names, ‘…’ in Chinese steps and '…' in English ones)
_NUM = r"\d+(?:\.\d+)?"


def _clock(m: re.Match) -> str:
    whole, _, frac = m.group(2).partition(".")
    return f" {int(m.group(1))}:{int(whole):02d}{'.' + frac if frac else ''} "


_EN_NUM = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six", 7: "seven", 8: "eight", 9: "nine",
           10: "ten", 11: "eleven", 12: "twelve", 20: "twenty"}
ZH_COLOURS = {"红": "red", "绿": "green", "蓝": "blue", "黄": "yellow", "橙": "orange", "紫": "purple", "粉": "pink",
              "棕": "brown", "黑": "black", "白": "white", "灰": "grey", "青": "cyan"}
# what the visual clauses say in Chinese (tasks/shared/visual.py), glossed into the English words the claim
# checks hold against the anchors: "两个人" is the count claim "two people", "画面以灰色和白色为主" names the
# palette. Colours are read inside that phrase only: "红色" in on-screen text is the text's own word.
ZH_VISUAL = {"光线明亮": " brightly lit ", "光线昏暗": " dimly lit ", "画面很暗": " the picture is dark ",
             "拿着一个物体": " holds an object ", "挪动它": " moves it ", "转动它": " turns it ",
             "触碰东西": " touches something ", "有人进入画面": " a person enters ", "有人离开画面": " a person leaves ",
             "位于画面左边": " on the left ", "位于画面右边": " on the right ", "位于画面中间": " in the centre ",
             "中景": " in a medium shot ", "全景": " in a full shot ", "远景": " in a wide shot ",
             "特写": " close-up ", "右手": " the right hand ", "左手": " the left hand "}
_ZH_COUNT = re.compile(f"(?<![\\d.])([{CN_NUMERAL}]+|\\d+)\\s*(个人|只(?:左|右)?手|张脸)")
_ZH_PALETTE = re.compile("画面以((?:[" + "".join(ZH_COLOURS) + "]色[、和]?)+)为主")


def _en_count(m: re.Match) -> str:
    n = int(m.group(1)) if m.group(1).isdigit() else cn_int(m.group(1))
    if n is None:  # not a numeral ("五两"): the words stay as they are
        return m.group(0)
    noun = {"个": "person", "只": "hand", "张": "face"}[m.group(2)[0]]
    side = {"左": "left ", "右": "right "}.get(m.group(2)[1:2], "")
    if n == 1:  # "one person" / "one face" are counts the anchors hold; "a right hand" names the side
        return f" {'a' if noun == 'hand' else 'one'} {side}{noun} "
    plural = {"person": "people", "hand": "hands", "face": "faces"}[noun]
    return f" {_EN_NUM.get(n, n)} {side}{plural} "


def _en_palette(m: re.Match) -> str:
    cols = [ZH_COLOURS[c] for c in re.findall(f"([{''.join(ZH_COLOURS)}])色", m.group(1))]
    return " the picture is mostly " + (cols[0] if len(cols) == 1 else ", ".join(cols[:-1]) + " and " + cols[-1]) + " "


def _zh_chunk(s: str) -> str:
    s = fold(s)
    s = re.sub(r"第\s*(\d+)\s*步\s*[(（]\s*共\s*(\d+)\s*步\s*[)）]", r" step \1 of \2 ", s)  # GUI steps
    s = _ZH_COUNT.sub(_en_count, s)  # person / hand / face counts
    s = _ZH_PALETTE.sub(_en_palette, s)
    for zh, en in ZH_VISUAL.items():
        s = s.replace(zh, en)
    s = re.sub(f"([{CN_NUMERAL}]+)(?=\\s*(?:秒|分钟|分|小时))", lambda m: str(cn_int(m.group(1))), s)
    s = re.sub(f"(?<![\\d.])(\\d+)\\s*分\\s*({_NUM})\\s*秒钟?", _clock, s)  # 1分20秒 -> 1:20
    s = re.sub(f"(?:在|于)?\\s*({_NUM})\\s*秒?\\s*(?:和|与|到|至)\\s*({_NUM})\\s*秒\\s*之间",
               r" between \1 s and \2 s ", s)
    s = re.sub(f"({_NUM})\\s*秒钟?", r" \1 s ", s)
    s = re.sub(f"({_NUM})\\s*分钟", r" \1 min ", s)
    s = re.sub(r"(?:大约|大概|约)\s*(?:在|于)?\s*(?=\d)", " around ", s)
    s = re.sub(r"(?:从|自)\s*(?=\d)", " from ", s)
    s = re.sub(r"(?:到|至)\s*(?=\d)", " to ", s)
    s = re.sub(r"(?:在|于)\s*(?=\d)", " at ", s)
    return spaced(s)


def claim_text(text: str) -> str:
    """A Chinese text as the claim checks read it: full-width forms folded, Chinese numerals before
    time units as digits, "从 12.0 秒到 15.0 秒" as "from 12.0 s to 15.0 s" (the English time words the
    checks know), CJK and Latin runs spaced. Quoted spans stay verbatim; text without CJK is returned
    as it is."""
    if not has_cjk(text):
        return text
    out, last = [], 0
    for m in QUOTE_RE.finditer(text):
        out += [_zh_chunk(text[last:m.start()]), m.group(0)]
        last = m.end()
    out.append(_zh_chunk(text[last:]))
    return "".join(out)


def join_words(words: Iterable[str]) -> str:
    """Words back into text: no spaces between CJK words, one between others."""
    out = ""
    for w in words:
        if out and not (has_cjk(out[-1]) or has_cjk(w[:1])):
            out += " "
        out += w
    return out


def word_count(text: str) -> int:
    """Words of a text: jieba words for CJK, whitespace-separated words otherwise."""
    return len([t for t in segment(text) if re.search(r"\w", t)]) if has_cjk(text) else len((text or "").split())


# Camera moves and motion directions as the Chinese templates say them, keyed as the verifier's English
# camera / direction claims (claims.py reads them as claims of those kinds; temporal_qa and t2v write them)
ZH_CAMERA = {"镜头向左平移": "pan_left", "镜头向右平移": "pan_right", "镜头向上摇": "tilt_up", "镜头向下摇": "tilt_down",
             "镜头推近": "zoom_in", "镜头拉远": "zoom_out", "镜头晃动": "shake", "镜头保持静止": "static"}
ZH_DIRECTIONS = {"从左向右": "right", "从右向左": "left", "向上移动": "up", "向下移动": "down"}


__all__ = ["LANGUAGES", "cjk_share", "detect_language", "has_cjk", "spaced", "segment", "contains_word", "fold",
           "cn_int", "cn_numeral", "claim_text", "join_words",
           "word_count", "QUOTE_RE", "ZH_CAMERA", "ZH_DIRECTIONS", "ZH_COLOURS", "ZH_VISUAL"]
