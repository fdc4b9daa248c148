"""`ocr` expert: on-screen text as TEXT TRACKS ("this line is visible from t0 to t1").

RapidOCR (PP-OCRv6 ONNX models shipped in the rapidocr wheel, onnxruntime) reads a few frames:
each shot is cut into VIEWS, stretches where the picture stays the same, and one frame per view is
read (the shot's keyframe where it falls in the view). Views split inside a shot only where the
frame's perceptual hash changes (checked `extra_fps` times a second on the shared frame features,
no extra decoding), so text that appears mid-shot is caught while a static slide costs one call.
Detections of consecutive views with the same text (fuzzy) in an overlapping box merge into one
track, whose interval runs over the views where it was seen.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, ClassVar

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from ..errors import ConfigError, SourceError
from ..model import Anchor
from .base import Expert, ExpertContext, register_expert
from .features import hamming
from .visual import box_iou


class OcrParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    min_score: float = Field(0.6, ge=0, le=1, description="drop recognised lines below this score")
    max_line_height: float = Field(0.3, gt=0, le=1, description=(
        "drop lines taller than this share of the frame height: on footage, texture read as one giant glyph"))
    glyph_min_score: float = Field(0.9, ge=0, le=1, description=(
        "a one-character track needs this mean score or two views: a lone glyph has no word around it for "
        "the recogniser, and on footage a paw, wheel or leaf reads as one letter (scores 0.1-0.87 measured "
        "on natural clips; score digits and HUD glyphs 0.92-1.0)"))
    max_side: int = Field(960, ge=160, le=4096, description="long side of the frame given to OCR (px)")
    extra_fps: float = Field(1.0, ge=0, le=10,
                             description="hash checks per second for text changing mid-shot; 0 = keyframes only")
    hash_threshold: int = Field(6, ge=1, le=32, description="phash bits that must change to read again")
    min_view_s: float = Field(2.0, ge=0, description="shortest mid-shot view: caps OCR calls on busy video")
    text_match: float = Field(80, ge=0, le=100, description="rapidfuzz ratio for 'same text'")
    box_iou: float = Field(0.3, ge=0, le=1, description="box overlap for 'same place'")
    lang: str = Field("en", description="RapidOCR language (the wheel's PP-OCRv6 model covers ~50)")
    use_cls: bool = Field(False, description="text-direction classifier (upside-down text)")
    threads: int = Field(2, ge=1)
    ort_spinning: bool = Field(False, description=(
        "let onnxruntime's threads busy-wait between operators (its default): same text, about a "
        "third more CPU time on a shared machine"))


@dataclass
class View:
    """A stretch [t0, t1) of the video read from the single frame at `t`."""

    t0: float
    t1: float
    t: float
    dets: list[dict] = field(default_factory=list)


@register_expert
class OcrExpert(Expert):
    name: ClassVar[str] = "ocr"
    requires: ClassVar[tuple[str, ...]] = ("keyframes",)
    version: ClassVar[str] = "4"  # bump whenever the output changes: the anchor cache keys on it
    description: ClassVar[str] = "on-screen text tracks (RapidOCR on keyframes and on mid-shot changes)"
    Params: ClassVar[type[BaseModel]] = OcrParams

    _engines: ClassVar[dict[tuple, Any]] = {}

    def setup(self) -> None:
        self.engine = load_engine(self.params)  # type: ignore[arg-type]

    def run(self, stream: Any, ctx: ExpertContext) -> list[Anchor]:
        p: OcrParams = self.params  # type: ignore[assignment]
        duration = float(stream.meta.duration)
        shots = _shot_spans(ctx, duration)
        key_times = [a.t0 for a in ctx.anchors("keyframes") if a.kind == "keyframe"]
        feats = None
        if p.extra_fps > 0:
            from . import features as F

            feats = F.frame_features(stream, ctx)
        views = plan_views(shots, key_times, feats, p)
        for v, got in zip(views, _view_frames(stream, [v.t for v in views], p.max_side)):
            if isinstance(got, SourceError):  # e.g. a truncated tail: read the rest, say what was missed
                ctx.warn(f"ocr: skipped the view at {v.t:.2f}s: {got}")
                continue
            v.dets = read_frame(self.engine, got.image, (stream.meta.width, stream.meta.height), p)
        self.stats = {"ocr_calls": len(views), "duration": duration}
        tracks = drop_weak_glyphs(merge_tracks(views, p), p)
        w, h = stream.meta.width, stream.meta.height
        return [self.anchor(ctx, "ocr_text", tr["t0"], tr["t1"], _track_data(tr, w, h), tr["score"])
                for tr in tracks]


def _view_frames(stream: Any, times: list[float], max_side: int) -> list[Any]:
    """The views' frames (or the SourceError of each unreadable one): in one forward decode where
    the stream can (VideoStream.read_frames_at: views sharing a GOP decode it once), else a seek each."""
    many = getattr(stream, "read_frames_at", None)
    if many is not None:
        return many(times, max_side=max_side)
    out: list[Any] = []
    for t in times:
        try:
            out.append(stream.frame_at(t, max_side=max_side))
        except SourceError as exc:
            out.append(exc)
    return out


def load_engine(p: OcrParams) -> Any:
    """A RapidOCR engine, built once per process for each setting."""
    key = (p.lang, p.max_side, p.use_cls, p.threads, p.ort_spinning)
    if key not in OcrExpert._engines:
        from rapidocr import RapidOCR

        _check_lang(p.lang)
        try:
            OcrExpert._engines[key] = RapidOCR(params={
                "Global.log_level": "error",
                "Global.use_cls": p.use_cls,
                "Global.text_score": 0.0,  # filtered by min_score here, after dedup
                "Det.limit_type": "max",  # default "min" upscales small frames to 736: slow
                "Det.limit_side_len": p.max_side,
                "Det.lang_type": p.lang,
                "Rec.lang_type": p.lang,
                "EngineConfig.onnxruntime.intra_op_num_threads": p.threads,
                "EngineConfig.onnxruntime.inter_op_num_threads": 1,
            })
        except ValueError as exc:  # unsupported language
            raise ConfigError(f"ocr: {exc}") from exc
        if not p.ort_spinning:
            _stop_spinning(OcrExpert._engines[key], p.use_cls)
    return OcrExpert._engines[key]


def _stop_spinning(engine: Any, use_cls: bool) -> None:
    """Rebuilds the engine's ONNX sessions with intra-op spinning off. onnxruntime's worker threads
    busy-wait between operators by default: on a shared or small machine that burns about a third
    of OCR's CPU time for nothing (same outputs; benchmarks/bench_lecture_cpu.py). RapidOCR has no
    setting for it, so the sessions are swapped; another RapidOCR layout keeps its own."""
    try:
        import onnxruntime as ort  # noqa: PLC0415

        loaders = [engine._load_det_model, engine._load_rec_model]  # noqa: SLF001
        if use_cls:
            loaders.append(engine._load_cls_model)  # noqa: SLF001
        for load in loaders:
            holder = load().session  # rapidocr's OrtInferSession
            old = holder.session
            opts = old.get_session_options()
            opts.add_session_config_entry("session.intra_op.allow_spinning", "0")
            holder.session = ort.InferenceSession(old._model_path, sess_options=opts,  # noqa: SLF001
                                                  providers=old.get_providers())
    except (AttributeError, TypeError):  # pragma: no cover - other rapidocr versions
        return


def _check_lang(lang: str) -> None:
    """RapidOCR quietly falls back to its default model for unknown languages: refuse them."""
    try:
        from rapidocr.utils.model_resolver import route_to_model_key
        from rapidocr.utils.typings import ModelType, OCRVersion, TaskType
    except ImportError:  # internal helper moved in another rapidocr version: skip the check
        return
    try:
        for task in (TaskType.DET, TaskType.REC):
            route_to_model_key(task, OCRVersion("PP-OCRv6"), lang, ModelType("small"))
    except ValueError as exc:
        raise ConfigError(f"ocr: {exc}") from exc


def read_frame(engine: Any, rgb: np.ndarray, display_size: tuple[int, int], p: OcrParams) -> list[dict]:
    """Text lines of one RGB frame: [{"text", "box" [x0,y0,x1,y1] in display px, "score"}]."""
    out = engine(np.ascontiguousarray(rgb[:, :, ::-1]))  # RapidOCR takes arrays as BGR
    if not out.txts:
        return []
    sx = display_size[0] / rgb.shape[1]
    sy = display_size[1] / rgb.shape[0]
    dets = []
    for quad, text, score in zip(out.boxes, out.txts, out.scores):
        text = " ".join(str(text).split())
        if not text or float(score) < p.min_score:
            continue
        q = np.asarray(quad, dtype=np.float64)
        box = [q[:, 0].min() * sx, q[:, 1].min() * sy, q[:, 0].max() * sx, q[:, 1].max() * sy]
        if box[3] - box[1] > p.max_line_height * display_size[1]:
            continue
        dets.append({"text": text, "box": box, "score": float(score)})
    return _dedup(dets, p)


def _dedup(dets: list[dict], p: OcrParams) -> list[dict]:
    """One detection per line: overlapping boxes with the same text keep the best score."""
    kept: list[dict] = []
    for d in sorted(dets, key=lambda d: -d["score"]):
        if not any(box_iou(d["box"], k["box"]) > 0.5 and text_ratio(d["text"], k["text"]) >= p.text_match
                   for k in kept):
            kept.append(d)
    return kept


def plan_views(shots: list[tuple[float, float]], key_times: list[float], feats: Any,
               p: OcrParams) -> list[View]:
    """Cuts every shot into views (see module doc) and picks the frame to read for each."""
    views: list[View] = []
    for s0, s1 in shots:
        keys = sorted(t for t in key_times if s0 - 1e-6 <= t < s1 - 1e-6)
        shot = _ShotHashes(feats, s0, s1) if feats is not None else None
        bounds = _change_times(shot, s0, s1, p) if shot is not None else []
        edges = [s0, *bounds, s1]
        shot_views: list[View] = []
        for a, b in zip(edges[:-1], edges[1:]):
            inside = [t for t in keys if a - 1e-6 <= t < b]
            if len(inside) > 1 and shot is None:
                # No hash to say whether the keyframes differ: read each, split at midpoints.
                mids = [a] + [(x + y) / 2 for x, y in zip(inside[:-1], inside[1:])] + [b]
                views += [View(mids[i], mids[i + 1], t) for i, t in enumerate(inside)]
                continue
            # The keyframe is the sharp, representative frame; without one, a little after the change.
            t = min(inside, key=lambda t: abs(t - (a + b) / 2)) if inside else a + min(1.0, (b - a) / 2)
            shot_views.append(View(a, b, shot.settled(t, a, b) if shot is not None else t))
        if shot is not None:  # views meet where the picture turns from one read frame to the next
            for v, w in zip(shot_views[:-1], shot_views[1:]):
                v.t1 = w.t0 = shot.switch_time(v.t, w.t, w.t0)
        views += shot_views
    views.sort(key=lambda v: v.t0)
    return views


class _ShotHashes:
    """One shot's per-frame hashes, and which frames are SETTLED: same picture as ~0.5 s before and
    after, so not inside a dissolve, fade or text animation (mixed frames read as garbage)."""

    def __init__(self, feats: Any, s0: float, s1: float, settle_s: float = 0.5, same_bits: int = 2) -> None:
        idx = np.flatnonzero((feats.t >= s0 - 1e-6) & (feats.t < s1 - 1e-6))
        self.t = feats.t[idx]
        self.h = feats.phash[idx]
        n = len(idx)
        after = np.searchsorted(self.t, self.t + settle_s).clip(max=max(0, n - 1))
        before = np.searchsorted(self.t, self.t - settle_s).clip(min=0)
        self.stable = ((hamming(self.h, self.h[after]) <= same_bits) & (hamming(self.h, self.h[before]) <= same_bits)
                       if n else np.zeros(0, bool))

    def first_settled(self, j: int) -> int:
        """Index of the first settled frame at or after j (j itself when none is)."""
        later = np.flatnonzero(self.stable[j:])
        return j + int(later[0]) if len(later) else j

    def settled(self, t: float, a: float, b: float) -> float:
        """t if the frame shown then is settled, else the settled frame in [a, b) nearest to t."""
        k = int(np.searchsorted(self.t, t + 1e-6)) - 1
        if 0 <= k < len(self.t) and self.stable[k]:
            return t
        cand = np.flatnonzero(self.stable & (self.t >= a - 1e-6) & (self.t < b - 1e-6))
        return float(self.t[cand[np.argmin(np.abs(self.t[cand] - t))]]) if len(cand) else t


    def switch_time(self, ta: float, tb: float, default: float) -> float:
        """First frame after ta that looks more like the frame at tb than the one at ta: exact for a
        cut or text popping in, the middle of a dissolve."""
        ka = int(np.searchsorted(self.t, ta + 1e-6)) - 1
        kb = int(np.searchsorted(self.t, tb + 1e-6)) - 1
        if ka < 0 or kb <= ka:
            return default
        seg = np.arange(ka + 1, kb + 1)
        closer = hamming(self.h[seg], np.full(len(seg), self.h[kb], np.uint64)) < \
            hamming(self.h[seg], np.full(len(seg), self.h[ka], np.uint64))
        return float(self.t[seg[int(np.argmax(closer))]]) if closer.any() else default


def _change_times(shot: _ShotHashes, s0: float, s1: float, p: OcrParams) -> list[float]:
    """Frame-accurate times inside (s0, s1) where the picture's perceptual hash left the current view's."""
    t, h = shot.t, shot.h
    if len(t) < 2:
        return []
    step = 1.0 / p.extra_fps
    changes: list[float] = []
    ref = h[shot.first_settled(0)]  # a shot that opens mid-dissolve is compared with its settled picture
    view_start = s0
    last_checked = 0
    next_check = s0 + step
    for j in range(1, len(t)):
        if t[j] + 1e-6 < next_check and j != len(t) - 1:
            continue
        next_check = t[j] + step
        if int(hamming(ref, h[j])) < p.hash_threshold:
            last_checked = j
            continue
        # Changed since the last check: the first frame in between that differs marks the change.
        seg = np.arange(last_checked + 1, j + 1)
        first = int(seg[int(np.argmax(hamming(np.full(len(seg), ref, dtype=np.uint64), h[seg]) >= p.hash_threshold))])
        last_checked = j
        if t[first] - view_start < p.min_view_s or s1 - t[first] < min(p.min_view_s, 0.5):
            continue  # too soon after the last read (busy video) or at the shot's very end
        changes.append(float(t[first]))
        view_start = float(t[first])
        ref = h[shot.first_settled(j)]
    return changes


def merge_tracks(views: list[View], p: OcrParams) -> list[dict]:
    """Links each detection to a track of the previous view with similar text in an overlapping box."""
    done: list[dict] = []
    open_tracks: list[dict] = []
    for v in views:
        pairs = []
        for ti, tr in enumerate(open_tracks):
            last = tr["obs"][-1]
            for di, d in enumerate(v.dets):
                r = text_ratio(last["text"], d["text"])
                o = box_iou(last["box"], d["box"])
                if r >= p.text_match and o >= p.box_iou:
                    pairs.append((r + 100 * o, ti, di))
        used_t: set[int] = set()
        used_d: set[int] = set()
        for _, ti, di in sorted(pairs, reverse=True):
            if ti in used_t or di in used_d:
                continue
            used_t.add(ti)
            used_d.add(di)
            open_tracks[ti]["obs"].append({**v.dets[di], "t": v.t})
            open_tracks[ti]["t1"] = v.t1
        still = []
        for ti, tr in enumerate(open_tracks):
            (still if ti in used_t else done).append(tr)
        for di, d in enumerate(v.dets):
            if di not in used_d:
                still.append({"t0": v.t0, "t1": v.t1, "obs": [{**d, "t": v.t}]})
        open_tracks = still
    done += open_tracks
    for tr in done:
        tr.update(_summary(tr["obs"]))
    done.sort(key=lambda tr: (tr["t0"], tr["box"][1], tr["box"][0]))
    return done


def drop_weak_glyphs(tracks: list[dict], p: OcrParams) -> list[dict]:
    """Tracks minus lone weak glyphs: one character, read on one view, below `glyph_min_score`."""
    def weak(tr: dict) -> bool:
        return len("".join(tr["text"].split())) == 1 and len(tr["obs"]) < 2 and tr["score"] < p.glyph_min_score
    return [tr for tr in tracks if not weak(tr)]


def _summary(obs: list[dict]) -> dict:
    """Track text = the variant with the highest total score; box = median of its boxes."""
    weight: dict[str, float] = {}
    for o in obs:
        weight[o["text"]] = weight.get(o["text"], 0.0) + o["score"]
    text = max(weight, key=lambda k: weight[k])
    box = np.median(np.asarray([o["box"] for o in obs]), axis=0)
    return {"text": text, "box": [float(x) for x in box],
            "score": float(np.mean([o["score"] for o in obs])), "frames": [o["t"] for o in obs]}


def _track_data(tr: dict, w: int, h: int) -> dict:
    x0, y0, x1, y1 = tr["box"]
    return {"text": tr["text"], "bbox": [round(x0), round(y0), round(x1), round(y1)],
            "bbox_norm": [round(x0 / w, 4), round(y0 / h, 4), round(x1 / w, 4), round(y1 / h, 4)],
            "score": round(tr["score"], 4), "frames": [round(t, 3) for t in tr["frames"]]}


def text_ratio(a: str, b: str) -> float:
    """rapidfuzz ratio ignoring case and spaces (OCR spaces around symbols come and go)."""
    from rapidfuzz import fuzz

    return fuzz.ratio("".join(a.lower().split()), "".join(b.lower().split()))


def _shot_spans(ctx: ExpertContext, duration: float) -> list[tuple[float, float]]:
    """Shots from the `shots` expert when it ran (keyframes needs it), else the whole video."""
    try:
        spans = sorted((a.t0, a.t1) for a in ctx.anchors("shots") if a.kind == "shot")
    except KeyError:
        spans = []
    return spans or [(0.0, duration)]
