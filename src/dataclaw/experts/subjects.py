"""`subjects` expert: what moves in the picture once the camera's own motion is taken out.

It reuses the `camera` expert's work for each pair of consecutive sampled frames (grey frames,
the global similarity model, the tracked corners; memoised, so nothing is decoded or tracked twice):
the earlier frame is warped by the camera model onto the later one, and what still differs is
foreground. Difference blobs (opened, closed, big enough, not the whole picture) are kept when the
tracked corners inside them move against the camera model (residual flow), coherently; their
median residual is the subject's velocity. Blobs are linked over consecutive pairs (predicted box
overlap) into `subject_motion` intervals: direction (left/right/up/down, the dominant axis of the
mean velocity, on-screen), speed (frame widths per second), size (area fraction of the frame,
median over the track) and box (normalised, the region the subject moved through); a track is
cut where it reverses. A panning
camera's background follows the model, so it is never a subject; uniform, tiny or black frames
have no pair model, so nothing is invented there.
"""
from __future__ import annotations

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from .base import Expert, register_expert
from .camera import CameraParams, pair_models
from .visual import box_iou


class SubjectParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    camera: CameraParams = Field(default_factory=CameraParams,
                                 description="camera-model settings; equal to the camera expert's = its work is reused")
    diff_level: float = Field(12.0, description="grey-level difference (0-255, after a 5 px blur) that counts as change")
    noise_factor: float = Field(4.0, description="... and at least this many times the frame's median difference")
    min_size: float = Field(0.004, description="smallest blob kept: area fraction of the frame")
    max_size: float = Field(0.6, description="a blob larger than this is a light change or a cut, not a subject")
    move_px: float = Field(1.5, description="a corner moved against the camera model by more than this (px at 320 px)")
    min_points: int = Field(3, ge=1, description="moving corners a blob needs for a velocity")
    coherence: float = Field(0.6, description="share of a blob's moving corners within 60 deg of its median direction")
    min_speed: float = Field(0.03, description="slowest subject kept: frame widths per second")
    track_coherence: float = Field(0.6, description="|mean velocity| / mean |velocity| over a track at least this")
    min_pairs: int = Field(2, ge=1, description="consecutive sample pairs a track must last")
    link_iou: float = Field(0.05, description="a blob continues a track when its box overlaps the predicted box this much")


def _blob_points(blob: np.ndarray, b: np.ndarray, moving: np.ndarray, w: int, h: int) -> np.ndarray:
    if not len(b):
        return np.zeros(0, bool)
    bx = np.clip(b[:, 0].round().astype(int), 0, w - 1)
    by = np.clip(b[:, 1].round().astype(int), 0, h - 1)
    return blob[by, bx] & moving


def _own_residuals(g0, g1, M, blob, p: SubjectParams, cv2) -> np.ndarray:
    """Residual flow (px, against the camera model) of corners found inside the blob in g1, tracked
    back to g0 and forth again (kept when they return)."""
    c = cv2.goodFeaturesToTrack(g1, maxCorners=40, qualityLevel=0.01, minDistance=4, blockSize=5,
                                mask=blob.astype(np.uint8) * 255)
    if c is None:
        return np.zeros((0, 2))
    crit = (cv2.TERM_CRITERIA_EPS | cv2.TERM_CRITERIA_COUNT, 30, 0.01)
    p1 = c.reshape(-1, 1, 2).astype(np.float32)
    p0, st, _ = cv2.calcOpticalFlowPyrLK(g1, g0, p1, None, winSize=(21, 21), maxLevel=4, criteria=crit)
    back, st2, _ = cv2.calcOpticalFlowPyrLK(g0, g1, p0, None, winSize=(21, 21), maxLevel=4, criteria=crit)
    ok = (st.reshape(-1) == 1) & (st2.reshape(-1) == 1) & (np.linalg.norm((back - p1).reshape(-1, 2), axis=1) < 1.0)
    a, b = p0.reshape(-1, 2)[ok].astype(np.float64), p1.reshape(-1, 2)[ok].astype(np.float64)
    r = b - (a @ M[:, :2].T + M[:, 2])
    return r[np.linalg.norm(r, axis=1) > p.move_px]


