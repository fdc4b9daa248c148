"""`gui_trajectory`: GUI-agent trajectories: instruction + steps {observation, reasoning, action, next state}.

Each step is four segments: the observation frame (the last distinct screen before the action,
cited by its `screen` anchor), the reasoning text, the action (structured, plus pyautogui `code`),
and the expected next state (the settled screen after). The rules synthesizer writes the
instruction and reasoning from the action log, element names and OCR only. One sample per source
(per fragment in a fragment set), split every `max_steps` steps.
"""
from __future__ import annotations

import json
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..model import Anchor, AnchorSet, Query, Sample, Segment, TaskSpec
from ..sources.gui_trace import parse_step_action
from .base import Evidence, Task, register_task
from .shared.common import DraftError, build_prompt, clean, evidence_sample_id, provenance, uncited, validate_draft
from .shared.gui_text import FIELD_ROLES, ROLE_WORDS_ZH, key_words, quote_errors, quote_or_none, role_word

ACTION_FIELDS = ("type", "x", "y", "button", "text", "keys", "dx", "dy")
FRAME = {"type": "object", "required": ["t", "anchor"],
         "properties": {"t": {"type": "number"}, "anchor": {"type": "string"}}}
ACTION = {"type": "object", "required": ["type"],
          "properties": {"type": {"enum": ["click", "double_click", "right_click", "type", "key", "hotkey",
                                           "scroll", "drag", "move"]},
                         "x": {"type": "number"}, "y": {"type": "number"}, "text": {"type": "string"},
                         "keys": {"type": "array", "items": {"type": "string"}},
                         "dx": {"type": "number"}, "dy": {"type": "number"}, "button": {"type": "string"}}}
STEP = {"type": "object", "required": ["action_anchor", "observation", "reasoning", "action", "code", "next_state"],
        "properties": {"action_anchor": {"type": "string"}, "observation": FRAME,
                       "reasoning": {"type": "string", "minLength": 5}, "action": ACTION,
                       "code": {"type": "string", "pattern": "^pyautogui\\."}, "next_state": FRAME}}
# claims a step's text leaves out (a value that cannot be quoted) or text rewritten, with the reason
NOTES = {"type": "array", "items": {"type": "object", "required": ["step", "reason"],
                                    "properties": {"step": {"type": "integer"}, "reason": {"type": "string"}}}}
_KEY_PURPOSE = {"tab": "move to the next field", "enter": "confirm", "escape": "close what is open",
                "backspace": "delete the last character", "down": "move down", "up": "move up"}
_HOTKEY_PURPOSE = {("ctrl", "a"): "select all the text in the field", ("ctrl", "c"): "copy the selection",
                   ("ctrl", "v"): "paste", ("ctrl", "z"): "undo", ("ctrl", "s"): "save"}


# The rules synthesizer's Chinese phrases (spec.language == "zh"); claims.template_words_zh reads them.
# Element names, titles and typed text are quoted ‘…’ exactly as logged (gui_text.quote).
_CLICK_ZH = {"click": "点击", "double_click": "双击", "right_click": "右键点击"}
_CLICK_PURPOSE_ZH = {"text field": "，把光标放进去再输入", "text box": "，把光标放进去再输入",
                     "search box": "，把光标放进去再输入", "password field": "，把光标放进去",
                     "check box": "，切换这个选项", "radio button": "，选中这个选项", "link": "，打开它",
                     "drop-down": "，展开它的选项", "tab": "，显示它的内容", "menu item": "，选择它"}
_KEY_PURPOSE_ZH = {"tab": "移到下一个输入框", "enter": "确认", "escape": "关闭打开的内容",
                   "backspace": "删除最后一个字符", "down": "向下移动", "up": "向上移动"}
_HOTKEY_PURPOSE_ZH = {("ctrl", "a"): "全选输入框里的文字", ("ctrl", "c"): "复制选中的内容", ("ctrl", "v"): "粘贴",
                      ("ctrl", "z"): "撤销", ("ctrl", "s"): "保存"}
