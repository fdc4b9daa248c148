"""`gui_grounding`: element description + screenshot -> point and bbox, from the clicked elements.

Each `gui_element` anchor with a text (logged name, or OCR at the pointer) and a box (logged, OCR
line under the pointer, or the small changed region around it) becomes one sample: the query is the
observation frame before the click and a description ("the 'Send message' button"); the solution
is one action segment with the click point and the element box in screen pixels. A point outside
its box, or a box off the screen, is rejected.
"""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict

from ..model import AnchorSet, Query, Sample, Segment, TaskSpec
from .base import Evidence, Task, register_task
from .gui_trajectory import template_prompt
from .shared.common import DraftError, clean, evidence_sample_id, provenance, validate_draft
from .shared.gui_text import ROLE_WORDS_ZH, Unquotable, quote, quote_supported, quoted_spans, role_word


# The rules synthesizer's Chinese instructions (spec.language == "zh"); claims.template_words_zh reads them
TEMPLATES_ZH = {"click": "点击", "double_click": "双击", "right_click": "右键点击", "named": "{how}{q}{kind}。",
                "labelled": "{how}标有{q}的{kind}。", "element": "元素", "roles": " ".join(ROLE_WORDS_ZH.values())}


class GuiGroundingParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    pad: float = 1.0  # px tolerance for point-in-box


def point_in_box(x: float, y: float, box: list[float], pad: float = 0.0) -> bool:
    bx, by, bw, bh = box
    return bx - pad <= x <= bx + bw + pad and by - pad <= y <= by + bh + pad


