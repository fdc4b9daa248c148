"""`gui_stitch`: fragments of GUI recordings + an intent -> one long-horizon task.

Input is a fragment set (one source; `screen_state` anchors give each fragment's settled start and
end screen: perceptual hash, thumbnail, OCR text, URL, last action). Fragment j may follow fragment
i when i's end screen continues into j's start (`link`): with OCR text on both, the same words and
numbers (one clock-like number may tick, the way that clock runs inside the fragments) on a
similar screen (tokens the screens themselves explain aside: one OCR missed on a pixel-identical
spot, one a suggestion list repeating the typed text covers); without text, the same screen, or a
similar one (most pixels kept) with the same URL or the last target shown. The kept fragments are the longest chain
of such links, ties broken by relevance to the intent and then by the amount of change; when
another ordering is as long, as relevant and within `min_margin` as continuous, the order is
undecidable from the screens and no sample is made (the error says which orders tie). The others
are dropped with the reason. The sample lists the kept fragments in order, each followed by its
steps (as in `gui_trajectory`), and the dropped ones.
"""
from __future__ import annotations

import itertools
import re
import unicodedata
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..experts.gui_screens import thumb_diff, thumb_region_diff
from ..model import Anchor, AnchorSet, Query, Sample, Segment, TaskSpec
from .base import Evidence, Task, register_task
from .gui_trajectory import (
    NOTES, STEP, code_errors, gui_index, instruction, quoted_names_errors, repair_reasoning, rules_step,
    step_errors, step_record, step_segments, template_prompt,
)
from .shared.common import DraftError, clean, evidence_sample_id, provenance, validate_draft
from .shared.gui_text import role_word

_STOP = {"the", "and", "for", "with", "this", "that", "these", "those", "into", "from", "make", "data", "task",
         "one", "fragments", "fragment", "stitch", "long", "horizon", "recordings", "recording", "screen",
         "training", "agent", "agents", "gui", "trajectory", "trajectories", "then", "them", "please"}


class GuiStitchParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_hash: int = 10  # phash bits: an end and a start closer than this look like the same screen
    max_pixels: float = 0.04  # share of thumbnail pixels that may differ on the same screen (a clock, a cursor)
    loose_hash: int = 20  # phash bits: close enough when the URL, the OCR text or the last target agrees
    loose_pixels: float = 0.25  # share of thumbnail pixels: without agreeing text, a "similar" screen keeps most
    # of its pixels (a mostly white page and another one can be 20 phash bits apart with half their pixels changed)
    min_text: float = 85.0  # rapidfuzz token_set_ratio of the two screens' OCR texts that counts as the same text
    max_fragments: int = 9  # exhaustive ordering above this gets too slow
    settled_s: float = 0.3  # s: an end frame this long before its fragment ends shows its last action's result
    min_margin: float = 3.0  # the best ordering must change this much less (cost: phash bits) than any other
    # ordering as long and as relevant; closer, the order is undecidable from the screens and no sample is made


def hash_distance(a: str, b: str) -> int:
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def intent_words(intent: str) -> list[str]:
    return [w for w in dict.fromkeys(re.findall(r"[a-z0-9]+", intent.lower())) if len(w) > 2 and w not in _STOP]


def fragment_text(k: int, anchors: list[Anchor]) -> str:
    """What a fragment shows and does: titles, URLs, element texts, typed text, OCR of its ends."""
    parts = []
    for a in anchors:
        if a.data.get("fragment", 0) != k:
            continue
        if a.kind == "gui_action":
            parts += [a.data.get("title") or "", a.data.get("url") or "", a.data.get("text") or "",
                      (a.data.get("element") or {}).get("name") or ""]
        elif a.kind in ("gui_element", "screen_state"):
            parts += [a.data.get("text") or "", a.data.get("ocr_text") or ""]
    return " ".join(p for p in parts if p).lower()


