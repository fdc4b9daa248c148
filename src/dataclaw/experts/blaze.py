"""Pre- and post-processing for mediapipe's BlazePalm / BlazeFace / BlazePose tflite detectors.

Written from mediapipe's calculator definitions (SsdAnchorsCalculator, TensorsToDetections,
weighted NonMaxSuppression, DetectionsToRects + RectTransformation, ImageToTensor): SSD anchors
per feature-map cell, box and keypoint offsets decoded against them, scores as the sigmoid of the
clipped logit, weighted NMS (overlapping boxes averaged by score), letterboxed square inputs, and
rotated square regions of interest cropped with one affine warp (the same warp maps a model's
crop-space outputs back to the image). Pure numpy + OpenCV; the models run under ai-edge-litert.
"""
from __future__ import annotations

import math
import threading
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np


@dataclass(frozen=True)
class SsdSpec:
    """One detector's anchor layout and output decoding."""

    model: str
    input_size: int
    strides: tuple[int, ...]
    num_keypoints: int
    min_scale: float = 0.1484375
    max_scale: float = 0.75
    interpolated: bool = True  # one extra anchor per layer between this scale and the next
    value_range: tuple[float, float] = (0.0, 1.0)  # input pixel range the model was trained on


PALM = SsdSpec("palm_detection_full.tflite", 192, (8, 16, 16, 16), 7)
FACE_SHORT = SsdSpec("face_detection_short_range.tflite", 128, (8, 16, 16, 16), 6, value_range=(-1.0, 1.0))
POSE = SsdSpec("pose_detection.tflite", 224, (8, 16, 32, 32, 32), 4, value_range=(-1.0, 1.0))


def ssd_anchors(spec: SsdSpec) -> np.ndarray:
    """(N, 2) anchor centres (x, y) in 0..1; all these models use fixed-size (1x1) anchors."""
    out = []
    n_layers = len(spec.strides)
    i = 0
    while i < n_layers:
        per_cell = 0
        j = i
        while j < n_layers and spec.strides[j] == spec.strides[i]:
            per_cell += 2 if spec.interpolated else 1
            j += 1
        side = int(math.ceil(spec.input_size / spec.strides[i]))
        ys, xs = np.mgrid[0:side, 0:side]
        centres = np.stack([(xs + 0.5) / side, (ys + 0.5) / side], axis=-1).reshape(-1, 1, 2)
        out.append(np.repeat(centres, per_cell, axis=1).reshape(-1, 2))
        i = j
    return np.concatenate(out).astype(np.float32)


_ANCHORS: dict[SsdSpec, np.ndarray] = {}


