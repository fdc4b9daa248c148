"""Claim-level grounding: what a sample's free text says must be carried by the anchors it cites.

`verify.verify_sample` calls `check_claims` on every text field (the query text and each solution
segment's text). A text is split into claims:

    number      "12.5 s", "15 cm", "x equals 9": a value (and unit) that some cited anchor carries
    quote       "..." or '...': text on screen, in the narration, or a logged GUI name
    entity      a capitalised name inside a sentence ("Paris", "Chrome")
    count       "two people", "3 faces": a number of things a person / face / hand anchor counts
    colour      "red": a colour of a cited scene palette (or written in on-screen text)
    direction   "left", "up", "toward": a direction of a cited motion / person / camera anchor
    camera      "pans left", "zooms in", "static camera": a cited camera_motion anchor's motion
    order       "first A, then B", "A before B", numbered lists: the mentioned items' times agree
    word        every other content word, lemmatised (simplemma): some cited anchor's text or
                vocabulary has it (exact lemma, or a close fuzzy match for OCR spelling noise)

A claim is *supported* when a cited anchor carries it: its text (OCR, transcript, GUI names, typed
text, titles, robot task and phase text), its numbers (times, durations, data values), and its
kind's vocabulary (`VOCABULARIES`: anchor kind -> the terms and facts it supports). A claim is
*contradicted* when a cited anchor states the opposite (a static camera_motion under "pans left",
a person count of 1 under "two people", a palette without "red"). Function words and the words
each task's own templates write (`TEMPLATE_WORDS`, listed per task) are not claims. Everything
else that no cited anchor supports is reported.

Which anchors count as cited: a segment's own `anchors`; a text that cites none (a question, an
answer, a plan) is checked against every anchor the sample cites. Numbers may also be the sample's
own structure (segment times and durations, action payload values, the source duration).

The verdict rejects a sample when the share of unsupported claims is above
`ClaimPolicy.max_unsupported_share` (default 0: any unsupported claim rejects) or any claim is
contradicted; the errors name each claim and why, so a model can repair them.
"""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable, Iterable

from pydantic import BaseModel, Field

from . import lang
from .experts.robot_phases import DESCRIPTIONS
from .model import Anchor, Sample

# ---------------------------------------------------------------------------- policy


class ClaimPolicy(BaseModel):
    """When unsupported claims reject a sample (see docs/formats.md, "Claims")."""

    max_unsupported_share: float = Field(
        0.0, ge=0.0, le=1.0,
        description="share of a sample's claims that may be unsupported before it is rejected; 0 = none may be")
    reject_contradicted: bool = Field(True, description="a claim a cited anchor contradicts always rejects")
    word_fuzzy: float = Field(88.0, description="rapidfuzz ratio a content word (>= 5 letters) needs against an "
                                                  "anchor word (OCR and ASR spelling noise)")
    quote_fuzzy: float = Field(85.0, description="rapidfuzz partial_ratio a quote needs against an anchor text")
    time_tol: float = Field(0.5, description="s: a point in time ('at 12 s', 'around 6.0 s') may lie this far "
                                              "outside a cited anchor's span")


DEFAULT_POLICY = ClaimPolicy()

# ---------------------------------------------------------------------------- word lists
# Function words: never claims (articles, pronouns, prepositions, conjunctions, auxiliaries).
FUNCTION_WORDS = frozenset("""
a an the this that these those it its it's they them their there here his her he she we us our you your
i me my mine i'm i've i'll what which who whom whose when where why how whether if then than so as
and or but nor not no yes of in on at to from by with without into onto over under about for up down
be is are was were been being am do does did done doing have has had having will would shall should
can could may might must let lets let's also just very too only even still again each every all any
some both either neither such same other another more most much many few less least own one ones
out off through during while until till since upon via per within across along around between among
toward towards away before after now s
""".split())

# Words the rules templates of each task write around the anchors' content (read from tasks/*.py).
# Only these; words the anchors carry (phase names, motion levels, actions) are not listed here.
_COMMON_TEMPLATE = "time second seconds s".split()
TEMPLATE_WORDS: dict[str, frozenset[str]] = {k: frozenset(v.split()) | frozenset(_COMMON_TEMPLATE) for k, v in {
    "t2v": "shot show showing on-screen screen text voice say says begin begins previous",
    "robot_t2v": "robot arm see seen camera part task phase gripper empty",
    "temporal_qa": "when show shown screen text narrator say saying which come comes first then appear "
                   "appearing change changes list video order hard cut how many does move",
    "tutorial": "walk step current situation show shown picture next stuck point understand get explain "
                "can do should what video",
    "gui": "page open application window click double-click right-click double right type press scroll "
           "drag move pointer cursor put typing toggle option field button link checkbox menu element "
           "label labelled need next view last step screen focused confirm close delete character select "
           "copy paste undo save shortcut use continue selection text px i fragment",
    "game_frames": "over next player presses press held followed score rises falls life lost lives remain game "
                   "ends continue gameplay picture actions unknown video log has",
    "edit_pair": "raise lower score making remove life lives become show screen after you write slide by "
                 "scene robot finishes",
    "driving_plan": "over next ego car should drive drives lane lanes numbered left change keep speed brake "
                    "accelerate now then still under way end follow same ahead why away slower than clear collides "
                    "another what do picture plan cannot known video has no driving log car's states unknown other "
                    "cars' its m/s",
    "world_model": "arm phase next moved move on task robot state predict camera frames frame executing "
                   "execute actions action object position",
    "contact": "gripper contact object robot perform performs whole episode touch",
    "segmentation": "part segment robot episode sub-tasks sub task tasks describe",
    "recovery": "during episode recall state then continue same recovered successful task robot asked "
                "something go went wrong earlier return how should commit object straight recalled pose "
                "grasp pre pre-grasp again centred firmly resume finish remaining phases",
}.items()}
_TASK_TEMPLATES = {"gui_trajectory": ("gui",), "gui_stitch": ("gui",), "gui_grounding": ("gui",),
                   "t2v@robot": ("robot_t2v",), "edit_pair@gui": ("edit_pair", "gui")}  # t2v on a robot episode writes the robot templates

NUMBER_WORDS = {"zero": 0, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7,
                "eight": 8, "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "twenty": 20, "single": 1,
                "pair": 2, "couple": 2, "several": -1, "dozen": 12}
COLOURS = frozenset("""red green blue yellow orange purple violet pink brown black white grey gray cyan magenta
teal navy beige maroon olive gold golden silver turquoise crimson scarlet""".split())
DIRECTIONS = {"left": "left", "leftward": "left", "leftwards": "left", "right": "right", "rightward": "right",
              "rightwards": "right", "up": "up", "upward": "up", "upwards": "up", "down": "down",
              "downward": "down", "downwards": "down", "forward": "forward", "forwards": "forward",
              "backward": "backward", "backwards": "backward", "toward": "toward", "towards": "toward",
              "away": "away", "clockwise": "clockwise", "counterclockwise": "counterclockwise"}
PERSON_NOUNS = frozenset("person people persons man men woman women child children kid kids boy boys girl girls "
                         "pedestrian pedestrians someone somebody player players rider riders cyclist cyclists "
                         "figure figures human humans teacher teachers student students adult adults".split())
FACE_NOUNS = frozenset("face faces".split())
HAND_NOUNS = frozenset("hand hands".split())
ORDER_SEQ = frozenset("then next finally later afterwards subsequently".split())  # "first" alone asks, not orders
LIGHT = {"dark": "dark", "dim": "dim", "dimly": "dim", "bright": "bright", "brightly": "bright"}
# verbs after which a direction says how something moves ("moves up 15 cm", "walks left"); elsewhere
# ("pick up the cube") it belongs to a phrase an anchor must write
MOTION_VERBS = frozenset("move moves moving moved walk walks walking walked go goes going went turn turns turning "
                         "turned head heads heading headed run runs running ride rides riding drive drives driving "
                         "slide slides sliding pan pans panning tilt tilts tilting reach reaches reaching carry carries "
                         "carrying drift drifts drifting travel travels traveling travelling look looks looking "
                         "point points pointing face faces facing".split())