TEMPLATES_ZH = {
    "step": "第{i}步（共{n}步）。", "page": "{t}页面已打开。", "window": "应用窗口已打开。", "last": "这是最后一步。",
    "click": "我{what}{why}。", "type_into": "我{what}，输入到{f}输入框中。", "type_focus": "我{what}，输入到当前的输入框中。",
    "key": "我按下{k}，{why}。", "key_default": "继续", "hotkey_default": "使用快捷键",
    "scroll": "下一步要用的内容不在视野中，所以我{what}。", "other": "我{what}。",
    "at": "位于 ({x}, {y}) 的{r}", "at_plain": "({x}, {y}) 处", "choose": "在{f}中选择{v}", "choose_dd": "在下拉框中选择{v}",
    "option": "一个选项", "type": "输入{v}", "type_plain": "输入文字", "press": "按下{k}",
    "scroll_v": "向{d}滚动 {n} px", "scroll_dirs": "上 下 左 右", "drag": "把{q}向{d}拖动", "drag_plain": "从 ({x}, {y}) 拖到 ({x2}, {y2})",
    "drag_dir": "{d} {n} px", "in_place": "原地", "hover": "把指针移到{q}上", "move": "把指针移到 ({x}, {y})",
    "place": "在{t}页面上：", "place_screen": "在这个屏幕上：", "then": "（然后到{t}）",
    "purposes": " ".join([*_CLICK_PURPOSE_ZH.values(), *_KEY_PURPOSE_ZH.values(), *_HOTKEY_PURPOSE_ZH.values(),
                          *_CLICK_ZH.values()]),
    "roles": " ".join(ROLE_WORDS_ZH.values()),
    "keys": "上方向键 下方向键 左方向键 右方向键",
}
_DIR_ZH = {"right": "右", "left": "左", "down": "下", "up": "上"}


class GuiTrajectoryParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_steps: int = 30  # steps per sample; longer recordings are split


# ---------------------------------------------------------------------------- shared with stitch/grounding
def gui_index(anchors: list[Anchor]) -> dict[str, Any]:
    """Anchors of a GUI source by role: actions in time order, their screens and elements."""
    acts = sorted((a for a in anchors if a.kind == "gui_action"), key=lambda a: (a.t0, a.data.get("index", 0)))
    screens = {(a.data["action"], a.data["role"]): a for a in anchors if a.kind == "screen"}
    elements = {a.data["action"]: a for a in anchors if a.kind == "gui_element"}
    return {"actions": acts, "screens": screens, "elements": elements,
            "windows": [a for a in anchors if a.kind == "window"],
            "states": [a for a in anchors if a.kind == "screen_state"]}


def step_record(act: Anchor, idx: dict[str, Any]) -> dict[str, Any] | None:
    before = idx["screens"].get((act.id, "before"))
    after = idx["screens"].get((act.id, "after"))
    if before is None or after is None:
        return None
    el = idx["elements"].get(act.id)
    return {"action": act.id, "before": before.id, "after": after.id, "element": el.id if el else None,
            "t0": act.t0, "t1": act.t1, "obs_t": before.t0, "after_t": after.t0,
            "fragment": act.data.get("fragment", 0)}


def step_anchors(rec: dict[str, Any], ev_anchor: Any) -> list[Anchor]:
    return [a for a in (ev_anchor(rec[k]) for k in ("action", "before", "after", "element") if rec.get(k)) if a]


def element_label(act: Anchor, el: Anchor | None) -> str:
    return clean((el.data.get("text") if el else None) or (act.data.get("element") or {}).get("name") or "")


def element_role(act: Anchor, el: Anchor | None) -> str:
    """The element's role in people's words ("link", "text field", "drop-down"), "" when unknown."""
    return role_word((el.data.get("role") if el else None) or (act.data.get("element") or {}).get("role"))


def _target(act: Anchor, el: Anchor | None, notes: list[str] | None) -> str:
    d = act.data
    q = quote_or_none(element_label(act, el), "element name", notes)
    rw = element_role(act, el)
    if q:
        return f"the {q} {rw}" if rw else q
    where = f"at ({d.get('x', 0):.0f}, {d.get('y', 0):.0f})"
    return f"the {rw} {where}" if rw else where


