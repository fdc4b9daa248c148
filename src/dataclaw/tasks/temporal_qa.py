"""`temporal_qa`: questions about when things happen, with timestamped answers and a difficulty mix.

Question types (difficulty in `sample.meta["difficulty"]`):
- `localize_text`  (easy)   when is the on-screen text X shown?
- `localize_speech` (medium) when does the narrator say X?
- `order`          (medium: two on-screen texts; hard: on-screen text vs narration) which comes first?
- `state_change`   (medium after a cut, hard across a gradual transition) what changes between t and t'?
- `multi_event`    (hard)   list the on-screen changes in order with their times.
Visual (footage with no text and no speech; from the hands / camera / people experts):
- `hand_appear`    (easy)   when is a hand first in view?
- `hand_action`    (medium) when does the hand move / turn / touch what it holds?
- `camera_move`    (medium) when does the camera move (and how)? / does it move at all?
- `people_count`   (medium) how many people are in view at t?
- `subject_move`   (medium) how does something move between t0 and t1 (subject_motion direction)?
- `visual_order`   (hard)   which of two visual events comes first?
Every answer carries `span` segments citing the anchors they come from.
"""
from __future__ import annotations

import os
import re
import shutil
from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from .. import lang
from ..model import AnchorSet, Query, Sample, Segment, TaskSpec
from .base import Evidence, Task, register_task
from .shared.common import (
    DraftError, IDS_SCHEMA, Unit, anchor_text, build_prompt, clean, content_units, duration_of, evidence_sample_id,
    overlap, provenance, select_frames, span_errors, validate_draft,
)
from .shared.visual import CAMERA_PHRASE, SUBJECT_PHRASE, subject_region

QTYPES = ("localize_text", "localize_speech", "order", "state_change", "multi_event",
          "hand_appear", "hand_action", "camera_move", "people_count", "visual_order", "subject_move")
VISUAL_EVENTS = ("hand", "hand_object", "person", "camera_motion", "subject_motion")


class TemporalQAParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    per_type: int = 3  # questions per type per source
    max_frames: int = 4
    frame_selection: str = "keyframes"  # or "uniform" (same budget; for comparison)
    max_events: int = 8  # events listed in a multi-event answer
    phrase_words: int = 6  # words quoted from the narration
    min_phrase_p: float = 0.5  # a spoken phrase is quoted only when whisper's mean probability of its
    # words is at least this: below 0.5 a word is more likely wrong than right (whisper-base on synthetic
    # Mandarin writes near-random characters at 0.48-0.58); transcripts without word probabilities pass
    attach_video: bool = True  # the query carries the source video as a clip
    types: list[str] = list(QTYPES)
    difficulty: dict[str, float] = {"easy": 0.3, "medium": 0.4, "hard": 0.3}  # share of each in the order made
    every_line: bool = False  # localize_text about every distinct line on screen, not only the headings


def mix_order(evs: list[Evidence], mix: dict[str, float]) -> list[Evidence]:
    """Reorders questions so that every prefix follows the difficulty mix as closely as the supply
    allows (a sample cap then keeps the mix); within a difficulty the order is kept."""
    pools: dict[str, list[Evidence]] = {}
    for ev in evs:
        pools.setdefault(ev.meta["difficulty"], []).append(ev)
    taken = {d: 0 for d in pools}
    out: list[Evidence] = []
    while len(out) < len(evs):
        k = len(out) + 1
        left = [d for d in pools if taken[d] < len(pools[d])]
        d = max(left, key=lambda d: (mix.get(d, 0.0) * k - taken[d], mix.get(d, 0.0)))
        out.append(pools[d][taken[d]])
        taken[d] += 1
    return out


def _phrase(a: Any, n: int) -> tuple[str, float, float]:
    """The first n words of a transcript anchor, with their times when word times exist (Chinese
    words join without spaces, as the transcript writes them)."""
    words = [w for w in a.data.get("words") or [] if isinstance(w, dict) and clean(w.get("word", ""))]
    if len(words) >= 2:
        ws = words[:n]
        t0 = max(a.t0, float(ws[0].get("t0", a.t0)))
        t1 = min(a.t1, float(ws[-1].get("t1", a.t1)))
        if t1 > t0:
            phrase = clean(lang.join_words(clean(w["word"]) for w in ws))
            if a.data.get("language") == "zh" or lang.has_cjk(anchor_text(a)):
                phrase = _text_prefix(anchor_text(a), phrase)
            return phrase, round(t0, 3), round(t1, 3)
    if lang.has_cjk(anchor_text(a)):
        return clean(lang.join_words(lang.segment(anchor_text(a))[:n])), a.t0, a.t1
    text = anchor_text(a).split()
    return " ".join(text[:n]), a.t0, a.t1