CAMERA_VERBS = {"pan": "pan", "pans": "pan", "panning": "pan", "panned": "pan", "tilt": "tilt", "tilts": "tilt",
                "tilting": "tilt", "tilted": "tilt", "zoom": "zoom", "zooms": "zoom", "zooming": "zoom",
                "zoomed": "zoom", "shake": "shake", "shakes": "shake", "shaking": "shake", "shaky": "shake"}

# ---------------------------------------------------------------------------- records


@dataclass(frozen=True)
class Claim:
    kind: str  # number | quote | entity | count | colour | direction | camera | light | order | word
    text: str  # as written
    where: str  # "query", "solution[3]"
    key: str = ""  # normalised: lemma, colour, direction, camera motion, count noun
    value: float | None = None  # numbers and counts
    unit: str = ""
    prev: str = ""  # the words around a colour or direction: what it is said of
    next: str = ""

    def label(self) -> str:
        return f"{self.where}: {self.kind} {self.text!r}"


@dataclass
class Finding:
    claim: Claim
    reason: str
    contradicted: bool = False

    def message(self) -> str:
        what = "contradicted" if self.contradicted else "unsupported"
        return f"{self.claim.where}: {what} {self.claim.kind} claim {self.claim.text!r}: {self.reason}"


@dataclass
class ClaimReport:
    claims: list[Claim] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)

    @property
    def total(self) -> int:
        return len(self.claims)

    @property
    def unsupported(self) -> int:
        return len(self.findings)

    @property
    def support(self) -> float:
        """Share of claims the cited anchors support (1.0 when a sample makes no claims)."""
        return 1.0 if not self.claims else round(1.0 - len(self.findings) / len(self.claims), 4)

    def rejects(self, policy: ClaimPolicy = DEFAULT_POLICY) -> bool:
        if not self.claims:
            return False
        if policy.reject_contradicted and any(f.contradicted for f in self.findings):
            return True
        return len(self.findings) / len(self.claims) > policy.max_unsupported_share + 1e-9

    def messages(self) -> list[str]:
        return [f.message() for f in self.findings]

    def as_dict(self) -> dict[str, Any]:
        return {"claims": self.total, "unsupported": self.unsupported, "support": self.support,
                "unsupported_claims": self.messages()}


# ---------------------------------------------------------------------------- what anchors support


@dataclass
class Support:
    """What a set of anchors carries: text to match words and quotes, values, and typed facts."""

    texts: list[str] = field(default_factory=list)
    words: set[str] = field(default_factory=set)
    numbers: list[float] = field(default_factory=list)  # data values (coordinates, distances, counts)
    times: list[float] = field(default_factory=list)  # anchor and segment times, durations, timed data values
    spans: list[tuple[float, float]] = field(default_factory=list)
    facts: dict[str, set] = field(default_factory=dict)  # colours, person_counts, camera, directions, light, ...
    # (t0, text, timeline) of text anchors, for order claims: times compare only within one timeline
    timed: list[tuple[float, str, str]] = field(default_factory=list)

    def fact(self, name: str, *values: Any) -> None:
        self.facts.setdefault(name, set()).update(values)

    def merge(self, other: "Support") -> None:
        self.texts += other.texts
        self.words |= other.words
        self.numbers += other.numbers
        self.times += other.times
        self.spans += other.spans
        self.timed += other.timed
        for k, v in other.facts.items():
            self.facts.setdefault(k, set()).update(v)


VOCABULARIES: dict[str, Callable[[Anchor, Support], None]] = {}
# anchor kind -> the subjects whose motion that kind's anchors judge (`vocabulary(..., movers=)`): a
# sentence naming one of them is held against those anchors, not against subject_motion.
MOVERS: dict[str, tuple[str, ...]] = {}


def vocabulary(*kinds: str, movers: tuple[str, ...] = ()
               ) -> Callable[[Callable[[Anchor, Support], None]], Callable[[Anchor, Support], None]]:
    """Registers what anchors of `kinds` support beyond their data's strings and numbers, and which
    subjects' motion they judge (`movers`, lower-case words or phrases)."""
    def deco(fn: Callable[[Anchor, Support], None]) -> Callable[[Anchor, Support], None]:
        for k in kinds:
            VOCABULARIES[k] = fn
            if movers:
                MOVERS[k] = movers
        return fn
    return deco


def mover_re() -> re.Pattern[str]:
    """Any subject some anchor kind judges the motion of, as a whole word (`MOVERS`)."""
    words = sorted({w for ws in MOVERS.values() for w in ws}, key=lambda w: (-len(w), w))
    return re.compile(r"\b(?:" + "|".join(re.escape(w).replace(r"\ ", r"[- ]").replace(r"\-", r"[- ]")
                                          for w in words) + r")\b")


def _words(s: Support, text: str) -> None:
    s.words.update(text.split())


@vocabulary("shot")
def _shot(a: Anchor, s: Support) -> None:
    _words(s, "shot clip scene")


@vocabulary("keyframe", "screen")
def _frame(a: Anchor, s: Support) -> None:
    _words(s, "frame keyframe image screen")


@vocabulary("motion", "static")
def _motion(a: Anchor, s: Support) -> None:
    # tasks/t2v.motion_desc: static, mostly static, slowly moving, moving, fast-moving (level "high")
    if a.kind == "static":
        _words(s, "static still mostly slowly")
    else:
        _words(s, "moving move motion mostly slowly")
        if str(a.data.get("level", "")) == "high":
            _words(s, "fast")


@vocabulary("transition")
def _transition(a: Anchor, s: Support) -> None:
    _words(s, "transition cut")


@vocabulary("ocr_text")
def _ocr(a: Anchor, s: Support) -> None:
    _words(s, "text screen on-screen slide title")


@vocabulary("transcript", "speech")
def _speech(a: Anchor, s: Support) -> None:
    _words(s, "narrator narration voice say speak speech")


@vocabulary("gui_action")
def _gui_action(a: Anchor, s: Support) -> None:
    d = a.data
    el = d.get("element") or {}
    if isinstance(el, dict):
        s.texts += [str(v) for v in el.values() if isinstance(v, str)]
    if d.get("keys"):  # "the left arrow", "Ctrl+A": key names as the GUI text writes them
        from .tasks.shared.gui_text import key_words  # noqa: PLC0415

        keys = [str(k) for k in d["keys"]]
        s.texts += [key_words(keys), *(key_words([k]) for k in keys)]
    dx, dy = d.get("dx"), d.get("dy")
    if isinstance(dx, (int, float)) and isinstance(dy, (int, float)):
        # the GUI text writes a move by its size and end point ("70 px up", "to (60, 50)"), not its signed delta
        s.numbers += [abs(float(dx)), abs(float(dy))]
        if isinstance(d.get("x"), (int, float)) and isinstance(d.get("y"), (int, float)):
            s.numbers += [float(d["x"]) + float(dx), float(d["y"]) + float(dy)]
    if d.get("type") == "scroll":
        s.fact("directions", "down" if (d.get("dy") or 0) > 0 else "up")
        _words(s, "down" if (d.get("dy") or 0) > 0 else "up")


@vocabulary("gui_element")
def _gui_element(a: Anchor, s: Support) -> None:
    role = str(a.data.get("role") or "")
    _words(s, {"textbox": "field", "combobox": "menu"}.get(role, role))


@vocabulary("gripper")
def _gripper(a: Anchor, s: Support) -> None:
    _words(s, "gripper " + str(a.data.get("event", "")))


@vocabulary("contact")
def _contact(a: Anchor, s: Support) -> None:
    _words(s, "contact touch hold holds object gripper")


_PHASE_WORDS = {"reach": "reach toward", "grasp": "grasp close", "transport": "carry toward",
                "place": "place open release", "retreat": "retreat away",
                "handover": "handover hand over pass give transfer other second receiving"}