def _field_of(prev: Anchor | None, prev_el: Anchor | None) -> tuple[str, str]:
    """(label, role word) of the field a typing step goes into: the element clicked just before."""
    if prev is None or prev.data["type"] not in ("click", "double_click"):
        return "", ""
    rw = element_role(prev, prev_el)
    if rw and rw not in FIELD_ROLES and rw != "drop-down":
        return "", ""
    return element_label(prev, prev_el), rw


def _direction(dx: float, dy: float) -> str:
    parts = []
    if abs(dx) >= 1:
        parts.append(f"{abs(dx):.0f} px {'right' if dx > 0 else 'left'}")
    if abs(dy) >= 1:
        parts.append(f"{abs(dy):.0f} px {'down' if dy > 0 else 'up'}")
    return " and ".join(parts) or "in place"


def _describe_zh(act: Anchor, el: Anchor | None, prev: Anchor | None, prev_el: Anchor | None,
                 notes: list[str] | None) -> str:
    """describe() in Chinese: "点击‘发送’按钮", "在‘数量’中选择‘2’"."""
    Z, d, typ = TEMPLATES_ZH, act.data, act.data["type"]

    def name() -> str | None:
        return quote_or_none(element_label(act, el), "element name", notes, "zh")

    if typ in _CLICK_ZH:
        q, rw = name(), ROLE_WORDS_ZH.get(element_role(act, el), "")
        x, y = f"{d.get('x', 0):.0f}", f"{d.get('y', 0):.0f}"
        target = f"{q}{rw}" if q else (Z["at"].format(x=x, y=y, r=rw) if rw else Z["at_plain"].format(x=x, y=y))
        return _CLICK_ZH[typ] + target
    if typ == "type":
        label, rw = _field_of(prev, prev_el)
        q = quote_or_none(d.get("text"), "typed text", notes, "zh")
        if rw == "drop-down":
            fq = quote_or_none(label, "drop-down name", notes, "zh")
            v = q or Z["option"]
            return Z["choose"].format(f=fq, v=v) if fq else Z["choose_dd"].format(v=v)
        return Z["type"].format(v=q) if q else Z["type_plain"]
    if typ in ("key", "hotkey"):
        return Z["press"].format(k=key_words(d["keys"], "zh"))
    if typ == "scroll":
        dx, dy = d.get("dx", 0) or 0, d.get("dy", 0) or 0
        if abs(dx) > abs(dy):
            return Z["scroll_v"].format(d=_DIR_ZH["right" if dx > 0 else "left"], n=f"{abs(dx):.0f}")
        return Z["scroll_v"].format(d=_DIR_ZH["down" if dy > 0 else "up"], n=f"{abs(dy):.0f}")
    if typ == "drag":
        q = name()
        if q:
            dx, dy = d["dx"], d["dy"]
            parts = ([Z["drag_dir"].format(d=_DIR_ZH["right" if dx > 0 else "left"], n=f"{abs(dx):.0f}")]
                     if abs(dx) >= 1 else [])
            parts += ([Z["drag_dir"].format(d=_DIR_ZH["down" if dy > 0 else "up"], n=f"{abs(dy):.0f}")]
                      if abs(dy) >= 1 else [])
            return Z["drag"].format(q=q, d="、向".join(parts) or Z["in_place"])
        return Z["drag_plain"].format(x=f"{d['x']:.0f}", y=f"{d['y']:.0f}", x2=f"{d['x'] + d['dx']:.0f}",
                                      y2=f"{d['y'] + d['dy']:.0f}")
    q = name()
    return Z["hover"].format(q=q) if q else Z["move"].format(x=f"{d.get('x', 0):.0f}", y=f"{d.get('y', 0):.0f}")


