"""`tutorial`: interleaved step-by-step data (step text + keyframe image, each tied to its span).

Variants per source:
- `full`:  a natural request -> the whole tutorial;
- `next`:  "my current situation is <frame>, what should I do next?" -> the following steps;
- `stuck`: (education) the frame just before a hard step, a student's question -> a short answer.
Steps come from shots; a step's text is the on-screen heading and the narration of its span. On
footage with neither (unnarrated hands at work: cooking, assembly, livestreams) the steps come from
the `hand_object` segments of the hands expert: what the hand does, in the verifier's words.
"""
from __future__ import annotations

import re

from typing import Any

from pydantic import BaseModel, ConfigDict

from .. import lang
from ..model import AnchorSet, Query, Sample, Segment, TaskSpec
from .base import Evidence, Task, register_task
from .shared.common import (FRAME_SCHEMA, IDS_SCHEMA, DraftError, Unit, anchor_text, build_prompt, clean,
                     content_units, duration_of, merge_same_heading, evidence_sample_id, frame_ref, frame_segment,
                     provenance, select_frames, span_errors, uncited, validate_draft)


class TutorialParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_frames: int = 8  # frame budget per sample shown to a model
    frame_selection: str = "keyframes"  # or "uniform" (same budget; for comparison)
    next_steps: int = 3  # steps in the answer of a "what next?" sample
    max_next: int = 12  # "what next?" samples per source
    max_stuck: int = 2  # "stuck point" samples per source (education)
    variants: list[str] = ["full", "next", "stuck"]
    attach_video: bool = True  # a request without a current frame carries the clip the tutorial covers


# The rules synthesizer's Chinese sentences (spec.language == "zh"); claims.template_words_zh reads them
TEMPLATES_ZH = {
    "next": "我现在的情况如图所示。接下来该做什么？",
    "stuck": "我卡在这里了，不明白怎样才能做到{topic}。能解释一下吗？",
    "full": "能一步一步地带我完成{topic}吗？",
    "next_step": "下一步",
    "video": "这个视频里的内容",
    # the hand steps' own words (hand_step_text); side and actions are claims lang.claim_text glosses
    "hand": "手 停下来 不动",
}


def step_text(u: Unit) -> str:
    title = u.title
    narration = u.narration
    if title and narration:
        if lang.has_cjk(title[-1:]) or lang.has_cjk(narration[:1]):  # Chinese: no space, a full stop
            return clean(title + ("" if title[-1:] in "。：！？:.!?" else "。") + narration)
        sep = " " if title[-1:] in ".:!?" else ". "
        return clean(title + sep + narration)
    if narration:
        return narration
    body = [anchor_text(a) for a in u.ocr[:3]]
    return clean(". ".join(b for b in body if b))


def unit_record(u: Unit) -> dict[str, Any]:
    """What rules() needs to rebuild a step from the evidence's anchors (ids and times only)."""
    return {"t0": u.t0, "t1": u.t1, "shot": u.shot.id if u.shot else None, "shots": [a.id for a in u.shots],
            "ocr": [a.id for a in u.ocr], "new_ocr": [a.id for a in u.new_ocr],
            "speech": [a.id for a in u.speech], "frame": frame_ref(u.frame_anchor, u.frame_t),
            "text": step_text(u)}


class HandUnit:
    """One tutorial step from hand_object segments (footage without text or narration)."""

    def __init__(self, segs: list[Any], hand: Any, text: str) -> None:
        self.segs, self.hand, self.text = segs, hand, text
        self.t0, self.t1 = segs[0].t0, segs[-1].t1
        self.frame_t = round((segs[0].t0 + segs[0].t1) / 2, 3)
        self.frame_anchor = segs[0]
        self.narration, self.new_ocr, self.shot, self.keyframes = "", [], None, []

    def anchors(self) -> list[Any]:
        return self.segs + ([self.hand] if self.hand is not None else [])

    @property
    def record(self) -> dict[str, Any]:
        ids = [a.id for a in self.segs] + ([self.hand.id] if self.hand is not None else [])
        return {"t0": round(self.t0, 3), "t1": round(self.t1, 3), "shot": None, "shots": [], "ocr": [],
                "new_ocr": [], "speech": [], "visual": ids, "frame": frame_ref(self.frame_anchor, self.frame_t),
                "text": self.text}