@vocabulary("phase", movers=("gripper", "arm", "robot", "end-effector"))
def _phase(a: Anchor, s: Support) -> None:
    phase = str(a.data.get("phase"))
    _words(s, "phase arm gripper " + phase + " " + _PHASE_WORDS.get(phase, "") + " " + DESCRIPTIONS.get(phase, ""))
    _words(s, str(a.data.get("object") or ""))  # the object the log names ("hammer")
    s.fact("directions", *[w for w in _PHASE_WORDS.get(phase, "").split() if w in ("toward", "away")])
    delta = a.data.get("ee_delta")
    if isinstance(delta, list) and len(delta) >= 3:
        names = (("forward", "backward"), ("left", "right"), ("up", "down"))
        for k, v in enumerate(delta[:3]):
            if abs(v) >= 0.02:
                s.fact("directions", names[k][0 if v > 0 else 1])
                _words(s, names[k][0 if v > 0 else 1])
                s.numbers.append(round(abs(v) * 100))
        _words(s, "hold still move")


# Game recordings (experts/game_log.py): the engine's log of actions, score, lives and player position.
@vocabulary("game_action")
def _game_action(a: Anchor, s: Support) -> None:
    words = [str(w) for w in a.data.get("words") or []]
    name = str(a.data.get("action", "")).lower()
    _words(s, "press presses held action " + " ".join(words) + " " + name + " " + name.replace("_", " "))
    s.fact("directions", *[w for w in words if w in ("left", "right", "up", "down")])
    s.texts.append(f"presses {name}")  # the phrase game_frames writes
    if "_" in name:
        s.texts.append(f"presses {name.replace('_', ' ')}")


@vocabulary("score_change")
def _score_change(a: Anchor, s: Support) -> None:
    delta = a.data.get("delta")
    _words(s, "score points " + ("rises" if isinstance(delta, (int, float)) and delta > 0 else "falls"))
    if isinstance(delta, (int, float)):
        s.numbers.append(abs(delta))  # "falls by 1"


@vocabulary("life_lost")
def _life_lost(a: Anchor, s: Support) -> None:
    _words(s, "life lost lives")


@vocabulary("counter_change")
def _counter_change(a: Anchor, s: Support) -> None:
    delta = a.data.get("delta")
    _words(s, str(a.data.get("field", "")) + " " + ("rises" if isinstance(delta, (int, float)) and delta > 0 else "falls"))
    if isinstance(delta, (int, float)):
        s.numbers.append(abs(delta))


@vocabulary("player_move", movers=("player",))
def _player_move(a: Anchor, s: Support) -> None:
    _words(s, "player moves move " + str(a.data.get("direction", "")))
    s.fact("directions", str(a.data.get("direction", "")))


@vocabulary("game_over")
def _game_over(a: Anchor, s: Support) -> None:
    _words(s, "game over ends")


# Driving recordings (experts/driving_log.py): the simulator's ego and other cars' states.
@vocabulary("driving_state")
def _driving_state(a: Anchor, s: Support) -> None:
    _words(s, "ego car drives lane lanes speed ahead" + (" clear" if a.data.get("lead_gap") is None else " away"))


@vocabulary("lane_change")
def _lane_change(a: Anchor, s: Support) -> None:
    _words(s, "change changes lane " + str(a.data.get("direction", "")))
    s.fact("directions", str(a.data.get("direction", "")))


@vocabulary("speed_change")
def _speed_change(a: Anchor, s: Support) -> None:
    _words(s, "speed slow down brake brakes" if a.data.get("change") == "brake" else "speed up accelerate accelerates")


@vocabulary("lead_vehicle")
def _lead_vehicle(a: Anchor, s: Support) -> None:
    _words(s, "car ahead follow follows lead vehicle" + (" closing" if a.data.get("closing") else ""))


@vocabulary("collision")
def _collision(a: Anchor, s: Support) -> None:
    _words(s, "collides collision crash crashes")


@vocabulary("fault", "stagnation", "last_good_state")
def _fault(a: Anchor, s: Support) -> None:
    _words(s, str(a.data.get("type", "")).replace("_", " "))


# Visual anchors (experts of the visual-anchors issue): kinds and data fields are their contract.
@vocabulary("hand", movers=("hand", "hands"))
def _hand(a: Anchor, s: Support) -> None:
    side = str(a.data.get("side") or "")
    _words(s, "hand hands view see seen visible coming " + (side if side in ("left", "right") else ""))
    if side in ("left", "right"):
        s.texts.append(f"{side} hand")  # "a right hand": the pair is the anchor's
    boxes = a.data.get("boxes")
    if isinstance(boxes, list):
        s.fact("hand_counts", len(boxes))
    if a.data.get("grasp"):
        _words(s, "grasp grip hold")


@vocabulary("hand_object")
def _hand_object(a: Anchor, s: Support) -> None:
    side = str(a.data.get("side") or "")
    acts = a.data.get("actions") or ([a.data["action"]] if a.data.get("action") else [])
    _words(s, "hand object something " + (side if side in ("left", "right") else "") + " " + " ".join(map(str, acts)))
    if "hold" in acts:
        _words(s, "stop still")  # tasks/tutorial: a hold after a move "stops and holds the object still"
    if side in ("left", "right"):
        s.texts.append(f"{side} hand")


@vocabulary("person", movers=("person", "people"))
def _person(a: Anchor, s: Support) -> None:
    d = a.data
    _words(s, "person people someone somebody pedestrian figure human view see seen visible")
    pairs = [c for c in d.get("counts") or [] if isinstance(c, (list, tuple)) and len(c) == 2]
    s.times += [float(c[0]) for c in pairs if isinstance(c[0], (int, float))]  # "at 1.7 s, two people"
    counts = [d.get("count")] + [c[1] for c in pairs]
    s.fact("person_counts", *[int(c) for c in counts if isinstance(c, (int, float))])
    if d.get("direction"):
        s.fact("directions", str(d["direction"]))
        _words(s, str(d["direction"]) + " walk move")
    ev = str(d.get("event") or "")
    if ev:
        _words(s, {"enter": "enter appear arrive", "leave": "leave exit disappear"}.get(ev, ev))
    if d.get("scale"):  # how a single person is framed (verify._check_visual_claims holds the phrase)
        s.fact("scale", str(d["scale"]))
        _words(s, {"full": "full shot length", "medium": "medium shot", "wide": "wide shot"}.get(
            str(d["scale"]), str(d["scale"]).replace("-", " ") + " shot"))
    if d.get("side") in ("left", "right", "centre"):
        _words(s, {"centre": "centre center middle"}.get(str(d["side"]), str(d["side"])))


@vocabulary("face")
def _face(a: Anchor, s: Support) -> None:
    d = a.data
    _words(s, "face faces see seen visible view")
    if isinstance(d.get("count"), (int, float)):
        s.fact("face_counts", int(d["count"]))
    if d.get("scale"):
        s.fact("scale", str(d["scale"]))
        _words(s, str(d["scale"]).replace("-", " ") + " shot")


_CAMERA = {"static": ("static", "static still steady fixed"), "pan_left": ("pan_left", "pan left"),
           "pan_right": ("pan_right", "pan right"), "tilt_up": ("tilt_up", "tilt up"),
           "tilt_down": ("tilt_down", "tilt down"), "zoom_in": ("zoom_in", "zoom in closer"),
           "zoom_out": ("zoom_out", "zoom out"), "shake": ("shake", "shake shaky handheld")}


@vocabulary("camera_motion")
def _camera_motion(a: Anchor, s: Support) -> None:
    motion = str(a.data.get("motion") or "")
    key, words = _CAMERA.get(motion, (motion, motion.replace("_", " ")))
    s.fact("camera", key)
    _words(s, "camera move moment " + words)
    if "_" in motion:
        s.fact("camera_directions", motion.split("_", 1)[1])


@vocabulary("subject_motion")
def _subject_motion(a: Anchor, s: Support) -> None:
    d = a.data
    if d.get("direction"):
        s.fact("directions", str(d["direction"]))
        _words(s, str(d["direction"]))
    if d.get("speed"):
        _words(s, {"slow": "slow slowly", "fast": "fast quick quickly rapid"}.get(str(d["speed"]), str(d["speed"])))
    _words(s, "move moving motion subject object something upper lower half side " + str(d.get("size") or ""))
    s.texts += ["left side", "right side"]  # tasks/visual: where across its direction it moved