def describe(act: Anchor, el: Anchor | None, prev: Anchor | None = None, prev_el: Anchor | None = None,
             notes: list[str] | None = None, language: str = "en") -> str:
    """Short imperative phrase, in people's words: "click the 'Send' button", "choose '2' in 'Quantity'"."""
    if language == "zh":
        return _describe_zh(act, el, prev, prev_el, notes)
    d = act.data
    typ = d["type"]
    if typ in ("click", "double_click", "right_click"):
        verb = {"click": "click", "double_click": "double-click", "right_click": "right-click"}[typ]
        return f"{verb} {_target(act, el, notes)}"
    if typ == "type":
        label, rw = _field_of(prev, prev_el)
        q = quote_or_none(d.get("text"), "typed text", notes)
        if rw == "drop-down":
            fq = quote_or_none(label, "drop-down name", notes)
            what = q or "an option"
            return f"choose {what} in {fq}" if fq else f"choose {what} in the drop-down"
        return f"type {q}" if q else "type the text"
    if typ in ("key", "hotkey"):
        return f"press {key_words(d['keys'])}"
    if typ == "scroll":
        dx, dy = d.get("dx", 0) or 0, d.get("dy", 0) or 0
        if abs(dx) > abs(dy):
            return f"scroll {'right' if dx > 0 else 'left'} {abs(dx):.0f} px"
        return f"scroll {'down' if dy > 0 else 'up'} {abs(dy):.0f} px"
    if typ == "drag":
        q = quote_or_none(element_label(act, el), "element name", notes)
        if q:
            return f"drag {q} {_direction(d['dx'], d['dy'])}"
        return (f"drag from ({d.get('x', 0):.0f}, {d.get('y', 0):.0f}) to "
                f"({d.get('x', 0) + d['dx']:.0f}, {d.get('y', 0) + d['dy']:.0f})")
    q = quote_or_none(element_label(act, el), "element name", notes)
    return f"hover over {q}" if q else f"move the pointer to ({d.get('x', 0):.0f}, {d.get('y', 0):.0f})"


_CLICK_PURPOSE = {"text field": " to put the cursor in it before typing", "text box": " to put the cursor in it before typing",
                  "search box": " to put the cursor in it before typing", "password field": " to put the cursor in it",
                  "check box": " to toggle this option", "radio button": " to pick this option",
                  "link": " to open it", "drop-down": " to open its options", "tab": " to show its contents",
                  "menu item": " to choose it"}


def _reasoning_zh(i: int, n: int, act: Anchor, el: Anchor | None, prev: Anchor | None, prev_el: Anchor | None,
                  notes: list[str] | None) -> str:
    Z, d, typ = TEMPLATES_ZH, act.data, act.data["type"]
    tq = quote_or_none(d.get("title"), "page title", notes, "zh") if d.get("title") else None
    where = Z["page"].format(t=tq) if tq else Z["window"]
    what = _describe_zh(act, el, prev, prev_el, notes)
    if typ in _CLICK_ZH:
        said = Z["click"].format(what=what, why=_CLICK_PURPOSE_ZH.get(element_role(act, el), ""))
    elif typ == "type":
        label, rw = _field_of(prev, prev_el)
        fq = quote_or_none(label, "field name", notes, "zh") if label and rw != "drop-down" else None
        said = (Z["other"].format(what=what) if rw == "drop-down" else
                Z["type_into"].format(what=what, f=fq) if fq else Z["type_focus"].format(what=what))
    elif typ == "key":
        said = Z["key"].format(k=key_words(d["keys"], "zh"), why=_KEY_PURPOSE_ZH.get(d["keys"][0], Z["key_default"]))
    elif typ == "hotkey":
        said = Z["key"].format(k=key_words(d["keys"], "zh"),
                               why=_HOTKEY_PURPOSE_ZH.get(tuple(d["keys"]), Z["hotkey_default"]))
    elif typ == "scroll":
        said = Z["scroll"].format(what=what)
    else:
        said = Z["other"].format(what=what)
    return Z["step"].format(i=i + 1, n=n) + where + said + (Z["last"] if i == n - 1 else "")


