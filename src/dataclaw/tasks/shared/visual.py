"""What the visual anchors say about one span, as short clauses that cite them (rules writers).

Every clause uses the vocabulary `verify._check_visual_claims` holds against the anchors it cites:
"the camera pans left", "a right hand", "holds ... moves", "two people", "mostly white and grey",
"brightly lit", "something moves from left to right in the lower half". A clause is only written when its anchor covers enough of the span.
With `zh` the same clauses are written in Chinese, in the phrases `lang.claim_text` glosses back into those
English claims ("画面中最多有两个人", "画面以灰色和白色为主，光线明亮"), so the same checks hold them.
"""
from __future__ import annotations

from typing import Any

from ... import lang
from ...model import Anchor
from .intervals import overlap

VISUAL_KINDS = ("hand", "hand_object", "person", "face", "camera_motion", "scene", "subject_motion")
SUBJECT_PHRASE = {"right": "from left to right", "left": "from right to left", "up": "upwards", "down": "downwards"}
CAMERA_PHRASE = {"static": "is static", "pan_left": "pans left", "pan_right": "pans right", "tilt_up": "tilts up",
                 "tilt_down": "tilts down", "zoom_in": "zooms in", "zoom_out": "zooms out", "shake": "shakes"}
LIGHT_PHRASE = {"bright": "brightly lit", "dim": "dimly lit", "dark": "dark"}
_NUM = {1: "one", 2: "two", 3: "three", 4: "four", 5: "five", 6: "six"}
CAMERA_ZH = {v: k for k, v in lang.ZH_CAMERA.items()}
SUBJECT_ZH = {"right": "从左向右移动", "left": "从右向左移动", "up": "向上移动", "down": "向下移动"}
REGION_ZH = {"in the upper half": "在画面上半部分", "in the lower half": "在画面下半部分", "on the left side": "在画面左侧",
             "on the right side": "在画面右侧"}
# how a single person is framed (experts/people.py: scale and side), in words verify._check_visual_claims reads
SCALE_PHRASE = {"close-up": "in close-up", "medium": "in a medium shot", "full": "in a full shot", "wide": "in a wide shot"}
SIDE_PHRASE = {"left": "on the left", "right": "on the right", "centre": "in the centre"}
SCALE_ZH = {"close-up": "特写", "medium": "中景", "full": "全景", "wide": "远景"}
SIDE_ZH = {"left": "位于画面左边", "right": "位于画面右边", "centre": "位于画面中间"}
LIGHT_ZH = {"bright": "光线明亮", "dim": "光线昏暗", "dark": "画面很暗"}
COLOUR_ZH = {v: k + "色" for k, v in lang.ZH_COLOURS.items()}
HAND_ACT_ZH = {"hold": "拿着一个物体", "move": "挪动它", "turn": "转动它", "touch": "触碰东西"}
# the Chinese clauses' own words (t2v's TEMPLATES_ZH): counts, colours, sides and actions are claims
TEMPLATE_ZH = "画面中有 画面中最多有 可以看到 是 然后 它 画面以 为主 和 有物体"


def _zh_num(n: int) -> str:
    return "两" if n == 2 else lang.cn_numeral(n)


def _covering(anchors: list[Anchor], kind: str, t0: float, t1: float, share: float) -> list[Anchor]:
    span = max(1e-6, t1 - t0)
    return [a for a in anchors if a.kind == kind
            and overlap(a.t0, a.t1, t0, t1) >= share * min(span, max(1e-6, a.t1 - a.t0))]


def camera_clause(anchors: list[Anchor], t0: float, t1: float, zh: bool = False) -> tuple[str, list[str]] | None:
    """'The camera pans left, then is static.' from the camera runs covering most of the span."""
    runs = sorted((a for a in anchors if a.kind == "camera_motion" and a.data.get("motion")
                   and overlap(a.t0, a.t1, t0, t1) >= min(0.5, 0.3 * (t1 - t0))), key=lambda a: a.t0)
    if not runs:
        return None
    phrases, ids = [], []
    for a in runs[:3]:
        ph = (CAMERA_ZH if zh else CAMERA_PHRASE).get(a.data["motion"])
        if ph and (not phrases or phrases[-1] != ph):
            phrases.append(ph)
            ids.append(a.id)
    if not phrases:
        return None
    if zh:
        return "，然后".join(phrases) + "。", ids
    return "The camera " + ", then ".join(phrases) + ".", ids