def relevance(words: list[str], text: str) -> float:
    """Share of the intent's content words the fragment mentions (prefix match: 'mugs' ~ 'mug')."""
    if not words:
        return 0.0
    toks = set(re.findall(r"[a-z0-9]+", text))
    hit = sum(1 for w in words if any(t.startswith(w[:4]) or w.startswith(t) and len(t) > 2 for t in toks))
    return hit / len(words)


CLICKS = ("click", "double_click")
SUBMIT_KEYS = ("enter", "return", "kp_enter")
_TOKEN = re.compile(r"[^\W_]+(?:[.,:/-][^\W_]+)*")  # words and numbers as read: 0.98, 08/25/2013, 10:30


# what a clock or a countdown shows: whole numbers, times (12:05, 0:59:30); an amount or a score
# with a fraction (0.92, 24.50) that changes is another state, not time passing
_CLOCK = re.compile(r"\d+(?::\d\d){0,2}")


def _fold(text: str) -> str:
    """OCR text as compared: compatibility forms folded (a digit read as '②' or '２' is 2, 'ﬁ' is
    'fi'), case folded."""
    return unicodedata.normalize("NFKC", text or "").casefold()


def text_tokens(text: str) -> set[str]:
    """Words and numbers as read; a lone letter or sign that is not a digit is left out: OCR reads
    icons (arrows, carets, close buttons) as such glyphs, and not the same way on every frame."""
    return {t for t in _TOKEN.findall(_fold(text)) if len(t) > 1 or t.isdigit()}


def _glued(t: str, parts: set[str]) -> set[str] | None:
    """The two tokens of `parts` that OCR read as one token `t` ('reward:0.96' = 'reward' + '0.96',
    'vestibulumsemper' = 'vestibulum' + 'semper'), or None."""
    for i in range(1, len(t)):
        u, v = t[:i], t[i:]
        if v[:1] in ".,:/-" and len(v) > 1:
            v = v[1:]
        if u in parts and v in parts and u != v:
            return {u, v}
    return None


def _misread(t: str, parts: set[str]) -> str | None:
    """The token of `parts` that `t` is an OCR misreading of: a word (3+ characters, with a letter)
    one edit away (two in words over 6 characters: 'guersey' / 'guemsey', 'l6kqi' / 'l6kqt', a text
    caret read as a last 'l': 'brianal' / 'briana'), no edit touching a digit (a number read
    otherwise is another value), or None."""
    from rapidfuzz.distance import Levenshtein  # noqa: PLC0415

    if len(t) < 3 or not any(c.isalpha() for c in t):
        return None
    for u in sorted(parts):
        if u == t or len(u) < 3 or not any(c.isalpha() for c in u):
            continue
        if Levenshtein.distance(t, u) > (1 if max(len(t), len(u)) <= 6 else 2):
            continue
        ops = Levenshtein.editops(t, u)
        if not any((op.tag != "insert" and t[op.src_pos].isdigit()) or
                   (op.tag != "delete" and op.dest_pos < len(u) and u[op.dest_pos].isdigit()) for op in ops):
            return u
    return None


def text_change(end_text: str, start_text: str, typed: str = "") -> dict[str, Any] | None:
    """What changed between two screens' OCR texts, as exact token sets (numbers included): the
    tokens only one side shows, after folding OCR's word splits ('vestibulum semper' read as one
    word on one screen) and its misreadings of a word (one letter read otherwise, see `_misread`). None when either screen has no text. `verdict`: "same" (the same tokens);
    "tick" (one whole number or time became another and nothing else changed: a clock or a
    countdown, which runs while nobody acts); "differs" (anything more: other numbers, other words). `typed`: text the end's
    last action typed; a fragment may end before the screen shows it, so the next one may show it
    first (its tokens are explained, not a change)."""
    if not (end_text or "").strip() or not (start_text or "").strip():
        return None
    a, b = text_tokens(end_text), text_tokens(start_text)
    gone, new = a - b, b - a - text_tokens(typed)
    for x, y, other in ((gone, new, b), (new, gone, a)):  # one side's token = two of the other side's glued
        for t in list(x):
            pair = _glued(t, other)
            if pair:
                x.discard(t)
                y -= pair
    for x, y, other in ((gone, new, b), (new, gone, a)):  # the same word read differently on the two screens
        for t in list(x):
            u = (_misread(t, y) or _misread(t, other)) if t in x else None
            if u:
                x.discard(t)
                y.discard(u)
    return {"verdict": _verdict(gone, new), "gone": sorted(gone)[:12], "new": sorted(new)[:12],
            "changed": len(gone) + len(new), "tokens": len(a | b)}