def reasoning(i: int, n: int, act: Anchor, el: Anchor | None, prev: Anchor | None, prev_el: Anchor | None,
              notes: list[str] | None = None, language: str = "en") -> str:
    """Rules reasoning from the log: where we are, what the step does and why (no model). Values that
    cannot be quoted are left out and the reason goes to `notes`."""
    if language == "zh":
        return _reasoning_zh(i, n, act, el, prev, prev_el, notes)
    d = act.data
    tq = quote_or_none(d.get("title"), "page title", notes) if d.get("title") else None
    where = f"The {tq} page is open." if tq else "The application window is open."
    typ = d["type"]
    if typ in ("click", "double_click", "right_click"):
        what = f"I {describe(act, el, notes=notes)}{_CLICK_PURPOSE.get(element_role(act, el), '')}."
    elif typ == "type":
        label, rw = _field_of(prev, prev_el)
        if rw == "drop-down":
            what = f"I {describe(act, el, prev, prev_el, notes)}."
        else:
            fq = quote_or_none(label, "field name", notes) if label else None
            into = f" into the {fq} field" if fq else " into the focused field"
            what = f"I {describe(act, el, prev, prev_el, notes)}{into}."
    elif typ == "key":
        what = f"I press {key_words(d['keys'])} to {_KEY_PURPOSE.get(d['keys'][0], 'continue')}."
    elif typ == "hotkey":
        what = f"I press {key_words(d['keys'])} to {_HOTKEY_PURPOSE.get(tuple(d['keys']), 'use the shortcut')}."
    elif typ == "scroll":
        what = f"What I need next is not in view, so I {describe(act, el, notes=notes)}."
    else:
        what = f"I {describe(act, el, notes=notes)}."
    done = " This is the last step." if i == n - 1 else ""
    return f"Step {i + 1} of {n}. {where} {what}{done}"


def instruction(acts: list[Anchor], els: list[Anchor | None], language: str = "en") -> str:
    """A task instruction summarising the steps on the page(s) they happen on."""
    titles = [q for q in (quote_or_none(t, "page title", None, language) for t in
                          dict.fromkeys(a.data.get("title") for a in acts if a.data.get("title"))) if q]
    parts = [describe(a, e, p, pe, language=language)
             for a, e, p, pe in zip(acts, els, [None] + acts[:-1], [None] + els[:-1]) if a.data["type"] != "move"]
    if len(parts) > 8:
        parts = parts[:4] + ["……" if language == "zh" else "..."] + parts[-3:]
    if language == "zh":
        Z = TEMPLATES_ZH
        place = Z["place"].format(t=titles[0]) if titles else Z["place_screen"]
        if len(titles) > 1:
            place += Z["then"].format(t=titles[-1])
        return clean(place + "，".join(parts) + "。")
    place = f"In {titles[0]}" if titles else "On this screen"
    if len(titles) > 1:
        place += f" (then {titles[-1]})"
    return clean(f"{place}: " + ", ".join(parts) + ".")


def action_dict(act: Anchor) -> dict[str, Any]:
    return {k: act.data[k] for k in ACTION_FIELDS if act.data.get(k) is not None}


def rules_step(i: int, n: int, rec: dict[str, Any], ev: Evidence, prev_rec: dict[str, Any] | None,
               notes: list[dict[str, Any]] | None = None, language: str = "en") -> dict[str, Any]:
    """One step of the rules draft; claims the text cannot make are listed in `notes` [{step, reason}]."""
    act = ev.anchor(rec["action"])
    el = ev.anchor(rec["element"]) if rec.get("element") else None
    prev = ev.anchor(prev_rec["action"]) if prev_rec else None
    prev_el = ev.anchor(prev_rec["element"]) if prev_rec and prev_rec.get("element") else None
    why: list[str] = []
    text = reasoning(i, n, act, el, prev, prev_el, why, language)
    if notes is not None:
        notes += [{"step": i, "reason": r} for r in dict.fromkeys(why)]
    return {"action_anchor": act.id, "observation": {"t": rec["obs_t"], "anchor": rec["before"]},
            "reasoning": text, "action": action_dict(act),
            "code": act.data["code"], "next_state": {"t": rec["after_t"], "anchor": rec["after"]}}