@vocabulary("scene")
def _scene(a: Anchor, s: Support) -> None:
    d = a.data
    palette = [str(c).lower() for c in d.get("palette") or []]
    s.fact("colours", *palette)
    _words(s, "scene colour color picture mostly " + " ".join(palette))
    if d.get("light"):
        s.fact("light", str(d["light"]))
        _words(s, str(d["light"]) + " light lit")


# data no text states: ids, hashes, boxes, detector internals (a planted "10" must not match a box corner)
_SKIP_KEYS = {"phash", "id", "anchor", "shot", "action", "last_good_anchor", "evidence", "code", "hash", "bbox",
              "box", "lines", "changed_bbox", "sharpness", "rank", "index", "shot_index", "confidence", "p",
              "magnitude", "fragment", "boxes", "phash_hex", "frames", "bbox_norm", "score", "transition_in",
              "transition_out", "language"}


def _is_time_key(key: str) -> bool:
    return key in ("t", "t0", "t1", "start", "end", "duration", "horizon") or key.endswith("_t") or "time" in key


def _walk(v: Any, s: Support, depth: int = 0, key: str = "") -> None:
    if depth > 4 or key in _SKIP_KEYS:
        return
    if isinstance(v, bool):
        return
    if isinstance(v, (int, float)):
        if _is_time_key(key):
            s.times.append(float(v))
        elif len(s.numbers) < 20000:
            s.numbers.append(float(v))
    elif isinstance(v, str):
        if len(v) <= 2000 and not re.fullmatch(r"[0-9a-f]{8,}|[a-z_]+-[0-9a-f]{6,}", v):
            s.texts.append(v)
    elif isinstance(v, dict):
        for k, x in v.items():
            _walk(x, s, depth + 1, str(k))
    elif isinstance(v, (list, tuple)):
        for x in v[:2000]:
            _walk(x, s, depth + 1, key)


def anchor_support(a: Anchor) -> Support:
    """What one anchor carries: its data's strings and numbers, its times, its kind's vocabulary."""
    s = Support()
    _walk(a.data, s)
    s.times += [a.t0, a.t1, a.t1 - a.t0]
    s.spans.append((a.t0, a.t1))
    text = a.data.get("text") if isinstance(a.data, dict) else None
    if isinstance(text, str) and text.strip():
        # a fragment of a stitch set is its own recording: its place on the set's timeline is name order only
        frag = a.data.get("fragment") if isinstance(a.data, dict) else None
        s.timed.append((a.t0, text, a.source if frag is None else f"{a.source}#{frag}"))
    fn = VOCABULARIES.get(a.kind)
    if fn is not None:
        fn(a, s)
    return s


# ---------------------------------------------------------------------------- text -> claims

_DQUOTE_RE = re.compile(r"\"([^\"]+)\"|\u201c([^\u201d]+)\u201d|\u00ab([^\u00bb]+)\u00bb|\u300c([^\u300d]+)\u300d|"
                        r"\u300e([^\u300f]+)\u300f")
_SQUOTE_RE = re.compile(r"(?<![A-Za-z0-9])'([^']+?)'(?![A-Za-z0-9])")
_NUM_RE = re.compile(r"(?<![\w.])(-?\d+(?:\.\d+)?(?:e[-+]?\d+)?)(?:\s*(?:-\s*)?(seconds?|secs?|s|cm|mm|m|px|%|minutes?|min)\b)?")
_CLOCK_RE = re.compile(r"(?<![\d.:])(\d{1,2}):([0-5]\d(?:\.\d+)?)(?![\d:])")
_RANGE_RE = re.compile(r"(?<![\w.])(\d+(?:\.\d+)?)\s*[-\u2013]\s*\d+(?:\.\d+)?\s*(?:(seconds?|secs?|s|cm|px|m)\b)?()")
_WORD_RE = re.compile(r"[A-Za-z][A-Za-z]*(?:['\u2019][a-z]+)?")
_STEP_RE = re.compile(r"\bstep (\d+) of (\d+)\b", re.I)
_ENUM_RE = re.compile(r"(?:^|[;:]\s*)(\d+)\.\s")
_TEXT_KINDS = ("ocr_text", "transcript", "speech", "screen_state")
_CONTAINER_KINDS = ("shot", "keyframe", "screen")  # a span of the video, not a fact of its own
_TIME_WORDS = ("at", "around", "about", "near", "between", "and", "from", "to", "until", "till", "after", "before",
               "during", "since")
_SPACE_UNITS = ("cm", "mm", "m", "px", "%")
_POINT_WORDS = ("around", "about", "near", "between", "and")  # a point that may fall inside a cited span


def _lemma(word: str) -> str:
    return _lemmatize(word.lower().replace("\u2019", "'"))


@lru_cache(maxsize=65536)
def _lemmatize(w: str) -> str:
    import simplemma  # noqa: PLC0415 - carries its own English data

    if not w.strip("'"):
        return w
    return simplemma.lemmatize(w, lang="en").lower()


@dataclass
class _Parsed:
    claims: list[Claim]
    quotes: list[tuple[int, str]]  # (position, quoted text)
    step_ordinals: list[tuple[int, int]]
    enumerators: list[int]
    has_seq: bool
    before_after: list[tuple[int, str]]  # (position, "before"/"after")
    # the quotes an order word ("then", "然后") orders: those of its own sentences ("The camera is static,
    # then pans" orders nothing it quotes; "“A” is shown first, then “B”" orders A and B)
    seq_quotes: list[tuple[int, str]] = field(default_factory=list)


_CODE_NAME_RE = re.compile(r"\b[A-Z][A-Z0-9]*(?:_[A-Z0-9]+)+\b")
_GUI_QUOTING = frozenset({"gui_trajectory", "gui_stitch", "gui_grounding"})


