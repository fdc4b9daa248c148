"""`edit_pair` (AIGC): (before frame, edit instruction) -> after frame, from a lasting visual change.

Image-editing data (InstructPix2Pix-style: input_image, edit_prompt, edited_image). A candidate is a
moment an anchor says something changed:

    game   score_change / life_lost / counter_change (the engine's log: a score or an on-screen value
           such as Doom's ammo)                                "Raise the score by 1, making it 4"
    gui    a logged action with its before / after screens     'Show the screen after you click the "Save" button'
    video  on-screen text that appears (ocr_text)              'Write "Step 2: divide" on the slide'
    robot  an object the arm carries (phase text; object_state  "Show the scene after the robot finishes:
           anchors are where the scene changed for good)        carry the object to the target"

The change region is computed, never written by the backend: pixels that differ between the before
and the after frame while the before frame held for `persist` s before it and the after frame holds
for `persist` s after it. A moving ball, car or pointer differs from an outer frame and drops out; the new score digit, the opened
dialog, the new line of text stay. Candidates with no such region are dropped with a reason.
`check` recomputes the region from the source's frames and, where the anchor has a place (the OCR
box, the GUI change box), requires the region to meet it. The instruction's nouns and quotes come
from the cited anchors (the claims check holds them).
"""
from __future__ import annotations

import math
from typing import Any

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..experts.visual import box_iou
from ..model import Anchor, AnchorSet, Query, Sample, Segment, TaskSpec
from ..sources import open_stream
from .base import Evidence, Task, register_task
from .game_frames import game_log
from .gui_trajectory import describe, gui_index, step_record
from .shared.common import IDS_SCHEMA, build_prompt, copied_draft, duration_of, evidence_sample_id, provenance
from .shared.gui_text import quote

WORK_SIDE = 320  # frames are compared at this size: robust to codec noise, cheap


class EditPairParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    settle: float = Field(0.2, ge=0, description="s after the change at which the after frame is taken")
    persist: float = Field(0.6, gt=0, description="s the before frame must have held before, and the after frame "
                                                   "must hold after (the change lasts; moving things drop out)")
    diff: int = Field(28, ge=1, le=255, description="grey-level difference that counts as a changed pixel")
    cell: int = Field(4, ge=1, description="px (at WORK_SIDE) of the cells a changed region is made of")
    min_share: float = Field(0.0004, gt=0, description="share of the frame the lasting change must cover")
    max_samples: int = 40


def _grey(img: np.ndarray) -> np.ndarray:
    return img[..., :3].astype(np.float32) @ np.array([0.299, 0.587, 0.114], dtype=np.float32)


def lasting_change(earlier: np.ndarray, before: np.ndarray, after: np.ndarray, later: np.ndarray, diff: int = 28,
                   cell: int = 4) -> tuple[list[float] | None, float]:
    """(region [x0, y0, x1, y1] as shares of the frame, or None; share of the frame changed) of the
    step change between `before` and `after`: pixels that differ there, while `earlier` equals
    `before` and `later` equals `after` (still before, still after). Things that move through the
    span (a ball, cars, a pointer) differ from one of the outer frames and drop out. A cell counts
    when a quarter of its pixels changed (single noisy pixels do not)."""
    e, b, a, l = _grey(earlier), _grey(before), _grey(after), _grey(later)
    mask = (np.abs(a - b) > diff) & (np.abs(b - e) <= diff) & (np.abs(l - a) <= diff)
    h, w = mask.shape
    hc, wc = h // cell, w // cell
    if hc == 0 or wc == 0:
        return None, 0.0
    cells = mask[: hc * cell, : wc * cell].reshape(hc, cell, wc, cell).mean(axis=(1, 3)) >= 0.25
    share = float(cells.mean())
    if not cells.any():
        return None, 0.0
    ys, xs = np.nonzero(cells)
    return [round(float(xs.min() * cell / w), 4), round(float(ys.min() * cell / h), 4),
            round(float((xs.max() + 1) * cell / w), 4), round(float((ys.max() + 1) * cell / h), 4)], round(share, 6)


def _meets(a: list[float], b: list[float]) -> bool:
    return min(a[2], b[2]) >= max(a[0], b[0]) and min(a[3], b[3]) >= max(a[1], b[1])


def _within(a: list[float], b: list[float], tol: float = 0.02) -> bool:
    return a[0] >= b[0] - tol and a[1] >= b[1] - tol and a[2] <= b[2] + tol and a[3] <= b[3] + tol