def _verdict(gone: set[str], new: set[str]) -> str:
    if not gone and not new:
        return "same"
    if len(gone) == 1 and len(new) == 1 and all(_CLOCK.fullmatch(t) for t in gone | new):
        return "tick"
    return "differs"


def _overlap(a: list[float], b: list[float]) -> bool:
    return min(a[2], b[2]) > max(a[0], b[0]) and min(a[3], b[3]) > max(a[1], b[1])


def _line_tokens(line: dict[str, Any]) -> set[str]:
    return text_tokens(line.get("text") or "")


def explained_by_screens(change: dict[str, Any] | None, end: Anchor, start: Anchor, typed: str, same_screen: bool,
                         similar: bool) -> dict[str, Any] | None:
    """`change` with the tokens the two screens themselves explain taken out (listed in `explained`),
    its verdict redone. A token read on one screen only (located by its OCR line's box) is
    - an OCR drop-out when the screens are the same (`same_screen`), OCR read no line at its place on
      the other screen and not one thumbnail pixel of its box changed: nothing there changed, the
      reader missed it on one frame (the thumbnail is coarse: a small digit read as 1 on one screen
      and 2 on another changed only 1% of its box's pixels, so nothing short of identical is asked);
    - covered (or uncovered) when, on `similar` screens, a line on the other screen lies over its place
      and shows only what the end's last action typed: a suggestion list repeating the typed value
      opened (or closed) over it. (A line repeating words the page shows anyway, as a drop-down's
      option repeats the instruction's 'Select Iraq', explains nothing.)
    A token at a place where the other screen reads another text (other numbers on the same pixels)
    is explained by neither: it is a change."""
    if not change or change["verdict"] == "same" or not (same_screen or similar):
        return change
    e, s = end.data, start.data
    typed_t = text_tokens(typed)
    gone, new = set(change["gone"]), set(change["new"])
    explained = []
    for toks, own, other in ((gone, e, s), (new, s, e)):
        other_lines = other.get("lines") or []
        for t in sorted(toks):
            boxes = [ln["box"] for ln in own.get("lines") or [] if t in _line_tokens(ln)]
            if not boxes:
                continue
            why = None
            if same_screen and all(not any(_overlap(b, ln["box"]) for ln in other_lines) and
                                   thumb_region_diff(own.get("thumb"), other.get("thumb"), b, own.get("size")) == 0.0
                                   for b in boxes):
                why = "read on one screen only, its pixels unchanged (OCR missed it on the other)"
            elif similar and typed_t and all(any(_overlap(b, ln["box"]) and _line_tokens(ln) and
                                                 _line_tokens(ln) <= typed_t for ln in other_lines) for b in boxes):
                why = "under a line that repeats the typed text on the other screen (a suggestion list opened " \
                      "or closed over it)"
            if why:
                toks.discard(t)
                explained.append({"token": t, "on": "end" if own is e else "start", "why": why})
    if not explained:
        return change
    return {**change, "verdict": _verdict(gone, new), "gone": sorted(gone), "new": sorted(new),
            "changed": len(gone) + len(new), "explained": explained}


def _clock_value(t: str) -> int:
    v = 0
    for part in t.split(":"):
        v = v * 60 + int(part)
    return v


def clock_at(state: Anchor, token: str) -> tuple[list[float], int] | None:
    """Where `token` (a clock-like number) shows on a screen: (its OCR line's box, its index among
    the line's clock-like numbers), or None when no line holds it."""
    for ln in state.data.get("lines") or []:
        nums = [t for t in _TOKEN.findall(_fold(ln["text"])) if _CLOCK.fullmatch(t)]
        if token in nums:
            return ln["box"], nums.index(token)
    return None