def _frame_errors(ev: Evidence, f: dict, role: str, act_id: str, where: str) -> list[str]:
    a = ev.anchor(f["anchor"])
    if a is None or a.kind != "screen":
        return [f"{where}: cites {f['anchor']!r}, which is not a screen anchor of this evidence"]
    errs = []
    if a.data.get("action") != act_id or a.data.get("role") != role:
        errs.append(f"{where}: screen {a.id} is not the {role} frame of action {act_id}")
    if abs(float(f["t"]) - a.t0) > 0.01:
        errs.append(f"{where}: t={float(f['t']):.3f} is not the time of screen {a.id} ({a.t0:.3f})")
    return errs


def step_errors(st: dict[str, Any], ev: Evidence, where: str) -> list[str]:
    act = ev.anchor(st["action_anchor"])
    if act is None or act.kind != "gui_action":
        return [f"{where}/action_anchor: {st['action_anchor']!r} is not a gui_action of this evidence"]
    errs = _frame_errors(ev, st["observation"], "before", act.id, f"{where}/observation")
    errs += _frame_errors(ev, st["next_state"], "after", act.id, f"{where}/next_state")
    if float(st["observation"]["t"]) >= act.t0:
        errs.append(f"{where}/observation: frame at {st['observation']['t']:.3f}s is not before the action "
                    f"({act.t0:.3f}s): future leak")
    truth = action_dict(act)
    for k, v in st["action"].items():
        if k in truth and truth[k] != v and not (isinstance(v, (int, float)) and isinstance(truth[k], (int, float))
                                                 and abs(v - truth[k]) <= 2):
            errs.append(f"{where}/action/{k}: {v!r} differs from the logged action ({truth[k]!r})")
    if st["action"].get("type") != act.data["type"]:
        errs.append(f"{where}/action/type: {st['action'].get('type')!r} is not the logged {act.data['type']!r}")
    return errs


def _element_of(ev: Evidence, act_id: str | None) -> Anchor | None:
    if not act_id:
        return None
    return next((a for a in ev.anchors if a.kind == "gui_element" and a.data.get("action") == act_id), None)


def cited_for_text(ev: Evidence, act_id: str, prev_action: str | None) -> list[str]:
    """What a step's reasoning may quote from: its action and element, and (typing) the field
    clicked just before, as action and element."""
    ids = [act_id]
    if prev_action and ev.anchor(prev_action) is not None:
        ids.append(prev_action)
    ids += [a.id for a in ev.anchors if a.kind == "gui_element" and a.data.get("action") in (act_id, prev_action)]
    return ids


def repair_reasoning(steps: list[dict[str, Any]], ev: Evidence, prev_of: list[str | None],
                     notes: list[dict[str, Any]], language: str = "en") -> None:
    """A step whose reasoning quotes what its anchors do not log is rewritten from the anchors (the
    rules text), with the reason in `notes`: one bad step never costs the whole trajectory."""
    n = len(steps)
    for i, st in enumerate(steps):
        act = ev.anchor(st.get("action_anchor", ""))
        if act is None or not isinstance(st.get("reasoning"), str):
            continue
        cited = [ev.anchor(a) for a in cited_for_text(ev, act.id, prev_of[i])]
        bad = quote_errors(clean(st["reasoning"]), cited)
        if not bad:
            continue
        prev = ev.anchor(prev_of[i]) if prev_of[i] else None
        why: list[str] = []
        st["reasoning"] = reasoning(i, n, act, _element_of(ev, act.id), prev, _element_of(ev, prev_of[i]), why,
                                    language)
        notes.append({"step": i, "reason": "reasoning rewritten from the anchors: "
                      + ", ".join(repr(q) for q in bad[:3]) + " not logged for this step"})
        notes += [{"step": i, "reason": r} for r in dict.fromkeys(why)]