def parse(text: str, where: str, task: str = "") -> _Parsed:
    """Claims of one text field (see the module docstring)."""
    claims: list[Claim] = []
    quotes: list[tuple[int, str]] = []
    masked = text
    for rx in (_DQUOTE_RE, _SQUOTE_RE):
        if rx is _SQUOTE_RE and task.split("@")[0] in _GUI_QUOTING:
            # GUI step text quotes by gui_text's rule: read it back by the same rule, never the prose between
            from .tasks.shared.gui_text import quote_positions  # noqa: PLC0415

            for i, j in quote_positions(masked):
                q = masked[i + 1:j]
                if q.strip():
                    quotes.append((i, q))
                    claims.append(Claim("quote", q, where, key=q.lower()))
                masked = masked[:i] + " " * (j + 1 - i) + masked[j + 1:]
            continue
        for m in rx.finditer(masked):
            q = next(g for g in m.groups() if g is not None)
            if q.strip():
                quotes.append((m.start(), q))
                claims.append(Claim("quote", q, where, key=q.lower()))
        masked = rx.sub(lambda m: " " * len(m.group(0)), masked)
    # a code name (an engine's action MOVE_FORWARD, a key TURN_LEFT) is a name to find in a cited text,
    # not words: its "FORWARD" says nothing about which way anything moved
    for m in _CODE_NAME_RE.finditer(masked):
        claims.append(Claim("quote", m.group(0), where, key=m.group(0).lower()))
    masked = _CODE_NAME_RE.sub(lambda m: " " * len(m.group(0)), masked)
    steps = [(int(a), int(b)) for a, b in _STEP_RE.findall(masked)]
    masked = _STEP_RE.sub(lambda m: " " * len(m.group(0)), masked)
    enums = [int(m.group(1)) for m in _ENUM_RE.finditer(masked)]
    masked = _ENUM_RE.sub(lambda m: m.group(0)[: m.group(0).find(m.group(1))] + " " * (len(m.group(0)) - m.group(0).find(m.group(1))), masked)
    for m in _CLOCK_RE.finditer(masked):
        claims.append(Claim("number", m.group(0), where, value=int(m.group(1)) * 60 + float(m.group(2)), unit="s",
                            key=_context(masked, m.start())))
    masked = _CLOCK_RE.sub(lambda m: " " * len(m.group(0)), masked)
    ranged = {m.start(1): (m.group(2) or "").lower() for m in _RANGE_RE.finditer(masked)}
    for m in _NUM_RE.finditer(masked):
        unit = (m.group(2) or ranged.get(m.start(1), "")).lower()  # "0-6.40 s": both ends are times
        unit = "s" if unit.startswith("s") else "min" if unit.startswith("min") else unit
        claims.append(Claim("number", m.group(0).strip(), where, value=float(m.group(1)), unit=unit,
                            key=_context(masked, m.start())))
    masked = _NUM_RE.sub(lambda m: " " * len(m.group(0)), masked)  # units and exponents are not words
    tmpl = template_words(task)
    tokens = [(m.start(), m.group(0)) for m in _WORD_RE.finditer(masked)]
    seq = False
    before_after: list[tuple[int, str]] = []
    skip_next = False
    for i, (pos, tok) in enumerate(tokens):
        low = tok.lower().replace("\u2019", "'")
        nxt = tokens[i + 1][1].lower() if i + 1 < len(tokens) else ""
        # the neighbours a colour or direction is said of, within one clause
        joined_next = i + 1 < len(tokens) and not text[pos + len(tok): tokens[i + 1][0]].strip()
        joined_prev = i > 0 and not text[tokens[i - 1][0] + len(tokens[i - 1][1]): pos].strip()
        if skip_next:
            skip_next = False
            continue
        if low in ORDER_SEQ:
            seq = True
        if low in ("before", "after"):
            before_after.append((pos, low))
        if low in CAMERA_VERBS:
            verb = CAMERA_VERBS[low]
            # "pans left" is one claim only within one clause: "pans. left" is a title and a sentence
            if verb in ("pan", "tilt", "zoom") and joined_next and nxt in ("left", "right", "up", "down", "in", "out"):
                claims.append(Claim("camera", f"{tok} {tokens[i + 1][1]}", where, key=f"{verb}_{nxt}"))
                skip_next = True
            else:
                claims.append(Claim("camera", tok, where, key=verb))
            continue
        if low in ("static", "still", "steady") and joined_next and nxt == "camera":
            claims.append(Claim("camera", f"{tok} camera", where, key="static"))
            skip_next = True
            continue
        if low in NUMBER_WORDS and joined_next and (_lemma(nxt) in PERSON_NOUNS or nxt in PERSON_NOUNS | FACE_NOUNS | HAND_NOUNS):
            noun = "person" if nxt in PERSON_NOUNS or _lemma(nxt) in PERSON_NOUNS else \
                "face" if nxt in FACE_NOUNS else "hand"
            claims.append(Claim("count", f"{tok} {tokens[i + 1][1]}", where, key=noun, value=NUMBER_WORDS[low]))
            skip_next = True
            continue
        prev = tokens[i - 1][1].lower() if joined_prev else ""
        if low in COLOURS:
            claims.append(Claim("colour", tok, where, key="grey" if low == "gray" else low, prev=prev,
                                next=nxt if joined_next else ""))
            continue
        if low == "up" and nxt == "to" and i + 2 < len(tokens) and tokens[i + 2][1].lower() in NUMBER_WORDS:
            continue  # "up to two people": a bound, not a direction
        if low in DIRECTIONS and prev == "from" and nxt == "to":
            dest = tokens[i + 2][1].lower() if i + 2 < len(tokens) else ""
            if DIRECTIONS.get(dest) == DIRECTIONS[low]:  # "from right to right" moves nowhere
                claims.append(Claim("direction", f"from {tok} to {tokens[i + 2][1]}", where, key=DIRECTIONS[low],
                                    unit="same_side"))
            continue  # "from left to right": the origin; the direction is the word after "to"
        if low in DIRECTIONS and low not in tmpl:
            after = masked[pos + len(tok):]
            near = {t.lower() for _, t in tokens[max(0, i - 3): i]}  # "carries the object toward"
            moving = bool(near & MOTION_VERBS) or re.match(r"\s*\d", after) is not None or \
                (prev == "and" and any(c.kind == "direction" for c in claims[-2:]))
            claims.append(Claim("direction", tok, where, key=DIRECTIONS[low], prev=prev,
                                next=nxt if joined_next else "", unit="motion" if moving else ""))
            continue
        if low in LIGHT:
            claims.append(Claim("light", tok, where, key=LIGHT[low]))
            continue
        if low in FUNCTION_WORDS or low in tmpl:
            continue
        lem = _lemma(low)
        if lem in FUNCTION_WORDS or lem in tmpl or low in NUMBER_WORDS:
            if low in NUMBER_WORDS and NUMBER_WORDS[low] > 0 and low not in ("one", "single"):
                claims.append(Claim("number", tok, where, value=float(NUMBER_WORDS[low]), key=""))
            continue
        initial = pos == 0 or re.search(r"[.!?:;]\s*$|^\s*$", masked[:pos]) is not None
        kind = "entity" if tok[:1].isupper() and not initial and len(tok) > 1 else "word"
        claims.append(Claim(kind, tok, where, key=lem))
    if lang.has_cjk(masked):  # Chinese content words: whole jieba words outside quotes
        tmpl_zh = template_words_zh(task)
        for run in re.findall(f"[{lang.CJK}]+", masked):
            for w in lang.segment(run, tmpl_zh):
                # a word inside a template phrase is the template's, however jieba cut it in context
                if w not in ZH_FUNCTION_WORDS and w not in tmpl_zh and not _in_template_zh(w, task):
                    claims.append(Claim("word", w, where, key=w))
        seq = seq or _ZH_SEQ.search(masked) is not None
        before_after += _zh_before_after(masked, quotes)
        for m in _ZH_CAMERA_RE.finditer(masked):  # the Chinese camera / motion words the rules write
            claims.append(Claim("camera", m.group(0), where, key=lang.ZH_CAMERA[m.group(0)]))
        for m in _ZH_DIRECTION_RE.finditer(masked):
            claims.append(Claim("direction", m.group(0), where, key=lang.ZH_DIRECTIONS[m.group(0)], unit="motion"))
    seq_quotes = []
    if seq:
        ends = [m.end() for m in _SENTENCE_END.finditer(masked)]  # quotes are masked: their stops do not count

        def sentence(pos: int) -> int:
            return sum(1 for e in ends if e <= pos)
        seq_sentences = set()
        for m in _ORDER_WORD.finditer(masked):
            k = sentence(m.start())
            starts = not masked[(ends[k - 1] if k else 0):m.start()].strip(" ,，")
            seq_sentences |= {k, k - 1} if starts else {k}  # "“A” comes up. Then “B”." orders both
        seq_quotes = [q for q in quotes if sentence(q[0]) in seq_sentences]
    return _Parsed(claims, quotes, steps, enums, seq, before_after, seq_quotes)


_SENTENCE_END = re.compile(r"[.!?;。！？；]+(?=\s|$|[^\d])")
_ORDER_WORD = re.compile(r"(?i)\b(?:" + "|".join(sorted(ORDER_SEQ)) + r")\b|然后|接着|随后|其次|最后")


# the Chinese camera / motion words the Chinese templates write (lang.ZH_CAMERA / ZH_DIRECTIONS)
_ZH_CAMERA_RE = re.compile("|".join(sorted(lang.ZH_CAMERA, key=len, reverse=True)))
_ZH_DIRECTION_RE = re.compile("|".join(sorted(lang.ZH_DIRECTIONS, key=len, reverse=True)))

# Chinese order words: "先…然后…", "接着", "最后" say the items come in the order they are mentioned
_ZH_SEQ = re.compile("然后|接着|随后|其次|最后")
_ZH_BEFORE_AFTER = re.compile("(之前|以前|之后|以后)")


