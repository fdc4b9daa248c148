"""Helpers shared by the video task types: anchor text, step units, prompts, draft checks, media.

A *unit* is one stretch of the video that a task can turn into a step, a clip or a question: a
shot, with the keyframe, on-screen text and narration that fall inside it.
"""
from __future__ import annotations

import base64
import hashlib
import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from ...lang import CJK, fold
from ...model import Anchor, AnchorSet, Segment, TaskSpec
from ..base import Evidence
from .intervals import overlap  # noqa: F401 - tasks import it from here too
from .visual import anchor_summary

TEXT_KINDS = ("ocr_text", "transcript")


class DraftError(Exception):
    """A draft that cannot become a sample; `errors` are sent back to the backend for repair."""

    def __init__(self, errors: list[str]) -> None:
        self.errors = list(errors)
        super().__init__("; ".join(self.errors))


def sample_id(source_id: str, task: str, key: str, variant: str = "") -> str:
    """Deterministic: a rerun makes the same id for the same evidence, so resume dedupes."""
    blob = json.dumps([source_id, task, key, variant])
    return f"{task}-{hashlib.sha1(blob.encode()).hexdigest()[:16]}"


def evidence_sample_id(task: str, ev: Evidence) -> str:
    return sample_id(ev.source.id, task, ev.key, str(ev.meta.get("variant", "")))


def clean(text: str) -> str:
    return re.sub(r"\s+", " ", str(text or "")).strip()


def anchor_text(a: Anchor) -> str:
    return clean(a.data.get("text", "")) if isinstance(a.data, dict) else ""


def fmt_t(t: float) -> str:
    return f"{t:.2f}"


def anchor_line(a: Anchor) -> str:
    """One compact citable line: `[id] kind t0-t1 detail`."""
    span = fmt_t(a.t0) if a.t0 == a.t1 else f"{fmt_t(a.t0)}-{fmt_t(a.t1)}"
    detail = anchor_text(a)
    seen = anchor_summary(a)
    if detail:
        detail = json.dumps(detail, ensure_ascii=False)
    elif seen:  # what a visual anchor saw, in the fields the verifier checks (side, actions, motion, palette...)
        detail = " ".join(f"{k}={v}" for k, v in seen.items() if v is not None)
    else:
        keep = {k: v for k, v in a.data.items() if isinstance(v, (str, int, float, bool)) and k != "text"}
        detail = " ".join(f"{k}={round(v, 3) if isinstance(v, float) else v}" for k, v in list(keep.items())[:4])
    return f"[{a.id}] {a.kind} {span} {detail}".rstrip()


def bbox_top(a: Anchor) -> float:
    """Top y of an OCR box ([x0,y0,x1,y1] or 4 points); unknown -> +inf (sorted last)."""
    box = a.data.get("bbox")
    try:
        if box and isinstance(box[0], (list, tuple)):
            return float(min(p[1] for p in box))
        if box and len(box) >= 2:
            return float(box[1])
    except (TypeError, ValueError, IndexError):
        pass
    return float("inf")


def bbox_height(a: Anchor) -> float:
    box = a.data.get("bbox")
    try:
        if box and isinstance(box[0], (list, tuple)):
            ys = [float(p[1]) for p in box]
            return max(ys) - min(ys)
        if box and len(box) >= 4:
            return float(box[3]) - float(box[1])
    except (TypeError, ValueError, IndexError):
        pass
    return 0.0