def frames_region(source: Any, t_before: float, t_after: float, t_later: float, p: EditPairParams,
                  stream: Any = None) -> tuple[list[float] | None, float]:
    """The lasting change region between the source's frames at before and after (held still
    `persist` s before the one and after the other)."""
    st = stream or open_stream(source)
    try:
        times = (max(0.0, t_before - (t_later - t_after)), t_before, t_after, t_later)
        imgs = [st.frame_at(t, max_side=WORK_SIDE).image for t in times]
    finally:
        if stream is None:
            st.close()
    return lasting_change(*imgs, diff=p.diff, cell=p.cell)


def _game_candidates(anchors: AnchorSet, fps: float) -> list[dict[str, Any]]:
    header, _ = game_log(anchors.source.path)
    kinds = ("score_change", "life_lost", "counter_change") if header.get("score_on_screen", True) else (
        "life_lost", "counter_change")  # ViZDoom's kill count is not drawn: no visible edit
    out = []
    for a in anchors.of_kind(*kinds):
        d = a.data
        if a.kind == "counter_change":
            delta = d.get("delta", 0)
            text = f"{'Raise' if delta > 0 else 'Lower'} the {d.get('field')} by {abs(delta):g}, making it {d.get('after'):g}"
        elif a.kind == "score_change":
            delta = d.get("delta", 0)
            text = f"{'Raise' if delta > 0 else 'Lower'} the score by {abs(delta):g}, making it {d.get('after'):g}"
        else:
            text = f"Remove a life: {d.get('before')} lives become {d.get('lives')}"
        place = (header.get("hud_places") or {}).get(d.get("field")) if a.kind == "counter_change" else None
        out.append({"t": a.t0, "before_t": round(a.t0 - 1.0 / fps, 4), "anchors": [a], "text": text,
                    "place": place if isinstance(place, list) and len(place) == 4 else None, "game": True})
    return out


def _game_blocker(anchors: AnchorSet, c: dict[str, Any], t0: float, t1: float) -> str:
    """Why a game candidate's span [t0, t1] shows more than its one logged change ('' when it does
    not): another logged event (the instruction would not name it), or, in a first-person game
    (header `still_actions`), an action that moves the view."""
    own = c["anchors"][0]
    other = [a for a in anchors.of_kind("score_change", "life_lost", "counter_change")
             if a is not own and t0 - 1e-6 <= a.t0 <= t1 + 1e-6]
    if other:
        return f"another logged change in the span ({other[0].kind} at {other[0].t0:.2f} s)"
    header, rows = game_log(anchors.source.path)
    still = header.get("still_actions")
    if still:
        fps = float(header["fps"])
        moved = sorted({str(r["action"]) for r in rows[int(round(t0 * fps)): int(round(t1 * fps))]} - set(still))
        if moved:
            return f"the view moves ({', '.join(moved)} pressed)"
    return ""


def _timeline(anchors: AnchorSet, kinds: tuple[str, ...], *times: float) -> list[Anchor]:
    """Anchors of `kinds` that cover the given times (so every frame a sample shows is cited)."""
    return [a for a in anchors.of_kind(*kinds) if any(a.t0 - 1e-3 <= t <= a.t1 + 1e-3 for t in times)]


def _gui_candidates(anchors: AnchorSet) -> list[dict[str, Any]]:
    idx = gui_index(anchors.anchors)
    out = []
    prev = None
    for act in idx["actions"]:
        rec = step_record(act, idx)
        el = idx["elements"].get(act.id)
        if rec is not None and act.data.get("type") in ("click", "double_click", "type", "key", "hotkey"):
            notes: list[str] = []
            what = describe(act, el, prev, idx["elements"].get(prev.id) if prev else None, notes)
            after = idx["screens"][(act.id, "after")]
            box = after.data.get("changed_bbox")
            scr = act.data.get("screen") or [0, 0]
            place = ([box[0] / scr[0], box[1] / scr[1], (box[0] + box[2]) / scr[0], (box[1] + box[3]) / scr[1]]
                     if isinstance(box, list) and len(box) == 4 and scr[0] and scr[1] else None)
            cited = [x for x in (act, idx["screens"][(act.id, "before")], after, el) if x is not None]
            out.append({"t": after.t0, "before_t": rec["obs_t"], "after_t": after.t0, "anchors": cited,
                        "text": f"Show the screen after you {what}", "place": place})
        prev = act
    return out


def _text_candidates(anchors: AnchorSet) -> list[dict[str, Any]]:
    out = []
    texts = sorted(anchors.of_kind("ocr_text"), key=lambda a: a.t0)
    for a in texts:
        if a.t0 <= 0.05 or not str(a.data.get("text", "")).strip():
            continue  # on screen from the start: nothing appeared
        out.append({"t": a.t0, "before_t": None, "anchors": [a], "text": f"Write {quote(a.data['text'])} on the slide",
                    "place": a.data.get("bbox_norm")})
    return out