def _zh_before_after(masked: str, quotes: list[tuple[int, str]]) -> list[tuple[int, str]]:
    """Chinese before/after between two quoted items, as the English reading stores it: (a position
    between the two quotes, "before" = the first-mentioned item happens first, "after" = it happens later).
      “A”在“B”之前 / 之后     the word follows both items: A before / after B;
      在“A”之后，“B” / “A”之后是“B”   the word follows the first item: B after A, so A comes first
      (之前: A comes later)."""
    qs = sorted(quotes)
    out: list[tuple[int, str]] = []
    for m in _ZH_BEFORE_AFTER.finditer(masked):
        w = m.start()
        before = [q for q in qs if q[0] < w]
        after = [q for q in qs if q[0] > w]
        is_before = m.group(1) in ("之前", "以前")
        if len(before) >= 2:
            (pa, qa), (pb, qb) = before[-2], before[-1]
            # “A”在“B”(出现)之后 is one phrase: only 在 between the items, the word (after a verb) right after the second
            if masked[pa + len(qa) + 2: pb].strip() == "在" and \
                    re.fullmatch(f"[{lang.CJK}]{{0,4}}", masked[pb + len(qb) + 2: w].strip()):
                out.append((pa + 1, "before" if is_before else "after"))
        elif len(before) == 1 and after:
            out.append((w, "after" if is_before else "before"))
    return out


def _context(text: str, pos: int) -> str:
    """The word before a number ("at", "from", ...): a point in time may lie inside a span."""
    # "at (34, 325)" is a point on the screen: a bracket between the word and the number ends the context
    m = re.search(r"([A-Za-z]+)[^\w(\[]*$", text[:pos])
    return m.group(1).lower() if m else ""


# Chinese function words (never claims); the Chinese templates' own words come from each task's
# TEMPLATES_ZH (template_words_zh)
ZH_FUNCTION_WORDS = frozenset("""
的 了 是 在 从 到 和 与 及 或 并 也 都 就 又 还 而 但 把 被 将 让 给 对 向 于 以 为 这 那 这个 那个 这些 那些 这里 那里
这样 什么 怎么 怎样 如何 哪 哪个 哪些 吗 呢 吧 啊 呀 我 你 他 她 它 我们 你们 他们 自己 一个 一些 个 之 其 所 着 过 得 地
可以 能 会 要 想 有 没有 不 没 很 最 更 再 先 然后 接着 之后 以后 之前 以前 时 时候 之间 左右 秒 分钟 分 一下 里 中 上 下
""".split())


@lru_cache(maxsize=65536)
def _in_template_zh(word: str, task: str) -> bool:
    return any(word in run for run in _template_runs_zh(task))


@lru_cache(maxsize=64)
def _template_runs_zh(task: str) -> tuple[str, ...]:
    """The CJK runs of `task`'s Chinese templates, placeholders removed."""
    name = task.split("@")[0]
    try:
        from .tasks import get_task  # noqa: PLC0415

        mod = __import__(type(get_task(name)).__module__, fromlist=["TEMPLATES_ZH"])
    except Exception:  # noqa: BLE001 - an unknown task has no templates
        return ()
    return tuple(run for p in getattr(mod, "TEMPLATES_ZH", {}).values()
                 for run in re.findall(f"[{lang.CJK}]+", re.sub(r"\{[^}]*\}", " ", p)))


@lru_cache(maxsize=64)
def template_words_zh(task: str) -> frozenset[str]:
    """The words of `task`'s Chinese templates (its module's TEMPLATES_ZH, placeholders removed)."""
    name = task.split("@")[0]
    try:
        from .tasks import get_task  # noqa: PLC0415

        mod = __import__(type(get_task(name)).__module__, fromlist=["TEMPLATES_ZH"])
    except Exception:  # noqa: BLE001 - an unknown task has no templates
        return frozenset()
    phrases = getattr(mod, "TEMPLATES_ZH", {})
    out: set[str] = set()
    for p in phrases.values():
        plain = re.sub(r"\{[^}]*\}", " ", p)
        for run in re.findall(f"[{lang.CJK}]+", plain):
            out.update(lang.segment(run))
    return frozenset(out)


@lru_cache(maxsize=64)
def template_words(task: str) -> frozenset[str]:
    """`task`, or `task@source_kind` where a task writes other templates for that kind of source."""
    out: set[str] = set()
    names = _TASK_TEMPLATES.get(task) or _TASK_TEMPLATES.get(task.split("@")[0]) or (task.split("@")[0],)
    for name in names:
        out |= TEMPLATE_WORDS.get(name, frozenset())
        for table in _template_tables(name):  # phrase tables of the task module itself
            for phrase in table:
                out.update(w.lower() for w in _WORD_RE.findall(phrase))
    return frozenset(out)


def _template_tables(name: str) -> list[Iterable[str]]:
    """The phrase tables a task's rules synthesizer writes from (its plans, key purposes), so the list
    follows the task when it grows a case."""
    try:
        if name == "recovery":
            from .tasks.recovery import PLANS  # noqa: PLC0415

            return [PLANS.values()]
        if name == "gui":
            from .tasks import gui_trajectory as g  # noqa: PLC0415

            from .tasks.shared import gui_text  # noqa: PLC0415

            return [getattr(g, "_KEY_PURPOSE", {}).values(), getattr(g, "_HOTKEY_PURPOSE", {}).values(),
                    getattr(g, "_CLICK_PURPOSE", {}).values(),
                    gui_text.ROLE_WORDS.values()]  # the role words the step text says (link, check box, ...)
    except ImportError:
        return []
    return []


# ---------------------------------------------------------------------------- claims -> findings


class _Pool:
    """A Support, indexed for matching: lemmas, raw words, normalised texts."""

    def __init__(self, s: Support) -> None:
        self.s = s
        self.lemmas: set[str] = set()
        self.raw: set[str] = set()
        # a Chinese text also as the claims read it (lang.claim_text: "两个人" -> "two people"), so the words
        # a sample's own gloss of the same text produces are the anchor's
        glossed = [g for t in s.texts if lang.has_cjk(t) for g in [lang.claim_text(t)] if g != t]
        for t in [*s.texts, *glossed]:
            for w in _WORD_RE.findall(t):
                lw = w.lower().replace("\u2019", "'")
                self.raw.add(lw)
                self.lemmas.add(_lemma(lw))
                if "-" in lw:
                    self.raw.update(lw.split("-"))
        for t in s.texts:
            for part in re.split(r"[-_/]", t.lower()):
                if part.isalpha():
                    self.raw.add(part)
                    self.lemmas.add(_lemma(part))
        for w in s.words:
            for part in re.split(r"[-\s]", w.lower()):
                if part:
                    self.raw.add(part)
                    self.lemmas.add(_lemma(part))
        self.norm_texts = [_norm(t) for t in s.texts if _norm(t)]
        # a Chinese text as the claims read it too: "两个人" said supports the count "two people" it glosses to
        self.norm_texts += [_norm(g) for g in glossed if _norm(g)]
        self.zh_texts = [lang.fold(t) for t in s.texts if lang.has_cjk(t)]
        # word pairs an anchor writes, also across consecutive text anchors (narration joined in time order)
        seq = self.norm_texts + [" ".join(_norm(t) for _, t, _src in sorted(s.timed, key=lambda x: x[0]))]
        self.bigrams = {(a, b) for t in seq for a, b in zip(t.split(), t.split()[1:])}
        self.text_numbers = [float(m.group(1)) for t in s.texts for m in _NUM_RE.finditer(lang.claim_text(t))]
        # a clock time an anchor writes ("1:12.5" said or on screen; "一分二十秒" reads as 1:20) is the value a
        # claim quoting it parses: the claim side reads clock times in any language
        self.text_numbers += [int(m.group(1)) * 60 + float(m.group(2)) for t in s.texts
                              for m in _CLOCK_RE.finditer(lang.claim_text(t))]
        self._fuzzy_pool: list[str] | None = None

    def has_word(self, low: str, lem: str, fuzzy: float) -> bool:
        if lem in self.lemmas or low in self.raw or lem in self.raw:
            return True
        if len(low) >= 5:
            from rapidfuzz import fuzz, process  # noqa: PLC0415

            if self._fuzzy_pool is None:
                self._fuzzy_pool = sorted(w for w in self.raw | self.lemmas if len(w) >= 4)
            return process.extractOne(low, self._fuzzy_pool, scorer=fuzz.ratio, score_cutoff=fuzzy) is not None
        return False

    def has_number(self, c: Claim, tol_t: float) -> bool:
        """Written in a text of a cited anchor; else a time (unit s, or after at/from/to/...) that is a
        cited time rounded as written; else a data value rounded as written. 'between/around X s' may
        also lie inside a cited anchor's span (a frame time, a boundary)."""
        v = c.value
        if any(abs(x - v) < 1e-9 for x in self.text_numbers):
            return True
        if re.search(r"\de[-+]?\d", c.text):  # 2.2e-05: exact values only
            return any(abs(x - v) <= 1e-9 + 1e-6 * abs(v) for x in self.s.numbers)
        m = re.match(r"-?\d+(?:\.(\d+))?", c.text)
        dec = len(m.group(1)) if m and m.group(1) else 0
        eps = 0.5 * 10 ** (-dec) + 1e-9
        # a length or share is never a time, whatever word precedes it ("40 px left and 70 px up")
        timed = c.unit in ("s", "min") or (c.key in _TIME_WORDS and c.unit not in _SPACE_UNITS)
        pool = self.s.times if timed else self.s.numbers
        if c.unit == "min":
            v = v * 60.0
        if any(abs(x - v) <= eps for x in pool):
            return True
        if timed and c.key in _POINT_WORDS:
            return any(a - tol_t <= v <= b + tol_t for a, b in self.s.spans)
        return False


