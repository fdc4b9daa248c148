"""`hands` expert: hands in view (mediapipe palm detection + hand landmarks), tracked over time,
and what they do with what they hold (`hand_object`).

Per sampled frame: BlazePalm finds palms; each palm gives a rotated square region (palm centre
shifted toward the fingers, 2.6x the palm) in which the landmark model places 21 points and says
whether a hand is really there and which one it is; a hand seen in the previous sample also
seeds a region from its own landmarks (hands gripping something often hide the palm from the
detector). Hands are tracked across samples by box overlap; a track seen in fewer than
`min_detections` samples is dropped (a single firing is not a hand).

`hand` anchors: one per track (side, normalised box track, a few landmark sets, grasp, confidence).
`hand_object` anchors: the parts of a grasping track where the hand holds still, moves or turns
what it holds ("hold" / "move" / "turn"), or, without a grasp, where the region the hand covers
changes under it ("touch"). Each action word is backed by a measured number in the anchor.
"""
from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from . import blaze as B
from .base import Expert, register_expert
from .visual import SamplingParams, box_iou, norm_box, sampled_frames

LANDMARK_MODEL = "hand_landmark_full.tflite"
TIPS, PIPS, MCPS = (8, 12, 16, 20), (6, 10, 14, 18), (5, 9, 13, 17)
_ROI_POINTS = [0, 1, 2, 3, 5, 6, 9, 10, 13, 14, 17, 18]  # palm and finger bases: stable under grasp


class HandParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sampling: SamplingParams = Field(default_factory=SamplingParams)
    palm_min_score: float = Field(0.5, ge=0, le=1, description="palm detector score (sigmoid) to try a region")
    presence_min: float = Field(0.5, ge=0, le=1, description="landmark model's hand-presence score to accept a hand")
    max_hands: int = Field(4, ge=1, description="most hands kept per frame")
    min_detections: int = Field(2, ge=1, description="a track seen in fewer samples is dropped")
    max_gap_s: float = Field(1.0, ge=0, description="a track survives this long unseen")
    link_iou: float = Field(0.1, ge=0, le=1, description="least box overlap linking a hand to a track")
    grasp_flexion: float = Field(45.0, description="a finger is bent when its knuckle + middle-joint bend (3D world "
                                                   "landmarks, degrees) reaches this; a straight finger is ~0-25")
    grasp_fingers: int = Field(3, ge=1, le=4, description="bent fingers (of index..pinky) that make a grasp")
    move_speed: float = Field(0.08, description="hand_object 'move': box centre speed, frame diagonals per second")
    turn_speed: float = Field(25.0, description="hand_object 'turn': hand roll speed, degrees per second")
    touch_change: float = Field(6.0, description="hand_object 'touch': mean grey change (0..255) between samples "
                                                 "in the region around the hand")
    min_segment_s: float = Field(0.6, description="shortest hand_object segment; shorter ones join a neighbour")
    landmark_samples: int = Field(5, ge=0, description="landmark sets kept in each hand anchor")
    threads: int = Field(2, ge=1)


@dataclass
class HandObs:
    t: float
    box: np.ndarray  # pixel x0,y0,x1,y1 (landmark bounds)
    lm: np.ndarray  # (21, 2) pixels
    world: np.ndarray  # (21, 3) metric landmarks (the model's world output): pose, not position
    presence: float
    right: float  # P(right hand) as the model reports it
    frame: int


@dataclass
class Track:
    obs: list[HandObs] = field(default_factory=list)

    @property
    def last(self) -> HandObs:
        return self.obs[-1]