@dataclass
class Unit:
    """A shot with what was seen and said inside it."""

    index: int
    t0: float
    t1: float
    shot: Anchor | None
    keyframes: list[Anchor] = field(default_factory=list)
    ocr: list[Anchor] = field(default_factory=list)  # visible during the unit, top to bottom
    new_ocr: list[Anchor] = field(default_factory=list)  # first appearing during the unit
    speech: list[Anchor] = field(default_factory=list)  # transcript anchors centred in the unit
    more_shots: list[Anchor] = field(default_factory=list)  # later shots merged into this unit

    @property
    def keyframe(self) -> Anchor | None:
        if not self.keyframes:
            return None
        return sorted(self.keyframes, key=lambda k: (k.data.get("rank", 0), -float(k.data.get("sharpness", 0))))[0]

    @property
    def frame_t(self) -> float:
        kf = self.keyframe
        return kf.t0 if kf else round((self.t0 + self.t1) / 2, 3)

    @property
    def frame_anchor(self) -> Anchor | None:
        return self.keyframe or self.shot

    @property
    def title(self) -> str:
        return anchor_text(self.ocr[0]) if self.ocr else ""

    @property
    def title_anchor(self) -> Anchor | None:
        return self.ocr[0] if self.ocr else None

    @property
    def narration(self) -> str:
        return clean(" ".join(anchor_text(a) for a in self.speech))

    @property
    def shots(self) -> list[Anchor]:
        return [a for a in [self.shot] if a] + self.more_shots

    def anchors(self) -> list[Anchor]:
        out = self.shots + self.keyframes + self.ocr + self.speech
        seen: set[str] = set()
        return [a for a in out if not (a.id in seen or seen.add(a.id))]


def _shot_spans(anchorset: AnchorSet, duration: float) -> list[tuple[float, float, Anchor | None]]:
    shots = sorted(anchorset.of_kind("shot"), key=lambda a: a.t0)
    if shots:
        return [(s.t0, s.t1, s) for s in shots if s.t1 > s.t0]
    return [(0.0, duration, None)] if duration > 0 else []


def _top_text_at(texts: list[Anchor], t: float) -> Anchor | None:
    visible = [a for a in texts if a.t0 <= t < a.t1]
    return min(visible, key=lambda a: (bbox_top(a), a.t0)) if visible else None


def _squash(text: str) -> str:
    """Letters and digits only, for comparing headings; CJK ideographs are letters too (without them
    every Chinese heading squashes to "" and all slides read as one)."""
    return re.sub(f"[^0-9a-z{CJK}]+", "", fold(text).lower())


def text_cuts(texts: list[Anchor], t0: float, t1: float, margin: float = 0.5) -> list[float]:
    """Times inside [t0, t1] where the top line of on-screen text changes to a different text: a new
    slide or screen that the shot detector may have missed (a soft dissolve, a static cut)."""
    from rapidfuzz import fuzz  # noqa: PLC0415

    cuts = []
    for b in sorted({a.t0 for a in texts if t0 + margin < a.t0 < t1 - margin}):
        before = _top_text_at(texts, b - 0.05)
        new = [a for a in texts if abs(a.t0 - b) < 0.05]
        if before is None or not new:
            continue
        after = min(new, key=bbox_top)
        # the new line takes the heading's place (during a dissolve both are visible at once)
        if bbox_top(after) > bbox_top(before) + 0.5 * bbox_height(before):
            continue
        if fuzz.ratio(_squash(anchor_text(before)), _squash(anchor_text(after))) < 80:
            cuts.append(b)
    return cuts


def units(anchorset: AnchorSet) -> list[Unit]:
    """The source split into shots (and shots into screens when the on-screen heading changes),
    each with its keyframes, on-screen text and narration."""
    duration = float(anchorset.meta.get("duration") or 0.0)
    if not duration and anchorset.anchors:
        duration = max(a.t1 for a in anchorset.anchors)
    texts = [a for a in anchorset.of_kind("ocr_text") if anchor_text(a)]
    spans = []
    for t0, t1, shot in _shot_spans(anchorset, duration):
        bounds = [t0] + text_cuts(texts, t0, t1) + [t1]
        spans += [(a, b, shot) for a, b in zip(bounds, bounds[1:])]
    out = [Unit(i, t0, t1, shot) for i, (t0, t1, shot) in enumerate(spans)]
    if not out:
        return out

    def unit_at(t: float) -> Unit:
        for u in out:
            if u.t0 <= t < u.t1:
                return u
        return out[-1] if t >= out[-1].t0 else out[0]

    for kf in anchorset.of_kind("keyframe"):
        unit_at(kf.t0).keyframes.append(kf)
    for txt in texts:
        for u in out:
            # visible for a real part of the unit (not just the tail of a dissolve)
            ov = overlap(u.t0, u.t1, txt.t0, txt.t1)
            if ov >= min(1.0, 0.25 * (u.t1 - u.t0)) or ov >= 0.5 * (txt.t1 - txt.t0) > 0:
                u.ocr.append(txt)
        unit_at(txt.t0 + 1e-6).new_ocr.append(txt)
    for sp in anchorset.of_kind("transcript"):
        if anchor_text(sp):
            unit_at((sp.t0 + sp.t1) / 2).speech.append(sp)
    for u in out:
        u.ocr.sort(key=lambda a, u=u: (bbox_top(a), -overlap(u.t0, u.t1, a.t0, a.t1), a.t0))
        u.new_ocr.sort(key=lambda a: (bbox_top(a), a.t0))
        u.speech.sort(key=lambda a: a.t0)
        u.keyframes.sort(key=lambda a: a.t0)
    return out


