"""GUI screen anchors: start / end screen state of a recording, and the element under each click.

`screen_state` (at "start" and "end") of each fragment, on settled screens: the start is the last
distinct frame before the fragment's first action (what the user saw when acting, not the blank or
loading frame a recording may begin on, nor a half-painted repaint flashed for a few ms just
before the action); the end is the settled frame after its last action. Each
holds a perceptual hash (imagehash phash), a small gray thumbnail (for a pixel-level comparison),
OCR text, the window identity, and the first / last action with its target's name, so fragments
are stitched by matching one's end to another's start. `gui_element` (one per pointer action): the logged element (role, name, bbox) and
the OCR line at the pointer in the frame before the action, so an unnamed target still has a text
and a box. OCR is the `ocr` expert's RapidOCR engine; without it the logged names are used alone.
"""
from __future__ import annotations

import base64
from typing import Any, Literal

import numpy as np
from pydantic import BaseModel, ConfigDict

from ..model import Anchor
from .base import Expert, ExpertContext, register_expert
from .gui_actions import fragment_spans

CLICKS = ("click", "double_click", "right_click", "drag")


class GuiScreenParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    ocr: bool = True  # OCR the start / end screens
    ocr_elements: Literal["missing", "always", "never"] = "missing"  # OCR at clicks: when unnamed, always, never
    ocr_max_side: int = 800  # px: long side of a screen frame given to OCR
    crop: tuple[int, int] = (560, 150)  # px (w, h) read around the pointer
    near: float = 40.0  # px: an OCR line this close to the pointer counts as its label
    thumb_side: int = 160  # px: long side of the gray thumbnail kept for pixel-level screen comparison
    min_seen: float = 0.1  # s: a screen shown this briefly before the first action and then replaced by the
    # one before it again is a repaint flash (half the page painted), not the screen the user acted on


def phash_hex(rgb: np.ndarray) -> str:
    import imagehash  # noqa: PLC0415
    from PIL import Image  # noqa: PLC0415

    return str(imagehash.phash(Image.fromarray(rgb)))


def hash_distance(a: str, b: str) -> int:
    """Hamming distance of two hex phashes (bits)."""
    return bin(int(a, 16) ^ int(b, 16)).count("1")


