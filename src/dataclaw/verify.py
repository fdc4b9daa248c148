"""The one judge of "is this sample right and grounded": the tailoring loop, the GRPO rewards and the
benchmark all call `verify_sample` (or `score_draft` for raw model output).

Errors reject a sample; warnings are kept for reporting. Scores are in [0, 1]:
  format      schema validity and per-segment structure
  grounding   share of checkable claims (times, cited ids, quotes, media) that the anchors support
  efficiency  conciseness: near-duplicate steps, length, repetition and frames per step vs. a budget
The formulas are written out in docs/formats.md.
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable

from pydantic import ValidationError
from rapidfuzz import fuzz

from . import lang
from .backends.jsonparse import extract_json
from .claims import DEFAULT_POLICY, FACE_NOUNS, PERSON_NOUNS, check_claims, mover_re
from .experts.scene import COLOURS
from .model import Anchor, AnchorSet, Sample, Scores, Segment
from .tasks import TASKS, load_all
from .tasks.base import Evidence
from .tasks.shared.common import validate_draft

TEXT_KINDS = ("ocr_text", "transcript", "speech", "screen_state")  # anchors whose data["text"] can be quoted
# the query of a generic view of raw output (score_draft; train.rewards.score_answer): not the writer's text
PLACEHOLDER_QUERIES = {"draft", "answer"}


def _task_ordered(task: Any, name: str) -> bool:
    """A task's own `ordered` flag (its class is looked up by name when no task is given)."""
    if task is None:
        task = TASKS.get(name) or load_all().get(name)
    return bool(getattr(task, "ordered", False))
IMAGE_EXT = {".jpg": "JPEG", ".jpeg": "JPEG", ".png": "PNG"}
VIDEO_EXT = {".mp4"}
QUOTE_MIN_SCORE = 80.0  # rapidfuzz partial_ratio a quote needs against an OCR/ASR text
TEXT_SUPPORT_SCORE = 50.0  # rapidfuzz token_set_ratio of a segment's text vs. the OCR/ASR text it cites
NEAR_DUP_SCORE = 90.0  # rapidfuzz ratio above which two steps count as near-duplicates
TEXT_TIME_TOL = 1.0  # s: a time written in prose ("at 12 s") may be rounded
DEFAULT_BUDGET = {"chars_per_step": 300, "max_chars": 4000, "max_steps": 20, "frames_per_step": 2}

_QUOTE_RE = re.compile(r"\"([^\"]{2,})\"|\u201c([^\u201d]{2,})\u201d|\u00ab([^\u00bb]{2,})\u00bb|"
                       r"\u300c([^\u300d]{2,})\u300d|\u300e([^\u300f]{2,})\u300f")
_CLOCK_RE = re.compile(r"(?<![\d.:])(\d{1,2}):([0-5]\d(?:\.\d+)?)(?![\d:])")
# Seconds count as a time point only after "at/from/between/until/to/and/t=" or in a range "12-15 s";
# "wait 30 seconds" is a duration, not a claim about 0:30.
_SECONDS_RE = re.compile(
    r"(?:\b(?:at|from|between|until|till|to|and)\s+|\bt\s*=\s*)(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds)?\b"
    r"(?=\s*(?:s|sec|secs|seconds)\b|\s*[,.;)\]]|\s+(?:and|to|-)|\s*$)", re.I)
_RANGE_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*s?\s*[-\u2013]\s*(\d+(?:\.\d+)?)\s*(?:s|sec|secs|seconds)\b", re.I)


@dataclass
class Verdict:
    ok: bool
    scores: Scores
    errors: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    checks: dict[str, bool] = field(default_factory=dict)
    claims: dict[str, Any] = field(default_factory=dict)  # claims.ClaimReport.as_dict(): the text's claims

    @property
    def unsupported_claims(self) -> list[str]:
        return list(self.claims.get("unsupported_claims", []))

    def as_dict(self) -> dict[str, Any]:
        return {"ok": self.ok, "scores": self.scores.model_dump(), "overall": self.scores.overall,
                "errors": self.errors, "warnings": self.warnings, "checks": self.checks, "claims": self.claims}


# ---------------------------------------------------------------------------- context
class _Ctx:
    """Anchors of one or more AnchorSets, indexed, plus per-source duration and frame tolerance."""

    def __init__(self, anchorsets: Any, source_id: str) -> None:
        sets = anchorsets if isinstance(anchorsets, (list, tuple)) else [anchorsets]
        self.sets = [s for s in sets if s is not None]
        self.index: dict[str, Anchor] = {}
        self.duration: dict[str, float] = {}
        self.tol: dict[str, float] = {}
        self.warnings: list[str] = []
        for s in self.sets:
            sid = s.source.id
            for a in s.anchors:
                self.index[a.id] = a
            meta = s.meta or {}
            dur = meta.get("duration")
            if dur is None:
                dur = max((a.t1 for a in s.anchors), default=None)
                if dur is not None:
                    self.warnings.append(f"source {sid[:12]}: no duration in metadata; using last anchor end {dur:.3f}s")
            if dur is not None:
                self.duration[sid] = float(dur)
            fps = meta.get("fps") or 25.0
            self.tol[sid] = 1.0 / float(fps) + 1e-3  # one frame
        self.default_source = source_id if source_id in self.duration else (self.sets[0].source.id if self.sets else "")

    def source_of(self, seg_anchors: list[Anchor]) -> str:
        for a in seg_anchors:
            if a.source in self.duration:
                return a.source
        return self.default_source

    def text_anchors(self) -> list[Anchor]:
        return [a for a in self.index.values() if a.kind in TEXT_KINDS and a.data.get("text")]