def step_segments(st: dict[str, Any], ev: Evidence, media: Any, source: Any, i: int,
                  prev_action: str | None = None) -> list[Segment]:
    act = ev.anchor(st["action_anchor"])
    obs_t, nxt_t = float(st["observation"]["t"]), float(st["next_state"]["t"])
    obs = media.keyframe(source, obs_t)
    nxt = media.keyframe(source, nxt_t)
    action = {**st["action"], "code": st["code"], "step": i}
    return [Segment(type="image", path=obs, t0=obs_t, t1=obs_t, anchors=[st["observation"]["anchor"]]),
            Segment(type="text", text=clean(st["reasoning"]), t0=act.t0, t1=act.t1,
                    anchors=cited_for_text(ev, act.id, prev_action)),
            Segment(type="action", action=action, t0=act.t0, t1=act.t1, anchors=[act.id]),
            Segment(type="image", path=nxt, t0=nxt_t, t1=nxt_t, anchors=[st["next_state"]["anchor"]])]


def quoted_names_errors(sample: Sample, ev: Evidence) -> list[str]:
    """What the reasoning really quotes ('...', read as `gui_text.quoted_spans` reads it) must be a
    name, title, URL or typed text that its cited anchors log."""
    errs = []
    for i, seg in enumerate(sample.solution):
        if seg.type != "text" or not seg.anchors:
            continue
        for q in quote_errors(seg.text or "", [ev.anchor(a) for a in seg.anchors]):
            errs.append(f"solution[{i}]: '{q}' is not a name, title or text logged for this step")
    return errs


def code_errors(sample: Sample) -> list[str]:
    errs = []
    for i, seg in enumerate(sample.solution):
        if seg.type == "action" and seg.action and seg.action.get("code"):
            for line in str(seg.action["code"]).splitlines():
                try:
                    parse_step_action(line, (1, 1))
                except ValueError as exc:
                    errs.append(f"solution[{i}]: code does not parse: {exc}")
    return errs


def template_prompt(task: Task, ev: Evidence, spec: TaskSpec, *fields: str) -> list[dict[str, Any]]:
    """Model prompt: the rules draft as a template whose prose fields the model rewrites.

    Actions, codes and frames come from the log and must stay as they are (build() checks them),
    so even a small model only writes language: the instruction and each step's reasoning.
    """
    draft = task.rules(ev, spec)
    text = (f"Here is a draft built from the action log:\n{json.dumps(draft, ensure_ascii=False)}\n\n"
            f"Rewrite only the fields {', '.join(repr(f) for f in fields)} so they read naturally for the user's "
            "intent and describe what the frames show; quote element names in single quotes exactly as the "
            "anchors give them. Keep every other field exactly as it is. Return the whole JSON object.")
    return build_prompt(ev, spec, text, task.draft_schema())