def clock_step(end: Anchor, change: dict[str, Any]) -> dict[str, Any] | None:
    """A tick's clock: where it shows on the end screen and how much it moved (new - old), or None."""
    (g,), (n,) = change["gone"], change["new"]
    place = clock_at(end, g)
    return {"box": place[0], "index": place[1], "step": _clock_value(n) - _clock_value(g)} if place else None


def _same_place(a: dict[str, Any], b: dict[str, Any]) -> bool:
    (x0, y0, x1, y1), (u0, v0, u1, v1) = a["box"], b["box"]
    h = max(1.0, y1 - y0)
    return a["index"] == b["index"] and abs((y0 + y1) - (v0 + v1)) / 2 <= h / 2 and min(x1, u1) > max(x0, u0)


def clock_consistent(steps: list[dict[str, Any]]) -> bool:
    """Whether the ticks along one ordering run one way: a clock that goes down between two
    fragments and up between two others (nothing else changing) is not one session's time."""
    for a, b in itertools.combinations(steps, 2):
        if _same_place(a, b) and a["step"] and b["step"] and (a["step"] > 0) != (b["step"] > 0):
            return False
    return True


def target_shown(target: str, text: str) -> bool:
    """The target's name (3+ characters) shows on the screen as whole words: every word of it, in
    order ('START' is not shown by 'starts')."""
    words = _TOKEN.findall(target.casefold())
    if len(target.strip()) < 3 or not words:
        return False
    return re.search(r"(?<!\w)" + r"\W+".join(map(re.escape, words)) + r"(?!\w)", text.casefold()) is not None


def compare(end: Anchor, start: Anchor) -> dict[str, Any]:
    """Everything that says whether `start` continues from `end`: screen hash and pixels, URL and
    title, OCR text (fuzzy and as exact token sets), and whether the end's last action's target (a
    link named X) shows on the start."""
    from rapidfuzz import fuzz  # noqa: PLC0415

    e, st = end.data, start.data
    te, ts = e.get("text") or "", start.data.get("text") or ""
    act = e.get("action") or {}
    target = (act.get("name") or "").strip()
    last_type = act.get("type")
    pix = thumb_diff(e.get("thumb"), st.get("thumb"))
    change = text_change(te, ts, act.get("text") or "" if last_type == "type" else "")
    ev: dict[str, Any] = {"from": end.id, "to": start.id, "hash_distance": hash_distance(e["phash"], st["phash"]),
                          "pixel_diff": None if pix is None else round(pix, 4),
                          "text_similarity": round(float(fuzz.token_set_ratio(te, ts)), 1) if te and ts else None,
                          "text": change["verdict"] if change else None,
                          "text_change": change,
                          "same_url": (e.get("url") == st.get("url")) if e.get("url") and st.get("url") else None,
                          "same_title": (e.get("title") == st.get("title")) if e.get("title") and st.get("title") else None,
                          "last_target": target or None,
                          "target_shown": target_shown(target, ts) if target and ts else None,
                          "end_frame": e.get("frame"), "start_frame": st.get("frame")}
    role = act.get("role")
    keys = [str(k).lower() for k in act.get("keys") or []]
    # the logged URL is the one the last action was taken on: a click or Enter may have opened
    # another page since. Without the screens' text, only a click on a link (or on an element
    # nobody named) says so; a button or a start screen's cover may look the same on two pages.
    ev["may_navigate"] = (last_type in CLICKS or (last_type == "key" and any(k in SUBMIT_KEYS for k in keys)))
    ev["link_click"] = last_type in CLICKS and (not role or role_word(role) == "link")
    return ev


def end_settled(end: Anchor, frags: list[dict[str, Any]], p: GuiStitchParams) -> bool | None:
    """Whether a fragment's end frame shows the settled result of its last action: the recording
    went on at least `settled_s` after it. A recording stopped right after an action (a cut in a
    pause, before the page repainted) ends on the screen before the action's effect."""
    k = end.data.get("fragment", 0)
    if k >= len(frags) or frags[k].get("t1") is None:
        return None
    return float(frags[k]["t1"]) - end.t0 >= p.settled_s