class _Tally:
    """Checkable claims: each is supported or not; grounding = supported / total."""

    def __init__(self) -> None:
        self.total = 0
        self.supported = 0
        self.errors: list[str] = []
        self.failed: set[str] = set()
        self.ran: set[str] = set()
        self.warnings: list[str] = []

    def claim(self, check: str, ok: bool, error: str = "") -> bool:
        self.ran.add(check)
        self.total += 1
        if ok:
            self.supported += 1
        else:
            self.failed.add(check)
            if error:
                self.errors.append(error)
        return ok

    def soft(self, check: str, ok: bool, warning: str) -> None:
        """A claim that lowers grounding when unsupported but only warns (paraphrase is allowed)."""
        self.total += 1
        self.supported += ok
        if not ok:
            self.warnings.append(warning)

    def structural(self, check: str, ok: bool, error: str) -> None:
        """A check that rejects but is not a grounding claim (order, duplicates)."""
        self.ran.add(check)
        if not ok:
            self.failed.add(check)
            self.errors.append(error)


# ---------------------------------------------------------------------------- helpers
def _fmt(t: float) -> str:
    return f"{t:.3f}s"


def _where(i: int | None, seg: Segment | None = None) -> str:
    if i is None:
        return "query"
    kind = f" ({seg.type})" if seg is not None else ""
    return f"solution[{i}]{kind}"


def _intervals(anchors: Iterable[Anchor]) -> list[tuple[float, float]]:
    return sorted((a.t0, a.t1) for a in anchors)


def _inside(t: float, spans: list[tuple[float, float]], tol: float) -> bool:
    return any(a - tol <= t <= b + tol for a, b in spans)


def _seg_times(seg: Segment) -> list[float]:
    return [t for t in (seg.t0, seg.t1) if t is not None]


def text_times(text: str) -> list[float]:
    """Times written in prose: "01:05", "12.5 s", "3 seconds", "从 12.5 秒", "一分二十秒"."""
    text = lang.claim_text(text)
    out = [int(m.group(1)) * 60 + float(m.group(2)) for m in _CLOCK_RE.finditer(text)]
    out += [float(m.group(1)) for m in _SECONDS_RE.finditer(text)]
    for m in _RANGE_RE.finditer(text):
        out += [float(m.group(1)), float(m.group(2))]
    return sorted(set(out))


def quotes(text: str) -> list[str]:
    return [next(g for g in m.groups() if g) for m in _QUOTE_RE.finditer(text or "")]


def _norm(text: str) -> str:
    return " ".join(re.findall(r"\w+", lang.fold(text or "").lower()))


# ---------------------------------------------------------------------------- media
def check_media_path(rel: str, dataset_dir: Path | None) -> str | None:
    """None when `rel` is a safe relative path to a readable JPEG/PNG/MP4 under dataset_dir."""
    p = Path(rel)
    if p.is_absolute() or rel.startswith(("/", "\\")) or re.match(r"^[A-Za-z]:", rel):
        return f"media path {rel!r} is absolute; it must be relative to the dataset folder"
    if ".." in p.parts:
        return f"media path {rel!r} leaves the dataset folder ('..')"
    ext = p.suffix.lower()
    if ext not in IMAGE_EXT and ext not in VIDEO_EXT:
        return f"media path {rel!r} has unsupported type {ext or '(none)'} (JPEG, PNG or MP4)"
    if dataset_dir is None:
        return None
    root = Path(dataset_dir).resolve()
    full = (root / p).resolve()
    if root not in full.parents:
        return f"media path {rel!r} resolves outside the dataset folder"
    if not full.is_file():
        return f"media file {rel!r} does not exist under {root}"
    return _readable(full, ext)


_READABLE_CACHE: dict[tuple[str, float, int], str | None] = {}


def _readable(full: Path, ext: str) -> str | None:
    st = full.stat()
    key = (str(full), st.st_mtime, st.st_size)
    if key in _READABLE_CACHE:
        return _READABLE_CACHE[key]
    err: str | None = None
    if ext in IMAGE_EXT:
        from PIL import Image  # noqa: PLC0415

        try:
            with Image.open(full) as im:
                fmt = im.format
                im.verify()
            if fmt != IMAGE_EXT[ext]:
                err = f"media file {full.name!r} is {fmt}, not {IMAGE_EXT[ext]}"
        except Exception as exc:  # noqa: BLE001 - any decode failure means unreadable
            err = f"media file {full.name!r} is not a readable image: {exc}"
    else:
        try:
            import av  # noqa: PLC0415

            with av.open(str(full)) as c:
                if not c.streams.video:
                    err = f"media file {full.name!r} has no video stream"
                elif next(c.decode(video=0), None) is None:
                    err = f"media file {full.name!r} has no decodable frame"
        except Exception as exc:  # noqa: BLE001
            err = f"media file {full.name!r} is not a readable MP4: {exc}"
    if len(_READABLE_CACHE) > 4096:
        _READABLE_CACHE.clear()
    _READABLE_CACHE[key] = err
    return err


# ---------------------------------------------------------------------------- checks
def _structure_errors(sample: Sample) -> list[str]:
    errs: list[str] = []
    if not sample.query.text.strip():
        errs.append("query: empty text")
    if not sample.solution:
        errs.append("solution: empty")
    for i, seg in enumerate(list(sample.query.media) + list(sample.solution)):
        where = _where(i - len(sample.query.media), seg) if i >= len(sample.query.media) else f"query.media[{i}]"
        need = {
            "text": seg.text is not None and seg.text.strip() != "",
            "image": bool(seg.path),
            "clip": bool(seg.path) and seg.t0 is not None and seg.t1 is not None,
            "span": seg.t0 is not None and seg.t1 is not None,
            "action": bool(seg.action),
        }[seg.type]
        if not need:
            what = {"text": "text", "image": "path", "clip": "path, t0 and t1", "span": "t0 and t1",
                    "action": "action"}[seg.type]
            errs.append(f"{where}: a {seg.type} segment needs {what}")
        if seg.t0 is not None and seg.t1 is not None and seg.t1 < seg.t0:
            errs.append(f"{where}: t1 {_fmt(seg.t1)} is before t0 {_fmt(seg.t0)}")
    return errs