_QUOTE_MARKS = '"\u201c\u201d\u300c\u300d\u300e\u300f\u2018\u2019\u00ab\u00bb'


def _text_key(text: str) -> str:
    """A text by its words (case, width and punctuation folded), as the verifier compares steps."""
    return " ".join(re.findall(r"\w+", lang.fold(text).lower()))


def _phrase_p(a: Any, n: int) -> float:
    """Whisper's mean word probability over the words `_phrase` quotes (1.0 when none are logged)."""
    ps = [float(w["p"]) for w in (a.data.get("words") or [])[:n] if isinstance(w, dict) and "p" in w]
    return sum(ps) / len(ps) if ps else 1.0


def _text_prefix(text: str, phrase: str) -> str:
    """The transcript's own prefix that holds `phrase`'s characters (whisper's Chinese words carry no
    spaces of their own: the quote is what the transcript writes), else `phrase`."""
    want = phrase.replace(" ", "")
    if not text.replace(" ", "").startswith(want):
        return phrase
    n = 0
    for i, ch in enumerate(text):
        n += ch != " "
        if n == len(want):
            return clean(text[:i + 1])
    return phrase


# The rules synthesizer's Chinese sentences (spec.language == "zh"); claims.template_words_zh reads
# them; the visual question types follow below.
TEMPLATES_ZH = {
    "localize_text": "屏幕上的文字{q}是什么时候出现的？",
    "localize_speech": "讲解者是什么时候说{q}的？",
    "span": "从 {t0} 秒到 {t1} 秒。",
    "order_text": "屏幕上出现文字{q}",
    "order_speech": "讲解者说{q}",
    "order_q": "哪个先发生：{a}，还是{b}？",
    "order_a": "先是{a}（在 {ta} 秒），然后是{b}（在 {tb} 秒）。",
    "state_q": "在 {t} 秒和 {t2} 秒之间，屏幕上有什么变化？",
    "state_a": "屏幕从{a}变为{b}，大约在 {t} 秒，经由{how}。",
    "multi_q": "按顺序列出这个视频中屏幕文字的变化及其时间。",
    "how": "硬切 叠化 淡入淡出 转场",
}
# visual question types in Chinese (the camera / direction phrases are claims.ZH_CAMERA / ZH_DIRECTIONS)
TEMPLATES_ZH.update({
    "hand_q": "手第一次出现在画面中是什么时候？", "hand_a": "{who}从 {t0} 秒到 {t1} 秒出现在画面中。",
    "hand_who": "左手 右手 一只手", "act_q": "手什么时候{act}？", "act_a": "手从 {t0} 秒到 {t1} 秒{verb}。",
    "acts": "拿着东西 移动拿着的东西 转动拿着的东西 碰到东西",
    "verbs": "拿着一个东西 拿着一个东西并移动它 拿着一个东西并转动它 碰到了某个东西",
    "cam_q_still": "这个视频里镜头有没有移动？", "cam_a_still": "没有：从 {t0} 秒到 {t1} 秒{ph}。",
    "cam_q": "镜头什么时候移动，怎样移动？", "cam_a": "从 {t0} 秒到 {t1} 秒{ph}。",
    "cams": "镜头 向左 向右 平移 向上 向下 摇 推近 拉远 晃动 保持 静止",
    "subj_q": "在 {t0} 秒和 {t1} 秒之间，有什么东西怎样移动？", "subj_a": "有东西{reg}{ph}，从 {t0} 秒到 {t1} 秒。",
    "dirs": "从左向右 从右向左 向上移动 向下移动 在画面上半部分 在画面下半部分 在画面左侧 在画面右侧",
    "people_q": "在 {at} 秒时画面中有几个人？", "people_a": "在 {at} 秒时，画面里有{who}。", "people": "个人 一个人",
    "visual_q": "哪个先发生：{a}，还是{b}？", "visual_a": "先是{a}（在 {ta} 秒），然后是{b}（在 {tb} 秒）。",
    "events": "手进入画面 左手进入画面 右手进入画面 拿着东西的手 拿着东西的手移动它 拿着东西的手转动它 手碰到东西 "
              "的时刻 画面中有",
})
_HAND_ZH = {"left": "左手", "right": "右手"}
_ACT_ZH = {"hold": "拿着东西", "move": "移动拿着的东西", "turn": "转动拿着的东西", "touch": "碰到东西"}
_VERB_ZH = {"hold": "拿着一个东西", "move": "拿着一个东西并移动它", "turn": "拿着一个东西并转动它", "touch": "碰到了某个东西"}
_CAM_ZH = {v: k for k, v in lang.ZH_CAMERA.items()}
_DIR_ZH = {"right": "从左向右", "left": "从右向左", "up": "向上移动", "down": "向下移动"}
_REGION_ZH = {"in the upper half": "在画面上半部分", "in the lower half": "在画面下半部分",
              "on the left side": "在画面左侧", "on the right side": "在画面右侧"}