def content_units(anchorset: AnchorSet, min_silent: float = 1.0) -> list[Unit]:
    """Units that have something to say (text on screen or narration); a silent flash shorter than
    `min_silent` seconds (the tail of a fade) is not a step."""
    return [u for u in units(anchorset) if u.speech or (u.ocr and u.t1 - u.t0 >= min_silent)]


def merge_same_heading(us: list[Unit], min_ratio: float = 90.0) -> list[Unit]:
    """Joins consecutive units that show the same heading (one slide split by a false shot cut or a
    reveal of more lines): for a tutorial they are one step."""
    from rapidfuzz import fuzz  # noqa: PLC0415

    out: list[Unit] = []
    for u in us:
        prev = out[-1] if out else None
        if (prev is not None and prev.title and u.title and abs(prev.t1 - u.t0) < 1e-3
                and fuzz.ratio(_squash(prev.title), _squash(u.title)) >= min_ratio):
            def add(xs: list[Anchor], ys: list[Anchor]) -> list[Anchor]:
                return xs + [y for y in ys if y.id not in {x.id for x in xs}]

            out[-1] = Unit(prev.index, prev.t0, u.t1, prev.shot, add(prev.keyframes, u.keyframes),
                           add(prev.ocr, u.ocr), add(prev.new_ocr, u.new_ocr), add(prev.speech, u.speech),
                           add(prev.more_shots, u.shots))
            continue
        out.append(u)
    return out


def duration_of(anchorset: AnchorSet) -> float:
    d = float(anchorset.meta.get("duration") or 0.0)
    if not d and anchorset.anchors:
        d = max(a.t1 for a in anchorset.anchors)
    return d


def pick_frames(candidates: list[float], budget: int) -> list[float]:
    """At most `budget` frame times, spread over the candidates (which are keyframes, not uniform)."""
    cands = sorted(set(round(t, 3) for t in candidates))
    if budget <= 0 or len(cands) <= budget:
        return cands
    step = (len(cands) - 1) / (budget - 1) if budget > 1 else 0
    return sorted({cands[round(i * step)] for i in range(budget)})


def select_frames(candidates: list[float], budget: int, mode: str = "keyframes",
                  span: tuple[float, float] | None = None) -> list[float]:
    """Frames to show a model: keyframes (default), or, for comparison, the same number of frames
    spaced uniformly over `span` (mode "uniform")."""
    frames = pick_frames(candidates, budget)
    if mode != "uniform" or not span or not frames:
        return frames
    t0, t1 = span
    n = len(frames)
    return [round(t0 + (i + 0.5) * (t1 - t0) / n, 3) for i in range(n)]


# ------------------------------------------------------------------ prompts

SYSTEM = ("You write training data for multimodal models from video evidence. Use only facts in the "
          "anchors listed below; cite anchors by their [id]; every time you write must fall inside "
          "the anchors you cite. Answer with one JSON object that follows the schema, nothing else.")


def image_part(path: str | Path) -> dict[str, Any]:
    p = Path(path)
    url = str(path)
    if p.exists():
        url = "data:image/jpeg;base64," + base64.b64encode(p.read_bytes()).decode()
    return {"type": "image_url", "image_url": {"url": url}}