def _check_segment_grounding(segs: list[tuple[int | None, Segment]], ctx: _Ctx, tally: _Tally,
                             evidence_spans: list[tuple[float, float]] | None,
                             evidence_ids: set[str] | None, dataset_dir: Path | None,
                             check_media: bool = True) -> None:
    text_anchors = ctx.text_anchors()
    for i, seg in segs:
        where = _where(i, seg)
        cited: list[Anchor] = []
        for aid in seg.anchors:
            a = ctx.index.get(aid)
            if tally.claim("anchor_ids", a is not None, f"{where}: cites anchor {aid!r}, which does not exist"):
                cited.append(a)
                if evidence_ids is not None:
                    tally.claim("evidence_times", aid in evidence_ids,
                                f"{where}: cites anchor {aid!r}, which is not in its evidence")
        sid = ctx.source_of(cited)
        dur = ctx.duration.get(sid)
        tol = ctx.tol.get(sid, 0.041)
        times = _seg_times(seg)
        for t in times:
            if dur is not None:
                tally.claim("times_in_video", -tol <= t <= dur + tol,
                            f"{where}: time {_fmt(t)} is outside the video (0 to {_fmt(dur)})")
        if times and cited:
            own = [a for a in cited if a.source == sid] or cited  # times are on one source's timeline
            lo = min(a.t0 for a in own) - tol
            hi = max(a.t1 for a in own) + tol
            for t in times:
                tally.claim("times_in_anchors", lo <= t <= hi,
                            f"{where}: time {_fmt(t)} is outside its cited anchors ({_fmt(lo + tol)} to {_fmt(hi - tol)})")
        if times and evidence_spans is not None:
            for t in times:
                tally.claim("evidence_times", _inside(t, evidence_spans, tol),
                            f"{where}: time {_fmt(t)} is outside the evidence")
        # a span whose text is its cited anchor's own words (a quoted narration phrase such as
        # "一分二十秒") says no time of its own
        said = lang.fold(seg.text or "").strip()
        cited_texts = [lang.fold(str(a.data.get("text") or "")) for a in cited if isinstance(a.data, dict)]
        own_words = bool(said) and any(said in t for t in cited_texts)
        # nor does a quote of an anchor's words inside prose (a voice saying "1:12.5"); the query cites
        # nothing, so its quotes are compared with every text anchor
        pool = cited_texts if cited else [lang.fold(str(a.data.get("text"))) for a in text_anchors]
        prose = _QUOTE_RE.sub(lambda m: " " if any(lang.fold(next(g for g in m.groups() if g)) in t
                                                   for t in pool) else m.group(0), seg.text or "")
        for t in ([] if own_words else text_times(prose)):
            if dur is not None:
                tally.claim("times_in_video", t <= dur + TEXT_TIME_TOL,
                            f"{where}: text mentions {t:g}s, past the end of the video ({_fmt(dur)})")
            if evidence_spans is not None:
                tally.claim("evidence_times", _inside(t, evidence_spans, TEXT_TIME_TOL),
                            f"{where}: text mentions {t:g}s, a time outside the evidence")
        if seg.path and check_media:
            err = check_media_path(seg.path, dataset_dir)
            tally.claim("media", err is None, f"{where}: {err}")
        _check_quotes(where, seg, cited, text_anchors, tally, tol)
        _check_text_support(where, seg, cited, tally)
        _check_visual_claims(where, seg, cited, ctx, tally, tol)


def _check_text_support(where: str, seg: Segment, cited: list[Anchor], tally: _Tally) -> None:
    """Text that cites OCR/ASR anchors should share their words (token_set_ratio >= TEXT_SUPPORT_SCORE)."""
    texts = [_norm(str(a.data["text"])) for a in cited if a.kind in TEXT_KINDS and a.data.get("text")]
    if not texts or not seg.text or quotes(seg.text):
        return

    score = fuzz.token_set_ratio(_norm(seg.text), " ".join(texts))
    tally.soft("text_support", score >= TEXT_SUPPORT_SCORE,
               f"{where}: text shares few words with the on-screen text or speech it cites ({score:.0f}/100)")


def _check_quotes(where: str, seg: Segment, cited: list[Anchor], text_anchors: list[Anchor],
                  tally: _Tally, tol: float) -> None:
    qs = quotes(seg.text or "")
    if not qs:
        return

    pool = [a for a in cited if a.kind in TEXT_KINDS and a.data.get("text")]
    if not pool and seg.t0 is not None:  # no text anchor cited: those overlapping the segment's span
        t0, t1 = seg.t0, seg.t1 if seg.t1 is not None else seg.t0
        pool = [a for a in text_anchors if a.t0 - tol <= t1 and a.t1 + tol >= t0]
    if not pool and seg.t0 is None and not cited:
        pool = text_anchors
    pool = sorted(pool, key=lambda a: (a.t0, a.t1))
    texts = [_norm(str(a.data["text"])) for a in pool]
    if len(texts) > 1:  # a quote may run across consecutive transcript segments
        texts.append(" ".join(texts))
    for q in qs:
        nq = _norm(q)
        if not nq:
            continue
        best = max((fuzz.partial_ratio(nq, t) if len(nq) <= len(t) else fuzz.ratio(nq, t) for t in texts),
                   default=0.0)
        tally.claim("quotes", best >= QUOTE_MIN_SCORE,
                    f"{where}: quoted text \"{q}\" matches no on-screen text or speech in its span "
                    f"(best match {best:.0f}/100)")