# the span texts the visual answers cite, segmented as the checks segment them ("手拿着" is one jieba word)
TEMPLATES_ZH["spans"] = " ".join([*(f"手{v}" for v in _VERB_ZH.values()), *(f"{w}在画面中" for w in ("左手", "右手", "一只手")),
                                  *(f"有东西{d}" for d in _DIR_ZH.values()), *(f"{_ACT_ZH[a]}" for a in _ACT_ZH)])
_HOW_ZH = {"cut": "硬切", "hard_cut": "硬切", "hard": "硬切", "dissolve": "叠化", "fade": "淡入淡出"}


def whole_video(media: Any, source: Any, duration: float) -> str:
    """The source itself as the question's video: an MP4 is linked/copied (exact, no re-encode),
    anything else is re-encoded once through the MediaStore."""
    src = Path(source.path)
    root = getattr(media, "root", None)
    if root is None or src.suffix.lower() != ".mp4":
        return media.clip(source, 0.0, duration)
    rel = f"media/{source.id[:12]}/source.mp4"
    dst = Path(root) / rel
    if not dst.exists():
        dst.parent.mkdir(parents=True, exist_ok=True)
        tmp = dst.with_name(f".source.{os.getpid()}.part.mp4")
        try:
            os.link(src, tmp)
        except OSError:  # other file system
            shutil.copyfile(src, tmp)
        os.replace(tmp, dst)
    return rel


_VISUAL_QTYPES = ("hand_appear", "hand_action", "camera_move", "people_count", "visual_order", "subject_move")
_ACT_PHRASE = {"hold": "hold an object", "move": "move what it holds", "turn": "turn what it holds",
               "touch": "touch something"}


def visual_event(a: Any) -> str:
    """A visual anchor as a noun phrase in the verifier's vocabulary."""
    if a.kind == "hand":
        side = a.data.get("side")
        return f"a {side} hand coming into view" if side in ("left", "right") else "a hand coming into view"
    if a.kind == "hand_object":
        act = a.data["actions"][-1]
        return {"hold": "the hand that holds an object", "move": "the hand that holds an object as it moves it",
                "turn": "the hand that holds an object as it turns it", "touch": "the hand as it touches something"}[act]
    if a.kind == "camera_motion":
        return f"the moment the camera {CAMERA_PHRASE[a.data['motion']]}"
    n = int(a.data.get("count", 0))
    return "one person in view" if n == 1 else f"{n} people in view"


def _visual_rules(qt: str, m: dict, tg: list[Any], span: Any) -> dict[str, Any]:
    a = tg[0]
    if qt == "hand_appear":
        who = visual_event(a).replace(" coming into view", "")
        return {"question": "When is a hand first in view?",
                "answer": f"{who[0].upper() + who[1:]} is in view from {a.t0:.1f} s to {a.t1:.1f} s.",
                "spans": [span(a, f"{who} in view")]}
    if qt == "hand_action":
        act = m["action"]
        verb = {"hold": "holds an object", "move": "holds an object and moves it", "turn": "holds an object and turns it",
                "touch": "touches something"}[act]
        return {"question": f"When does the hand {_ACT_PHRASE[act]}?",
                "answer": f"The hand {verb} from {a.t0:.1f} s to {a.t1:.1f} s.", "spans": [span(a, f"the hand {verb}")]}
    if qt == "camera_move":
        ph = CAMERA_PHRASE[a.data["motion"]]
        if not m.get("moved"):
            return {"question": "Does the camera move during this video?",
                    "answer": f"No: the camera {ph} from {a.t0:.1f} s to {a.t1:.1f} s.",
                    "spans": [span(a, f"the camera {ph}")]}
        return {"question": "When does the camera move, and how?",
                "answer": f"The camera {ph} from {a.t0:.1f} s to {a.t1:.1f} s.", "spans": [span(a, f"the camera {ph}")]}
    if qt == "subject_move":
        ph = SUBJECT_PHRASE[a.data["direction"]]
        reg = subject_region(a)
        return {"question": f"How does something move between {a.t0:.1f} s and {a.t1:.1f} s?",
                "answer": f"Something moves {ph}" + (f" {reg}" if reg else "") + f", from {a.t0:.1f} s to {a.t1:.1f} s.",
                "spans": [span(a, f"something moves {ph}")]}
    if qt == "people_count":
        n = int(a.data.get("count", 0))
        at = m["at"]
        counts = [c for t, c in a.data.get("counts", []) if abs(float(t) - at) <= 0.5]
        n = max(counts) if counts else n
        who = "one person" if n == 1 else f"{n} people"
        return {"question": f"How many people are in view at {at:.1f} s?",
                "answer": f"At {at:.1f} s {who} can be seen.", "spans": [span(a, f"{who}", a.t0, a.t1)]}
    items = sorted([(x.t0, visual_event(x), span(x, visual_event(x))) for x in tg], key=lambda z: z[0])
    shown = list(reversed(items)) if m.get("swap") else items
    (ta, da, sa), (tb, db, sb) = items
    return {"question": f"Which comes first: {shown[0][1]}, or {shown[1][1]}?",
            "answer": f"First {da} (at {ta:.1f} s), then {db} (at {tb:.1f} s).", "spans": [sa, sb]}