@register_task
class GuiGroundingTask(Task):
    name = "gui_grounding"
    domains = ("gui",)
    source_kinds = ("gui",)
    needs = ("gui_element",)
    description = "GUI element grounding: a description of a clicked element -> its point and bounding box."
    examples = ("make element grounding data from my clicks", "screenshot + element description -> click point",
                "GUI element grounding data", "where is the button on the screen: boxes for UI elements")
    keywords = (r"grounding", r"\belements?\b", r"\bbbox", r"bounding box", r"\bbuttons?\b", r"\bui\b")
    keywords_zh = ('定位', '元素', '控件', '按钮', '边界框', '包围盒', '坐标', '点错')
    examples_zh = ('标注界面元素的位置和边界框', '让模型在屏幕上找到按钮', '认识控件的样子和位置')
    rewrite = ("For screens in the recording, describe interface elements and give their location as a point or "
               "box.")
    Params = GuiGroundingParams

    def draft_schema(self) -> dict[str, Any]:
        frame = {"type": "object", "required": ["t", "anchor"],
                 "properties": {"t": {"type": "number"}, "anchor": {"type": "string"}}}
        nums = {"type": "array", "items": {"type": "number"}}
        return {"type": "object", "required": ["instruction", "point", "bbox", "frame", "element"],
                "properties": {"instruction": {"type": "string", "minLength": 5},
                               "point": {**nums, "minItems": 2, "maxItems": 2},
                               "bbox": {**nums, "minItems": 4, "maxItems": 4},
                               "frame": frame, "element": {"type": "string"}}}

    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        screens = {a.data["action"]: a for a in anchors.of_kind("screen") if a.data.get("role") == "before"}
        actions = {a.id: a for a in anchors.of_kind("gui_action")}
        out = []
        for el in anchors.of_kind("gui_element"):
            d = el.data
            before = screens.get(d["action"])
            if not d.get("text") or not d.get("box") or before is None or d["action"] not in actions:
                continue
            try:
                quote(d["text"], "element name", spec.language or "en")
            except Unquotable:  # a name the description cannot quote unambiguously makes no sample
                continue
            out.append(Evidence(sources=[anchors.source], anchors=[el, actions[d["action"]], before],
                                frames=[before.t0], key=f"ground:{el.id}",
                                meta={"duration": float(anchors.meta.get("duration") or 0), "element": el.id,
                                      "frame": {"t": before.t0, "anchor": before.id}}))
        return out

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        return template_prompt(self, ev, spec, "instruction")

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        el = ev.anchor(ev.meta["element"])
        d = el.data
        if spec.language == "zh":
            Z = TEMPLATES_ZH
            how = Z.get(d.get("type") or "click", Z["click"]) if d.get("type") in ("click", "double_click",
                                                                                     "right_click") else Z["click"]
            kind, q = role_word(d.get("role"), "zh"), quote(d["text"], "element name", "zh")
            text = Z["labelled" if d.get("text_source") == "ocr_label" else "named"].format(
                how=how, q=q, kind=kind or (Z["element"] if d.get("text_source") == "ocr_label" else ""))
            return {"instruction": text, "point": [d["x"], d["y"]], "bbox": list(d["box"]),
                    "frame": ev.meta["frame"], "element": el.id}
        kind = role_word(d.get("role")) or "element"
        how = {"click": "Click", "double_click": "Double-click", "right_click": "Right-click"}.get(d.get("type"), "Click")
        q = quote(d["text"], "element name")
        if d.get("text_source") == "ocr_label":
            desc = f"the {kind} labelled {q}"
        else:
            desc = f"the {q} {kind}"
        return {"instruction": f"{how} {desc}.", "point": [d["x"], d["y"]], "bbox": list(d["box"]),
                "frame": ev.meta["frame"], "element": el.id}

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        errors = validate_draft(draft, self.draft_schema())
        if errors:
            raise DraftError(errors)
        p = self.params(spec)
        el = ev.anchor(draft["element"])
        if el is None or el.kind != "gui_element":
            raise DraftError([f"element: {draft['element']!r} is not a gui_element of this evidence"])
        act = ev.anchor(el.data["action"])
        w, h = act.data.get("screen") or [1e9, 1e9]
        (x, y), box = draft["point"], draft["bbox"]
        if abs(x - el.data["x"]) > 2 or abs(y - el.data["y"]) > 2:
            errors.append(f"point: ({x}, {y}) is not the logged click ({el.data['x']}, {el.data['y']})")
        if not point_in_box(x, y, box, p.pad):
            errors.append(f"bbox: {box} does not contain the point ({x}, {y})")
        if box[2] <= 0 or box[3] <= 0 or box[0] < -1 or box[1] < -1 or box[0] + box[2] > w + 1 or box[1] + box[3] > h + 1:
            errors.append(f"bbox: {box} is empty or off the {w}x{h} screen")
        fr = draft["frame"]
        screen = ev.anchor(fr["anchor"])
        if screen is None or screen.kind != "screen" or abs(float(fr["t"]) - screen.t0) > 0.01 or fr["t"] >= act.t0:
            errors.append("frame: must be the screen before the click (its `screen` anchor and time)")
        if errors:
            raise DraftError(errors)
        t = float(fr["t"])
        image = Segment(type="image", path=media.keyframe(ev.source, t), t0=t, t1=t, anchors=[screen.id])
        action = {"type": el.data.get("type", "click"), "x": x, "y": y, "bbox": [round(v, 1) for v in box],
                  "code": act.data["code"], "element": clean(el.data.get("text") or ""),
                  "role": el.data.get("role"), "box_source": el.data.get("box_source")}
        seg = Segment(type="action", action=action, t0=el.t0, t1=el.t1, anchors=[el.id, act.id])
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="gui", source=ev.source.id,
                      query=Query(text=clean(draft["instruction"]), media=[image]), solution=[seg],
                      evidence=[screen.id, el.id, act.id],
                      meta={"screen": [w, h], "text_source": el.data.get("text_source")},
                      provenance=provenance(ev, spec))

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        el = ev.anchor(ev.meta["element"])
        names = [str(el.data.get(k) or "") for k in ("text", "name", "ocr_text")]
        return [f"query: '{q}' is not the element's logged or OCR text" for q in quoted_spans(sample.query.text)
                if not quote_supported(q, names)]