def decode(spec: SsdSpec, raw_boxes: np.ndarray, logits: np.ndarray, min_score: float
           ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """(boxes (K,4) x0,y0,x1,y1, keypoints (K,P,2), scores (K,)) in the model's 0..1 input square."""
    anchors = _ANCHORS.setdefault(spec, ssd_anchors(spec))
    raw = raw_boxes.reshape(-1, raw_boxes.shape[-1])
    scores = 1.0 / (1.0 + np.exp(-np.clip(logits.reshape(-1).astype(np.float64), -100, 100)))
    keep = np.nonzero(scores >= min_score)[0]
    if len(keep) == 0:
        return np.zeros((0, 4), np.float32), np.zeros((0, spec.num_keypoints, 2), np.float32), np.zeros(0)
    r = raw[keep] / spec.input_size
    a = anchors[keep]
    cx, cy = r[:, 0] + a[:, 0], r[:, 1] + a[:, 1]
    w, h = r[:, 2], r[:, 3]
    boxes = np.stack([cx - w / 2, cy - h / 2, cx + w / 2, cy + h / 2], axis=1)
    kp = r[:, 4: 4 + 2 * spec.num_keypoints].reshape(-1, spec.num_keypoints, 2) + a[:, None, :]
    return boxes, kp, scores[keep]


def iou(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """IoU of one box a (4,) against boxes b (K,4)."""
    x0, y0 = np.maximum(a[0], b[:, 0]), np.maximum(a[1], b[:, 1])
    x1, y1 = np.minimum(a[2], b[:, 2]), np.minimum(a[3], b[:, 3])
    inter = np.clip(x1 - x0, 0, None) * np.clip(y1 - y0, 0, None)
    area = lambda z: np.clip(z[..., 2] - z[..., 0], 0, None) * np.clip(z[..., 3] - z[..., 1], 0, None)  # noqa: E731
    return inter / np.maximum(area(a) + area(b) - inter, 1e-9)


def weighted_nms(boxes: np.ndarray, kps: np.ndarray, scores: np.ndarray, thresh: float = 0.3
                 ) -> list[tuple[np.ndarray, np.ndarray, float]]:
    """mediapipe's WEIGHTED non-max suppression: each cluster's boxes averaged by score."""
    order = np.argsort(-scores)
    boxes, kps, scores = boxes[order], kps[order], scores[order]
    alive = np.ones(len(scores), bool)
    out = []
    for i in range(len(scores)):
        if not alive[i]:
            continue
        ov = iou(boxes[i], boxes) > thresh
        members = np.nonzero(ov & alive)[0]
        alive[members] = False
        w = scores[members][:, None]
        box = (boxes[members] * w).sum(0) / w.sum()
        kp = (kps[members] * w[:, :, None]).sum(0) / w.sum()
        out.append((box, kp, float(scores[i])))
    return out


def letterbox(img: np.ndarray, size: int) -> tuple[np.ndarray, float, float, float]:
    """Pads to a centred square and resizes to size x size. Returns (image, side, pad_x, pad_y) in pixels."""
    import cv2  # noqa: PLC0415

    h, w = img.shape[:2]
    side = max(h, w)
    px, py = (side - w) / 2, (side - h) / 2
    sq = cv2.copyMakeBorder(img, int(py), side - h - int(py), int(px), side - w - int(px),
                            cv2.BORDER_CONSTANT, value=(0, 0, 0))
    return cv2.resize(sq, (size, size), interpolation=cv2.INTER_AREA if side > size else cv2.INTER_LINEAR), float(side), \
        float(int(px)), float(int(py))


def to_tensor(img: np.ndarray, value_range: tuple[float, float]) -> np.ndarray:
    lo, hi = value_range
    return (img.astype(np.float32) * ((hi - lo) / 255.0) + lo)[None]


@dataclass
class Roi:
    """A rotated square in image pixels: centre, side, rotation (radians; crop 'up' -> image direction)."""

    cx: float
    cy: float
    side: float
    rotation: float

    def matrix(self, size: int) -> np.ndarray:
        """2x3 affine: crop pixel (u, v) in [0, size) -> image pixel."""
        c, s = math.cos(self.rotation), math.sin(self.rotation)
        k = self.side / size
        # image = centre + side * R @ (crop/size - 0.5)
        return np.array([[c * k, -s * k, self.cx - self.side * 0.5 * (c - s)],
                         [s * k, c * k, self.cy - self.side * 0.5 * (s + c)]], np.float64)

    def crop(self, img: np.ndarray, size: int) -> np.ndarray:
        import cv2  # noqa: PLC0415

        m = self.matrix(size)
        return cv2.warpAffine(img, m, (size, size), flags=cv2.INTER_LINEAR | cv2.WARP_INVERSE_MAP,
                              borderMode=cv2.BORDER_CONSTANT, borderValue=(0, 0, 0))

    def project(self, pts: np.ndarray, size: int) -> np.ndarray:
        """Crop pixel coordinates (..., 2) -> image pixels."""
        m = self.matrix(size)
        return pts @ m[:, :2].T + m[:, 2]


def normalize_angle(a: float) -> float:
    return a - 2 * math.pi * math.floor((a + math.pi) / (2 * math.pi))


def roi_from_points(center: tuple[float, float], size_wh: tuple[float, float], p_from, p_to,
                    scale: float, shift_y: float, target: float = math.pi / 2) -> Roi:
    """mediapipe's DetectionsToRects (rotation so p_from->p_to points up) + RectTransformation
    (shift along the rotated y axis, square on the long side, scale); all in pixels."""
    rot = normalize_angle(target - math.atan2(-(p_to[1] - p_from[1]), p_to[0] - p_from[0]))
    w, h = size_wh
    cx = center[0] - h * shift_y * math.sin(rot)
    cy = center[1] + h * shift_y * math.cos(rot)
    return Roi(cx, cy, max(w, h) * scale, rot)


class TfliteModel:
    """One tflite model under ai-edge-litert; `__call__` is serialised (an interpreter is not re-entrant)."""

    def __init__(self, path: Path, threads: int = 2) -> None:
        try:
            from ai_edge_litert.interpreter import Interpreter  # noqa: PLC0415 - heavy, optional
        except ImportError as exc:
            from ..errors import ConfigError  # noqa: PLC0415

            raise ConfigError("the visual experts need ai-edge-litert: pip install 'dataclaw0[vision]'") from exc
        self.path = path
        self.it = Interpreter(model_path=str(path), num_threads=threads)
        self.it.allocate_tensors()
        self.inp = self.it.get_input_details()[0]
        self.outs = self.it.get_output_details()
        self._lock = threading.Lock()

    def __call__(self, x: np.ndarray) -> list[np.ndarray]:
        with self._lock:
            self.it.set_tensor(self.inp["index"], x.astype(np.float32, copy=False))
            self.it.invoke()
            return [self.it.get_tensor(o["index"]).copy() for o in self.outs]


_MODELS: dict[tuple[str, int], TfliteModel] = {}
_MODELS_LOCK = threading.Lock()


def model(name: str, threads: int = 2) -> TfliteModel:
    """The named mediapipe tflite model, loaded once per process."""
    with _MODELS_LOCK:
        key = (name, threads)
        if key not in _MODELS:
            from ..models_local import mediapipe_models_dir  # noqa: PLC0415

            _MODELS[key] = TfliteModel(mediapipe_models_dir() / name, threads)
        return _MODELS[key]


def detect(spec: SsdSpec, img: np.ndarray, min_score: float, nms: float = 0.3, threads: int = 2
           ) -> list[dict[str, Any]]:
    """Runs an SSD detector on an RGB image; boxes and keypoints in image pixels, best first."""
    m = model(spec.model, threads)
    sq, side, px, py = letterbox(img, spec.input_size)
    outs = m(to_tensor(sq, spec.value_range))
    raw, logits = (outs[0], outs[1]) if outs[0].shape[-1] > 1 else (outs[1], outs[0])
    boxes, kps, scores = decode(spec, raw, logits, min_score)
    dets = []
    for box, kp, score in weighted_nms(boxes, kps, scores, nms):
        b = box * side - np.array([px, py, px, py])
        k = kp * side - np.array([px, py])
        dets.append({"box": b, "keypoints": k, "score": score})
    return dets
