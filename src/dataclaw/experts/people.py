"""`people` expert: people and faces in view (mediapipe BlazePose detector, BlazeFace short range).

Per sampled frame: the pose detector finds people (its keypoints give the hip centre and a
full-body circle, so the person box is that circle's square), the face detector finds faces. A
run of frames with people (gaps up to `max_gap_s`, at least `min_detections` frames) becomes a
`person` anchor: the most people seen at once, the count per frame, boxes, the walking direction
of a single person (box centre moving left/right, growing = toward the camera, shrinking = away),
whether they enter or leave through a frame edge, and how a single person is framed: the shot scale
from the share of the body circle's height inside the frame (head and shoulders: close-up; waist up:
medium; the whole body: full; a small whole body: wide) and the side of the frame their shoulders are on.
Faces give `face` anchors: count and scale (close-up / medium / wide, from the face height). Cartoon faces can fire: persistence and score
thresholds keep single firings out.
"""
from __future__ import annotations

import math

import numpy as np
from pydantic import BaseModel, ConfigDict, Field

from . import blaze as B
from .base import Expert, register_expert
from .visual import SamplingParams, norm_box, sampled_frames


class PeopleParams(BaseModel):
    model_config = ConfigDict(extra="forbid")

    sampling: SamplingParams = Field(default_factory=SamplingParams)
    person_min_score: float = Field(0.75, ge=0, le=1, description="pose detector score for a person")
    face_min_score: float = Field(0.65, ge=0, le=1, description="face detector score for a face")
    min_detections: int = Field(2, ge=1, description="frames with people needed for an interval")
    max_gap_s: float = Field(1.0, ge=0, description="longer gaps end an interval")
    walk_shift: float = Field(0.15, description="direction left/right: centre shift over the interval, frame widths")
    walk_scale: float = Field(1.4, description="direction toward/away: box size ratio end/start beyond this (or 1/this)")
    edge: float = Field(0.03, description="a box this close to a side edge (frame widths) enters / leaves through it")
    shot_closeup: float = Field(0.4, description="person framing: under this share of the body's height in the frame "
                                                 "is a close-up (head and shoulders)")
    shot_medium: float = Field(0.75, description="... under this share is a medium shot (waist up), else a full shot")
    shot_wide: float = Field(0.35, description="... a whole body shorter than this share of the frame height is a wide shot")
    side: float = Field(0.4, description="person position: shoulders left of this share of the width are on the left, "
                                         "right of 1 - this on the right, else in the centre")
    closeup: float = Field(0.25, description="face height / frame height at or above this is a close-up")
    medium: float = Field(0.08, description="... at or above this is medium, below is wide")
    threads: int = Field(2, ge=1)


def person_boxes(img: np.ndarray, p: PeopleParams) -> list[np.ndarray]:
    """Per person: [x0, y0, x1, y1] of the full-body circle's square (may reach past the frame), shoulder x."""
    out = []
    for d in B.detect(B.POSE, img, p.person_min_score, threads=p.threads):
        kp = d["keypoints"]  # BlazePose detector: hip centre, full-body circle point, shoulder centre, ...
        r = float(np.linalg.norm(kp[1] - kp[0]))
        if r < 4:
            continue
        out.append(np.array([kp[0][0] - r, kp[0][1] - r, kp[0][0] + r, kp[0][1] + r, kp[2][0]]))
    return out


def framing(people: list[list[np.ndarray]], run: list[int], w: int, h: int, p: PeopleParams) -> tuple[str | None, str | None]:
    """(shot scale, side) of a single person over a run: medians over its frames with one person."""
    single = [people[i][0] for i in run if len(people[i]) == 1]
    if not single:
        return None, None
    inside = [max(0.0, min(b[3], h) - max(b[1], 0.0)) / max(1e-6, b[3] - b[1]) for b in single]
    tall = float(np.median([(b[3] - b[1]) / h for b in single]))
    share = float(np.median(inside))
    scale = "close-up" if share < p.shot_closeup else "medium" if share < p.shot_medium else \
        "wide" if tall < p.shot_wide else "full"
    x = float(np.median([b[4] / w for b in single]))  # the shoulders: hips are guessed in a close-up
    side = "left" if x < p.side else "right" if x > 1 - p.side else "centre"
    return scale, side