def hand_clause(anchors: list[Anchor], t0: float, t1: float, zh: bool = False) -> tuple[str, list[str]] | None:
    hands = _covering(anchors, "hand", t0, t1, 0.5)
    if not hands:
        return None
    sides = sorted({a.data.get("side") for a in hands} - {None, "unknown"})
    if zh:
        side_zh = {"left": "左", "right": "右"}
        text = (f"画面中有{_zh_num(len(hands))}只手" if len(hands) >= 2 else
                f"画面中有一只{side_zh[sides[0]]}手" if sides and sides[0] in side_zh else "画面中有一只手")
    elif len(hands) >= 2:
        text = ("Two hands are" if len(hands) == 2 else f"{_NUM.get(len(hands), len(hands))} hands are") + " in view"
    elif sides:
        text = f"A {sides[0]} hand is in view"
    else:
        text = "A hand is in view"
    ids = [a.id for a in hands]
    objs = _covering(anchors, "hand_object", t0, t1, 0.5)
    acts: list[str] = []
    for a in sorted(objs, key=lambda a: a.t0):
        for w in a.data.get("actions", []):
            if w not in acts:
                acts.append(w)
    if objs and acts and zh:
        text += "；它" + "、".join(HAND_ACT_ZH[w] for w in ("hold", "move", "turn", "touch") if w in acts)
        return text + "。", ids + [a.id for a in objs]
    if objs and acts:
        verbs = {"hold": "holds an object", "move": "moves it", "turn": "turns it", "touch": "touches something"}
        parts = [verbs[w] for w in ("hold", "move", "turn", "touch") if w in acts]
        text += "; it " + (" and ".join(parts) if len(parts) <= 2 else ", ".join(parts[:-1]) + " and " + parts[-1])
        ids += [a.id for a in objs]
    return text + ("。" if zh else "."), ids


def people_clause(anchors: list[Anchor], t0: float, t1: float, zh: bool = False) -> tuple[str, list[str]] | None:
    ps = _covering(anchors, "person", t0, t1, 0.5)
    if not ps:
        return None
    a = max(ps, key=lambda a: overlap(a.t0, a.t1, t0, t1))
    n = int(a.data.get("count", 0))
    if n <= 0:
        return None
    side, scale = (a.data.get("side"), a.data.get("scale")) if n == 1 else (None, None)
    if zh:
        text = "画面中有一个人" if n == 1 else f"画面中最多有{_zh_num(n)}个人"
        text += "".join("，" + x for x in (SIDE_ZH.get(side), SCALE_ZH.get(scale)) if x)
        if a.data.get("event") in ("enter", "leave"):
            text += "，有人进入画面" if a.data["event"] == "enter" else "，有人离开画面"
        return text + "。", [a.id]
    text = "One person is in view" if n == 1 else f"Up to {_NUM.get(n, n)} people are in view"
    # "up to N people" still names N: the verifier checks the count against the anchor's max
    text += "".join((" " if i == 0 else ", ") + x for i, x in enumerate(
        x for x in (SIDE_PHRASE.get(side), SCALE_PHRASE.get(scale)) if x))
    if a.data.get("event") in ("enter", "leave"):
        text += "; a person " + ("enters" if a.data["event"] == "enter" else "leaves")
    return text + ".", [a.id]


def face_clause(anchors: list[Anchor], t0: float, t1: float, zh: bool = False) -> tuple[str, list[str]] | None:
    fs = _covering(anchors, "face", t0, t1, 0.5)
    if not fs:
        return None
    a = max(fs, key=lambda a: overlap(a.t0, a.t1, t0, t1))
    n = int(a.data.get("count", 0))
    if n <= 0:
        return None
    scale = a.data.get("scale")
    if zh:
        return f"可以看到{_zh_num(n)}张脸" + ("，是特写" if scale == "close-up" else "") + "。", [a.id]
    text = ("One face" if n == 1 else f"{_NUM.get(n, n).capitalize()} faces") + " can be seen"
    if scale == "close-up":
        text += ", in close-up"
    return text + ".", [a.id]


def scene_clause(anchors: list[Anchor], t0: float, t1: float, zh: bool = False) -> tuple[str, list[str]] | None:
    sc = _covering(anchors, "scene", t0, t1, 0.5)
    if not sc:
        return None
    a = max(sc, key=lambda a: overlap(a.t0, a.t1, t0, t1))
    pal = list(a.data.get("palette") or [])
    light = LIGHT_PHRASE.get(a.data.get("light"))
    if not pal and not light:
        return None
    if zh:
        cols = [COLOUR_ZH[c] for c in pal if c in COLOUR_ZH]
        light_zh = LIGHT_ZH.get(a.data.get("light"))
        text = ("画面以" + (cols[0] if len(cols) == 1 else "、".join(cols[:-1]) + "和" + cols[-1]) + "为主") if cols else ""
        text = "，".join(x for x in (text, light_zh) if x)
        return (text + "。", [a.id]) if text else None
    if pal:
        cols = pal[0] if len(pal) == 1 else ", ".join(pal[:-1]) + " and " + pal[-1]
        text = f"The picture is mostly {cols}"
        if light:
            text += f" and {light}" if light != "dark" else ", and it is dark"
    else:
        text = "The picture is dark" if light == "dark" else f"The picture is {light}"
    return text + ".", [a.id]