def thumb_b64(rgb: np.ndarray, side: int) -> str:
    """Gray thumbnail, long side `side` px, as base64 of (h, w) then the bytes."""
    from PIL import Image  # noqa: PLC0415

    img = Image.fromarray(rgb).convert("L")
    w, h = img.size
    k = side / max(w, h)
    img = img.resize((max(1, round(w * k)), max(1, round(h * k))), Image.BILINEAR)
    a = np.asarray(img, dtype=np.uint8)
    return base64.b64encode(bytes([a.shape[0] // 256, a.shape[0] % 256, a.shape[1] // 256, a.shape[1] % 256])
                            + a.tobytes()).decode()


def thumb_diff(a: str | None, b: str | None, delta: int = 24) -> float | None:
    """Share of thumbnail pixels that differ by more than `delta` gray levels (None when either is
    missing or their sizes differ)."""
    if not a or not b:
        return None
    ra, rb = base64.b64decode(a), base64.b64decode(b)
    if ra[:4] != rb[:4]:
        return None
    h, w = ra[0] * 256 + ra[1], ra[2] * 256 + ra[3]
    x = np.frombuffer(ra[4:], dtype=np.uint8).reshape(h, w).astype(np.int16)
    y = np.frombuffer(rb[4:], dtype=np.uint8).reshape(h, w).astype(np.int16)
    return float((np.abs(x - y) > delta).mean())


def thumb_region_diff(a: str | None, b: str | None, box: list[float], size: tuple[int, int] | list[int] | None,
                      delta: int = 24) -> float | None:
    """`thumb_diff` inside one screen box (x0, y0, x1, y1 in the `size` the boxes are in, as OCR
    gives them), widened by one thumbnail pixel; None when a thumbnail or the size is missing."""
    if not a or not b or not size:
        return None
    ra, rb = base64.b64decode(a), base64.b64decode(b)
    if ra[:4] != rb[:4]:
        return None
    h, w = ra[0] * 256 + ra[1], ra[2] * 256 + ra[3]
    sx, sy = w / max(1, size[0]), h / max(1, size[1])
    x0, x1 = max(0, int(box[0] * sx) - 1), min(w, int(np.ceil(box[2] * sx)) + 1)
    y0, y1 = max(0, int(box[1] * sy) - 1), min(h, int(np.ceil(box[3] * sy)) + 1)
    if x1 <= x0 or y1 <= y0:
        return None
    x = np.frombuffer(ra[4:], dtype=np.uint8).reshape(h, w)[y0:y1, x0:x1].astype(np.int16)
    y = np.frombuffer(rb[4:], dtype=np.uint8).reshape(h, w)[y0:y1, x0:x1].astype(np.int16)
    return float((np.abs(x - y) > delta).mean())


FLASH_SHARE = 0.05  # a repaint flash changes a good part of the page (a hover or a caret is not one)


def seen_before(stream: Any, f0: float, f1: float, obs_t: float, act_t: float, min_seen: float) -> float:
    """`obs_t`, or the state before it when the screen at `obs_t` is a flash: shown for less than
    `min_seen` s before the action and then gone, the screen after it being the one before it again
    (far closer to it than the flash is to either: a repaint that painted half the page for 30 ms).
    A short state that stays (the page that just appeared when the recording began mid-typing) is
    kept."""
    from .gui_actions import GuiActionParams, visual_states  # noqa: PLC0415

    gp = GuiActionParams()
    starts, thumbs, _ = visual_states(stream, gp, f0, min(f1, act_t + 2.0))
    k = max((i for i, t in enumerate(starts) if t <= obs_t + 1e-6), default=None)
    if k is None or k == 0 or k + 1 >= len(starts):
        return obs_t
    if min(starts[k + 1], act_t) - starts[k] >= min_seen:
        return obs_t

    def diff(x: np.ndarray, y: np.ndarray) -> float:
        return float((np.abs(x - y) > gp.pixel_delta).mean()) if x.shape == y.shape else 1.0

    before, flash, after = thumbs[k - 1], thumbs[k], thumbs[k + 1]
    jump = min(diff(before, flash), diff(flash, after))
    if jump >= FLASH_SHARE and diff(before, after) < 0.5 * jump:
        return starts[k - 1]
    return obs_t


def _ocr_engine():
    """(engine, params, read_frame) from the ocr expert, or None when OCR cannot run here."""
    try:
        from .ocr import OcrParams, load_engine, read_frame  # noqa: PLC0415

        p = OcrParams(max_side=960, min_score=0.5)
        return load_engine(p), p, read_frame
    except Exception:  # noqa: BLE001 - rapidocr / onnxruntime missing: logged names only
        return None


ROW_SLACK = 8.0  # px: a line this far above or below the point still holds it (OCR boxes hug the glyphs)


def element_at(dets: list[dict], x: float, y: float, near: float) -> tuple[dict | None, str]:
    """The OCR line under the point (or within `near` px): ("hit"); else a label just left of or
    above the point, as form fields have ("label"); else (None, "")."""
    best, best_d = None, near
    for d in dets:
        x0, y0, x1, y1 = d["box"]
        dx, dy = max(x0 - x, 0, x - x1), max(y0 - y, 0, y - y1)
        dist = (dx ** 2 + dy ** 2) ** 0.5
        # a line on the point's row (a button's padding around its text); one above or below the point
        # is another element's text (the button under an empty field), not what was clicked
        if dist <= best_d and dy <= ROW_SLACK:
            best, best_d = d, dist
    if best is not None:
        return best, "hit"
    labels = []
    for d in dets:
        x0, y0, x1, y1 = d["box"]
        if x1 <= x and y0 - 25 <= y <= y1 + 25:  # left of the point, on its row
            labels.append((abs(y - (y0 + y1) / 2) + 0.1 * (x - x1), d))
        elif y1 <= y and y - y1 <= 70 and x0 - 40 <= x:  # above it
            labels.append((1.5 * (y - y1) + 0.1 * abs(x - x0), d))
    return (min(labels, key=lambda z: z[0])[1], "label") if labels else (None, "")


def _change_box(d: dict, x: float, y: float, size: tuple[int, int]) -> list[float] | None:
    """The changed screen region after a click, when it is a small box around the point (a focus
    ring, a pressed button): a fair element box when nothing was logged."""
    b = d.get("changed_bbox")
    if not b:
        return None
    bx, by, bw, bh = b
    if bx <= x <= bx + bw and by <= y <= by + bh and bw * bh <= 0.15 * size[0] * size[1]:
        return [float(v) for v in b]
    return None


@register_expert
class GuiScreens(Expert):
    name = "gui_screens"
    kinds = ("gui",)
    requires = ("gui_actions",)
    version = "8"  # 3: start / end states on settled screens, thumbnails, first / last action; 4: its keys;
    # 5, 6: the start state skips a repaint flash; 7: the screen size the OCR boxes are in; 8: a click names
    # the text on its row, not the line above or below it
    description = ("settled start/end screen state of each fragment (phash, thumbnail, OCR, last action's "
                   "target) for continuity, and the element text at each click")
    Params = GuiScreenParams

    def setup(self) -> None:
        p: GuiScreenParams = self.params  # type: ignore[assignment]
        self.engine = _ocr_engine() if (p.ocr or p.ocr_elements != "never") else None

    def _ocr(self, rgb: np.ndarray, size: tuple[int, int]) -> list[dict]:
        if self.engine is None:
            return []
        engine, op, read = self.engine
        return read(engine, rgb, size, op)

    def run(self, stream: Any, ctx: ExpertContext) -> list[Anchor]:
        p: GuiScreenParams = self.params  # type: ignore[assignment]
        if self.engine is None and (p.ocr or p.ocr_elements != "never"):
            ctx.warn("gui_screens: OCR engine unavailable (pip install 'dataclaw0[ocr]'); logged names only")
        w, h = stream.meta.width, stream.meta.height
        out: list[Anchor] = []
        all_acts = sorted((a for a in ctx.anchors("gui_actions") if a.kind == "gui_action"), key=lambda a: a.t0)
        ends = []
        for k, (f0, f1) in enumerate(fragment_spans(stream)):
            acts = [a for a in all_acts if a.data.get("fragment", 0) == k]
            # settled screens: what the user saw before acting first, and what the last action led to
            start_t = acts[0].data["obs_t"] if acts and acts[0].data.get("obs_t") is not None else f0
            if acts and acts[0].data.get("obs_t") is not None:
                start_t = seen_before(stream, f0, f1, start_t, float(acts[0].t0), p.min_seen)
            end_t = min(max(acts[-1].data.get("after_t", f1), f0), f1) if acts else f1
            ends += [("start", start_t, k, acts[0] if acts else None, "before_first_action" if acts else "first_frame"),
                     ("end", end_t, k, acts[-1] if acts else None, "settled_after_last_action" if acts else "last_frame")]
        for at, t, k, act, how in ends:
            fr = stream.frame_at(t, max_side=p.ocr_max_side)
            dets = self._ocr(fr.image, (w, h)) if p.ocr else []
            ident = act.data if act is not None else {}
            data = {"at": at, "fragment": k, "frame": how, "phash": phash_hex(fr.image),
                    "thumb": thumb_b64(fr.image, p.thumb_side), "size": [w, h],
                    "text": " ".join(d["text"] for d in dets),
                    "lines": [{"text": d["text"], "box": [round(v, 1) for v in d["box"]]} for d in dets],
                    **{key: ident.get(key) for key in ("app", "url", "title")}}
            if act is not None:
                logged = act.data.get("element") or {}
                data["action"] = {"id": act.id, "type": act.data["type"], "name": logged.get("name"),
                                  "role": logged.get("role"), "text": act.data.get("text"),
                                  "keys": act.data.get("keys")}
            out.append(self.anchor(ctx, "screen_state", fr.t, fr.t, data))
        for a in ctx.anchors("gui_actions"):
            if a.kind != "gui_action" or a.data["type"] not in CLICKS:
                continue
            out.append(self._element(stream, ctx, a, p, (w, h)))
        return out

    def _element(self, stream: Any, ctx: ExpertContext, a: Anchor, p: GuiScreenParams,
                 size: tuple[int, int]) -> Anchor:
        d = a.data
        x, y = float(d["x"]), float(d["y"])
        logged = d.get("element") or {}
        name = (logged.get("name") or "").strip()
        data: dict[str, Any] = {"action": a.id, "index": d["index"], "x": x, "y": y, "type": d["type"],
                                "role": logged.get("role"), "name": name or None,
                                "bbox": [round(v, 1) for v in logged["bbox"]] if logged.get("bbox") else None,
                                "ocr_text": None, "ocr_bbox": None}
        want_ocr = p.ocr_elements == "always" or (p.ocr_elements == "missing" and (not name or not data["bbox"]))
        how = ""
        if want_ocr and self.engine is not None:
            cw, ch = p.crop
            x0 = int(min(max(0, x - cw * 0.65), max(0, size[0] - cw)))  # more room on the left: labels
            y0 = int(min(max(0, y - ch * 0.6), max(0, size[1] - ch)))
            full = stream.frame_at(d["obs_t"], max_side=None).image
            crop = full[y0:y0 + ch, x0:x0 + cw]
            dets = self._ocr(crop, (crop.shape[1], crop.shape[0]))
            hit, how = element_at(dets, x - x0, y - y0, p.near)
            if hit and x0 > 0 and hit["box"][0] <= 2:  # the line runs past the crop's left edge ("lue kettle")
                x0 = max(0, x0 - cw // 2)
                crop = full[y0:y0 + ch, x0:x0 + cw]
                dets = self._ocr(crop, (crop.shape[1], crop.shape[0]))
                hit, how = element_at(dets, x - x0, y - y0, p.near)
            if hit:
                bx0, by0, bx1, by1 = (float(v) for v in hit["box"])
                data["ocr_text"] = hit["text"]
                data["ocr_bbox"] = [round(bx0 + x0, 1), round(by0 + y0, 1), round(bx1 - bx0, 1), round(by1 - by0, 1)]
        data["text"] = name or data["ocr_text"]
        data["text_source"] = "log" if name else ({"hit": "ocr", "label": "ocr_label"}.get(how) if data["ocr_text"] else None)
        change = _change_box(d, x, y, size)
        if data["bbox"]:
            data["box"], data["box_source"] = data["bbox"], "log"
        elif how == "hit":
            data["box"], data["box_source"] = data["ocr_bbox"], "ocr"
        elif change:
            data["box"], data["box_source"] = change, "change"
        else:
            data["box"], data["box_source"] = None, None
        return self.anchor(ctx, "gui_element", d["t_event"], d["t_event"], data,
                           confidence=1.0 if data["text_source"] == "log" else 0.8 if data["text"] else 0.3)