def pair_subjects(g0: np.ndarray, g1: np.ndarray, m: dict, dt: float, p: SubjectParams) -> list[dict]:
    """Moving blobs from g0 to g1 after the camera model: [{box (px, in g1), area, v (widths/s)}]."""
    import cv2  # noqa: PLC0415 - heavy, optional

    h, w = g1.shape
    M = np.asarray(m["model"], np.float64)
    warped = cv2.warpAffine(g0, M, (w, h), flags=cv2.INTER_LINEAR)
    valid = cv2.warpAffine(np.full_like(g0, 255), M, (w, h), flags=cv2.INTER_NEAREST)
    valid = cv2.erode(valid, np.ones((5, 5), np.uint8)) > 0  # the border the camera just uncovered is not change
    d = cv2.absdiff(cv2.GaussianBlur(g1, (5, 5), 0), cv2.GaussianBlur(warped, (5, 5), 0)).astype(np.float32)
    if not valid.any():
        return []
    level = max(p.diff_level, p.noise_factor * float(np.median(d[valid])))
    mask = ((d > level) & valid).astype(np.uint8)
    mask = cv2.morphologyEx(mask, cv2.MORPH_OPEN, np.ones((3, 3), np.uint8))
    mask = cv2.morphologyEx(mask, cv2.MORPH_CLOSE, np.ones((15, 15), np.uint8))
    n, lab, stats, _ = cv2.connectedComponentsWithStats(mask, connectivity=8)
    a, b = np.asarray(m["a"], np.float64), np.asarray(m["b"], np.float64)
    resid = b - (a @ M[:, :2].T + M[:, 2]) if len(a) else np.zeros((0, 2))
    moving = np.linalg.norm(resid, axis=1) > p.move_px
    out = []
    for k in range(1, n):
        x, y, bw, bh, area = (int(v) for v in stats[k])
        if area < p.min_size * w * h or area > p.max_size * w * h:
            continue
        inside = _blob_points(lab == k, b, moving, w, h)
        r = resid[inside]
        if len(r) < p.min_points:  # few camera corners on it: track its own corners (only inside the blob)
            r = np.concatenate([r, _own_residuals(g0, g1, M, lab == k, p, cv2)])
        if len(r) < p.min_points:
            continue
        med = np.median(r, axis=0)
        nm = float(np.linalg.norm(med))
        if nm <= 0:
            continue
        cos = (r @ med) / (np.linalg.norm(r, axis=1) * nm + 1e-9)
        if float((cos > 0.5).mean()) < p.coherence:
            continue
        # the blob is old + new position; the subject now is roughly where it and its shift overlap
        comp = np.zeros((h, w), np.uint8)  # the blob with its holes filled (texture inside a subject can match)
        cs, _ = cv2.findContours((lab == k).astype(np.uint8), cv2.RETR_EXTERNAL, cv2.CHAIN_APPROX_SIMPLE)
        cv2.drawContours(comp, cs, -1, 1, thickness=cv2.FILLED)
        shifted = cv2.warpAffine(comp, np.array([[1, 0, med[0]], [0, 1, med[1]]], np.float64), (w, h),
                                 flags=cv2.INTER_NEAREST)
        now = comp & shifted
        if now.sum() >= p.min_size * w * h / 2:
            ys, xs = np.nonzero(now)
            box, area = [float(xs.min()), float(ys.min()), float(xs.max() + 1), float(ys.max() + 1)], float(now.sum())
        else:
            box, area = [float(x), float(y), float(x + bw), float(y + bh)], float(area)
        out.append({"box": box, "area": area / (w * h), "v": med / (w * dt), "wh": (w, h)})
    return out


def _split_reversals(tr: dict) -> list[dict]:
    """A track cut where the velocity turns by more than 90 degrees (a hand going back and forth
    moves left, then right: two facts, not one incoherent one)."""
    pieces = [{"pairs": [tr["pairs"][0]], "dets": [tr["dets"][0]]}]
    for i, d in zip(tr["pairs"][1:], tr["dets"][1:]):
        if float(np.dot(pieces[-1]["dets"][-1]["v"], d["v"])) < 0:
            pieces.append({"pairs": [], "dets": []})
        pieces[-1]["pairs"].append(i)
        pieces[-1]["dets"].append(d)
    return pieces