def _robot_candidates(anchors: AnchorSet, dur: float, persist: float, fps: float) -> list[dict[str, Any]]:
    """One pair per carried object: the scene before the arm takes it and after the arm has left,
    the instruction from the phase anchors' own text, the place from the object_state anchors (the
    regions that changed for good) that begin in between."""
    phases = sorted(anchors.of_kind("phase"), key=lambda a: a.t0)
    moved = anchors.of_kind("object_state")
    out = []
    for k, a in enumerate(phases):
        if a.data.get("phase") != "transport" or not str(a.data.get("text", "")).strip():
            continue
        grasp = next((g for g in reversed(phases[:k]) if g.data.get("phase") == "grasp"), None)
        tb = round(max(persist, (grasp.t0 if grasp else a.t0) - 1.0), 4)  # before the gripper closes on it
        # the last frame with `persist` s after it inside the episode (durations carry float noise)
        ta = round(math.floor(round((dur - 1.0 / fps - persist) * fps, 6)) / fps, 4)
        nxt = next((n for n in phases[k + 1:] if n.data.get("phase") == "transport"), None)
        put = next((n for n in phases[k + 1:] if n.data.get("phase") == "place"), None)
        if nxt is not None or put is None or ta <= put.t1:
            continue  # another carry follows (regrasp), or the object is never put down (a stall)
        held = grasp.t0 if grasp else tb
        if any(held < f.t0 <= ta and (f.kind == "fault" or f.data.get("type") == "stall")
               for f in anchors.of_kind("fault", "stagnation")):
            continue  # a drop, slip or stall once it is held: "carry it to the target" may not be what happened
        places = [m for m in moved if tb < m.t0 <= ta]
        if not places:
            continue
        hull = [min(m.data["bbox"][0] for m in places), min(m.data["bbox"][1] for m in places),
                max(m.data["bbox"][2] for m in places), max(m.data["bbox"][3] for m in places)]
        cited = [a] + ([grasp] if grasp else []) + places
        out.append({"t": a.t0, "before_t": tb, "after_t": ta, "anchors": cited,
                    "text": f"Show the scene after the robot finishes: {str(a.data['text']).strip()}", "place": hull})
    return out