def subject_region(a: Anchor) -> str | None:
    """Where a subject moved, across its direction: 'in the lower half', 'on the left side' (None: the middle)."""
    box = a.data.get("box") or []
    if len(box) != 4:
        return None
    if a.data.get("direction") in ("left", "right"):
        c = (box[1] + box[3]) / 2
        return "in the upper half" if c < 0.45 else "in the lower half" if c > 0.55 else None
    c = (box[0] + box[2]) / 2
    return "on the left side" if c < 0.45 else "on the right side" if c > 0.55 else None


def subject_clause(anchors: list[Anchor], t0: float, t1: float, zh: bool = False) -> tuple[str, list[str]] | None:
    """'Something moves from left to right in the lower half, then from right to left.' (subject_motion)."""
    runs = sorted((a for a in _covering(anchors, "subject_motion", t0, t1, 0.5)
                   if a.data.get("direction") in SUBJECT_PHRASE), key=lambda a: a.t0)
    phrases, ids = [], []
    for a in runs:
        ph = SUBJECT_PHRASE[a.data["direction"]]
        reg = subject_region(a)
        if zh:
            ph = (REGION_ZH[reg] if reg else "") + SUBJECT_ZH[a.data["direction"]]
        else:
            ph = f"{ph} {reg}" if reg else ph
        if not phrases or phrases[-1] != ph:
            phrases.append(ph)
            ids.append(a.id)
        if len(phrases) == 3:
            break
    if not phrases:
        return None
    if zh:
        return "有物体" + "，然后".join(phrases) + "。", ids
    return "Something moves " + ", then ".join(phrases) + ".", ids


def visual_clauses(anchors: list[Anchor], t0: float, t1: float, zh: bool = False) -> list[tuple[str, list[str]]]:
    """Clauses (text, cited ids) about [t0, t1]: people, faces, hands, camera, moving subjects, colours."""
    out = []
    for fn in (people_clause, face_clause, hand_clause, camera_clause, subject_clause, scene_clause):
        c = fn(anchors, t0, t1, zh)
        if c is not None:
            out.append(c)
    return out


def has_visual(anchor_kinds: set[str] | Any) -> bool:
    return bool(set(anchor_kinds) & set(VISUAL_KINDS))


def short_subject(anchors: list[Anchor], t0: float, t1: float) -> str | None:
    """A few words for a generation prompt: 'a hand holding an object', 'two people', ..."""
    hands = _covering(anchors, "hand", t0, t1, 0.5)
    objs = _covering(anchors, "hand_object", t0, t1, 0.5)
    ps = _covering(anchors, "person", t0, t1, 0.5)
    if hands and objs:
        return "a hand holding an object" if any("hold" in a.data.get("actions", []) for a in objs) else \
            "a hand touching something"
    if hands:
        return "a hand"
    if ps:
        n = max(int(a.data.get("count", 0)) for a in ps)
        return "a person" if n == 1 else f"{_NUM.get(n, n)} people" if n > 1 else None
    return None


def person_framing(anchors: list[Anchor], t0: float, t1: float) -> tuple[str | None, str | None]:
    """(scale, side) of the single person people_clause describes in a span; (None, None) for a crowd or nobody."""
    ps = _covering(anchors, "person", t0, t1, 0.5)
    if not ps:
        return None, None
    a = max(ps, key=lambda a: overlap(a.t0, a.t1, t0, t1))
    if int(a.data.get("count", 0)) != 1:
        return None, None
    return a.data.get("scale"), a.data.get("side")


def anchor_summary(a: Anchor) -> dict[str, Any]:
    """The fields of a visual anchor a model needs to write about it (prompts)."""
    d = a.data
    keep = {"hand": ("side", "grasp"), "hand_object": ("side", "actions"), "person": ("count", "direction", "event", "scale", "side"),
            "face": ("count", "scale"), "camera_motion": ("motion", "magnitude"), "scene": ("palette", "light"),
            "subject_motion": ("direction", "speed", "size")}.get(a.kind, ())
    return {k: d.get(k) for k in keep if k in d}