def landmarks_roi(lm: np.ndarray) -> B.Roi:
    """mediapipe's hand-landmarks-to-ROI: rotation wrist -> middle knuckles, rotated bounds, x2."""
    wrist = lm[0]
    mid = ((lm[5] + lm[13]) / 2 + lm[9]) / 2
    rot = B.normalize_angle(math.pi / 2 - math.atan2(-(mid[1] - wrist[1]), mid[0] - wrist[0]))
    pts = lm[_ROI_POINTS]
    c, s = math.cos(rot), math.sin(rot)
    # points in the hand's own frame (rotate by -rot about the wrist)
    rel = pts - wrist
    local = np.stack([c * rel[:, 0] + s * rel[:, 1], -s * rel[:, 0] + c * rel[:, 1]], axis=1)
    lo, hi = local.min(0), local.max(0)
    ctr_local = (lo + hi) / 2
    w, h = hi - lo
    ctr = wrist + np.array([c * ctr_local[0] - s * ctr_local[1], s * ctr_local[0] + c * ctr_local[1]])
    side = max(w, h)
    roi = B.Roi(float(ctr[0]), float(ctr[1]), float(side), rot)
    # shift toward the fingers by 0.1 of the side, then scale 2
    return B.Roi(roi.cx + 0.1 * side * math.sin(rot), roi.cy - 0.1 * side * math.cos(rot), side * 2.0, rot)


def palm_roi(det: dict) -> B.Roi:
    box, kp = det["box"], det["keypoints"]
    ctr = ((box[0] + box[2]) / 2, (box[1] + box[3]) / 2)
    return B.roi_from_points(ctr, (box[2] - box[0], box[3] - box[1]), kp[0], kp[2], scale=2.6, shift_y=-0.5)


def run_landmarks(img: np.ndarray, roi: B.Roi, threads: int) -> tuple[np.ndarray, float, float, np.ndarray]:
    """(21x2 landmarks in image pixels, presence, P(right), 21x3 world landmarks) for one region."""
    m = B.model(LANDMARK_MODEL, threads)
    crop = roi.crop(img, 224)
    lms, presence, handed, world = m(B.to_tensor(crop, (0.0, 1.0)))
    pts = lms.reshape(21, 3)[:, :2]
    return roi.project(pts, 224), float(presence.reshape(-1)[0]), float(handed.reshape(-1)[0]), world.reshape(21, 3)


def _bend(p: np.ndarray, a: int, b: int, c: int) -> float:
    """Bend at joint b (degrees): 0 when a-b-c is straight."""
    u, v = p[a] - p[b], p[c] - p[b]
    cos = float(np.dot(u, v) / max(np.linalg.norm(u) * np.linalg.norm(v), 1e-9))
    return 180.0 - math.degrees(math.acos(min(1.0, max(-1.0, cos))))


def finger_flexion(world: np.ndarray) -> np.ndarray:
    """Per finger (index..pinky): knuckle bend + middle-joint bend in 3D, degrees (2D hides fingers
    wrapped around an object, so the model's metric landmarks are used)."""
    return np.array([_bend(world, 0, m, pp) + _bend(world, m, pp, t) for m, pp, t in zip(MCPS, PIPS, TIPS)])


def roll_deg(lm: np.ndarray) -> float:
    v = lm[9] - lm[0]
    return math.degrees(math.atan2(v[1], v[0]))


def detect_hands(img: np.ndarray, seeds: list[B.Roi], p: HandParams) -> list[tuple[np.ndarray, float, float, np.ndarray]]:
    """Hands in one frame: palm regions plus seed regions (from the previous sample's hands)."""
    rois = [palm_roi(d) for d in B.detect(B.PALM, img, p.palm_min_score, threads=p.threads)[: p.max_hands]]
    found: list[tuple[np.ndarray, float, float, np.ndarray]] = []
    for roi in rois + seeds:
        if roi.side < 8:
            continue
        lm, presence, right, world = run_landmarks(img, roi, p.threads)
        if presence < p.presence_min or not np.isfinite(lm).all():
            continue
        box = np.array([*lm.min(0), *lm.max(0)])
        if any(box_iou(box, f[0].min(0).tolist() + f[0].max(0).tolist()) > 0.4 for f in found):
            continue  # the same hand from a second region
        found.append((lm, presence, right, world))
    return found[: p.max_hands]