def build_prompt(ev: Evidence, spec: TaskSpec, task_text: str, schema: dict[str, Any]) -> list[dict[str, Any]]:
    """Chat messages: the instruction, the draft schema, citable anchor lines and the evidence frames."""
    duration = ev.meta.get("duration")
    lines = "\n".join(anchor_line(a) for a in ev.anchors)
    if getattr(spec, "language", "en") == "zh":  # the sample's own words in Chinese, quotes as the source has them
        task_text += (" Write every question, answer and other text of your own in Simplified Chinese (简体中文); "
                      "quote on-screen text and narration exactly as the anchors have it, in “…”; write times as "
                      "“12.5 秒”.")
    text = (f"User intent: {spec.instruction}\n\nTask: {task_text}\n\n"
            f"Video duration: {fmt_t(duration) if duration else 'unknown'} s.\n"
            f"Anchors (one per line: [id] kind t0-t1 detail):\n{lines}\n\n"
            f"JSON Schema of your answer:\n{json.dumps(schema, separators=(',', ':'))}")
    content: list[dict[str, Any]] = [{"type": "text", "text": text}]
    frame_paths = ev.meta.get("frame_paths") or {}
    for t in ev.frames:
        path = frame_paths.get(t) or frame_paths.get(str(t))
        if path:
            content.append({"type": "text", "text": f"Frame at {fmt_t(t)} s:"})
            content.append(image_part(path))
    return [{"role": "system", "content": SYSTEM}, {"role": "user", "content": content}]


# ------------------------------------------------------------------ drafts

def validate_draft(draft: Any, schema: dict[str, Any]) -> list[str]:
    """JSON Schema errors as short sentences naming where in the draft they are."""
    from jsonschema import Draft202012Validator  # noqa: PLC0415

    if not isinstance(draft, dict):
        return [f"the answer must be a JSON object, got {type(draft).__name__}"]
    errors = []
    for err in sorted(Draft202012Validator(schema).iter_errors(draft), key=lambda e: list(e.path)):
        where = "/".join(str(p) for p in err.path) or "(root)"
        errors.append(f"{where}: {err.message}")
    return errors[:12]


def copied_draft(draft: Any, schema: dict[str, Any], ev: Evidence, copy: dict[str, float],
                 tol: float = 1e-3) -> list[Anchor]:
    """For a task whose answer copies fixed numbers (times) from the evidence and cites anchors: the
    cited anchors, or DraftError for a schema error, a number not copied, or an id not in the evidence."""
    errors = validate_draft(draft, schema)
    if errors:
        raise DraftError(errors)
    got = {k: float(draft[k]) for k in copy}
    if any(abs(got[k] - v) > tol for k, v in copy.items()):
        raise DraftError([f"{'/'.join(copy)} must be copied ({', '.join(str(v) for v in copy.values())}), "
                          f"got ({', '.join(str(v) for v in got.values())})"])
    ids = list(draft["anchors"])
    unknown = [i for i in ids if ev.anchor(i) is None]
    if unknown:
        raise DraftError([f"anchors {unknown} are not in the evidence"])
    return [a for a in (ev.anchor(i) for i in ids) if a is not None]


def check_cited(ev: Evidence, ids: list[str], where: str) -> list[str]:
    return [f"{where}: cites unknown anchor id {i!r}" for i in ids if ev.anchor(i) is None]


def inside_any(ev: Evidence, ids: list[str], t0: float, t1: float, tol: float = 0.05) -> bool:
    for i in ids:
        a = ev.anchor(i)
        if a is not None and a.t0 - tol <= t0 and t1 <= a.t1 + tol:
            return True
    return False


def inside_hull(ev: Evidence, ids: list[str], t0: float, t1: float, tol: float = 0.05) -> bool:
    cited = [a for a in (ev.anchor(i) for i in ids) if a is not None]
    return bool(cited) and min(a.t0 for a in cited) - tol <= t0 and t1 <= max(a.t1 for a in cited) + tol


def uncited(sample: Any, items: list[Any], ids_of: Any, describe: Any, seg_type: str | None = None) -> list[str]:
    """Errors for the items of a sample's evidence (phases, contacts, steps, actions) that no solution
    segment (of `seg_type`, if given) cites by one of `ids_of(item)`: an answer to a question about the
    whole evidence lists all of it, not the first part. `describe(k, item)` words the error."""
    cited = {a for seg in sample.solution if seg_type is None or seg.type == seg_type for a in seg.anchors}
    return [describe(k, it) for k, it in enumerate(items) if (ids := ids_of(it)) and not cited & set(ids)]