def _visual_event_zh(a: Any) -> str:
    if a.kind == "hand":
        return f"{_HAND_ZH.get(a.data.get('side'), '手')}进入画面"
    if a.kind == "hand_object":
        return {"hold": "拿着东西的手", "move": "拿着东西的手移动它", "turn": "拿着东西的手转动它",
                "touch": "手碰到东西"}[a.data["actions"][-1]]
    if a.kind == "camera_motion":
        return f"{_CAM_ZH[a.data['motion']]}的时刻"
    n = int(a.data.get("count", 0))
    return f"画面中有{n}个人"


def _visual_rules_zh(qt: str, m: dict, tg: list[Any], span: Any) -> dict[str, Any]:
    """The visual question types in Chinese: the same questions, spans and anchors as _visual_rules."""
    from .shared.visual import subject_region  # noqa: PLC0415

    Z, a = TEMPLATES_ZH, tg[0]
    t0, t1 = f"{a.t0:.1f}", f"{a.t1:.1f}"
    if qt == "hand_appear":
        who = _HAND_ZH.get(a.data.get("side"), "一只手")
        return {"question": Z["hand_q"], "answer": Z["hand_a"].format(who=who, t0=t0, t1=t1),
                "spans": [span(a, f"{who}在画面中")]}
    if qt == "hand_action":
        act = m["action"]
        return {"question": Z["act_q"].format(act=_ACT_ZH[act]), "answer": Z["act_a"].format(t0=t0, t1=t1, verb=_VERB_ZH[act]),
                "spans": [span(a, f"手{_VERB_ZH[act]}")]}
    if qt == "camera_move":
        ph = _CAM_ZH[a.data["motion"]]
        if not m.get("moved"):
            return {"question": Z["cam_q_still"], "answer": Z["cam_a_still"].format(t0=t0, t1=t1, ph=ph), "spans": [span(a, ph)]}
        return {"question": Z["cam_q"], "answer": Z["cam_a"].format(t0=t0, t1=t1, ph=ph), "spans": [span(a, ph)]}
    if qt == "subject_move":
        ph = _DIR_ZH[a.data["direction"]]
        reg = _REGION_ZH.get(subject_region(a) or "", "")
        return {"question": Z["subj_q"].format(t0=t0, t1=t1), "answer": Z["subj_a"].format(reg=reg, ph=ph, t0=t0, t1=t1),
                "spans": [span(a, f"有东西{ph}")]}
    if qt == "people_count":
        at = m["at"]
        counts = [c for t, c in a.data.get("counts", []) if abs(float(t) - at) <= 0.5]
        n = max(counts) if counts else int(a.data.get("count", 0))
        who = "一个人" if n == 1 else f"{n}个人"
        return {"question": Z["people_q"].format(at=f"{at:.1f}"), "answer": Z["people_a"].format(at=f"{at:.1f}", who=who),
                "spans": [span(a, who, a.t0, a.t1)]}
    items = sorted([(x.t0, _visual_event_zh(x), span(x, _visual_event_zh(x))) for x in tg], key=lambda z: z[0])
    shown = list(reversed(items)) if m.get("swap") else items
    (ta, da, sa), (tb, db, sb) = items
    return {"question": Z["visual_q"].format(a=shown[0][1], b=shown[1][1]),
            "answer": Z["visual_a"].format(a=da, ta=f"{ta:.1f}", b=db, tb=f"{tb:.1f}"), "spans": [sa, sb]}