def track_hands(samples, p: HandParams) -> list[Track]:
    """Hands of every usable sampled frame, linked into tracks."""
    tracks: list[Track] = []
    usable = samples.usable()
    for i, (t, img) in enumerate(zip(samples.t, samples.images)):
        if not usable[i]:
            continue
        live = [tr for tr in tracks if t - tr.last.t <= p.max_gap_s + 1e-6]
        seeds = [landmarks_roi(tr.last.lm) for tr in live if tr.last.frame == i - 1]
        hands = detect_hands(img, seeds, p)
        taken: set[int] = set()
        for lm, presence, right, world in sorted(hands, key=lambda h: -h[1]):
            box = np.array([*lm.min(0), *lm.max(0)])
            best, best_iou = None, p.link_iou
            for k, tr in enumerate(live):
                if k in taken:
                    continue
                ov = box_iou(box, tr.last.box)
                if ov >= best_iou:
                    best, best_iou = k, ov
            ob = HandObs(float(t), box, lm, world, presence, right, i)
            if best is None:
                tracks.append(Track([ob]))
            else:
                taken.add(best)
                live[best].obs.append(ob)
    return [tr for tr in tracks if len(tr.obs) >= p.min_detections]


def side_of(track: Track) -> str:
    r = float(np.mean([o.right for o in track.obs]))
    return "right" if r >= 0.65 else "left" if r <= 0.35 else "unknown"


def grasp_of(o: HandObs, p: HandParams) -> bool:
    return int((finger_flexion(o.world) >= p.grasp_flexion).sum()) >= p.grasp_fingers


def _region(box: np.ndarray, w: int, h: int, grow: float = 0.6) -> tuple[int, int, int, int]:
    bw, bh = box[2] - box[0], box[3] - box[1]
    return (int(max(0, box[0] - grow * bw)), int(max(0, box[1] - grow * bh)),
            int(min(w, box[2] + grow * bw)), int(min(h, box[3] + grow * bh)))


def region_change(samples, a: HandObs, b: HandObs) -> float:
    """Mean grey change between two samples in the region around the hand, the hand itself left out."""
    ia, ib = samples.images[a.frame], samples.images[b.frame]
    h, w = ia.shape[:2]
    x0, y0, x1, y1 = _region(b.box, w, h)
    if x1 - x0 < 4 or y1 - y0 < 4:
        return 0.0
    ga = ia[y0:y1, x0:x1].mean(axis=2)
    gb = ib[y0:y1, x0:x1].mean(axis=2)
    mask = np.ones(ga.shape, bool)
    for o in (a, b):
        hx0, hy0 = int(o.box[0]) - x0, int(o.box[1]) - y0
        hx1, hy1 = int(o.box[2]) - x0, int(o.box[3]) - y0
        mask[max(0, hy0):max(0, hy1), max(0, hx0):max(0, hx1)] = False
    if mask.sum() < 16:
        return 0.0
    return float(np.abs(ga - gb)[mask].mean())


