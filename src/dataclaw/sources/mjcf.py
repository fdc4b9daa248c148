"""The kinematic tree of a MuJoCo model (MJCF XML): joint layout of the state vector, forward kinematics.

robosuite stores each demonstration as flattened MuJoCo states `[time, qpos, qvel]` plus the model
XML it was recorded with. Naming the columns needs the model's joint order and sizes (a free joint
takes 7 qpos / 6 qvel, a ball 4 / 3, a hinge or slide 1 / 1), and the end-effector position needs
the body chain. Both follow from the XML alone: bodies in document order (depth first, as MuJoCo
compiles them), each placed by `pos` and `quat` (or `euler` / `axisangle`) relative to its parent,
then moved by its joints. MuJoCo itself is not needed (and the recorded XML names mesh files of the
machine that recorded it, so it would not compile here).
"""
from __future__ import annotations

import xml.etree.ElementTree as ET
from dataclasses import dataclass, field

import numpy as np

QPOS = {"free": 7, "ball": 4, "hinge": 1, "slide": 1}
QVEL = {"free": 6, "ball": 3, "hinge": 1, "slide": 1}


class MJCFError(ValueError):
    """The model XML cannot be read as a kinematic tree (the message says what is missing)."""


@dataclass
class Joint:
    name: str
    type: str
    body: int  # index into Model.bodies
    qpos: int  # first qpos address
    qvel: int
    axis: np.ndarray
    pos: np.ndarray


@dataclass
class Body:
    name: str
    parent: int  # -1: the world
    pos: np.ndarray
    rot: np.ndarray  # 3x3 relative to the parent
    joints: list[int] = field(default_factory=list)
    sites: dict[str, np.ndarray] = field(default_factory=dict)  # site name -> position in the body frame


@dataclass
class Model:
    bodies: list[Body]
    joints: list[Joint]
    nq: int
    nv: int

    def joint(self, name: str) -> Joint | None:
        return next((j for j in self.joints if j.name == name), None)

    def site_body(self, site: str) -> tuple[int, np.ndarray] | None:
        for i, b in enumerate(self.bodies):
            if site in b.sites:
                return i, b.sites[site]
        return None

    def site_positions(self, qpos: np.ndarray, site: str) -> np.ndarray:
        """World position of `site` for every row of `qpos` ([T, nq]) -> [T, 3]."""
        found = self.site_body(site)
        if found is None:
            raise MJCFError(f"no site {site!r} in the model")
        bi, local = found
        chain = []
        while bi >= 0:
            chain.append(bi)
            bi = self.bodies[bi].parent
        chain.reverse()
        out = np.empty((len(qpos), 3))
        for r, q in enumerate(np.asarray(qpos, dtype=np.float64)):
            R, p = np.eye(3), np.zeros(3)
            for b in chain:
                body = self.bodies[b]
                p, R = p + R @ body.pos, R @ body.rot
                for ji in body.joints:
                    j = self.joints[ji]
                    if j.type == "free":  # the body's pose in the world is the joint's qpos
                        p, R = q[j.qpos:j.qpos + 3].copy(), _quat(q[j.qpos + 3:j.qpos + 7])
                    elif j.type == "hinge":
                        Rj = _axis_angle(j.axis, q[j.qpos])
                        p, R = p + R @ (j.pos - Rj @ j.pos), R @ Rj
                    elif j.type == "slide":
                        p = p + R @ (j.axis * q[j.qpos])
                    else:  # ball
                        Rj = _quat(q[j.qpos:j.qpos + 4])
                        p, R = p + R @ (j.pos - Rj @ j.pos), R @ Rj
            out[r] = p + R @ local
        return out


def _vec(text: str | None, default: tuple[float, ...]) -> np.ndarray:
    if not text:
        return np.array(default, dtype=np.float64)
    # some recorded models carry Python list syntax ("[0, 0, 0]"), which MuJoCo itself reads too
    parts = text.replace("[", " ").replace("]", " ").replace(",", " ").split()
    try:
        return np.array([float(x) for x in parts], dtype=np.float64)
    except ValueError as exc:
        raise MJCFError(f"not a number list: {text!r}") from exc