# ---------------------------------------------------------------------------- visual claims
# What a caption may say about the picture, and the anchor field that must agree (experts/hands.py,
# camera.py, people.py, scene.py). Quoted text is left out (on-screen text may say anything).
_CAMERA_RE = re.compile(r"\b(is static|stays static|stays still|is still|pans left|pans right|tilts up|tilts down|"
                        r"zooms in|zooms out|shakes)\b")
_CAMERA_WORDS = {"is static": "static", "stays static": "static", "stays still": "static", "is still": "static",
                 "pans left": "pan_left", "pans right": "pan_right", "tilts up": "tilt_up", "tilts down": "tilt_down",
                 "zooms in": "zoom_in", "zooms out": "zoom_out", "shakes": "shake"}
_HAND_RE = re.compile(r"\b(?:(left|right) hand|(two|both) hands|hands?)\b")
_HAND_ACTS = {"holds": "hold", "moves": "move", "turns": "turn", "touches": "touch"}
_NUM = {"no": 0, "one": 1, "a": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6}
_PEOPLE_RE = re.compile(r"\b(no|one|a|two|three|four|five|six|\d+) (?:people|persons|person)\b")
_FACE_RE = re.compile(r"\b(no|one|a|two|three|four|five|six|\d+) (?:faces?)\b")
_LIGHT_RE = re.compile(r"\b(brightly lit|dimly lit|is dark)\b")
_LIGHT_WORDS = {"brightly lit": "bright", "dimly lit": "dim", "is dark": "dark"}
VISUAL_KINDS = ("hand", "hand_object", "person", "face", "camera_motion", "scene", "subject_motion")
# "something moves from left to right in the lower half" (tasks/visual.subject_clause; experts/subjects.py)
_MOVER_RE = mover_re()
_SUBJECT_RE = re.compile(r"(?:\bmoves?|, then) (?:(?:from )?(left to right|right to left)|(?:to the )?(left|right)\b|(up|down)(?:wards?)?\b)")
_SUBJECT_DIR = {"left to right": "right", "right to left": "left", "left": "left", "right": "right", "up": "up",
                "down": "down"}
_REGION_RE = re.compile(r"\b(upper|lower) half\b|\b(left|right) side\b")
# how a person is framed (tasks/shared/visual.people_clause; experts/people.py scale and side)
_SCALE_RE = re.compile(r"\b(close-?ups?|medium(?:[- ]close-?up)? shots?|full(?:-length| shots?)|(?:wide|long) shots?)\b")
_SIDE_RE = re.compile(r"\b(?:on|at) the (left|right)\b(?! hand)(?:\s+side)?|\bin the (centre|center|middle)\b")
_PERSON_RE = re.compile(r"\b(?:" + "|".join(sorted((PERSON_NOUNS - {"player", "players"}) | FACE_NOUNS)) + r")\b")
# (a game player is not held to person anchors: its log places it)


def _sentences(text: str) -> list[str]:
    return [x.strip().lower() for x in re.split(r"(?<=[.!?;])\s+", _QUOTE_RE.sub(" ", text)) if x.strip()]


def _check_subject_claims(where: str, sent: str, subs: list[Anchor], tally: _Tally) -> None:
    """Subject-motion direction words, and where it moved (upper/lower half, left/right side),
    against the subject_motion anchors in the pool."""
    found = _SUBJECT_RE.findall(sent)
    if not found:
        return
    for m in found:
        want = _SUBJECT_DIR[next(x for x in m if x)]
        have = {a.data.get("direction") for a in subs}
        tally.claim("visual", want in have, f"{where}: text says something moves {want}, but " + (
            f"the subject-motion anchors in its span say {', '.join(sorted(str(h) for h in have))}"
            if have else "no subject-motion anchor supports it"))
    for half, side in _REGION_RE.findall(sent):
        def centre(a: Anchor, i: int) -> float | None:
            b = a.data.get("box") or []
            return (b[i] + b[i + 2]) / 2 if len(b) == 4 else None
        if half:
            cs = [c for a in subs if (c := centre(a, 1)) is not None]
            ok = any(c < 0.5 for c in cs) if half == "upper" else any(c > 0.5 for c in cs)
            what = f"the {half} half"
        else:
            cs = [c for a in subs if (c := centre(a, 0)) is not None]
            ok = any(c < 0.5 for c in cs) if side == "left" else any(c > 0.5 for c in cs)
            what = f"the {side} side"
        tally.claim("visual", ok, f"{where}: text says something moves in {what}, but no subject-motion anchor "
                    "in its span is there")


def _scale_word(m: str) -> str:
    return "close-up" if m.startswith("close") else "medium" if m.startswith("medium") else \
        "full" if m.startswith("full") else "wide"


def _check_framing_claims(where: str, sent: str, people: list[Anchor], faces: list[Anchor], tally: _Tally) -> None:
    """A person's shot scale ("in a medium shot", "close-up") against the person and face anchors' scale,
    and the side they are on ("on the right", "in the centre") against the person anchors' side."""
    for m in _SCALE_RE.findall(sent):
        want = _scale_word(m)
        have = {a.data.get("scale") for a in people + faces} - {None}
        tally.claim("visual", want in have, f"{where}: text says a {m}, but the person / face anchors in its span "
                    f"are framed {', '.join(sorted(map(str, have))) or 'nowhere'}")
    for lr, mid in _SIDE_RE.findall(sent):
        want = lr or "centre"
        have = {a.data.get("side") for a in people} - {None}
        tally.claim("visual", want in have, f"{where}: text puts a person {'on the ' + lr if lr else 'in the centre'}, "
                    f"but the person anchors in its span are {', '.join(sorted(map(str, have))) or 'not placed'}")