@register_task
class EditPairTask(Task):
    name = "edit_pair"
    domains = ("aigc",)
    source_kinds = ("game", "gui", "video", "robot")
    description = ("Image-editing pairs from a lasting visual change: before frame + instruction naming what "
                   "changed -> after frame, with the computed change region (InstructPix2Pix-style).")
    examples = ("image editing pairs", "InstructPix2Pix style edit pairs",
                "before and after images with an edit instruction")
    keywords = (r"edit(ing)? pairs?", r"image[- ]edit", r"instruct[- ]?pix2pix", r"before[- ]and[- ]after",
                r"edit instructions?")
    keywords_zh = ('图像编辑', '编辑对', '编辑指令', '前后对比')
    examples_zh = ('做图像编辑指令数据：修改前、指令、修改后', '从录屏里做前后对比的编辑对')
    rewrite = "Pair each frame before a lasting visual change with an instruction naming the change and the frame after it."
    Params = EditPairParams

    def draft_schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["before_t", "after_t", "instruction", "anchors"],
                "properties": {"before_t": {"type": "number"}, "after_t": {"type": "number"},
                               "instruction": {"type": "string", "minLength": 5}, "anchors": IDS_SCHEMA}}

    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        p = self.params(spec)
        src = anchors.source
        dur = duration_of(anchors)
        fps = float(anchors.meta.get("fps") or 25.0)
        if src.kind == "game":
            cands = _game_candidates(anchors, fps)
        elif src.kind == "gui":
            cands = _gui_candidates(anchors)
        elif src.kind == "robot":
            cands = _robot_candidates(anchors, dur, p.persist, fps)
        else:
            cands = _text_candidates(anchors)
        if not cands:
            return []
        out: list[Evidence] = []
        dropped: list[str] = []
        with open_stream(src) as st:
            for c in sorted(cands, key=lambda c: c["t"]):
                if len(out) >= p.max_samples:
                    break
                tb = c["before_t"] if c["before_t"] is not None else round(max(0.0, c["t"] - 2.0 / fps), 4)
                ta = c.get("after_t") if c.get("after_t") is not None else round(c["t"] + p.settle, 4)
                tl = round(ta + p.persist, 4)
                if tb - p.persist < 0 or tl > dur - 1.0 / fps:
                    dropped.append(f"{c['t']:.2f} s: no frame {p.persist:g} s before and after the change")
                    continue
                why = _game_blocker(anchors, c, tb - p.persist, tl) if c.get("game") else ""
                if why:
                    dropped.append(f"{c['t']:.2f} s: {why}")
                    continue
                region, share = frames_region(src, tb, ta, tl, p, stream=st)
                if region is None or share < p.min_share:
                    dropped.append(f"{c['t']:.2f} s: no lasting change between {tb:.2f} and {ta:.2f} s")
                    continue
                if c["place"] is not None and not _meets(region, c["place"]):
                    dropped.append(f"{c['t']:.2f} s: the lasting change is not where the anchor says")
                    continue
                if c.get("game") and c["place"] is not None and not _within(region, c["place"]):
                    # a counter's edit is its digits: a change elsewhere too (the gun, the view) is not named
                    dropped.append(f"{c['t']:.2f} s: the frames change outside where the {c['text'].split()[2]} is drawn")
                    continue
                kinds = {"game": ("game_action",), "video": ("motion", "static"), "robot": ("phase",)}.get(src.kind, ())
                cover = [a for a in _timeline(anchors, kinds, tb, ta, tl) if a not in c["anchors"]] if kinds else []
                out.append(Evidence(sources=[src], anchors=c["anchors"] + cover, frames=[tb, ta],
                                    key=f"ep:{tb:.3f}-{ta:.3f}",
                                    meta={"duration": dur, "span": [tb, tl], "before_t": tb, "after_t": ta,
                                          "later_t": tl, "region": region, "share": share, "text": c["text"],
                                          "place": c["place"], "fps": fps}))
        if dropped and out:
            out[0].meta["dropped"] = dropped
        return out

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        m = ev.meta
        text = (f"The frames at {m['before_t']:.2f} s and {m['after_t']:.2f} s differ in the region {m['region']} "
                "(shares of the frame). Write a short imperative edit instruction that turns the first into the "
                "second, naming only what the cited anchors say changed (quote on-screen or logged names exactly); "
                "copy `before_t` and `after_t`; `anchors` = the ids you used.")
        return build_prompt(ev, spec, text, self.draft_schema())

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        m = ev.meta
        return {"before_t": m["before_t"], "after_t": m["after_t"], "instruction": m["text"],
                "anchors": [a.id for a in ev.anchors]}

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        m = ev.meta
        cited = copied_draft(draft, self.draft_schema(), ev, {"before_t": m["before_t"], "after_t": m["after_t"]})
        tb, ta = float(draft["before_t"]), float(draft["after_t"])
        span_ids = [a.id for a in cited]
        query = Query(text=draft["instruction"], media=[
            Segment(type="image", path=media.keyframe(ev.source, tb), t0=tb, t1=tb, anchors=span_ids)])
        sol = [Segment(type="image", path=media.keyframe(ev.source, ta), t0=ta, t1=ta, anchors=span_ids),
               Segment(type="action", t0=tb, t1=ta, anchors=span_ids,
                       action={"type": "edit", "region": m["region"], "changed_share": m["share"],
                               "later_t": m["later_t"], "diff": self.params(spec).diff,
                               "cell": self.params(spec).cell})]
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="aigc", source=ev.source.id,
                      query=query, solution=sol, evidence=[a.id for a in ev.anchors],
                      meta={"region": m["region"], "source_kind": ev.source.kind}, provenance=provenance(ev, spec))

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        """The region is the lasting change recomputed from the source's frames, it is not empty, and
        it meets the place the cited anchor gives (OCR box, GUI change box)."""
        act = next((s for s in sample.solution if s.type == "action"), None)
        imgs = [s for s in sample.solution if s.type == "image"]
        if act is None or not imgs or not sample.query.media or not ev.sources:
            return ["needs a before frame, an after frame and the change region"]
        tb, ta = sample.query.media[0].t0, imgs[0].t0
        if ta <= tb:
            return [f"after frame ({ta:.2f} s) is not after the before frame ({tb:.2f} s)"]
        p = EditPairParams(**{k: act.action[k] for k in ("diff", "cell") if isinstance(act.action.get(k), int)})
        region, share = frames_region(ev.source, tb, ta, float(act.action.get("later_t", ta + p.persist)), p)
        errs = []
        if region is None:
            return [f"no lasting change between {tb:.2f} and {ta:.2f} s in the source's frames"]
        claimed = act.action.get("region")
        if not isinstance(claimed, list) or len(claimed) != 4 or box_iou(claimed, region) < 0.9:
            errs.append(f"change region {claimed} is not the frames' lasting change {region}")
        place = (ev.meta or {}).get("place")
        if place is not None and not _meets(region, place):
            errs.append("the change region does not meet the cited anchor's place")
        return errs