def link(end: Anchor, start: Anchor, p: GuiStitchParams, settled: bool | None = True) -> dict[str, Any] | None:
    """The continuity evidence from one fragment's end screen to another's start, or None.

    With OCR text on both screens the text decides: the same tokens (numbers included), or one
    number ticking (a clock), on a similar screen is continuity; other changed words or numbers
    are another state (a start screen that looks alike but counts other episodes, a form with
    other values), unless the last action's target shows on the next screen (the click led there);
    tokens the screens explain (`explained_by_screens`: an OCR drop-out, a suggestion list) are not
    changes.
    Without text: the same screen (close phash, few changed pixels), or a looser match with the
    same URL or target. A URL that changes needs a last action that may open a page (a click, or
    Enter) and, without text, a click on a link. When the end frame is not `settled` (its fragment
    stopped right after the last action), text that differs does not refute: the screens decide.
    A tick's clock (place and step) is kept in `clock`: an ordering's ticks must run one way."""
    ev = compare(end, start)
    d, pix = ev["hash_distance"], ev["pixel_diff"]
    same_screen = d <= p.max_hash and (pix is None or pix <= p.max_pixels)
    loose = d <= p.loose_hash  # close enough when the screens' text agrees
    # without agreeing text, a "similar" screen must also keep most of its pixels
    similar = loose and (pix is None or pix <= p.loose_pixels)
    act = end.data.get("action") or {}
    ev["text_change"] = explained_by_screens(ev["text_change"], end, start,
                                             act.get("text") or "" if act.get("type") == "type" else "",
                                             same_screen, similar)
    text = ev["text"] = ev["text_change"]["verdict"] if ev["text_change"] else None
    ev["end_settled"] = settled
    if text == "differs" and settled is False:
        text = None  # the end may not show the last action's effect yet: its text cannot refute; screens decide
    ev["clock"] = clock_step(end, ev["text_change"]) if text == "tick" else None
    if ev["same_url"] is False:
        opened = ev["may_navigate"] if text is not None else ev["link_click"]
        if not (opened and (ev["target_shown"] or same_screen or (loose and text in ("same", "tick")))):
            return None  # another page, and nothing says the last action led there
    why = []
    # a settled end already shows what its last action led to, so the target showing again on the
    # next screen does not explain text that differs from that end (a 'Submit' button shows on many pages)
    if text == "differs" and not (ev["target_shown"] and similar and settled is not True):
        return None  # the screens say different things: not the same moment of one session
    if text in ("same", "tick") and loose:
        why.append("same on-screen text" if text == "same" else "same on-screen text but one number (a clock)")
    if text is None:
        if same_screen:
            why.append("same screen")
        if similar and ev["same_url"]:
            why.append("same URL, similar screen")
    elif same_screen:
        why.append("same screen")
    if ev["target_shown"] and similar:
        why.append(f"the last action's target {ev['last_target']!r} shows on the next screen")
    if not why:
        return None
    ev["why"] = why
    # the amount of change: screen bits and pixels, and each token only one side shows
    # (a token the screens explain, an OCR drop-out or one under a suggestion list, counts a fifth)
    ch = ev["text_change"] or {}
    changed = ch.get("changed", 0) + 0.2 * len(ch.get("explained", []))
    fuzzy = 0 if text is not None or ev["text_similarity"] is None else (100 - ev["text_similarity"]) / 10
    ev["cost"] = round(d + 1000 * (pix or 0.0) + 5 * changed + fuzzy, 3)
    return ev


def best_chain(n: int, links: dict[tuple[int, int], dict], rel: list[float]) -> list[int]:
    """Longest ordering of fragments where each follows a link; ties -> most relevant, then closest."""
    return ranked_chains(n, links, rel)[0][1] if n else []