def _check_visual_claims(where: str, seg: Segment, cited: list[Anchor], ctx: _Ctx, tally: _Tally, tol: float) -> None:
    """Camera moves, hands and what they do, people and face counts, colours and light must match the
    visual anchors the segment cites (or, citing none, those overlapping its span)."""
    text = seg.text or ""

    def pool(kind: str) -> list[Anchor]:
        own = [a for a in cited if a.kind == kind]
        if own:
            return own
        if seg.t0 is None:  # no span: cited anchors' spans, else the whole source
            spans = [(a.t0, a.t1) for a in cited]
            return [a for a in ctx.index.values() if a.kind == kind
                    and (not spans or any(a.t0 - tol <= b and a.t1 + tol >= c for c, b in spans))]
        t0, t1 = seg.t0, seg.t1 if seg.t1 is not None else seg.t0
        return [a for a in ctx.index.values() if a.kind == kind and a.t0 - tol <= t1 and a.t1 + tol >= t0]

    if lang.has_cjk(text):  # a Chinese person's framing, read as claims read it ("位于画面右边" -> "on the right")
        for sent in _sentences(lang.claim_text(text)):
            if _PERSON_RE.search(sent) and not _HAND_RE.search(sent):
                _check_framing_claims(where, sent, pool("person"), pool("face"), tally)
    if not text or not re.search(r"camera|hand|people|person|face|colou?r|lit\b|dark|moves?\b", text, re.I):
        return
    for sent in _sentences(text):
        if "camera" in sent:
            cams = pool("camera_motion")
            have = {a.data.get("motion") for a in cams}
            for m in _CAMERA_RE.findall(sent):
                want = _CAMERA_WORDS[m]
                tally.claim("visual", want in have,
                            f"{where}: text says the camera {m}, but " + (
                                f"the camera anchors in its span say {', '.join(sorted(str(h) for h in have))}"
                                if have else "no camera-motion anchor supports it"))
        # A subject whose motion an anchor kind judges itself (claims.MOVERS: a robot part by its phases,
        # a game player by the log's player_move, hands, people) is not held against subject motion.
        if "camera" not in sent and not _MOVER_RE.search(sent):
            _check_subject_claims(where, sent, pool("subject_motion"), tally)
        hands = [h for h in _HAND_RE.findall(sent)]
        if hands and not re.search(r"hand-?(?:written|held|made)|by hand", sent):
            hs = pool("hand")
            for side, pair in hands:
                if side:
                    ok = any(a.data.get("side") == side for a in hs)
                    msg = f"text says a {side} hand, but the hand anchors in its span say " + (
                        ", ".join(sorted({str(a.data.get('side')) for a in hs})) or "no hand")
                elif pair:
                    ok = len(hs) >= 2
                    msg = f"text says two hands, but {len(hs)} hand track(s) are in its span"
                else:
                    ok = bool(hs)
                    msg = "text mentions a hand, but no hand anchor is in its span"
                tally.claim("visual", ok, f"{where}: {msg}")
            acts = {v for w, v in _HAND_ACTS.items() if re.search(rf"\b{w}\b", sent)}
            if acts:
                have = {w for a in pool("hand_object") for w in a.data.get("actions", [])}
                for act in sorted(acts):
                    tally.claim("visual", act in have, f"{where}: text says the hand {act}s something, but the "
                                f"hand-object anchors in its span say {', '.join(sorted(have)) or 'nothing'}")
        for n in _PEOPLE_RE.findall(sent):
            want = _NUM.get(n, None) if not n.isdigit() else int(n)
            ps = pool("person")
            counts = {int(a.data.get("count", 0)) for a in ps} | ({0} if not ps else set()) | {
                int(c) for a in ps for _, c in (a.data.get("counts") or [])}
            tally.claim("visual", want in counts, f"{where}: text says {n} people, but the person anchors in its "
                        f"span count {', '.join(map(str, sorted(counts)))}")
        for ev_word in re.findall(r"\ba person (enters|leaves)\b", sent):
            want = "enter" if ev_word == "enters" else "leave"
            have = {a.data.get("event") for a in pool("person")}
            tally.claim("visual", want in have, f"{where}: text says a person {ev_word}, but the person anchors in "
                        f"its span say {', '.join(sorted(str(h) for h in have)) or 'no person'}")
        if _PERSON_RE.search(sent) and not _HAND_RE.search(sent):
            _check_framing_claims(where, sent, pool("person"), pool("face"), tally)
        for n in _FACE_RE.findall(sent):
            want = _NUM.get(n, None) if not n.isdigit() else int(n)
            fs = pool("face")
            counts = {int(a.data.get("count", 0)) for a in fs} | ({0} if not fs else set())
            tally.claim("visual", want in counts, f"{where}: text says {n} face(s), but the face anchors in its "
                        f"span count {', '.join(map(str, sorted(counts)))}")
        if re.search(r"colou?r|mostly|palette", sent):
            named = [c for c in COLOURS if re.search(rf"\b{c}\b", sent)]
            if named:
                pal = {c for a in pool("scene") for c in a.data.get("palette", [])}
                for c in named:
                    tally.claim("visual", c in pal, f"{where}: text names the colour {c}, but the scene anchors in "
                                f"its span have {', '.join(sorted(pal)) or 'no palette'}")
        for m in _LIGHT_RE.findall(sent):
            have = {a.data.get("light") for a in pool("scene")}
            tally.claim("visual", _LIGHT_WORDS[m] in have, f"{where}: text says the picture {m}, but the scene "
                        f"anchors in its span say {', '.join(sorted(str(h) for h in have)) or 'nothing'}")