def segments(track: Track, samples, p: HandParams) -> list[dict]:
    """Splits a track into hand_object segments of one action each, with the numbers behind it."""
    obs = track.obs
    h, w = samples.images[obs[0].frame].shape[:2]
    diag = math.hypot(w, h)
    per: list[dict] = []
    for k, o in enumerate(obs):
        j = k + 1 if k + 1 < len(obs) else k - 1
        a, b = (o, obs[j]) if j > k else (obs[j], o)
        dt = max(b.t - a.t, 1e-6)
        ca, cb = (a.box[:2] + a.box[2:]) / 2, (b.box[:2] + b.box[2:]) / 2
        speed = float(np.linalg.norm(cb - ca) / diag / dt)
        dr = (roll_deg(b.lm) - roll_deg(a.lm) + 180) % 360 - 180
        turn = abs(dr) / dt
        change = region_change(samples, a, b)
        grasp = grasp_of(o, p)
        if grasp:
            act = "turn" if turn >= p.turn_speed else "move" if speed >= p.move_speed else "hold"
        else:
            act = "touch" if change >= p.touch_change else None
        per.append({"t": o.t, "act": act, "speed": speed, "turn": turn, "change": change, "grasp": grasp,
                    "box": o.box})
    # runs of one action; short runs join the neighbour
    runs: list[list[dict]] = []
    for x in per:
        if runs and runs[-1][-1]["act"] == x["act"]:
            runs[-1].append(x)
        else:
            runs.append([x])
    period = samples.period

    def length(r):
        return r[-1]["t"] - r[0]["t"] + period

    changed = True
    while changed and len(runs) > 1:
        changed = False
        k = min(range(len(runs)), key=lambda i: length(runs[i]))
        if length(runs[k]) < p.min_segment_s:
            j = k - 1 if k == len(runs) - 1 or (k > 0 and length(runs[k - 1]) >= length(runs[k + 1])) else k + 1
            keep = runs[j][0]["act"]
            merged = sorted(runs[k] + runs[j], key=lambda x: x["t"])
            for x in merged:
                x["act"] = keep
            lo = min(k, j)
            runs[lo:lo + 2] = [merged]
            m = 0
            while m < len(runs) - 1:  # equal neighbours fuse
                if runs[m][0]["act"] == runs[m + 1][0]["act"]:
                    runs[m:m + 2] = [runs[m] + runs[m + 1]]
                else:
                    m += 1
            changed = True
    out = []
    for r in runs:
        act = r[0]["act"]
        if act is None:
            continue
        boxes = np.array([x["box"] for x in r])
        region = np.array([*boxes[:, :2].min(0), *boxes[:, 2:].max(0)])
        rx = _region(region, w, h, grow=0.3)
        actions = ["hold", act] if act in ("move", "turn") else [act]
        out.append({"t0": r[0]["t"], "t1": min(samples.duration, r[-1]["t"] + period),
                    "actions": actions, "act": actions[-1], "region": norm_box(rx, w, h),
                    "speed": round(float(np.mean([x["speed"] for x in r])), 4),
                    "turn_deg_s": round(float(np.mean([x["turn"] for x in r])), 2),
                    "region_change": round(float(np.mean([x["change"] for x in r])), 2),
                    "grasp_fraction": round(float(np.mean([x["grasp"] for x in r])), 3)})
    return out


@register_expert
class HandsExpert(Expert):
    name = "hands"
    version = "1"
    kinds = ("video",)
    default = False  # opt-in until the tasks use it (see issue 12 notes)
    description = ("Hands in view (mediapipe palm + landmark tflite): `hand` tracks with side, boxes, landmarks, "
                   "grasp; `hand_object` segments (hold / move / turn / touch)")
    Params = HandParams

    def sampling(self):
        return self.params.sampling

    def setup(self) -> None:
        p: HandParams = self.params
        B.model(B.PALM.model, p.threads)
        B.model(LANDMARK_MODEL, p.threads)

    def run(self, stream, ctx):
        p: HandParams = self.params
        samples = sampled_frames(stream, ctx, p.sampling)
        if len(samples) == 0:
            return []
        h, w = samples.images[0].shape[:2]
        out = []
        for k, tr in enumerate(track_hands(samples, p)):
            side = side_of(tr)
            t0, t1 = tr.obs[0].t, min(samples.duration, tr.last.t + samples.period)
            grasps = [grasp_of(o, p) for o in tr.obs]
            pick = np.unique(np.linspace(0, len(tr.obs) - 1, min(p.landmark_samples, len(tr.obs))).round().astype(int)) \
                if p.landmark_samples else []
            data = {
                "track": k, "side": side,
                "boxes": [[round(o.t, 3), *norm_box(o.box, w, h)] for o in tr.obs],
                "landmarks": [[round(tr.obs[i].t, 3), [[round(float(x) / w, 4), round(float(y) / h, 4)]
                                                       for x, y in tr.obs[i].lm]] for i in pick],
                "grasp": bool(np.mean(grasps) >= 0.5),
                "grasp_fraction": round(float(np.mean(grasps)), 3),
                "detections": len(tr.obs),
                "confidence": round(float(np.mean([o.presence for o in tr.obs])), 3),
                "p_right": round(float(np.mean([o.right for o in tr.obs])), 3),
            }
            conf = data["confidence"] * min(1.0, len(tr.obs) / 3)
            out.append(self.anchor(ctx, "hand", t0, t1, data, confidence=conf))
            for seg in segments(tr, samples, p):
                out.append(self.anchor(ctx, "hand_object", seg.pop("t0"), seg.pop("t1"),
                                       {"side": side, "track": k, **seg}, confidence=conf))
        return out