def ranked_chains(n: int, links: dict[tuple[int, int], dict], rel: list[float]
                  ) -> list[tuple[tuple[int, float, float], list[int]]]:
    """Every ordering of the largest size that links (and whose clock ticks run one way), best
    first: key (size, relevance, -cost)."""
    nodes = list(range(n))
    for size in range(n, 1, -1):
        found = []
        for combo in itertools.permutations(nodes, size):
            if all((a, b) in links for a, b in zip(combo, combo[1:])) and clock_consistent(
                    [links[(a, b)]["clock"] for a, b in zip(combo, combo[1:]) if links[(a, b)].get("clock")]):
                cost = sum(links[(a, b)]["cost"] for a, b in zip(combo, combo[1:]))
                found.append(((size, round(sum(rel[k] for k in combo), 6), -round(cost, 3)), list(combo)))
        if found:
            return sorted(found, key=lambda x: x[0], reverse=True)
    return [((1, 0.0, 0.0), [])]


def _evidence_text(ev: dict[str, Any]) -> str:
    parts = [f"{ev['hash_distance']} bits apart"]
    if ev["pixel_diff"] is not None:
        parts.append(f"{ev['pixel_diff']:.0%} of pixels differ")
    if ev["same_url"] is not None:
        parts.append("same URL" if ev["same_url"] else "another URL")
    ch = ev.get("text_change")
    if ch:
        parts.append("the same text" if ch["verdict"] == "same" else
                     f"text: {ch['changed']} of {ch['tokens']} words or numbers differ"
                     + (f" ({', '.join((ch['gone'] + ch['new'])[:4])})" if ch["changed"] else ""))
    return ", ".join(parts)