def _order_and_duplicates(sample: Sample, ordered: bool, tally: _Tally) -> float:
    """Rejects exact duplicates and out-of-order steps; returns the near-duplicate share for efficiency."""
    steps = [(i, s) for i, s in enumerate(sample.solution) if s.type in ("text", "span", "action", "clip")]
    seen_text: dict[str, int] = {}
    seen_span: dict[tuple[str, float, float], int] = {}
    near = 0
    texts: list[str] = []
    for i, s in steps:
        nt = _norm(s.text or (json.dumps(s.action, sort_keys=True) if s.action else ""))
        if nt:
            tally.structural("duplicates", nt not in seen_text,
                             f"solution[{i}]: duplicate step (same text as solution[{seen_text.get(nt)}])")
            if nt not in seen_text and any(fuzz.ratio(nt, o) >= NEAR_DUP_SCORE for o in texts):
                near += 1
            seen_text.setdefault(nt, i)
            texts.append(nt)
        if s.t0 is not None and s.t1 is not None and s.t1 > s.t0:
            key = (s.type, round(s.t0, 3), round(s.t1, 3))
            tally.structural("duplicates", key not in seen_span,
                             f"solution[{i}]: duplicate step (same span {_fmt(s.t0)}-{_fmt(s.t1)} as solution[{seen_span.get(key)}])")
            seen_span.setdefault(key, i)
    if ordered:
        last: tuple[int, float] | None = None
        for i, s in steps:
            if s.t0 is None:
                continue
            if last is not None:
                tally.structural("order", s.t0 + 1e-6 >= last[1],
                                 f"solution[{i}]: step starts at {_fmt(s.t0)}, before the previous step "
                                 f"(solution[{last[0]}] at {_fmt(last[1])}); steps must be in time order")
            last = (i, s.t0)
    return near / max(1, len(steps))


def efficiency(sample: Sample, budget: dict[str, Any] | None = None, near_dup_share: float | None = None) -> float:
    """Conciseness in [0, 1] (formula in docs/formats.md)."""
    b = {**DEFAULT_BUDGET, **(budget or {})}
    steps = [s for s in sample.solution if s.type in ("text", "span", "action", "clip")]
    images = [s for s in sample.solution if s.type == "image"]
    n = max(1, len(steps))
    if near_dup_share is None:
        near_dup_share = _order_and_duplicates(sample, False, _Tally())
    chars = sum(len(s.text or "") for s in sample.solution)
    char_budget = min(b["max_chars"], b["chars_per_step"] * n)
    f_len = min(1.0, char_budget / chars) if chars else 1.0
    f_steps = min(1.0, b["max_steps"] / n)
    allowed_frames = b["frames_per_step"] * n
    f_frames = min(1.0, allowed_frames / len(images)) if images else 1.0
    words = _norm(" ".join(s.text or "" for s in sample.solution)).split()
    grams = list(zip(words, words[1:], words[2:]))
    f_rep = (len(set(grams)) / len(grams)) if len(grams) >= 12 else 1.0
    value = (1.0 - near_dup_share) * f_len * f_steps * f_frames * f_rep
    return round(max(0.0, min(1.0, value)), 4)


