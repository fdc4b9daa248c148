"""How GUI steps are said, and how their quoted names are read back.

A GUI step's text quotes what the log holds ('Quantity', 'Bob Lee'): element names, typed values,
page titles. The writer (`quote`) and the reader (`quoted_spans`) share one rule, so the checker
reads exactly what the writer quoted, never the prose between two quotes:
  - a quote opens at a `'` at the start of the text or after a space or an opening bracket
    (an apostrophe inside a word, "can't", "users' list", never opens one);
  - it closes at the first later `'` followed by the end, a space or closing punctuation.
A value this rule cannot read back (it holds an apostrophe before a space, it is empty, or it would
read as another claim to the verifier: a time such as 10:30, a double-quoted phrase) is not quoted:
the writer says the step without it and records why (`Unquotable`).

Roles are said in people's words (link, text field, drop-down, check box, button, tab) from the
ARIA role or the raw tag a logger wrote.

Chinese steps (language "zh") quote with the Chinese single quotation marks ‘…’ (no word spaces to
open a quote after): a ‘ opens wherever it stands and the next ’ closes it, so a value holding either
mark is not quoted (in English text a ‘ would open a quote too, so English leaves such a value out as well).
"""
from __future__ import annotations

import re
from typing import Any

_OPENERS = set(" \t\n([{/")
_CLOSERS = set(" \t\n.,;:!?)]}")
# A superset of what verify reads as on-screen quotes and as times in prose (checked end to end by
# the property test in tests/gui/test_gui_text.py): such values are not quoted.
_PROSE_QUOTES = '"\u201c\u201d\u00ab\u00bb\u300c\u300d\u300e\u300f'
_TIME_LIKE = re.compile(r"\d\s*:\s*\d|\d\s*(?:s|sec|secs|seconds)\b|\b(?:at|from|between|until|till|to|and)\s+\d"
                        r"|[\d零〇一二两三四五六七八九十百]\s*(?:秒|分钟|小时)"
                        r"|\bt\s*=\s*\d", re.I)
MAX_QUOTE = 60  # characters of a name kept in a step's text (a prefix still checks: it is a substring)

# ARIA roles and raw tag names -> the word people use; "" = say the name alone
ROLE_WORDS = {
    "link": "link", "a": "link",
    "button": "button", "submit": "button", "reset": "button", "input_button": "button",
    "input_submit": "button",
    "textbox": "text field", "input": "text field", "textarea": "text box", "searchbox": "search box",
    "text": "text field", "input_text": "text field", "input_password": "password field",
    "password": "password field", "email": "text field", "input_email": "text field",
    "combobox": "drop-down", "select": "drop-down", "listbox": "list",
    "checkbox": "check box", "input_checkbox": "check box", "radio": "radio button",
    "input_radio": "radio button", "switch": "switch",
    "tab": "tab", "menuitem": "menu item", "option": "option", "treeitem": "tree item",
    "slider": "slider", "spinbutton": "number field", "input_number": "number field",
    "img": "image", "image": "image", "heading": "heading", "h1": "heading", "h2": "heading",
    "h3": "heading", "listitem": "list item", "li": "list item", "row": "row", "cell": "cell",
    "td": "cell", "label": "label", "dialog": "dialog", "svg": "shape", "circle": "shape",
    "rect": "shape", "polygon": "shape", "canvas": "drawing area",
}
FIELD_ROLES = {"text field", "text box", "search box", "password field", "number field"}
# the same roles in Chinese (role_word(role, "zh")); keys are the English words above
ROLE_WORDS_ZH = {
    "link": "链接", "button": "按钮", "text field": "输入框", "text box": "文本框", "search box": "搜索框",
    "password field": "密码框", "drop-down": "下拉框", "list": "列表", "check box": "复选框",
    "radio button": "单选按钮", "switch": "开关", "tab": "标签页", "menu item": "菜单项", "option": "选项",
    "tree item": "树节点", "slider": "滑块", "number field": "数字框", "image": "图片", "heading": "标题",
    "list item": "列表项", "row": "行", "cell": "单元格", "label": "标签", "dialog": "对话框", "shape": "图形",
    "drawing area": "画布",
}
_KEY_WORDS = {"enter": "Enter", "tab": "Tab", "escape": "Escape", "backspace": "Backspace",
              "delete": "Delete", "space": "Space", "up": "the up arrow", "down": "the down arrow",
              "left": "the left arrow", "right": "the right arrow", "home": "Home", "end": "End",
              "pageup": "Page Up", "pagedown": "Page Down", "ctrl": "Ctrl", "shift": "Shift", "alt": "Alt",
              "win": "Windows", "command": "Cmd"}


_ARROWS_ZH = {"up": "上方向键", "down": "下方向键", "left": "左方向键", "right": "右方向键"}