def hand_step_text(seg: Any, hand: Any, zh: bool = False) -> str:
    side = (hand.data.get("side") if hand is not None else None) or seg.data.get("side")
    acts = seg.data.get("actions", [])
    if zh:  # the phrases lang.claim_text glosses back ("右手拿着一个物体" -> "the right hand holds an object")
        who = {"left": "左手", "right": "右手"}.get(side, "手")
        done = "拿着一个物体，转动它" if "turn" in acts else "拿着一个物体，挪动它" if "move" in acts else \
            "拿着一个物体" if "hold" in acts else "触碰东西"
        return f"{who}{done}。"
    who = f"The {side} hand" if side in ("left", "right") else "The hand"
    if "turn" in acts:
        return f"{who} holds an object and turns it."
    if "move" in acts:
        return f"{who} holds an object and moves it."
    if "hold" in acts:
        return f"{who} holds an object."
    return f"{who} touches something."


_STILL = {" holds an object.": " stops and holds the object still.", "拿着一个物体。": "停下来，拿着一个物体不动。"}


def hand_units(anchors: AnchorSet, min_s: float = 0.5, zh: bool = False) -> list[HandUnit]:
    """Steps from hand_object segments in time order; equal consecutive steps join into one."""
    hands = {a.data.get("track"): a for a in anchors.of_kind("hand")}
    out: list[HandUnit] = []
    for seg in sorted(anchors.of_kind("hand_object"), key=lambda a: a.t0):
        if seg.t1 - seg.t0 < min_s or not seg.data.get("actions"):
            continue
        hand = hands.get(seg.data.get("track"))
        text = hand_step_text(seg, hand, zh)
        if out and out[-1].text == text:
            prev = out[-1]
            out[-1] = HandUnit(prev.segs + [seg], prev.hand, text)
            if hand is not None and prev.hand is not None and hand.id != prev.hand.id:
                out[-1].hand = None  # two tracks: cite both through their segments only
                out[-1].text = re.sub(r"^(?:The (?:left|right) hand|[左右]手)", lambda m: "手" if zh else "The hand",
                                      text)
            continue
        if any(u.text == text for u in out):  # said before: a hold after a move reads as stopping
            for said, still in _STILL.items():
                if text.endswith(said):
                    text = text[: -len(said)] + still
            if any(u.text == text for u in out):
                continue
        out.append(HandUnit([seg], hand, text))
    return out


def hardness(u: Unit) -> int:
    """How much a step throws at a student: new on-screen text plus narration length."""
    return sum(len(anchor_text(a)) for a in u.new_ocr) + len(u.narration)


def just_before(before: Unit, t_hard: float, transitions: list, lead: float = 0.5) -> tuple[Any, float]:
    """The frame a student looks at right before a hard step: `lead` s before it starts (and before
    any transition into it), inside the previous step; its latest keyframe when there is no shot."""
    if before.shot is None:
        kf = before.keyframes[-1] if before.keyframes else None
        return (kf, kf.t0) if kf else (before.frame_anchor, before.frame_t)
    t = t_hard - lead
    for tr in transitions:
        if tr.t0 - 0.05 <= t <= tr.t1 + 0.05:
            t = tr.t0 - lead
    t = round(max(before.t0, min(t, before.t1 - 0.05)), 3)
    # a step merged from several shots (same heading): the shot that holds t
    return next((s for s in before.shots if s.t0 - 1e-6 <= t <= s.t1 + 1e-6), before.shot), t