# ---------------------------------------------------------------------------- entry points
def verify_sample(sample: Sample | dict[str, Any], anchors: AnchorSet | list[AnchorSet], dataset_dir: Path | None = None,
                  task: Any = None, evidence: Any = None, draft: dict[str, Any] | None = None,
                  claim_task: str | None = None, claim_policy: Any = None) -> Verdict:
    """Checks one sample against the anchors (an AnchorSet or a list of them).

    `dataset_dir`: media are checked on disk when given. `task`: its draft schema (with `draft`),
    order rule, budget and `task.check(sample, evidence)` apply. `evidence`: claims must stay inside it.
    The free text's claims are checked by `claims.check_claims` (template words of `claim_task`, else
    of the sample's task; rejection by `claim_policy`, a `claims.ClaimPolicy`).
    """
    errors: list[str] = []
    warnings: list[str] = []
    checks: dict[str, bool] = {}
    if not isinstance(sample, Sample):
        try:
            sample = Sample.model_validate(sample)
        except ValidationError as exc:
            msg = "; ".join(f"{'.'.join(map(str, e['loc']))}: {e['msg']}" for e in exc.errors()[:5])
            return Verdict(False, Scores(), [f"schema: not a valid Sample: {msg}"], [], {"schema": False})
    checks["schema"] = True
    if task is not None and draft is not None:
        schema_errs = draft_schema_errors(draft, task)
        errors += schema_errs
        checks["schema"] = not schema_errs
    struct = _structure_errors(sample)
    errors += struct
    checks["structure"] = not struct

    ctx = _Ctx(anchors, sample.source)
    warnings += ctx.warnings
    tally = _Tally()
    for aid in sample.evidence:
        # not a claim of the writer (the task lists the evidence), but it must still resolve
        tally.structural("anchor_ids", aid in ctx.index, f"evidence: anchor {aid!r} does not exist")
    ev_anchors = _evidence_anchors(sample, ctx, evidence)
    ev_spans = ev_ids = None
    if evidence is not None:
        ev_ids = {a.id for a in ev_anchors}
        ev_spans = _intervals(ev_anchors)
        span = (getattr(evidence, "meta", None) or {}).get("span")
        if isinstance(span, (list, tuple)) and len(span) == 2:
            ev_spans.append((float(span[0]), float(span[1])))
    elif ev_anchors:
        ev_spans = _intervals(ev_anchors)
    if not ev_spans:
        ev_spans = None
    # the query's media and text are what the sample shows, not claims: inside the video, cited ids
    # real, quotes true, but they may reach beyond the evidence (e.g. the whole video as context)
    query = [(None, m) for m in sample.query.media] + [(None, Segment(type="text", text=sample.query.text))]
    _check_segment_grounding(query, ctx, tally, None, None, dataset_dir)
    _check_segment_grounding(list(enumerate(sample.solution)), ctx, tally, ev_spans, ev_ids, dataset_dir)
    segs = query + list(enumerate(sample.solution))
    if dataset_dir is None and any(s.path for _, s in segs):
        warnings.append("media not checked on disk (no dataset_dir given)")

    ordered = _task_ordered(task, sample.task)
    near = _order_and_duplicates(sample, ordered, tally)
    off_focus = _focus_check(sample, evidence, tally)
    errors += tally.errors
    warnings += tally.warnings
    for name in ("anchor_ids", "times_in_video", "times_in_anchors", "evidence_times", "media", "quotes",
                 "visual", "duplicates", "order", "focus"):
        if name in tally.ran:
            checks[name] = name not in tally.failed
    if task is not None and hasattr(task, "check"):
        ev = evidence if evidence is not None else _make_evidence(sample, ctx, ev_anchors)
        try:
            terrs = list(task.check(sample, ev) or [])
        except Exception as exc:  # noqa: BLE001 - a crashing check is a finding, not a crash of the batch
            terrs = [f"task check failed: {type(exc).__name__}: {exc}"]
        errors += [f"task {sample.task}: {e}" for e in terrs]
        checks["task"] = not terrs

    policy = claim_policy or DEFAULT_POLICY
    own = next((st for st in ctx.sets if st.source.id == sample.source), None)
    report = check_claims(sample, ctx.index, task=claim_task, source_meta=own.meta if own else None,
                          source_kind=own.source.kind if own else "", policy=policy,
                          skip_query=sample.query.text in PLACEHOLDER_QUERIES, fallback=[a.id for a in ev_anchors])
    checks["claims"] = not report.rejects(policy)
    (warnings if checks["claims"] else errors).extend(report.messages())
    if tally.total == 0:
        warnings.append("no checkable claims (no times, anchor ids, quotes or media)")
    fmt = 1.0 if checks["schema"] else 0.0
    n_items = len(sample.solution) + len(sample.query.media) + 1
    fmt = fmt * max(0.0, 1.0 - len(struct) / n_items)
    grounding = (tally.supported / tally.total if tally.total else 0.0) * report.support
    budget = getattr(task, "budget", None) if task is not None else None
    eff = efficiency(sample, budget if isinstance(budget, dict) and budget else None, near)
    scores = Scores(format=round(fmt, 4), grounding=round(grounding, 4),
                    efficiency=round(eff * (1.0 - off_focus), 4))  # off-focus content is waste
    return Verdict(ok=not errors, scores=scores, errors=errors, warnings=warnings, checks=checks,
                   claims=report.as_dict())


FOCUS_TOL = 0.05  # s: a time this close to a focus span is inside it


def _focus_check(sample: Sample, evidence: Any, tally: _Tally) -> float:
    """With a focus (the evidence's, else the one the sample records): a solution segment entirely
    outside the focus spans is an error; returns the share of timed solution content outside them."""
    rec = (getattr(evidence, "meta", None) or {}).get("focus") if evidence is not None else None
    rec = rec or (sample.provenance or {}).get("focus")
    spans = [(float(a), float(b)) for a, b in (rec or {}).get("spans") or []]
    if not spans:
        return 0.0
    total = outside = 0.0
    for i, seg in enumerate(sample.solution):
        if seg.t0 is None:
            continue
        t0, t1 = seg.t0, seg.t1 if seg.t1 is not None else seg.t0
        if t1 - t0 <= 1e-6:
            share = float(any(a - FOCUS_TOL <= t0 <= b + FOCUS_TOL for a, b in spans))
        else:
            share = min(1.0, sum(max(0.0, min(t1, b + FOCUS_TOL) - max(t0, a - FOCUS_TOL)) for a, b in spans) / (t1 - t0))
        total += 1
        outside += 1.0 - share
        where = ", ".join(f"{_fmt(a)}-{_fmt(b)}" for a, b in spans)
        tally.structural("focus", share > 0, f"solution[{i}]: {_fmt(t0)}-{_fmt(t1)} s lies outside the focus "
                                             f"({where} s{', ' + repr(rec['reading']) if rec.get('reading') else ''})")
    return outside / total if total else 0.0


def _evidence_anchors(sample: Sample, ctx: _Ctx, evidence: Any) -> list[Anchor]:
    if evidence is not None:
        return list(getattr(evidence, "anchors", []) or [])
    return [ctx.index[a] for a in sample.evidence if a in ctx.index]


def _make_evidence(sample: Sample, ctx: _Ctx, anchors: list[Anchor]) -> Any:
    sources = [s.source for s in ctx.sets]
    sources.sort(key=lambda s: s.id != sample.source)
    meta = {"duration": ctx.duration.get(sample.source)}
    return Evidence(sources=sources, anchors=anchors, meta=meta)


def draft_schema_errors(draft: Any, task: Any) -> list[str]:
    """Errors of `draft` against the task's JSON Schema (the tasks' own `validate_draft`), at most five."""
    try:
        schema = task.draft_schema()
    except NotImplementedError:
        return []
    return [f"schema: {e}" for e in validate_draft(draft, schema)[:5]]