def role_word(role: Any, language: str = "en") -> str:
    """'link', 'text field', 'drop-down', ...; "" for generic containers (div, span). language "zh":
    链接, 输入框, 下拉框, ..."""
    w = ROLE_WORDS.get(str(role or "").strip().lower(), "")
    return ROLE_WORDS_ZH.get(w, "") if language == "zh" else w


def key_words(keys: list[str], language: str = "en") -> str:
    """["ctrl", "a"] -> "Ctrl+A"; ["enter"] -> "Enter"; ["down"] -> "the down arrow" ("zh": 下方向键)."""
    if language == "zh" and len(keys) == 1 and keys[0].lower() in _ARROWS_ZH:
        return _ARROWS_ZH[keys[0].lower()]
    names = [_KEY_WORDS.get(k.lower(), k.upper() if len(k) == 1 else k.capitalize()) for k in keys]
    if len(names) > 1:
        names = [n.replace("the ", "").replace(" arrow", "") for n in names]
    return "+".join(names)


def norm(text: Any) -> str:
    return " ".join(str(text or "").split()).casefold()


def quote_positions(text: str) -> list[tuple[int, int]]:
    """(opening quote, closing quote) positions of the single-quoted values, by the writer's rule."""
    out: list[tuple[int, int]] = []
    i, n = 0, len(text or "")
    while i < n:
        if text[i] == "\u2018":  # a Chinese quote: ‘ opens anywhere, the next ’ closes it
            j = text.find("\u2019", i + 1)
            if j > 0:
                out.append((i, j))
                i = j + 1
                continue
        if text[i] == "'" and (i == 0 or text[i - 1] in _OPENERS):
            j = i + 1
            while j < n and not (text[j] == "'" and (j + 1 == n or text[j + 1] in _CLOSERS)):
                j += 1
            if j < n:
                out.append((i, j))
                i = j + 1
                continue
        i += 1
    return out


def quoted_spans(text: str) -> list[str]:
    """The single-quoted values in `text`, read by the writer's rule (module docstring)."""
    return [text[i + 1:j] for i, j in quote_positions(text)]


class Unquotable(ValueError):
    """A value that cannot be quoted in a step's text; the message says why."""


def quote(value: Any, what: str = "name", language: str = "en") -> str:
    """`'value'` (whitespace collapsed, cut to MAX_QUOTE; "zh": `‘value’`), or Unquotable with the reason."""
    v = " ".join(str(value or "").split())[:MAX_QUOTE].strip()
    if not v:
        raise Unquotable(f"the {what} is empty")
    if "\u2018" in v or (language == "zh" and "\u2019" in v):
        raise Unquotable(f"the {what} {v!r} holds a Chinese single quotation mark that would end the quote early")
    q = f"\u2018{v}\u2019" if language == "zh" else f"'{v}'"
    for ctx in ((f"点{q}的", f"{q}。") if language == "zh" else (f"x {q} y", f"x {q}.", f"({q})")):
        if quoted_spans(ctx) != [v]:
            raise Unquotable(f"the {what} {v!r} holds an apostrophe that would end the quote early")
    if any(c in v for c in _PROSE_QUOTES):
        raise Unquotable(f"the {what} {v!r} holds a double quote the verifier would read as an on-screen quote")
    if _TIME_LIKE.search(v):
        raise Unquotable(f"the {what} {v!r} would read as a time in the recording")
    return q


def quote_or_none(value: Any, what: str, notes: list[str] | None, language: str = "en") -> str | None:
    """`quote(value)`, or None with the reason appended to `notes`."""
    try:
        return quote(value, what, language)
    except Unquotable as exc:
        if notes is not None and str(value or "").strip():
            notes.append(f"{exc}; left out of the text (the action keeps it)")
        return None


def quote_supported(q: str, values: list[str]) -> bool:
    """A quote is supported when it is (a prefix or part of) one logged value; long quotes may also
    differ a little from an OCR reading."""
    nq = norm(q)
    if not nq:
        return True
    vals = [norm(v) for v in values if str(v or "").strip()]
    if any(nq in v for v in vals):
        return True
    if len(nq) < 8:
        return False
    from rapidfuzz import fuzz  # noqa: PLC0415

    return any(fuzz.partial_ratio(nq, v) >= 90 for v in vals)


def pool_values(anchors: list[Any]) -> list[str]:
    """What the cited anchors log by name: element names and texts, titles, URLs, typed text."""
    out: list[str] = []
    for a in anchors:
        if a is None:
            continue
        d = a.data
        out += [str(v) for k, v in d.items() if k in ("text", "title", "name", "ocr_text", "url") and v]
        out.append(str((d.get("element") or {}).get("name") or ""))
    return out


def quote_errors(text: str, anchors: list[Any]) -> list[str]:
    """The quotes of `text` that no cited anchor logs."""
    values = pool_values(anchors)
    return [q for q in quoted_spans(text) if not quote_supported(q, values)]