def _norm(t: str) -> str:
    # spaced: a claim's text has its CJK/Latin runs spaced (claim_text), the anchors' text not
    return " ".join(re.findall(r"\w+", lang.spaced(lang.fold(t or "")).lower()))


def _judge(c: Claim, pool: _Pool, policy: ClaimPolicy) -> Finding | None:
    s = pool.s
    if c.kind == "quote":
        from rapidfuzz import fuzz  # noqa: PLC0415

        nq = _norm(c.text)
        if not nq:
            return None
        texts = pool.norm_texts
        best = max((fuzz.partial_ratio(nq, t) if len(nq) <= len(t) else fuzz.ratio(nq, t) for t in texts), default=0.0)
        if best >= policy.quote_fuzzy:
            return None
        joined = " ".join(texts)
        if len(texts) > 1 and len(nq) <= len(joined) and fuzz.partial_ratio(nq, joined) >= policy.quote_fuzzy:
            return None
        return Finding(c, f"no cited anchor's text matches it (best {best:.0f}/100)")
    if c.kind == "number":
        if pool.has_number(c, policy.time_tol) or (c.text.isalpha() and c.text.lower() in pool.raw):
            return None
        return Finding(c, "no cited anchor, time or logged value carries this number")
    if c.kind == "count":
        if any(_norm(c.text) in t for t in pool.norm_texts):  # an anchor writes it ("two faces" on a slide)
            return None
        facts = s.facts.get(f"{c.key}_counts")
        if facts:
            if int(c.value or 0) in facts:
                return None
            return Finding(c, f"the cited {c.key} anchors count {sorted(facts)}", contradicted=True)
        return Finding(c, f"no cited {c.key} anchor counts them")
    if c.kind == "colour":
        # a colour is said of the next word ("red cube"): a text that writes the pair, or a scene palette
        low = c.text.lower()
        if (low, c.next) in pool.bigrams or c.key in s.facts.get("colours", set()) or \
                (c.prev not in FUNCTION_WORDS and (c.prev, low) in pool.bigrams):
            return None
        if not c.next and c.key in pool.raw:
            return None
        if s.facts.get("colours"):
            return Finding(c, f"not in the cited scene palette {sorted(s.facts['colours'])}", contradicted=True)
        if c.key in pool.raw:
            return Finding(c, f"the cited anchors say {c.key!r} of something else, not of {c.next!r}")
        return Finding(c, "no cited anchor shows this colour (no scene palette or text has it)")
    if c.kind == "direction":
        if c.unit == "same_side":
            if any(_norm(c.text) in t for t in pool.norm_texts):  # a slide or the narration says it
                return None
            return Finding(c, "a motion from one side to the same side says nothing true", contradicted=True)
        low = c.text.lower()
        if (c.prev not in FUNCTION_WORDS and (c.prev, low) in pool.bigrams) or \
                (c.next not in FUNCTION_WORDS and (low, c.next) in pool.bigrams):
            return None  # a phrase an anchor writes ("pick up", "turn left")
        dirs = s.facts.get("directions", set()) | s.facts.get("camera_directions", set())
        if c.unit == "motion":  # how something moves: a motion fact of a cited anchor
            if c.key in dirs or (not dirs and low in pool.raw):
                return None
            if dirs:
                return Finding(c, f"the cited anchors move {sorted(dirs)}", contradicted=True)
        elif (low in pool.raw or c.key in dirs) and not ({c.prev, c.next} - FUNCTION_WORDS - {""} - {"then"}):
            return None  # written or moved by a cited anchor, and not said of another word here
        return Finding(c, "no cited anchor moves in this direction or writes this phrase")
    if c.kind == "camera":
        cams = s.facts.get("camera", set())
        if c.key in cams or any(k.startswith(c.key + "_") for k in cams):
            return None
        phrase = _norm(c.text)
        if any(phrase in t for t in pool.norm_texts):  # an anchor writes it (narration, on-screen text)
            return None
        if cams:
            return Finding(c, f"the cited camera_motion anchor says {sorted(cams)}", contradicted=True)
        if c.key in pool.lemmas:
            return None
        return Finding(c, "no cited camera_motion anchor")
    if c.kind == "light":
        lights = s.facts.get("light", set())
        if c.key in lights or c.key in pool.raw or c.text.lower() in pool.raw:  # "brightly" an anchor writes
            return None
        if lights:
            return Finding(c, f"the cited scene anchor's light is {sorted(lights)}", contradicted=True)
        return Finding(c, "no cited scene anchor states the light")
    if c.kind == "word" and lang.has_cjk(c.text):  # a Chinese word: written in a cited anchor's text
        if any(c.text in t for t in pool.zh_texts):
            return None
        if len(c.text) >= 3:  # OCR / ASR may get one character of a longer word wrong
            from rapidfuzz import fuzz  # noqa: PLC0415

            if any(fuzz.partial_ratio(c.text, t) >= policy.word_fuzzy - 25 for t in pool.zh_texts):
                return None
        return Finding(c, "no cited anchor's text has this word")
    if c.kind in ("word", "entity"):
        low = c.text.lower().replace("\u2019", "'")
        if pool.has_word(low, c.key, policy.word_fuzzy):
            return None
        return Finding(c, "no cited anchor's text or vocabulary has this word")
    return None