@register_expert
class SubjectMotionExpert(Expert):
    name = "subjects"
    version = "1"
    kinds = ("video",)
    default = False  # joins the visual fallback set (anchors.VISUAL_FALLBACK)
    description = ("Moving subjects after camera compensation (`subject_motion`: direction, speed in frame "
                   "widths/s, size, box) from the camera expert's flow and model on the sampled frames")
    Params = SubjectParams

    def sampling(self):
        return self.params.camera.sampling

    def run(self, stream, ctx):
        p: SubjectParams = self.params
        s, grays, segs, _bounds = pair_models(stream, ctx, p.camera)
        if len(s) < 2:
            return []
        dets: list[list[dict]] = []
        for i, (m, dt) in enumerate(segs):
            if m is None or "model" not in m:
                dets.append([])
                continue
            dets.append(pair_subjects(grays[i], grays[i + 1], m, dt, p))
        tracks: list[dict] = []  # {pairs: [i], dets: [det]}
        open_: list[dict] = []
        for i, ds in enumerate(dets):
            nxt = []
            used = set()
            for tr in open_:
                last = tr["dets"][-1]
                w, _h = last["wh"]
                dt = segs[i][1]
                dx, dy = last["v"] * w * dt
                pred = [last["box"][0] + dx, last["box"][1] + dy, last["box"][2] + dx, last["box"][3] + dy]
                best, bj = p.link_iou, None
                for j, d in enumerate(ds):
                    if j in used:
                        continue
                    o = max(box_iou(pred, d["box"]), box_iou(last["box"], d["box"]))
                    if o > best:
                        best, bj = o, j
                if bj is not None:
                    used.add(bj)
                    tr["pairs"].append(i)
                    tr["dets"].append(ds[bj])
                    nxt.append(tr)
            for j, d in enumerate(ds):
                if j not in used:
                    tr = {"pairs": [i], "dets": [d]}
                    tracks.append(tr)
                    nxt.append(tr)
            open_ = nxt  # tracks not continued by this pair end (a cut or a lost pair ends them)
        out = []
        for tr in tracks:
            for piece in _split_reversals(tr):
                a = self._track_anchor(ctx, p, s, piece)
                if a is not None:
                    out.append(a)
        return sorted(out, key=lambda a: (a.t0, a.t1))

    def _track_anchor(self, ctx, p: SubjectParams, s, tr):
        if len(tr["pairs"]) < p.min_pairs:
            return None
        v = np.array([d["v"] for d in tr["dets"]])
        mv = v.mean(0)
        speed = float(np.linalg.norm(mv))
        if speed < p.min_speed or speed < p.track_coherence * float(np.linalg.norm(v, axis=1).mean()):
            return None
        if abs(mv[0]) >= abs(mv[1]):
            direction = "right" if mv[0] > 0 else "left"
        else:
            direction = "down" if mv[1] > 0 else "up"
        w, h = tr["dets"][0]["wh"]
        boxes = np.array([d["box"] for d in tr["dets"]]) / np.array([w, h, w, h])
        t_end = [float(s.t[i + 1]) for i in tr["pairs"]]
        box = [float(boxes[:, 0].min()), float(boxes[:, 1].min()), float(boxes[:, 2].max()), float(boxes[:, 3].max())]
        return self.anchor(ctx, "subject_motion", float(s.t[tr["pairs"][0]]), t_end[-1], {
            "direction": direction,
            "speed": round(speed, 4),
            "units": "frame widths per second",
            "velocity": [round(float(mv[0]), 4), round(float(mv[1]), 4)],
            "size": round(float(np.median([d["area"] for d in tr["dets"]])), 4),
            "box": [round(min(max(x, 0.0), 1.0), 4) for x in box],
            "boxes": [[round(t, 3)] + [round(float(x), 4) for x in bx] for t, bx in zip(t_end, boxes)],
        }, confidence=round(min(1.0, 0.4 + 0.15 * len(tr["pairs"])), 3))
