"""`t2v` (AIGC): text-to-video training pairs.

Clips are cut at shot boundaries (transition frames trimmed off) and long shots are split at
motion/static boundaries; each clip gets a short generation prompt and a dense caption built from
the anchors of its span (on-screen text, narration, motion level, the transition into it).
"""
from __future__ import annotations

import math
import re
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..model import Anchor, AnchorSet, Query, Sample, Segment, TaskSpec
from .base import Evidence, Task, register_task
from .shared.common import (IDS_SCHEMA, DraftError, anchor_text, build_prompt, clean, duration_of, evidence_sample_id,
                     inside_any, overlap, provenance, select_frames, span_errors, units, validate_draft)
from .shared.visual import (
    CAMERA_ZH, REGION_ZH, SCALE_ZH, SIDE_PHRASE, SIDE_ZH, SUBJECT_ZH, TEMPLATE_ZH, anchor_summary, person_framing,
    short_subject, visual_clauses,
)


class T2VParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    min_clip: float = 1.0  # seconds; shorter spans are skipped
    max_clip: float = 8.0  # longer shots are split
    max_frames: int = 3
    frame_selection: str = "keyframes"  # or "uniform" (same budget; for comparison)
    max_clips: int = 200  # most clips per source


def _trim(t0: float, t1: float, transitions: list[Anchor]) -> tuple[float, float]:
    """Cut off transition frames (dissolve/fade) at either end of a shot."""
    for tr in transitions:
        if tr.t1 <= tr.t0:
            continue
        if tr.t0 <= t0 + 0.05 < tr.t1:
            t0 = tr.t1
        if tr.t0 < t1 - 0.05 <= tr.t1:
            t1 = tr.t0
    return t0, t1


def _split(t0: float, t1: float, max_clip: float, cuts: list[float]) -> list[tuple[float, float]]:
    """Split [t0, t1] into pieces <= max_clip, snapping each cut to a nearby motion/static boundary."""
    n = math.ceil((t1 - t0) / max_clip - 1e-9)
    if n <= 1:
        return [(t0, t1)]
    bounds = [t0]
    for i in range(1, n):
        ideal = t0 + (t1 - t0) * i / n
        near = [c for c in cuts if abs(c - ideal) <= 1.0 and bounds[-1] + 0.5 < c < t1 - 0.5]
        cut = min(near, key=lambda c: abs(c - ideal)) if near else ideal
        if cut - bounds[-1] > max_clip:
            cut = bounds[-1] + max_clip
        bounds.append(cut)
    bounds.append(t1)
    return list(zip(bounds, bounds[1:]))


# The rules synthesizer's Chinese captions (spec.language == "zh"); claims.template_words_zh reads them.
# The visual clauses' own words are templates too; what they claim (counts, colours, light, sides, camera,
# directions) lang.claim_text glosses into the English claims the anchors are checked against.
TEMPLATES_ZH = {"visual": " ".join([TEMPLATE_ZH, *CAMERA_ZH.values(), *SUBJECT_ZH.values(), *REGION_ZH.values()]),
                "subject": "，画面中有{subject}", "caption": "一段 {d} 秒的{motion}镜头", "prompt": "一个{motion}镜头", "of_text": "，拍的是显示文字{q}的屏幕",
                "showing": "，屏幕上显示文字{qs}", "voice": "画外音说：{q}", "after": "这个镜头接在上一个镜头的{kind}之后。",
                "motions": "静止的 基本静止的 运动的 快速运动的 缓慢运动的", "kinds": "硬切 叠化 淡入淡出 转场"}
_MOTION_ZH = {"static": "静止的", "mostly static": "基本静止的", "moving": "运动的", "fast-moving": "快速运动的",
              "slowly moving": "缓慢运动的"}
_QUOTE_MARKS = '"\u201c\u201d\u300c\u300d\u300e\u300f\u2018\u2019\u00ab\u00bb'
_KIND_ZH = {"cut": "硬切", "hard_cut": "硬切", "dissolve": "叠化", "fade": "淡入淡出"}
_NUM_ZH = {"two": "两", "three": "三", "four": "四", "five": "五", "six": "六"}


# the prompt's subject in the clauses' own phrases, so the same glosses check it
_SUBJECT_ZH = {"a hand holding an object": "一只手，它拿着一个物体", "a hand touching something": "一只手，它触碰东西",
               "a hand": "一只手", "a person": "一个人"}