# ---------------------------------------------------------------------------- the task
@register_task
class GuiTrajectoryTask(Task):
    name = "gui_trajectory"
    domains = ("gui",)
    source_kinds = ("gui",)
    needs = ("gui_action",)
    ordered = True
    description = ("GUI-agent trajectories: an instruction and steps with the observation frame, reasoning, "
                   "the action (structured and pyautogui code) and the expected next screen.")
    examples = ("make GUI agent training data from these screen recordings", "computer-use trajectories",
                "turn my screen recording into agent trajectories with actions",
                "make computer-use agent trajectories from this screen recording",
                "GUI agent training data with clicks and typing", "turn my desktop session into agent demos")
    keywords = (r"\bgui\b", r"trajector", r"computer[- ]use", r"\bclicks?\b", r"screen recording", r"desktop",
                r"\bagent\b", r"browser")
    keywords_zh = ('轨迹', '电脑操作', '计算机操作', '屏幕录像', '录屏', '桌面', '点击', '智能体', '浏览器', '图形界面')
    examples_zh = ('用录屏做电脑操作智能体的轨迹', '教助手在电脑上替我完成操作', '让模型学会重复我在电脑上做的事')
    rewrite = ("Turn the recorded session into agent trajectory steps: the screen before each action, the action "
               "with its target, and a short reason, in order.")
    Params = GuiTrajectoryParams

    def draft_schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["instruction", "steps"],
                "properties": {"instruction": {"type": "string", "minLength": 5},
                               "steps": {"type": "array", "minItems": 1, "items": STEP}, "notes": NOTES}}

    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        p = self.params(spec)
        idx = gui_index(anchors.anchors)
        recs = [r for r in (step_record(a, idx) for a in idx["actions"]) if r]
        duration = float(anchors.meta.get("duration") or 0)
        out = []
        for frag in sorted({r["fragment"] for r in recs}):
            fr = [r for r in recs if r["fragment"] == frag]
            for c in range(0, len(fr), p.max_steps):
                chunk = fr[c:c + p.max_steps]
                ids = {i for r in chunk for i in (r["action"], r["before"], r["after"], r["element"]) if i}
                anchor_list = [a for a in anchors.anchors if a.id in ids]
                anchor_list += [w for w in idx["windows"] if w.t0 <= chunk[-1]["t1"] and w.t1 >= chunk[0]["t0"]]
                out.append(Evidence(sources=[anchors.source], anchors=anchor_list,
                                    frames=[r["obs_t"] for r in chunk] + [chunk[-1]["after_t"]],
                                    meta={"duration": duration, "steps": chunk, "fragment": frag},
                                    key=f"traj:{frag}:{c}"))
        return out

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        return template_prompt(self, ev, spec, "instruction", "reasoning")

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        recs = ev.meta["steps"]
        notes: list[dict[str, Any]] = []
        lang = spec.language or "en"
        steps = [rules_step(i, len(recs), r, ev, recs[i - 1] if i else None, notes, lang) for i, r in enumerate(recs)]
        acts = [ev.anchor(r["action"]) for r in recs]
        els = [ev.anchor(r["element"]) if r.get("element") else None for r in recs]
        return {"instruction": instruction(acts, els, lang), "steps": steps, "notes": notes}

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        errors = validate_draft(draft, self.draft_schema())
        if errors:
            raise DraftError(errors)
        for i, st in enumerate(draft["steps"]):
            errors += step_errors(st, ev, f"steps/{i}")
        t0s = [ev.anchor(st["action_anchor"]).t0 for st in draft["steps"] if ev.anchor(st["action_anchor"])]
        if t0s != sorted(t0s):
            errors.append("steps: not in the order the actions happened")
        if len({st["action_anchor"] for st in draft["steps"]}) != len(draft["steps"]):
            errors.append("steps: an action appears twice")
        if errors:
            raise DraftError(errors)
        notes = [dict(n) for n in draft.get("notes") or []]
        prev_of = [draft["steps"][i - 1]["action_anchor"] if i else None for i in range(len(draft["steps"]))]
        steps = [dict(st) for st in draft["steps"]]
        repair_reasoning(steps, ev, prev_of, notes, spec.language or "en")
        solution: list[Segment] = []
        for i, st in enumerate(steps):
            solution += step_segments(st, ev, media, ev.source, i, prev_of[i])
        evidence = []
        for seg in solution:
            evidence += [a for a in seg.anchors if a not in evidence]
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="gui", source=ev.source.id,
                      query=Query(text=clean(draft["instruction"])), solution=solution, evidence=evidence,
                      meta={"n_steps": len(draft["steps"]), "fragment": ev.meta.get("fragment", 0), "notes": notes,
                            "screen": ev.anchor(draft["steps"][0]["action_anchor"]).data.get("screen")},
                      provenance=provenance(ev, spec))

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        return quoted_names_errors(sample, ev) + code_errors(sample) + self._missing_actions(sample, ev)

    @staticmethod
    def _missing_actions(sample: Sample, ev: Evidence) -> list[str]:
        """The trajectory is the fragment's actions, all of them: a draft that skips one teaches an agent to
        reach the next screen without the action that led there (a bad step is repaired, not left out)."""
        def what(k: int, rec: dict) -> str:
            act = ev.anchor(rec["action"])
            said = describe(act, ev.anchor(rec["element"]) if rec.get("element") else None) if act else rec["action"]
            return f"step {k + 1} of the fragment ({said}, {rec['action']}) is not in the trajectory"
        # steps are absent when the evidence is rebuilt from a file
        return uncited(sample, ev.meta.get("steps") or [], lambda rec: [rec["action"]], what)