def _order_findings(p: _Parsed, where: str, pool: _Pool, text: str) -> tuple[list[Claim], list[Finding]]:
    """Order claims: items mentioned with first/then/numbered lists or before/after keep time order."""
    from rapidfuzz import fuzz  # noqa: PLC0415

    claims: list[Claim] = []
    out: list[Finding] = []
    quoted = p.quotes if (p.before_after or p.enumerators) else p.seq_quotes
    if len(quoted) >= 2 and (p.has_seq or p.before_after or p.enumerators):
        times = []
        prev_t = float("-inf")
        seq_check = not p.before_after
        for pos, q in sorted(quoted):
            nq = _norm(q)
            scored = [(fuzz.ratio(nq, _norm(t)), (t0, src)) for t0, t, src in pool.s.timed]
            best = max(scored, default=(0.0, None))
            pick = best[1] if best[0] >= 85 else None
            if pick is not None and seq_check:
                # a text shown more than once (the same line on two slides): the first showing that
                # keeps the order, so a repeated text never reads as out of order
                later = sorted(ts for r, ts in scored if r >= best[0] and ts[0] >= prev_t - 1e-6)
                pick = later[0] if later else pick
                prev_t = pick[0]
            times.append((pos, pick))
        located = [(pos, ts) for pos, ts in times if ts is not None]
        # items from different sources (fragments of a stitch set) have no common timeline to order on
        known = [(pos, ts[0]) for pos, ts in located] if len({ts[1] for _, ts in located}) <= 1 else []
        if len(known) >= 2:
            word = None
            if len(known) == 2:
                (pa, ta), (pb, tb) = known
                word = next((w for pos, w in p.before_after if pa < pos < pb), None)
            if word is not None:
                bad = (word == "before" and ta > tb) or (word == "after" and ta < tb)
            elif p.has_seq or p.enumerators:
                ts = [t for _, t in known]
                bad = any(b < a - 1e-6 for a, b in zip(ts, ts[1:]))
            else:
                known = []
        if len(known) >= 2:
            c = Claim("order", " ... ".join(q for _, q in quoted), where, key="order")
            claims.append(c)
            if bad:
                out.append(Finding(c, "the items are not mentioned in the order their anchors happen",
                                   contradicted=True))
    if len(p.enumerators) >= 2:  # a numbered list ("1. ...; 2. ...") counts up by one
        c = Claim("order", ", ".join(f"{n}." for n in p.enumerators), where, key="enumeration")
        claims.append(c)
        if any(b != a + 1 for a, b in zip(p.enumerators, p.enumerators[1:])):
            out.append(Finding(c, "a numbered list must count up by one (1, 2, 3, ...)", contradicted=True))
    return claims, out


def check_claims(sample: Sample, index: dict[str, Anchor], *, task: str | None = None,
                 source_meta: dict[str, Any] | None = None, source_kind: str = "", skip_query: bool = False,
                 fallback: Iterable[str] = (), policy: ClaimPolicy = DEFAULT_POLICY) -> ClaimReport:
    """Claims of every text field of `sample` against the anchors it cites (see the module docstring).

    `index`: anchor id -> Anchor (all sources). `task`: whose template words are not claims (defaults
    to the sample's; a robot episode's t2v reads the robot templates too). `source_meta`: the source's
    metadata (duration, task, camera and fragment names), facts every text may state. `skip_query`:
    the query is not the writer's (score_draft's generic view of a raw draft). `fallback`: anchor ids
    (the evidence) that a sample citing none is checked against.
    """
    task = (task or sample.task) + (f"@{source_kind}" if source_kind else "")
    cache: dict[str, Support] = {}

    def sup(aid: str) -> Support | None:
        if aid not in cache:
            a = index.get(aid)
            if a is None:
                return None
            cache[aid] = anchor_support(a)
        return cache[aid]

    base = Support()  # the sample's own structure and the source's facts
    base.times.append(0.0)  # the start of the video
    segs = list(sample.query.media) + list(sample.solution)
    for seg in segs:
        base.times += [t for t in (seg.t0, seg.t1) if t is not None]
        if seg.t0 is not None and seg.t1 is not None:
            base.times.append(seg.t1 - seg.t0)
        if seg.action:
            act = Support()
            _walk(seg.action, act)
            base.numbers += act.numbers
            base.times += act.times
            base.numbers += [float(len(v)) for v in seg.action.values() if isinstance(v, list)]
            base.texts += [str(seg.action[k]) for k in ("element", "text") if isinstance(seg.action.get(k), str)]
    draft_values = (sample.meta or {}).get("draft_values") if isinstance(sample.meta, dict) else None
    if isinstance(draft_values, dict):  # score_draft's generic view: the draft's own top-level values
        dv = Support()
        _walk(draft_values, dv)
        base.numbers += dv.numbers
        base.times += dv.times
    if source_meta:
        meta = Support()
        _walk({k: v for k, v in source_meta.items() if k not in ("video", "audio")}, meta)
        for k in ("video",):
            frags = (source_meta.get(k) or {}).get("fragments") if isinstance(source_meta.get(k), dict) else None
            for f in frags or []:
                if isinstance(f, dict) and f.get("name"):
                    meta.texts.append(str(f["name"]))
        base.texts += meta.texts
        dur = source_meta.get("duration")
        if isinstance(dur, (int, float)):
            base.times.append(float(dur))
    all_ids = list(dict.fromkeys([a for seg in segs for a in seg.anchors] + list(sample.evidence)))
    if not all_ids and fallback:  # raw output that cites nothing: the evidence it was written from
        all_ids = [a for a in fallback if a in index]
    sample_pool = Support()
    sample_pool.merge(base)
    for aid in all_ids:
        s = sup(aid)
        if s is not None:
            sample_pool.merge(s)
    sample_idx = _Pool(sample_pool)

    report = ClaimReport()
    fields: list[tuple[str, str, list[str]]] = [] if skip_query else [("query", sample.query.text, [])]
    # on-screen text and speech inside a segment's span support it even when it cites only the shot
    # (as verify's quote check reads them)
    texts = [a for a in index.values() if a.kind in _TEXT_KINDS and isinstance(a.data, dict) and a.data.get("text")]
    for i, seg in enumerate(sample.solution):
        if seg.text:
            cited = list(seg.anchors)
            srcs = {index[x].source for x in cited if x in index}
            if seg.t0 is not None and cited and all(index[x].kind in _CONTAINER_KINDS for x in cited if x in index):
                t0, t1 = seg.t0, seg.t1 if seg.t1 is not None else seg.t0
                cited += [a.id for a in texts if a.source in srcs and a.t0 - 0.05 <= t1 and a.t1 + 0.05 >= t0]
            elif seg.t0 is not None and not cited:  # a timed text citing nothing: the anchors over its span
                t0, t1 = seg.t0, seg.t1 if seg.t1 is not None else seg.t0
                cited = [a.id for a in index.values() if a.source == sample.source
                         and a.t0 - 0.05 <= t1 and a.t1 + 0.05 >= t0]
            fields.append((f"solution[{i}]", seg.text, cited))
    step_seen: list[tuple[str, int, int]] = []
    for where, text, cited in fields:
        if cited:
            s = Support()
            s.merge(base)
            for aid in cited:
                x = sup(aid)
                if x is not None:
                    s.merge(x)
            pool = _Pool(s)
        else:
            pool = sample_idx
        said = lang.fold(text).strip()
        if lang.has_cjk(said) and cited and any(
                said in lang.fold(str(index[a].data.get("text") or "")) for a in cited
                if a in index and isinstance(index[a].data, dict)):
            continue  # a Chinese span that is its cited anchor's own words ("一分二十秒" said): a quote, no claim
        text = lang.claim_text(text)  # Chinese times and numerals as the checks read them (quotes kept)
        p = parse(text, where, task)
        report.claims += p.claims
        for c in p.claims:
            f = _judge(c, pool, policy)
            if f is not None:
                report.findings.append(f)
        oc, of = _order_findings(p, where, pool if cited else sample_idx, text)
        report.claims += oc
        report.findings += of
        step_seen += [(where, i, n) for i, n in p.step_ordinals]
    if step_seen:  # "Step i of n": counts 1..n in the order the steps appear
        c = Claim("order", ", ".join(f"step {i} of {n}" for _, i, n in step_seen), step_seen[0][0], key="steps")
        report.claims.append(c)
        n = len(step_seen)
        if [i for _, i, _ in step_seen] != list(range(1, n + 1)) or any(m != n for _, _, m in step_seen):
            report.findings.append(Finding(c, f"the steps are not numbered 1 to {n} in order", contradicted=True))
    return report


def hallucination_rate(reports: Iterable[dict[str, Any]]) -> float | None:
    """Unsupported claims per 100 claims over `ClaimReport.as_dict()` records (None without claims)."""
    total = unsup = 0
    for r in reports:
        if not r:
            continue
        total += int(r.get("claims") or 0)
        unsup += int(r.get("unsupported") or 0)
    return round(100.0 * unsup / total, 2) if total else None


__all__ = ["Claim", "ClaimPolicy", "ClaimReport", "Finding", "Support", "VOCABULARIES", "TEMPLATE_WORDS",
           "FUNCTION_WORDS", "vocabulary", "anchor_support", "check_claims", "parse", "hallucination_rate"]