def _rules_zh(qt: str, m: dict, tg: list[Any], span: Any) -> dict[str, Any]:
    """temporal_qa's rules in Chinese: the same questions, answers and spans as the English ones."""
    Z = TEMPLATES_ZH

    def q(a: Any) -> str:
        return f"“{anchor_text(a)}”"

    if qt == "localize_text":
        a = tg[0]
        return {"question": Z["localize_text"].format(q=q(a)),
                "answer": Z["span"].format(t0=f"{a.t0:.1f}", t1=f"{a.t1:.1f}"), "spans": [span(a)]}
    if qt == "localize_speech":
        a, (t0, t1) = tg[0], m["phrase_span"]
        return {"question": Z["localize_speech"].format(q=f"“{m['phrase']}”"),
                "answer": Z["span"].format(t0=f"{t0:.1f}", t1=f"{t1:.1f}"), "spans": [span(a, m["phrase"], t0, t1)]}
    if qt == "order":
        items = []
        for a in tg:
            if a.kind == "transcript":
                t0, t1 = m["phrase_span"]
                items.append((t0, Z["order_speech"].format(q=f"“{m['phrase']}”"), span(a, m["phrase"], t0, t1)))
            else:
                items.append((a.t0, Z["order_text"].format(q=q(a)), span(a)))
        shown = list(reversed(items)) if m.get("swap") else items
        items.sort(key=lambda x: x[0])
        (ta, da, sa), (tb, db, sb) = items
        return {"question": Z["order_q"].format(a=shown[0][1], b=shown[1][1]),
                "answer": Z["order_a"].format(a=da, ta=f"{ta:.1f}", b=db, tb=f"{tb:.1f}"), "spans": [sa, sb]}
    if qt == "state_change":
        a, b = tg[0], tg[1]
        t, t2 = m["times"]
        how = _HOW_ZH.get(m["transition"], m["transition"])
        spans = [span(a), span(b)]
        if len(tg) > 2:
            spans.insert(1, span(tg[2], f"{how}，{tg[2].t0:.1f}-{tg[2].t1:.1f} 秒"))
        return {"question": Z["state_q"].format(t=f"{t:.1f}", t2=f"{t2:.1f}"),
                "answer": Z["state_a"].format(a=q(a), b=q(b), t=f"{m['boundary']:.1f}", how=how), "spans": spans}
    events = "；".join(f"{n + 1}. {q(a)} {a.t0:.1f}-{a.t1:.1f} 秒" for n, a in enumerate(tg))
    return {"question": Z["multi_q"], "answer": events + "。", "spans": [span(a) for a in tg]}


def _transition_between(anchorset: AnchorSet, a: Unit, b: Unit) -> Any:
    for tr in anchorset.of_kind("transition"):
        if overlap(tr.t0 - 0.05, tr.t1 + 0.05, a.t1 - 0.05, b.t0 + 0.05) > 0 or abs(tr.t0 - b.t0) < 0.1:
            return tr
    return None


def _transition_kind(tr: Any) -> str:
    if tr is None:
        return "cut"
    return str(tr.data.get("type") or tr.data.get("kind") or tr.data.get("transition") or "transition")