def _runs(ts: list[float], present: list[bool], max_gap: float) -> list[list[int]]:
    runs: list[list[int]] = []
    for i, (t, ok) in enumerate(zip(ts, present)):
        if not ok:
            continue
        if runs and t - ts[runs[-1][-1]] <= max_gap + 1e-6:
            runs[-1].append(i)
        else:
            runs.append([i])
    return runs


@register_expert
class PeopleExpert(Expert):
    name = "people"
    version = "2"
    kinds = ("video",)
    default = False  # opt-in until measured (see issue 12 notes)
    description = ("People and faces in view (mediapipe pose + face detector tflite): `person` (count, counts, boxes, "
                   "direction, enter/leave, shot scale and side) and `face` (count, close-up / medium / wide) intervals")
    Params = PeopleParams

    def sampling(self):
        return self.params.sampling

    def setup(self) -> None:
        B.model(B.POSE.model, self.params.threads)
        B.model(B.FACE_SHORT.model, self.params.threads)

    def run(self, stream, ctx):
        p: PeopleParams = self.params
        s = sampled_frames(stream, ctx, p.sampling)
        if len(s) == 0:
            return []
        usable = s.usable()
        h, w = s.images[0].shape[:2]
        people, faces = [], []
        for i, img in enumerate(s.images):
            people.append(person_boxes(img, p) if usable[i] else [])
            faces.append([d["box"] for d in B.detect(B.FACE_SHORT, img, p.face_min_score, threads=p.threads)]
                         if usable[i] else [])
        ts = [float(t) for t in s.t]
        out = []
        for run in _runs(ts, [bool(x) for x in people], p.max_gap_s):
            if len(run) < p.min_detections:
                continue
            t0, t1 = ts[run[0]], min(s.duration, ts[run[-1]] + s.period)
            counts = [[round(ts[i], 3), len(people[i])] for i in run]
            boxes = [[round(ts[i], 3), *norm_box(b[:4], w, h)] for i in run for b in people[i]]
            scale, side = framing(people, run, w, h, p)
            data = {"count": max(c for _, c in counts), "counts": counts, "boxes": boxes,
                    "direction": self._direction(people, run, w, p), "event": self._event(people, run, ts, s, w, p),
                    "scale": scale, "side": side}
            out.append(self.anchor(ctx, "person", t0, t1, data, confidence=min(1.0, len(run) / 3)))
        for run in _runs(ts, [bool(x) for x in faces], p.max_gap_s):
            if len(run) < p.min_detections:
                continue
            t0, t1 = ts[run[0]], min(s.duration, ts[run[-1]] + s.period)
            heights = [float(b[3] - b[1]) / h for i in run for b in faces[i]]
            fh = float(np.median(heights))
            scale = "close-up" if fh >= p.closeup else "medium" if fh >= p.medium else "wide"
            out.append(self.anchor(ctx, "face", t0, t1, {
                "count": max(len(faces[i]) for i in run), "scale": scale, "height": round(fh, 3),
                "counts": [[round(ts[i], 3), len(faces[i])] for i in run],
                "boxes": [[round(ts[i], 3), *norm_box(b, w, h)] for i in run for b in faces[i]]},
                confidence=min(1.0, len(run) / 3)))
        return out

    @staticmethod
    def _direction(people, run, w, p: PeopleParams) -> str | None:
        single = [i for i in run if len(people[i]) == 1]
        if len(single) < 2:
            return None
        a, b = people[single[0]][0], people[single[-1]][0]
        dx = ((b[0] + b[2]) - (a[0] + a[2])) / 2 / w
        grow = math.sqrt(max((b[2] - b[0]) * (b[3] - b[1]), 1.0) / max((a[2] - a[0]) * (a[3] - a[1]), 1.0))
        if abs(dx) >= p.walk_shift:
            return "right" if dx > 0 else "left"
        if grow >= p.walk_scale:
            return "toward"
        if grow <= 1 / p.walk_scale:
            return "away"
        return None

    @staticmethod
    def _event(people, run, ts, s, w, p: PeopleParams) -> str | None:
        def at_edge(i):
            return any(b[0] <= p.edge * w or b[2] >= (1 - p.edge) * w for b in people[i])
        if ts[run[0]] > ts[0] + 1e-6 and at_edge(run[0]):
            return "enter"
        if ts[run[-1]] < ts[-1] - 1e-6 and at_edge(run[-1]):
            return "leave"
        return None