def span_errors(ev: Evidence, ids: list[str], t0: float, t1: float, where: str, hull: bool = False) -> list[str]:
    """The span must be ordered, inside the video and inside one of the anchors it cites (with
    `hull`, inside the stretch the cited anchors cover together, e.g. consecutive shots)."""
    errs = check_cited(ev, ids, where)
    duration = ev.meta.get("duration")
    if t1 < t0:
        errs.append(f"{where}: t1 {fmt_t(t1)} is before t0 {fmt_t(t0)}")
    if t0 < -0.05 or (duration and t1 > duration + 0.05):
        errs.append(f"{where}: span {fmt_t(t0)}-{fmt_t(t1)} is outside the video (0-{fmt_t(duration or 0)} s)")
    if not errs and ids and not (inside_hull if hull else inside_any)(ev, ids, t0, t1):
        errs.append(f"{where}: span {fmt_t(t0)}-{fmt_t(t1)} is not inside "
                    f"{'the anchors' if hull else 'any anchor'} it cites")
    if not ids:
        errs.append(f"{where}: cites no anchor")
    return errs


def frame_segment(ev: Evidence, media: Any, frame: dict[str, Any], where: str) -> Segment:
    """An image segment for a cited frame ({"t", "anchor"}), written through the MediaStore."""
    t, aid = float(frame["t"]), str(frame["anchor"])
    errs = span_errors(ev, [aid], t, t, where)
    if errs:
        raise DraftError(errs)
    path = media.keyframe(ev.source, t)
    return Segment(type="image", path=path, t0=t, t1=t, anchors=[aid])


def cited_ids(segments: list[Segment]) -> list[str]:
    out: list[str] = []
    for s in segments:
        for a in s.anchors:
            if a not in out:
                out.append(a)
    return out


def provenance(ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
    return {"source": ev.source.id, "source_path": ev.source.path, "evidence_key": ev.key,
            "instruction": spec.instruction, "frames": list(ev.frames)}


def frame_ref(a: Anchor | None, t: float) -> dict[str, Any] | None:
    return {"t": round(t, 3), "anchor": a.id} if a is not None else None


FRAME_SCHEMA = {"type": "object", "required": ["t", "anchor"],
                "properties": {"t": {"type": "number"}, "anchor": {"type": "string"}}}
IDS_SCHEMA = {"type": "array", "items": {"type": "string"}, "minItems": 1}


MAX_CITED = 16  # ids one `anchors` list may cite in a schema-constrained answer


def ground_schema(schema: dict[str, Any], ev: Evidence) -> dict[str, Any]:
    """The draft schema narrowed to this evidence, for decoders that enforce a schema:
    - cited ids (`anchors` arrays, `anchor` fields) must be ids of the evidence's anchors;
    - times (`t`, `t0`, `t1`) lie inside a single source's duration, on a millisecond grid;
    - objects hold only the keys the task reads (no `additionalProperties`).
    The task still validates drafts against its own schema and the verifier still checks every
    citation; this only stops a constrained model from writing what could never pass."""
    ids = [a.id for a in ev.anchors]
    duration = ev.meta.get("duration") if len(ev.sources) == 1 else None
    duration = float(duration) if isinstance(duration, (int, float)) and duration > 0 else None

    def walk(node: Any) -> Any:
        if isinstance(node, list):
            return [walk(n) for n in node]
        if not isinstance(node, dict):
            return node
        out = {k: walk(v) for k, v in node.items()}
        if isinstance(out.get("properties"), dict):
            out.setdefault("additionalProperties", False)
        for key, sub in (out.get("properties") or {}).items():
            if not isinstance(sub, dict):
                continue
            if ids and key == "anchors" and sub.get("type") == "array" and (sub.get("items") or {}).get("type") == "string":
                sub["items"] = {"type": "string", "enum": ids}
                sub.setdefault("maxItems", min(len(ids), MAX_CITED))  # a model looping on one id stops here
            elif ids and key == "anchor" and sub.get("type") == "string" and "enum" not in sub:
                sub["enum"] = ids
            elif key in ("t", "t0", "t1") and sub.get("type") == "number":
                sub.setdefault("multipleOf", 0.001)  # millisecond times: a model cannot loop on digits
                if duration:
                    sub.setdefault("minimum", 0)
                    sub.setdefault("maximum", round(duration, 3))
        return out

    return walk(schema)