@register_task
class TutorialTask(Task):
    name = "tutorial"
    domains = ("daily_life", "education")
    needs = ("shot",)
    description = ("Step-by-step tutorials: interleaved step text and keyframe images tied to time spans, "
                   "'what should I do next?' from a frame, and 'stuck point' questions from students.")
    examples = ("turn this lesson into step-by-step tutorial data", "make how-to instructions from this video",
                "what should I do next from my current situation", "where do students get stuck")
    keywords = (r"tutorial", r"step[- ]by[- ]step", r"how[- ]to", r"\bsteps?\b", r"stuck", r"guide",
                r"instructions?", r"what (should i do|to do) next")
    keywords_zh = ('教程', '分步', '步骤', '一步一步', '逐步', '指南', '手把手', '操作说明', '怎么做', '教学')
    examples_zh = ('把这节课做成分步教程', '根据视频写操作步骤和关键帧', '做一份手把手的操作指南', '让人能照着一步一步学会')
    rewrite = ("Write step-by-step tutorial samples: each step's text from the narration and on-screen text of its "
               "time span, with a keyframe, in time order; include 'what next?' and 'stuck point' variants.")
    ordered = True
    Params = TutorialParams

    def can_serve(self, source_kind: str, anchor_kinds: set[str]) -> str | None:
        why = super().can_serve(source_kind, anchor_kinds)
        if why is None and not anchor_kinds & {"ocr_text", "transcript", "hand_object"}:
            return ("task 'tutorial' needs on-screen text or narration (or hand-object segments from expert "
                    "`hands`) to write steps from; this source has none")
        return why

    # ------------------------------------------------------------ schema
    def draft_schema(self) -> dict[str, Any]:
        step = {"type": "object", "required": ["text", "t0", "t1", "anchors", "frame"],
                "properties": {"text": {"type": "string", "minLength": 3}, "t0": {"type": "number"},
                               "t1": {"type": "number"}, "anchors": IDS_SCHEMA, "frame": FRAME_SCHEMA}}
        return {"type": "object", "required": ["question", "steps"],
                "properties": {"question": {"type": "string", "minLength": 5},
                               "query_frame": {"anyOf": [FRAME_SCHEMA, {"type": "null"}]},
                               "answer": {"type": "string"},
                               "steps": {"type": "array", "minItems": 1, "items": step}}}

    # ------------------------------------------------------------ evidence
    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        p = self.params(spec)
        us = merge_same_heading(content_units(anchors))
        if sum(len(step_text(u)) for u in us) < 6:  # a stray glyph is no text to teach from: what hands do is
            us = hand_units(anchors, zh=spec.language == "zh") or us
        if not us:
            return []
        duration = duration_of(anchors)
        src = [anchors.source]
        out: list[Evidence] = []

        def evidence(key: str, variant: str, steps: list[Unit], query: Unit | None = None,
                     query_frame: dict | None = None) -> Evidence:
            shown = ([query] if query else []) + steps
            anchor_list = []
            for u in shown:
                anchor_list += [a for a in u.anchors() if a not in anchor_list]
            if isinstance(shown[0], HandUnit):  # keyframes inside the steps, for the frames shown
                anchor_list += [a for a in anchors.of_kind("keyframe")
                                if shown[0].t0 <= a.t0 <= shown[-1].t1 and a not in anchor_list]
            frames = select_frames([u.frame_t for u in shown], p.max_frames, p.frame_selection,
                                   (shown[0].t0, shown[-1].t1))
            meta = {"variant": variant, "duration": duration,
                    "units": [u.record if isinstance(u, HandUnit) else unit_record(u) for u in steps],
                    "query_frame": query_frame}
            return Evidence(sources=src, anchors=anchor_list, frames=frames, meta=meta, key=key)

        if "full" in p.variants:
            out.append(evidence("full", "full", us))
        if "next" in p.variants and len(us) > 1:
            for k, u in enumerate(us[:-1][: p.max_next]):
                out.append(evidence(f"next:{u.t0:.3f}", "next", us[k + 1: k + 1 + p.next_steps], u,
                                    frame_ref(u.frame_anchor, u.frame_t)))
        if "stuck" in p.variants and spec.domain == "education" and len(us) > 1:
            ranked = sorted(range(1, len(us)), key=lambda k: (-hardness(us[k]), k))[: p.max_stuck]
            transitions = anchors.of_kind("transition")
            for k in sorted(ranked):
                before = us[k - 1]
                anchor, t = just_before(before, us[k].t0, transitions)
                out.append(evidence(f"stuck:{us[k].t0:.3f}", "stuck", [us[k]], before, frame_ref(anchor, t)))
        return out

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        variant = ev.meta.get("variant")
        if variant == "next":
            what = ("The user shows the frame in `query_frame` and asks what to do next. Write `question` as "
                    "that user, set `query_frame` to that frame, and give the next steps in time order.")
        elif variant == "stuck":
            what = ("A student is stuck at the frame in `query_frame`, just before a hard step. Write the "
                    "student's `question`, a short `answer`, and the step(s) that resolve it.")
        else:
            what = ("Write a natural user request as `question` and the whole tutorial as `steps` in time "
                    "order, set `query_frame` to null.")
        task_text = (f"{what} Each step: `text` taken from the narration and on-screen text of its span, "
                     "`t0`/`t1` inside the cited shot(s), `anchors` = ids cited, `frame` = a keyframe {t, anchor} "
                     "inside the step.")
        qf = ev.meta.get("query_frame")
        if qf:
            task_text += f" query_frame = {qf}."
        return build_prompt(ev, spec, task_text, self.draft_schema())

    # ------------------------------------------------------------ rules synthesizer
    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        steps = []
        for u in ev.meta["units"]:
            shown = u["ocr"][:1] if u["speech"] else u["ocr"][:3]  # what step_text() used
            ids = [i for i in u["shots"] + shown + u["speech"] + u.get("visual", []) if i]
            t0, t1 = u["t0"], u["t1"]
            if not u["shot"] and not u.get("visual"):  # no shot anchor: the span of the first cited text anchor
                first = ev.anchor(ids[0])
                t0, t1 = first.t0, first.t1
            steps.append({"text": u["text"], "t0": round(t0, 3), "t1": round(t1, 3), "anchors": ids,
                          "frame": u["frame"]})
        variant = ev.meta.get("variant")
        first_title = next((anchor_text(ev.anchor(u["ocr"][0])) for u in ev.meta["units"] if u["ocr"]), "")
        draft: dict[str, Any] = {"steps": steps, "query_frame": ev.meta.get("query_frame")}
        if spec.language == "zh":
            topic = f"“{first_title}”" if first_title else TEMPLATES_ZH["next_step" if variant == "stuck" else "video"]
            draft["question"] = TEMPLATES_ZH[variant if variant in ("next", "stuck") else "full"].format(topic=topic)
        elif variant == "next":
            draft["question"] = "My current situation is shown in this picture. What should I do next?"
        elif variant == "stuck":
            topic = f'"{first_title}"' if first_title else "the next step"
            draft["question"] = f"I'm stuck at this point and don't understand how to get to {topic}. Can you explain?"
        else:
            topic = f'"{first_title}"' if first_title else "what this video shows"
            draft["question"] = f"Can you walk me through {topic} step by step?"
        return draft

    # ------------------------------------------------------------ build
    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        errors = validate_draft(draft, self.draft_schema())
        if errors:
            raise DraftError(errors)
        steps = draft["steps"]
        for i, st in enumerate(steps):
            errors += span_errors(ev, st["anchors"], float(st["t0"]), float(st["t1"]), f"steps/{i}", hull=True)
            f = st["frame"]
            errors += span_errors(ev, [f["anchor"]], float(f["t"]), float(f["t"]), f"steps/{i}/frame")
            if not clean(st["text"]):
                errors.append(f"steps/{i}/text: empty")
        for i in range(1, len(steps)):
            if float(steps[i]["t0"]) < float(steps[i - 1]["t0"]):
                errors.append(f"steps/{i}: starts before step {i - 1} (steps must be in time order)")
            if clean(steps[i]["text"]).lower() == clean(steps[i - 1]["text"]).lower():
                errors.append(f"steps/{i}: repeats step {i - 1}")
        qf = draft.get("query_frame")
        if ev.meta.get("query_frame") and not qf:
            errors.append("query_frame: required for this variant (the user's current frame)")
        if errors:
            raise DraftError(errors)
        qmedia = [frame_segment(ev, media, qf, "query_frame")] if qf else []
        if not qf and self.params(spec).attach_video:
            t0, t1 = float(steps[0]["t0"]), max(float(s["t1"]) for s in steps)
            qmedia.append(Segment(type="clip", path=media.clip(ev.source, t0, t1), t0=t0, t1=t1))
        solution: list[Segment] = []
        if clean(draft.get("answer", "")):
            solution.append(Segment(type="text", text=clean(draft["answer"]), t0=float(steps[0]["t0"]),
                                    t1=float(steps[0]["t1"]), anchors=list(steps[0]["anchors"])))
        for i, st in enumerate(steps):
            solution.append(Segment(type="text", text=clean(st["text"]), t0=float(st["t0"]), t1=float(st["t1"]),
                                    anchors=list(st["anchors"])))
            solution.append(frame_segment(ev, media, st["frame"], f"steps/{i}/frame"))
        evidence = []
        for seg in qmedia + solution:
            evidence += [a for a in seg.anchors if a not in evidence]
        domain = spec.domain if spec.domain in self.domains else self.domains[0]
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain=domain, source=ev.source.id,
                      query=Query(text=clean(draft["question"]), media=qmedia), solution=solution,
                      evidence=evidence, meta={"variant": ev.meta.get("variant"), "n_steps": len(steps)},
                      provenance=provenance(ev, spec))

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        """Each step's text must come from the on-screen text or narration it cites."""
        from rapidfuzz import fuzz  # noqa: PLC0415

        errors = []
        for i, seg in enumerate(s for s in sample.solution if s.type == "text"):
            cited = " ".join(anchor_text(a) for a in (ev.anchor(x) for x in seg.anchors) if a is not None)
            if not cited.strip() and any(getattr(ev.anchor(x), "kind", "") == "hand_object" for x in seg.anchors):
                continue  # a step seen, not said: the verifier holds its words against the hand anchors
            if not cited:
                errors.append(f"text segment {i} cites no on-screen text or narration")
            elif fuzz.token_set_ratio(clean(seg.text).lower(), cited.lower()) < 60:
                errors.append(f"text segment {i} is not supported by the text of the anchors it cites")
        return errors + self._missing_steps(sample, ev)

    @staticmethod
    def _missing_steps(sample: Sample, ev: Evidence) -> list[str]:
        """A tutorial walks through every step of its evidence: a step no text segment cites is missing (a
        model's two-step draft of a five-step lesson was grounded, and accepted). Merged steps are fine."""
        def own(u: dict) -> list[str]:
            return (u.get("ocr") or []) + (u.get("speech") or []) + (u.get("visual") or []) or (u.get("shots") or [])
        # units are absent when the evidence is rebuilt from a file
        return uncited(sample, ev.meta.get("units") or [], own, lambda k, u: (
            f"step {k + 1} of the evidence ({u['t0']:.2f}-{u['t1']:.2f} s, {clean(u.get('text') or '')[:60]!r}) "
            f"is not in the tutorial; cite one of {own(u)[:3]}"), "text")