def _rules_zh(m: dict[str, Any], texts: list[str], speech: str, tr: Anchor | None,
              anchors: list[Anchor] = ()) -> tuple[str, str, list[str]]:
    """(prompt, caption, extra cited ids) of a clip in Chinese."""
    Z = TEMPLATES_ZH
    c0, c1 = m["span"]
    # a text holding a quote mark cannot be quoted “…” unambiguously: the caption leaves it out
    texts = [t for t in texts if not any(ch in t for ch in _QUOTE_MARKS)]
    motion = _MOTION_ZH.get(m["motion"], "")
    caption = Z["caption"].format(d=f"{c1 - c0:.1f}", motion=motion)
    prompt = Z["prompt"].format(motion=motion)
    if texts:
        caption += Z["showing"].format(qs="、".join(f"“{t}”" for t in texts))
        prompt += Z["of_text"].format(q=f"“{texts[0]}”")
    caption += "。"
    subject = short_subject(list(anchors), c0, c1)
    if subject and not texts:
        n = re.fullmatch(r"(\w+) people", subject)
        said = _SUBJECT_ZH.get(subject) or (f"{_NUM_ZH.get(n.group(1), n.group(1))}个人" if n else None)
        if said:
            prompt += Z["subject"].format(subject=said)
        if subject == "a person":  # the framing, as the caption says it
            scale, side = person_framing(list(anchors), c0, c1)
            prompt += "".join("，" + x for x in (SIDE_ZH.get(side), SCALE_ZH.get(scale)) if x)
    ids = []
    for text, cited in visual_clauses(list(anchors), c0, c1, zh=True):  # who / what is in view, camera, colours
        caption += text
        ids += cited
    if speech and not any(ch in speech for ch in _QUOTE_MARKS):
        caption += Z["voice"].format(q=f"“{clean(speech)}”")
    if tr is not None:
        kind = tr.data.get("type") or tr.data.get("kind") or "transition"
        caption += Z["after"].format(kind=_KIND_ZH.get(kind, "转场"))
        ids.append(tr.id)
    return prompt + "。", clean(caption), ids


def motion_desc(motion: list[Anchor], static: list[Anchor], t0: float, t1: float) -> str:
    span = max(1e-6, t1 - t0)
    still = sum(overlap(a.t0, a.t1, t0, t1) for a in static) / span
    moving = sum(overlap(a.t0, a.t1, t0, t1) for a in motion) / span
    if still >= 0.8:
        return "static"
    if moving >= 0.5:
        return "fast-moving" if any(str(a.data.get("level", "")) == "high" for a in motion) else "moving"
    return "mostly static" if still >= moving else "slowly moving"


def motion_citation(motion: list[Anchor], static: list[Anchor], t0: float, t1: float) -> list[str]:
    """The anchors a motion description rests on: the static and the motion anchor covering most of
    the clip (each kind that is there), most-covering first; the caption's motion words are theirs."""
    tops = []
    for group in (static, motion):
        inside = [a for a in group if overlap(a.t0, a.t1, t0, t1) > 0]
        if inside:
            tops.append(max(inside, key=lambda a: overlap(a.t0, a.t1, t0, t1)))
    return [a.id for a in sorted(tops, key=lambda a: -overlap(a.t0, a.t1, t0, t1))]


def clip_facts(ev: Evidence) -> str:
    """The facts of a clip a caption states, each with the ids it rests on (what the rules teacher
    writes from): its length as a caption should give it, motion, on-screen text, narration and the
    transition into it. A model copies these instead of computing a length or guessing a transition."""
    m = ev.meta
    if m.get("variant") != "clip":  # a robot phase's caption states its own facts (shared/robot_t2v.py)
        return f"Motion in this span: {m.get('motion', '')}."
    c0, c1 = m["span"]
    out = [f"Clip length: {c1 - c0:.1f} s (say \"{c1 - c0:.1f}-second\"; no other length)."]
    motion_ids = m.get("motion_anchors") or []
    out.append(f"Motion in this span: {m['motion']}" + (f" (cite {', '.join(motion_ids[:2])})." if motion_ids else "."))
    texts = [(i, anchor_text(ev.anchor(i))) for i in m.get("ocr", [])[:4] if ev.anchor(i) is not None]
    out.append("On-screen text in the clip: " + ("; ".join(f'[{i}] "{t}"' for i, t in texts) if texts else "none") + ".")
    speech = [(i, anchor_text(ev.anchor(i))) for i in m.get("speech", []) if ev.anchor(i) is not None]
    out.append("Narration in the clip: " + ("; ".join(f'[{i}] "{t}"' for i, t in speech) if speech
                                            else "none (write no voice)") + ".")
    tr = ev.anchor(m["transition_in"]) if m.get("transition_in") else None
    if tr is not None:
        kind = tr.data.get("type") or tr.data.get("kind") or "transition"
        out.append(f"The clip begins after a {kind} ([{tr.id}]).")
    else:
        out.append("No transition leads into the clip (mention none).")
    return " ".join(out)