def parse_draft(text: str | dict[str, Any]) -> tuple[dict[str, Any] | None, float]:
    """JSON object from model output; returns (draft, format credit): 1.0 clean JSON,
    0.8 JSON found inside other text (a code fence or prose), (None, 0.0) when none parses."""
    if isinstance(text, dict):
        return text, 1.0
    try:
        obj = json.loads(text)
        return (obj, 1.0) if isinstance(obj, dict) else (None, 0.0)
    except (json.JSONDecodeError, TypeError):
        pass
    obj, _ = extract_json(text)  # the one extractor the backends use as well
    return (obj, 0.8) if obj is not None else (None, 0.0)


_TIME_KEYS = (("t0", "t1"), ("start", "end"), ("t", None), ("time", None))
_ID_KEYS = ("anchors", "anchor_ids", "anchor", "cite", "cites", "evidence")
_TEXT_KEYS = ("text", "caption", "answer", "question", "instruction", "description", "step", "prompt")


def draft_items(draft: Any) -> list[tuple[str, Segment]]:
    """Generic view of any draft: each dict with times, cited ids or text becomes a Segment, paired with
    the JSON path of the list holding it ("" for dicts outside lists). Lets the verifier score raw model
    output of any task without building media."""
    out: list[tuple[str, Segment]] = []

    def walk(node: Any, group: str, where: str) -> None:
        if isinstance(node, dict):
            t0 = t1 = None
            for a, b in _TIME_KEYS:
                if isinstance(node.get(a), (int, float)) and not isinstance(node.get(a), bool):
                    t0 = float(node[a])
                    t1 = float(node[b]) if b and isinstance(node.get(b), (int, float)) else t0
                    break
            ids: list[str] = []
            for k in _ID_KEYS:
                v = node.get(k)
                if isinstance(v, str):
                    ids.append(v)
                elif isinstance(v, list):
                    ids += [x for x in v if isinstance(x, str)]
            text = " ".join(str(node[k]) for k in _TEXT_KEYS if isinstance(node.get(k), str))
            if t0 is not None or ids or text:
                seg = Segment(type="text" if text else "span", text=text or None, t0=t0, t1=t1, anchors=ids)
                out.append((group, seg))
            for k, v in node.items():
                if isinstance(v, (dict, list)) and k not in _ID_KEYS:
                    walk(v, "" if isinstance(v, dict) else f"{where}/{k}", f"{where}/{k}")
        elif isinstance(node, list):
            for v in node:
                walk(v, group, where)

    walk(draft, "", "")
    return out


def draft_segments(draft: Any) -> list[Segment]:
    return [seg for _, seg in draft_items(draft)]


def score_draft(draft: str | dict[str, Any], anchors: AnchorSet | list[AnchorSet], task: Any = None, evidence: Any = None,
                weights: dict[str, float] | None = None) -> dict[str, Any]:
    """Reward components for raw model output (EasyR1 style): format, grounding, efficiency, overall.

    The draft is parsed (format credit for clean JSON), checked against the task schema, then viewed
    as generic segments (`draft_items`) and verified like a sample without media. The steps (the list
    of dicts with the most text) must be in time order for ordered tasks.
    """
    w = {"format": 1.0, "grounding": 1.0, "efficiency": 1.0, **(weights or {})}
    obj, credit = parse_draft(draft)
    if obj is None:
        return {"format": 0.0, "grounding": 0.0, "efficiency": 0.0, "overall": 0.0, "ok": False,
                "errors": ["format: no JSON object found"]}
    schema_errs = draft_schema_errors(obj, task) if task is not None else []
    items = draft_items(obj)
    groups: dict[str, list[Segment]] = {}
    for g, seg in items:
        if g:
            groups.setdefault(g, []).append(seg)
    steps = max(groups.values(), key=lambda segs: sum(bool(x.text) for x in segs), default=[])
    others = [seg for _, seg in items if not any(seg is x for x in steps)]
    src = getattr(getattr(evidence, "source", None), "id", "") if evidence is not None else ""
    if not src:
        sets = anchors if isinstance(anchors, (list, tuple)) else [anchors]
        src = sets[0].source.id if sets else ""
    solution = steps + others or [Segment(type="text", text="")]
    # the draft's own top-level values (a game_frames "t" and "horizon"): its texts may restate them,
    # as the built sample's segments carry them; whether they are right is the task's check
    scalars = {k: v for k, v in obj.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    query = {"text": "draft", "media": []}
    sample = Sample(id="draft", task="draft", domain="", source=src, query=query, solution=solution,
                    meta={"draft_values": scalars} if scalars else {})
    name = getattr(task, "name", "")
    v = verify_sample(sample, anchors, None, None, evidence, claim_task=name or None)
    errors = schema_errs + [e for e in v.errors if "segment needs" not in e]  # artefacts of the generic view
    fmt = credit * (max(0.0, 1.0 - 0.25 * len(schema_errs)) if schema_errs else 1.0)
    if task is not None and _task_ordered(task, name):
        tally = _Tally()
        _order_and_duplicates(Sample(id="d", task=name, domain="", source=src, query={"text": "d"}, solution=steps),
                              True, tally)
        order_errs = [e for e in tally.errors if "time order" in e]
        if order_errs:
            errors += order_errs
            fmt *= 0.5
    res: dict[str, Any] = {"format": round(fmt, 4), "grounding": v.scores.grounding,
                           "efficiency": v.scores.efficiency if items else 0.0, "errors": errors,
                           "ok": not errors, "claims": v.claims}
    res["overall"] = round(sum(w[k] * res[k] for k in ("format", "grounding", "efficiency")) / sum(w.values()), 4)
    return res


__all__ = ["Verdict", "verify_sample", "score_draft", "efficiency", "check_media_path", "parse_draft",
           "draft_items", "draft_segments", "draft_schema_errors", "quotes", "text_times"]