@register_task
class GuiStitchTask(Task):
    name = "gui_stitch"
    domains = ("gui",)
    source_kinds = ("gui",)
    needs = ("screen_state", "gui_action")
    ordered = False  # fragments are reordered; check() verifies the order by screen continuity instead
    description = ("Stitch GUI recording fragments into one long-horizon task: drop fragments unrelated to the "
                   "intent, order the rest by matching each fragment's end screen to the next one's start.")
    examples = ("stitch these screen recording fragments into one long-horizon task",
                "filter and order my GUI fragments into one trajectory",
                "stitch these GUI fragments into long-horizon tasks",
                "combine short screen recordings into one long task")
    keywords = (r"stitch", r"fragments?", r"long[- ]horizon")
    keywords_zh = ('拼接', '拼成', '串联', '串起来', '连起来', '片段', '长任务', '长程', '长时程')
    examples_zh = ('把录屏片段拼接成一个长任务', '把零散的录像连成一个完整的任务', '去掉无关片段后按顺序合并')
    rewrite = ("Stitch compatible recorded GUI fragments into longer trajectories whose screens and actions "
               "connect.")
    Params = GuiStitchParams

    def draft_schema(self) -> dict[str, Any]:
        frag = {"type": "object", "required": ["fragment", "start_state", "end_state"],
                "properties": {"fragment": {"type": "integer"}, "start_state": {"type": "string"},
                               "end_state": {"type": "string"}}}
        drop = {"type": "object", "required": ["fragment", "reason"],
                "properties": {"fragment": {"type": "integer"}, "reason": {"type": "string", "minLength": 5}}}
        return {"type": "object", "required": ["instruction", "order", "dropped", "steps"],
                "properties": {"instruction": {"type": "string", "minLength": 5},
                               "order": {"type": "array", "items": frag, "minItems": 1},
                               "dropped": {"type": "array", "items": drop},
                               "steps": {"type": "array", "items": STEP, "minItems": 1}, "notes": NOTES}}

    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        p = self.params(spec)
        frags = (anchors.meta.get("video") or {}).get("fragments") or []
        states = {(a.data.get("fragment", 0), a.data["at"]): a for a in anchors.of_kind("screen_state")}
        n = len(frags)
        if n < 2 or n > p.max_fragments or len(states) < 2 * n:
            return []
        links = {}
        for i, j in itertools.permutations(range(n), 2):
            lk = link(states[(i, "end")], states[(j, "start")], p, end_settled(states[(i, "end")], frags, p))
            if lk:
                links[(i, j)] = lk
        words = intent_words(spec.instruction)
        rel = [relevance(words, fragment_text(k, anchors.anchors)) for k in range(n)]
        ranked = ranked_chains(n, links, rel)
        chain = ranked[0][1]
        if len(chain) >= 2 and len(ranked) > 1:
            (key, _), (key2, other) = ranked[0], ranked[1]
            if key[:2] == key2[:2] and key[2] - key2[2] < p.min_margin:
                def show(c: list[int]) -> str:
                    return " -> ".join(frags[k]["name"] for k in c)
                raise ValueError(f"undecidable order: {show(chain)} and {show(other)} are equally continuous on "
                                 f"screen (total change {-key[2]:g} vs {-key2[2]:g}; a decision needs a margin of "
                                 f"{p.min_margin:g}): no sample rather than a guess")
        if len(chain) < 2:  # nothing connects: an order would be a guess; say so (the agent records it)
            i, j, ev = min(((i, j, compare(states[(i, "end")], states[(j, "start")]))
                            for i, j in itertools.permutations(range(n), 2)),
                           key=lambda x: x[2]["hash_distance"] + 100 * (x[2]["pixel_diff"] or 0))
            raise ValueError(f"no two of the {n} fragments connect by screen continuity (closest pair: the end of "
                             f"{frags[i]['name']} and the start of {frags[j]['name']}: {_evidence_text(ev)}; "
                             f"a link needs <= {p.max_hash} bits and <= {p.max_pixels:.0%} changed pixels, or a "
                             f"looser match (<= {p.loose_hash} bits) with the same URL, text or target)")
        dropped = []
        for k in range(n):
            if k in chain:
                continue
            into = min((compare(states[(c, "end")], states[(k, "start")]) for c in chain), key=lambda e: e["hash_distance"])
            out_of = min((compare(states[(k, "end")], states[(c, "start")]) for c in chain), key=lambda e: e["hash_distance"])
            why = (f"no screen continuity with the kept fragments: its start vs the nearest kept end: "
                   f"{_evidence_text(into)}; its end vs the nearest kept start: {_evidence_text(out_of)}")
            if words:
                why += f"; it mentions {rel[k]:.0%} of the intent's words (kept fragments: " \
                       f"{min(rel[c] for c in chain):.0%} or more)"
            dropped.append({"fragment": k, "name": frags[k]["name"], "reason": why,
                            "anchors": [states[(k, "start")].id, states[(k, "end")].id]})
        idx = gui_index(anchors.anchors)
        recs = [r for r in (step_record(a, idx) for a in idx["actions"]) if r]
        steps = [r for k in chain for r in recs if r["fragment"] == k]
        if not steps:
            return []
        ids = {i for r in steps for i in (r["action"], r["before"], r["after"], r["element"]) if i}
        ids |= {a.id for a in states.values()}
        ev_anchors = [a for a in anchors.anchors if a.id in ids]
        meta = {"duration": float(anchors.meta.get("duration") or 0), "steps": steps, "chain": chain,
                "links": [links[(a, b)] for a, b in zip(chain, chain[1:])], "dropped": dropped,
                "fragments": frags, "relevance": rel,
                "states": {f"{k}:{at}": a.id for (k, at), a in states.items()}}
        return [Evidence(sources=[anchors.source], anchors=ev_anchors, frames=[r["obs_t"] for r in steps],
                         meta=meta, key="stitch")]

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        return template_prompt(self, ev, spec, "instruction", "reasoning", "reason")

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        recs = ev.meta["steps"]
        st = ev.meta["states"]
        notes: list[dict[str, Any]] = []
        steps = [rules_step(i, len(recs), r, ev, recs[i - 1] if i and recs[i - 1]["fragment"] == r["fragment"] else None,
                            notes) for i, r in enumerate(recs)]
        acts = [ev.anchor(r["action"]) for r in recs]
        els = [ev.anchor(r["element"]) if r.get("element") else None for r in recs]
        return {"instruction": instruction(acts, els),
                "order": [{"fragment": k, "start_state": st[f"{k}:start"], "end_state": st[f"{k}:end"]}
                          for k in ev.meta["chain"]],
                "dropped": [{"fragment": d["fragment"], "reason": d["reason"]} for d in ev.meta["dropped"]],
                "steps": steps, "notes": notes}

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        errors = validate_draft(draft, self.draft_schema())
        if errors:
            raise DraftError(errors)
        p = self.params(spec)
        order = [o["fragment"] for o in draft["order"]]
        n = len(ev.meta["fragments"])
        if sorted(order + [d["fragment"] for d in draft["dropped"]]) != list(range(n)):
            errors.append(f"order + dropped must name each of the {n} fragments exactly once")
        for a, b in zip(draft["order"], draft["order"][1:]):
            end, start = ev.anchor(a["end_state"]), ev.anchor(b["start_state"])
            if end is None or start is None:
                errors.append(f"order: fragment {a['fragment']} -> {b['fragment']} cites unknown screen states")
            elif link(end, start, p, end_settled(end, ev.meta["fragments"], p)) is None:
                errors.append(f"order: fragment {a['fragment']} does not end on the screen fragment "
                              f"{b['fragment']} starts on")
        for i, st in enumerate(draft["steps"]):
            errors += step_errors(st, ev, f"steps/{i}")
        frag_of = [ev.anchor(s["action_anchor"]).data.get("fragment", 0) for s in draft["steps"]
                   if ev.anchor(s["action_anchor"])]
        runs = [k for k, _ in itertools.groupby(frag_of)]
        if not errors and runs != order:
            errors.append(f"steps: fragments appear as {runs}, not in the stitched order {order}")
        if errors:
            raise DraftError(errors)
        frags = ev.meta["fragments"]
        notes = [dict(n) for n in draft.get("notes") or []]
        steps = [dict(st) for st in draft["steps"]]
        prev_of = [steps[i - 1]["action_anchor"] if i and frag_of[i - 1] == frag_of[i] else None
                   for i in range(len(steps))]
        repair_reasoning(steps, ev, prev_of, notes)
        solution: list[Segment] = []
        step_i = 0
        for o in draft["order"]:
            k = o["fragment"]
            s0, s1 = ev.anchor(o["start_state"]), ev.anchor(o["end_state"])
            solution.append(Segment(type="span", t0=s0.t0, t1=s1.t1,
                                    text=f"Fragment {frags[k]['name']}",
                                    anchors=[o["start_state"], o["end_state"]]))
            while step_i < len(steps) and frag_of[step_i] == k:
                solution += step_segments(steps[step_i], ev, media, ev.source, step_i, prev_of[step_i])
                step_i += 1
        dropped = [{"fragment": d["fragment"], "name": frags[d["fragment"]]["name"], "reason": clean(d["reason"])}
                   for d in draft["dropped"]]
        evidence = []
        for seg in solution:
            evidence += [a for a in seg.anchors if a not in evidence]
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="gui", source=ev.source.id,
                      query=Query(text=clean(draft["instruction"])), solution=solution, evidence=evidence,
                      meta={"order": [frags[k]["name"] for k in order], "dropped": dropped,
                            "n_steps": len(draft["steps"]), "links": ev.meta["links"], "notes": notes,
                            "screen": ev.anchor(draft["steps"][0]["action_anchor"]).data.get("screen")},
                      provenance=provenance(ev, spec))

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        errs = quoted_names_errors(sample, ev) + code_errors(sample)
        # within a fragment, steps keep their recorded order
        last: dict[int, float] = {}
        for i, seg in enumerate(sample.solution):
            if seg.type == "action":
                act = ev.anchor(seg.anchors[0]) if seg.anchors else None
                if act is None:
                    continue
                k = act.data.get("fragment", 0)
                if act.t0 < last.get(k, -1.0):
                    errs.append(f"solution[{i}]: step out of its fragment's recorded order")
                last[k] = act.t0
        return errs