@register_task
class T2VTask(Task):
    name = "t2v"
    domains = ("aigc",)
    needs = ("shot",)
    source_kinds = ("video", "robot")  # robot episodes: clips per motion phase (tasks/shared/robot_t2v.py)
    description = ("Text-to-video training pairs: clips cut at shot and motion boundaries with dense, "
                   "generation-ready captions from on-screen text, narration, motion and transitions.")
    examples = ("make text-to-video training pairs", "caption clips for video generation", "dense captions for t2v",
                "build a video generation dataset", "caption clips for a video generation model")
    keywords = (r"text[- ]to[- ]video", r"\bt2v\b", r"video generation", r"generative", r"captions?", r"\bclips?\b",
                r"\baigc\b", r"diffusion")
    keywords_zh = ('文生视频', '文本生成视频', '视频生成', '生成模型', '生成式', '视频描述', '片段描述', '密集描述', '配文')
    examples_zh = ('给视频片段写描述做文生视频训练数据', '为视频生成模型准备素材', '描述每段画面让模型能重新生成')
    rewrite = ("Cut clips at shot and motion boundaries and write a dense, generation-ready caption for each from "
               "the on-screen text, narration, motion and transitions.")
    Params = T2VParams

    def draft_schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["prompt", "caption", "t0", "t1", "anchors"],
                "properties": {"prompt": {"type": "string", "minLength": 5},
                               "caption": {"type": "string", "minLength": 10},
                               "t0": {"type": "number"}, "t1": {"type": "number"}, "anchors": IDS_SCHEMA}}

    def can_serve(self, source_kind: str, anchor_kinds: set[str]) -> str | None:
        if source_kind == "robot":  # phases stand in for shots
            return None if "phase" in anchor_kinds else "task 't2v' on a robot episode needs phase anchors"
        return super().can_serve(source_kind, anchor_kinds)

    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        p = self.params(spec)
        if anchors.source.kind == "robot":
            from .shared import robot_t2v  # noqa: PLC0415

            return robot_t2v.select(anchors, p)
        duration = duration_of(anchors)
        transitions = anchors.of_kind("transition")
        motion, static = anchors.of_kind("motion"), anchors.of_kind("static")
        cuts = sorted({t for a in motion + static for t in (a.t0, a.t1)})
        out: list[Evidence] = []
        for u in units(anchors):
            if u.shot is None:
                continue
            t0, t1 = _trim(u.t0, u.t1, transitions)
            for c0, c1 in _split(t0, min(t1, duration) if duration else t1, p.max_clip, cuts):
                c0, c1 = round(c0, 3), round(c1, 3)  # (a shot may end past the header's duration)
                if c1 - c0 < p.min_clip or len(out) >= p.max_clips:
                    continue
                near = [a for a in anchors.anchors if overlap(a.t0, a.t1, c0, c1) > 0
                        or (a.kind == "keyframe" and c0 <= a.t0 <= c1)]
                ocr = [a for a in u.ocr if overlap(a.t0, a.t1, c0, c1) >= min(0.5, (c1 - c0) / 2)]
                speech = [a for a in near if a.kind == "transcript" and anchor_text(a)
                          and overlap(a.t0, a.t1, c0, c1) >= 0.5 * (a.t1 - a.t0)]
                tr_in = next((a for a in transitions if abs(a.t1 - u.t0) < 0.2 or a.t0 <= u.t0 <= a.t1), None)
                if u.index == 0 or c0 > t0 + 1e-6:  # only the first piece of a shot follows its transition
                    tr_in = None
                meta = {"variant": "clip", "duration": duration, "span": [c0, c1], "shot": u.shot.id,
                        "ocr": [a.id for a in ocr], "speech": [a.id for a in speech],
                        "transition_in": tr_in.id if tr_in is not None else None,
                        "motion": motion_desc(motion, static, c0, c1),
                        "motion_anchors": motion_citation(motion, static, c0, c1)}
                kfs = [a.t0 for a in u.keyframes if c0 <= a.t0 <= c1] or [round((c0 + c1) / 2, 3)]
                pool = {a.id: a for a in [u.shot] + near + ocr + speech + ([tr_in] if tr_in is not None else [])}
                out.append(Evidence(sources=[anchors.source], anchors=list(pool.values()),
                                    frames=select_frames(kfs, p.max_frames, p.frame_selection, (c0, c1)), meta=meta, key=f"clip:{c0:.3f}-{c1:.3f}"))
        return out

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        c0, c1 = ev.meta["span"]
        task_text = (f"Caption the clip {c0:.2f}-{c1:.2f} s (shot {ev.meta['shot']}) for text-to-video training: "
                     "`prompt` = one short generation prompt, `caption` = a dense description using only the "
                     "anchors (on-screen text quoted exactly, narration, motion, transition), `t0`/`t1` = the clip "
                     f"span, `anchors` = ids used (the shot first). {clip_facts(ev)}")
        seen = [f"[{a.id}] {a.kind} {a.t0:.2f}-{a.t1:.2f} {anchor_summary(a)}" for a in ev.anchors
                if anchor_summary(a)]
        if seen:  # what is in the picture: a VLM should say it in these words, citing these ids
            task_text += (" Visual anchors (say what they say, e.g. 'the camera pans left', 'a right hand holds an "
                          "object', 'two people', 'mostly white and grey'; cite each): " + "; ".join(seen[:12]))
        return build_prompt(ev, spec, task_text, self.draft_schema())

    def narrow(self, schema: dict[str, Any], ev: Evidence) -> dict[str, Any]:
        """`t0`/`t1` are the clip's span, which the evidence fixes: a constrained decoder copies them."""
        if not isinstance(ev.meta.get("span"), list):
            return schema
        props = dict(schema.get("properties") or {})
        for key, v in zip(("t0", "t1"), ev.meta["span"]):
            if isinstance(props.get(key), dict):
                props[key] = {"type": "number", "enum": [v]}
        return {**schema, "properties": props}

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        m = ev.meta
        if m.get("variant") == "embodied":
            from .shared import robot_t2v  # noqa: PLC0415

            return robot_t2v.rules(ev)
        c0, c1 = m["span"]
        texts = [anchor_text(ev.anchor(i)) for i in m["ocr"]][:4]
        speech = " ".join(anchor_text(ev.anchor(i)) for i in m["speech"])
        if spec.language == "zh":
            tr = ev.anchor(m["transition_in"]) if m.get("transition_in") else None
            prompt, caption, extra = _rules_zh(m, texts, speech, tr, ev.anchors)
            ids = [m["shot"]] + m["ocr"][:4] + m["speech"] + m["motion_anchors"][:2] + extra
            return {"prompt": prompt, "caption": caption, "t0": c0, "t1": c1, "anchors": list(dict.fromkeys(ids))}
        motion = m["motion"]
        article = "An" if motion[0] in "aeiou" else "A"
        caption = f"{article} {motion} {c1 - c0:.1f}-second shot"
        subject = short_subject(ev.anchors, c0, c1)
        scale, side = person_framing(ev.anchors, c0, c1) if subject == "a person" else (None, None)
        # a generation prompt carries the framing the caption states: "A static medium shot of a person on the right"
        prompt = f"{article} {motion} {scale + ' ' if scale else ''}shot"
        if subject:
            prompt += f" of {subject}" + (f" {SIDE_PHRASE[side]}" if side in SIDE_PHRASE else "")
        if texts:  # text in the picture, not "a screen": footage shows signs, labels and captions too
            caption += " showing the on-screen text " + ", ".join(f'"{t}"' for t in texts)
            prompt += f' with the on-screen text "{texts[0]}"'
        caption += "."
        ids = [m["shot"]] + m["ocr"][:4] + m["speech"] + m["motion_anchors"][:2]
        for text, cited in visual_clauses(ev.anchors, c0, c1):  # who / what is in view, hands, camera, colours
            caption += " " + text
            ids += cited
        if speech:
            caption += f' A voice says: "{clean(speech)}"'
        tr = ev.anchor(m["transition_in"]) if m.get("transition_in") else None
        if tr is not None:
            kind = tr.data.get("type") or tr.data.get("kind") or "transition"
            caption += f" The shot begins after a {kind} from the previous shot."
            ids.append(tr.id)
        return {"prompt": prompt + ".", "caption": clean(caption), "t0": c0, "t1": c1,
                "anchors": list(dict.fromkeys(ids))}

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        errors = validate_draft(draft, self.draft_schema())
        if errors:
            raise DraftError(errors)
        t0, t1 = float(draft["t0"]), float(draft["t1"])
        errors += span_errors(ev, draft["anchors"], t0, t1, "clip")
        if t1 - t0 < self.params(spec).min_clip:
            errors.append(f"clip: {t1 - t0:.2f} s is shorter than the minimum {self.params(spec).min_clip} s")
        if errors:
            raise DraftError(errors)
        holders = [i for i in draft["anchors"] if inside_any(ev, [i], t0, t1)]
        clip = Segment(type="clip", path=media.clip(ev.source, t0, t1), t0=t0, t1=t1, anchors=holders)
        caption = Segment(type="text", text=clean(draft["caption"]), t0=t0, t1=t1, anchors=list(draft["anchors"]))
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="aigc", source=ev.source.id,
                      query=Query(text=clean(draft["prompt"])), solution=[clip, caption],
                      evidence=list(dict.fromkeys(draft["anchors"])),
                      meta={"variant": "clip", "motion": ev.meta["motion"], "clip_s": round(t1 - t0, 3)},
                      provenance=provenance(ev, spec))