@register_task
class TemporalQATask(Task):
    name = "temporal_qa"
    domains = ("daily_life", "education", "aigc")
    needs = ("shot",)
    description = ("Temporal questions about a video: when something appears or is said, which comes first, "
                   "what changes between two times, and the list of events in order, with timestamped answers.")
    examples = ("make temporal QA about when things happen", "questions with timestamps",
                "video question answering about event order", "temporal grounding data",
                "questions with timestamped answers")
    keywords = (r"\bq ?(&|and)? ?a\b", r"\bqa\b", r"questions?", r"\bwhen\b", r"temporal", r"timestamp",
                r"\border\b", r"locali[sz]", r"\bvqa\b", r"quiz")
    keywords_zh = ('问答', '提问', '问答题', '题目', '时间戳', '时间点', '什么时候', '何时', '时序', '先后', '测验', '考考')
    examples_zh = ('生成关于事件发生时间的问答', '带时间戳的问题和答案', '哪件事先发生', '考一考模型记不记得视频的时间线')
    rewrite = ("Write temporal questions about the video (localisation, ordering, state change, multi-event) with "
               "timestamped answers grounded in the anchors, with a mix of difficulties.")
    Params = TemporalQAParams

    def can_serve(self, source_kind: str, anchor_kinds: set[str]) -> str | None:
        why = super().can_serve(source_kind, anchor_kinds)
        if why is None and not anchor_kinds & {"ocr_text", "transcript", *VISUAL_EVENTS}:
            return ("task 'temporal_qa' needs on-screen text or narration (or visual events: hands, people, camera "
                    "motion from experts hands / people / camera) to ask about; this source has none")
        return why

    def draft_schema(self) -> dict[str, Any]:
        span = {"type": "object", "required": ["t0", "t1", "anchors"],
                "properties": {"t0": {"type": "number"}, "t1": {"type": "number"}, "anchors": IDS_SCHEMA,
                               "text": {"type": "string"}}}
        return {"type": "object", "required": ["question", "answer", "spans"],
                "properties": {"question": {"type": "string", "minLength": 5}, "answer": {"type": "string", "minLength": 1},
                               "spans": {"type": "array", "minItems": 1, "items": span}}}

    # ------------------------------------------------------------ evidence
    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        p = self.params(spec)
        us = content_units(anchors)
        visual = [a for a in anchors.anchors if a.kind in VISUAL_EVENTS]
        if not us and not visual:
            return []
        duration = duration_of(anchors)
        titled = [u for u in us if u.title_anchor is not None]
        if spec.language == "zh":  # a text holding a quote mark cannot be quoted “…” unambiguously
            titled = [u for u in titled if not any(ch in u.title for ch in _QUOTE_MARKS)]
        # distinct texts only: a title visible across two shots is one event (compared by its words, as
        # the verifier compares steps: "第一步" and "第一步，" are one text)
        seen: set[str] = set()
        screen = []
        for u in titled:
            key = _text_key(u.title)
            if key not in seen:
                seen.add(key)
                screen.append(u)
        speech = [a for u in us for a in u.speech if lang.word_count(anchor_text(a)) >= 3
                  and not (spec.language == "zh" and any(ch in anchor_text(a) for ch in _QUOTE_MARKS))
                  and _phrase_p(a, p.phrase_words) >= p.min_phrase_p]
        context = [a for u in us for a in ([u.shot] if u.shot else []) + u.ocr[:1]]
        out: list[Evidence] = []

        def add(qtype: str, difficulty: str, targets: list[Any], key_units: list[Unit], **extra: Any) -> None:
            ids = [a.id for a in targets]
            anchor_list = list({a.id: a for a in targets + context}.values())
            frames = select_frames([u.frame_t for u in key_units] or [t.t0 for t in targets], p.max_frames,
                                   p.frame_selection, (0.0, duration))
            meta = {"variant": qtype, "qtype": qtype, "difficulty": difficulty, "targets": ids,
                    "duration": duration, **extra}
            out.append(Evidence(sources=[anchors.source], anchors=anchor_list, frames=frames, meta=meta,
                                key=f"{qtype}:{','.join(ids)}"))

        types = set(p.types)
        if "localize_text" in types:
            for u in screen[: p.per_type]:
                add("localize_text", "easy", [u.title_anchor], [u])
            if p.every_line:
                said = {u.title.lower() for u in screen}
                for u in us:
                    for a in u.ocr:
                        text = anchor_text(a).strip().lower()
                        if lang.word_count(text) >= 1 and text not in said and len(text) >= 3:
                            said.add(text)
                            add("localize_text", "easy", [a], [u])
        if "localize_speech" in types:
            step = max(1, len(speech) // max(1, p.per_type))
            for a in speech[::step][: p.per_type]:
                phrase, t0, t1 = _phrase(a, p.phrase_words)
                add("localize_speech", "medium", [a], [], phrase=phrase, phrase_span=[t0, t1])
        if "order" in types:
            pairs = [(screen[i], screen[j]) for i in range(len(screen)) for j in range(i + 1, len(screen))]
            for n, (a, b) in enumerate(pairs[: p.per_type]):
                add("order", "medium", [a.title_anchor, b.title_anchor], [a, b], swap=n % 2 == 1)
            cross = [(u, s) for u in screen for s in speech
                     if abs(u.title_anchor.t0 - s.t0) > 1.0 and not (u.t0 <= s.t0 < u.t1)
                     and _text_key(u.title) != _text_key(anchor_text(s))]  # two items, not one text twice
            for n, (u, s) in enumerate(cross[: max(1, p.per_type // 2)]):
                phrase, t0, t1 = _phrase(s, p.phrase_words)
                add("order", "hard", [u.title_anchor, s], [u], swap=n % 2 == 0, phrase=phrase,
                    phrase_span=[t0, t1])
        if "state_change" in types:
            n = 0
            for a, b in zip(titled, titled[1:]):
                if _text_key(a.title) == _text_key(b.title) or n >= p.per_type:
                    continue
                tr = _transition_between(anchors, a, b)
                targets = [a.title_anchor, b.title_anchor] + ([tr] if tr is not None else [])
                hard = _transition_kind(tr) not in ("cut", "hard_cut", "hard")
                add("state_change", "hard" if hard else "medium", targets, [a, b],
                    times=[round(a.frame_t, 3), round(b.frame_t, 3)], transition=_transition_kind(tr),
                    boundary=round(b.t0, 3))
                n += 1
        if "multi_event" in types and len(screen) >= 3:
            add("multi_event", "hard", [u.title_anchor for u in screen[: p.max_events]], screen[: p.max_events])
        self._visual_questions(anchors, types, p, add)
        return mix_order(out, p.difficulty)

    def focus_select(self, anchors: AnchorSet, spec: TaskSpec, match: Any) -> list[Evidence]:
        """With a focus: questions about the focused part only, and about each line shown or said there
        (per_type questions per type would ask one or two about a single slide)."""
        from ..focus import WINDOW_SHARE, focused_view  # noqa: PLC0415 - focus imports the tasks, not the other way

        if match.reading is None:  # a plain time window ("the first 20 seconds") is no part: the usual mix
            return self.select(focused_view(anchors, match.spans, WINDOW_SHARE), spec)
        view = focused_view(anchors, match.spans)
        lines = sum(1 for a in view.anchors if a.kind in ("ocr_text", "transcript"))
        p = self.params(spec)
        wide = spec.model_copy(update={"params": {**spec.params, "every_line": True,
                                                  "per_type": max(p.per_type, lines)}})
        return self.select(view, wide)

    def _visual_questions(self, anchors: AnchorSet, types: set[str], p: TemporalQAParams, add: Any) -> None:
        hands = sorted(anchors.of_kind("hand"), key=lambda a: a.t0)
        objs = sorted((a for a in anchors.of_kind("hand_object") if a.data.get("actions")), key=lambda a: a.t0)
        cams = sorted((a for a in anchors.of_kind("camera_motion") if a.data.get("motion")), key=lambda a: a.t0)
        people = sorted((a for a in anchors.of_kind("person") if int(a.data.get("count", 0)) > 0), key=lambda a: a.t0)
        if "hand_appear" in types and hands:
            add("hand_appear", "easy", [hands[0]], [])
        if "hand_action" in types:
            done: set[str] = set()
            for a in objs:
                act = a.data["actions"][-1]
                if act not in done and len(done) < p.per_type:
                    done.add(act)
                    add("hand_action", "medium", [a], [], action=act)
        if "camera_move" in types and cams:
            moving = [a for a in cams if a.data["motion"] != "static"]
            for a in (moving[: p.per_type] or cams[:1]):
                add("camera_move", "medium", [a], [], moved=bool(moving))
        if "subject_move" in types:
            subs = sorted((a for a in anchors.of_kind("subject_motion") if a.data.get("direction") in SUBJECT_PHRASE
                           and a.t1 - a.t0 >= 0.5), key=lambda a: -(a.t1 - a.t0))
            for a in sorted(subs[: p.per_type], key=lambda a: a.t0):
                add("subject_move", "medium", [a], [])
        if "people_count" in types:
            for a in people[: p.per_type]:
                add("people_count", "medium", [a], [], at=round((a.t0 + a.t1) / 2, 3))
        if "visual_order" in types:
            events = ([hands[0]] if hands else []) + [a for a in objs if a.data["actions"][-1] != "hold"][:2] \
                + [a for a in cams if a.data["motion"] != "static"][:2] + people[:1]
            events.sort(key=lambda a: a.t0)
            pairs = [(x, y) for i, x in enumerate(events) for y in events[i + 1:] if y.t0 - x.t0 >= 0.5]
            for n, (x, y) in enumerate(pairs[: p.per_type]):
                add("visual_order", "hard", [x, y], [], swap=n % 2 == 1)

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        m = ev.meta
        hints = {
            "localize_text": "Ask when the on-screen text of the target anchor is shown; answer with its span.",
            "localize_speech": f"Ask when the narrator says \"{m.get('phrase', '')}\"; answer with its span.",
            "order": "Ask which of the two targets comes first; answer, with one span per target in time order.",
            "state_change": f"Ask what changes on screen between {m.get('times')} s; answer from the targets' text.",
            "multi_event": "Ask for the on-screen events in order with times; one span per event, in order.",
            "hand_appear": "Ask when a hand is first in view; answer with the hand anchor's span.",
            "hand_action": f"Ask when the hand does '{m.get('action')}' with what it holds; answer with its span.",
            "camera_move": "Ask how and when the camera moves (or whether it does); answer with the camera anchor's "
                           "span in its words ('the camera pans left', 'is static').",
            "people_count": f"Ask how many people are in view at {m.get('at')} s; answer with the person anchor's count.",
            "subject_move": "Ask which way something moves in the target's span; answer in its words ('something "
                            "moves from left to right', 'upwards') with the subject-motion anchor's span.",
            "visual_order": "Ask which of the two visual events comes first; one span per event, in time order.",
        }
        task_text = (f"Question type {m['qtype']} ({m['difficulty']}). {hints[m['qtype']]} Targets: "
                     f"{', '.join(m['targets'])}. Each span cites the anchor(s) it comes from and lies inside them.")
        return build_prompt(ev, spec, task_text, self.draft_schema())

    # ------------------------------------------------------------ rules synthesizer
    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        m = ev.meta
        tg = [ev.anchor(i) for i in m["targets"]]

        def q(a: Any) -> str:
            return f'"{anchor_text(a)}"'

        def span(a: Any, text: str | None = None, t0: float | None = None, t1: float | None = None) -> dict:
            return {"t0": round(a.t0 if t0 is None else t0, 3), "t1": round(a.t1 if t1 is None else t1, 3),
                    "anchors": [a.id], "text": text or anchor_text(a)}

        qt = m["qtype"]
        if spec.language == "zh":
            return _visual_rules_zh(qt, m, tg, span) if qt in _VISUAL_QTYPES else _rules_zh(qt, m, tg, span)
        if qt == "localize_text":
            a = tg[0]
            return {"question": f"When is the text {q(a)} shown on screen?",
                    "answer": f"From {a.t0:.1f} s to {a.t1:.1f} s.", "spans": [span(a)]}
        if qt == "localize_speech":
            a, (t0, t1) = tg[0], m["phrase_span"]
            return {"question": f"When does the narrator say \"{m['phrase']}\"?",
                    "answer": f"From {t0:.1f} s to {t1:.1f} s.", "spans": [span(a, m["phrase"], t0, t1)]}
        if qt == "order":
            items = []
            for a in tg:
                if a.kind == "transcript":
                    t0, t1 = m["phrase_span"]
                    items.append((t0, f"the narrator saying \"{m['phrase']}\"", span(a, m["phrase"], t0, t1)))
                else:
                    items.append((a.t0, f"the text {q(a)} appearing on screen", span(a)))
            shown = list(reversed(items)) if m.get("swap") else items
            items.sort(key=lambda x: x[0])
            (ta, da, sa), (tb, db, sb) = items
            return {"question": f"Which comes first: {shown[0][1]} or {shown[1][1]}?",
                    "answer": f"First {da} (at {ta:.1f} s), then {db} (at {tb:.1f} s).", "spans": [sa, sb]}
        if qt == "state_change":
            a, b = tg[0], tg[1]
            t, t2 = m["times"]
            how = "a hard cut" if m["transition"] in ("cut", "hard_cut", "hard") else f"a {m['transition']}"
            spans = [span(a), span(b)]
            if len(tg) > 2:
                spans.insert(1, span(tg[2], f"{m['transition']} at {tg[2].t0:.1f}-{tg[2].t1:.1f} s"))
            return {"question": f"What changes on screen between {t:.1f} s and {t2:.1f} s?",
                    "answer": f"The screen changes from {q(a)} to {q(b)} around {m['boundary']:.1f} s, through {how}.",
                    "spans": spans}
        if qt in _VISUAL_QTYPES:
            return _visual_rules(qt, m, tg, span)
        events = "; ".join(f"{n + 1}. {q(a)} at {a.t0:.1f}-{a.t1:.1f} s" for n, a in enumerate(tg))
        return {"question": "List the on-screen text changes in this video in order, with their times.",
                "answer": events + ".", "spans": [span(a) for a in tg]}

    # ------------------------------------------------------------ build
    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        errors = validate_draft(draft, self.draft_schema())
        if errors:
            raise DraftError(errors)
        spans = draft["spans"]
        for i, s in enumerate(spans):
            errors += span_errors(ev, s["anchors"], float(s["t0"]), float(s["t1"]), f"spans/{i}")
        if ev.meta["qtype"] in ("order", "multi_event", "visual_order"):
            for i in range(1, len(spans)):
                if float(spans[i]["t0"]) < float(spans[i - 1]["t0"]):
                    errors.append(f"spans/{i}: listed before an earlier span (list spans in time order)")
        missing = [t for t in ev.meta["targets"] if not any(t in s["anchors"] for s in spans)]
        if missing:
            errors.append(f"spans: the answer must cite the target anchor(s) {', '.join(missing)}")
        if errors:
            raise DraftError(errors)
        p = self.params(spec)
        qmedia = []
        duration = ev.meta.get("duration") or 0.0
        if p.attach_video and duration > 0:
            qmedia.append(Segment(type="clip", path=whole_video(media, ev.source, duration), t0=0.0, t1=duration))
        solution = [Segment(type="text", text=clean(draft["answer"]))]
        for s in spans:
            solution.append(Segment(type="span", text=clean(s.get("text", "")) or None, t0=float(s["t0"]),
                                    t1=float(s["t1"]), anchors=list(s["anchors"])))
        evidence: list[str] = []
        for seg in solution:
            evidence += [a for a in seg.anchors if a not in evidence]
        domain = spec.domain if spec.domain in self.domains else self.domains[0]
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain=domain, source=ev.source.id,
                      query=Query(text=clean(draft["question"]), media=qmedia), solution=solution, evidence=evidence,
                      meta={"variant": ev.meta["qtype"], "qtype": ev.meta["qtype"],
                            "difficulty": ev.meta["difficulty"]},
                      provenance=provenance(ev, spec))