def _quat(q: np.ndarray) -> np.ndarray:
    w, x, y, z = np.asarray(q, dtype=np.float64) / max(float(np.linalg.norm(q)), 1e-12)
    return np.array([[1 - 2 * (y * y + z * z), 2 * (x * y - z * w), 2 * (x * z + y * w)],
                     [2 * (x * y + z * w), 1 - 2 * (x * x + z * z), 2 * (y * z - x * w)],
                     [2 * (x * z - y * w), 2 * (y * z + x * w), 1 - 2 * (x * x + y * y)]])


def _axis_angle(axis: np.ndarray, angle: float) -> np.ndarray:
    a = axis / max(float(np.linalg.norm(axis)), 1e-12)
    K = np.array([[0, -a[2], a[1]], [a[2], 0, -a[0]], [-a[1], a[0], 0]])
    return np.eye(3) + np.sin(angle) * K + (1 - np.cos(angle)) * K @ K


def _orientation(el: ET.Element, degrees: bool) -> np.ndarray:
    scale = np.pi / 180 if degrees else 1.0
    if el.get("quat"):
        return _quat(_vec(el.get("quat"), (1, 0, 0, 0)))
    if el.get("axisangle"):
        v = _vec(el.get("axisangle"), (0, 0, 1, 0))
        return _axis_angle(v[:3], v[3] * scale)
    if el.get("euler"):  # MuJoCo's default eulerseq "xyz" (rotating axes)
        ex, ey, ez = _vec(el.get("euler"), (0, 0, 0)) * scale
        return _axis_angle(np.array([1., 0, 0]), ex) @ _axis_angle(np.array([0, 1., 0]), ey) @ \
            _axis_angle(np.array([0, 0, 1.]), ez)
    for other in ("xyaxes", "zaxis"):
        if el.get(other):
            raise MJCFError(f"body {el.get('name')!r}: orientation by {other!r} is not supported")
    return np.eye(3)


def parse(xml: str) -> Model:
    """The kinematic tree of an MJCF string."""
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise MJCFError(f"model XML does not parse ({exc})") from exc
    if root.tag != "mujoco":
        raise MJCFError(f"model XML root is <{root.tag}>, not <mujoco>")
    comp = root.find("compiler")
    degrees = comp is None or comp.get("angle", "degree") != "radian"
    # joint type set by <default> classes (robosuite writes types explicitly; other models may not)
    class_type: dict[str, str] = {}
    for d in root.iter("default"):
        j = d.find("joint")
        if j is not None and j.get("type"):
            class_type[d.get("class", "main")] = j.get("type")
    wb = root.find("worldbody")
    if wb is None:
        raise MJCFError("model XML has no <worldbody>")
    bodies: list[Body] = []
    joints: list[Joint] = []
    nq = nv = 0

    def walk(el: ET.Element, parent: int, childclass: str | None) -> None:
        nonlocal nq, nv
        for b in el.findall("body"):
            cls = b.get("childclass", childclass)
            bi = len(bodies)
            bodies.append(Body(b.get("name") or f"body{bi}", parent, _vec(b.get("pos"), (0, 0, 0)),
                               _orientation(b, degrees)))
            for j in b:
                if j.tag not in ("joint", "freejoint"):
                    continue
                jt = "free" if j.tag == "freejoint" else j.get("type") or class_type.get(
                    j.get("class", cls or "main"), "hinge")
                if jt not in QPOS:
                    raise MJCFError(f"joint {j.get('name')!r}: unknown type {jt!r}")
                joints.append(Joint(j.get("name") or f"joint{len(joints)}", jt, bi, nq, nv,
                                    _vec(j.get("axis"), (0, 0, 1)), _vec(j.get("pos"), (0, 0, 0))))
                bodies[bi].joints.append(len(joints) - 1)
                nq, nv = nq + QPOS[jt], nv + QVEL[jt]
            for s in b.findall("site"):
                if s.get("name"):
                    bodies[bi].sites[s.get("name")] = _vec(s.get("pos"), (0, 0, 0))
            walk(b, bi, cls)

    walk(wb, -1, None)
    return Model(bodies, joints, nq, nv)
