"""`recovery` (embodied): from a real fault, the diagnosis, the state to recall and the corrected continuation.

One sample per fault anchor (hesitation loop, missed grasp, drop, slip, regrasp, collision, early
stall). The solution has
  1. the diagnosis over the fault's span (cites the fault),
  2. the state to recall: the frame and robot state at the fault's recall time (cites the phase there),
  3. the corrected continuation, taken from real successful data: the same episode's own later
     completion when it recovered by itself (a clip + its actions, citing its phases), else a
     successful sibling episode of the same dataset (its clip + actions from the same phase on,
     named by source id; `check` re-reads that episode's anchors and log).
"""
from __future__ import annotations

from pathlib import Path
from typing import Any

from pydantic import BaseModel, ConfigDict

from ..anchors import run_experts
from ..errors import DataclawError
from ..model import Anchor, AnchorSet, Query, Sample, Segment, Source, TaskSpec
from ..sources import load_source
from ..sources.robot import HDF5_EXT, episode_paths, lerobot_root, split_member
from .base import Evidence, Task, register_task
from .shared.common import (
    DraftError, build_prompt, duration_of, evidence_sample_id, provenance, span_errors, validate_draft,
)
from .shared.robot_common import episode, has_camera, phase_at, phases, rows, state_at, task_text

PLANS = {
    "hesitation_loop": "commit to the object: go straight from the recalled pose to the grasp",
    "missed_grasp": "open the gripper, return to the pre-grasp pose above the object, centre the fingers on it "
                    "and grasp again",
    "drop": "return to the pre-grasp pose and grasp the object again, centred and firmly",
    "slip": "grasp the object more firmly (closer to its centre of mass) before carrying it on",
    "regrasp": "centre the gripper on the object before the first close, so one grasp holds",
    "collision": "back off from the obstacle, rise above it and carry the object on around it",
    "early_stall": "resume from the recalled state and finish the remaining phases",
}
# faults after which the episode itself went on to finish: its own completion is the continuation
SELF_RECOVERED = ("hesitation_loop", "slip", "regrasp")
# faults whose correction starts again from the grasp
FROM_GRASP = ("drop", "missed_grasp", "slip")
STANDARD = ("reach", "grasp", "transport", "place", "retreat")


class RecoveryParams(BaseModel):
    model_config = ConfigDict(extra="forbid")
    max_peers: int = 12  # sibling episodes searched for a successful continuation
    action_every: int = 2  # keep every n-th action row of the continuation
    clip: bool = True


def finished(anchorset: AnchorSet) -> bool:
    """An episode that completed the task: no fault and a place phase."""
    return not anchorset.of_kind("fault") and any(a.data.get("phase") == "place" for a in anchorset.of_kind("phase"))


def sibling_paths(path: str) -> list[Path]:
    """Other episodes of the same dataset: LeRobot episode files, HDF5 files or plain episode folders."""
    p = Path(path)
    base, member = split_member(path)
    root = lerobot_root(p) if member is None else None
    if member is not None:  # the other demonstrations of the same file
        return [c for c in episode_paths(base) if str(c) != str(path)]
    if root is not None:
        cands = sorted((root / "data").glob("chunk-*/episode_*.parquet"))
    elif p.suffix.lower() in HDF5_EXT:
        cands = sorted(x for x in p.parent.iterdir() if x.suffix.lower() in HDF5_EXT)
    elif p.is_dir():
        cands = sorted(x for x in p.parent.iterdir() if x.is_dir())
    else:
        cands = []
    return [c for c in cands if c.resolve() != p.resolve()]


def successful_peer(source: Source, max_peers: int) -> Any | None:
    """The AnchorSet of the first sibling episode that finished its task (anchors come from the cache)."""
    for path in sibling_paths(source.path)[:max_peers]:
        try:
            src = load_source(path)
            if src.kind != "robot":
                continue
            aset = run_experts(src)
        except DataclawError:
            continue
        if finished(aset):
            return aset
    return None


@register_task
class RecoveryTask(Task):
    name = "recovery"
    domains = ("embodied",)
    source_kinds = ("robot",)
    needs = ("fault",)
    description = ("Failure recovery data from real faults: diagnosis, the state to recall, and the corrected "
                   "continuation from real successful data.")
    examples = ("teach the robot to recover from failures", "failure recovery data", "diagnose robot faults",
                "failure recovery data from robot episodes", "find mistakes and how the robot recovered")
    keywords = (r"recover", r"failures?", r"\bfault", r"mistakes?", r"\bretr(y|ies)\b", r"\bstuck\b",
                r"\bdrop(s|ped|ping)?\b", r"miss(es|ed)? (the |a |its )?grasp", r"\bslip", r"go(es)? wrong",
                r"\bfails?\b")
    keywords_zh = ('恢复', '失败', '故障', '出错', '错误', '重试', '卡住', '纠正', '失误', '诊断', '搞砸', '正轨')
    examples_zh = ('从失败中恢复的数据', '找出机器人的错误和纠正方法', '机器人出错后怎么回到正轨')
    rewrite = "Find moments where the episode stalls or fails and pair each with what happens to recover."
    ordered = True
    Params = RecoveryParams

    def draft_schema(self) -> dict[str, Any]:
        return {"type": "object", "required": ["fault", "diagnosis", "recall", "plan", "continuation"],
                "properties": {
                    "fault": {"type": "string"}, "diagnosis": {"type": "string", "minLength": 10},
                    "recall": {"type": "object", "required": ["t", "anchor"],
                               "properties": {"t": {"type": "number"}, "anchor": {"type": "string"}}},
                    "plan": {"type": "string", "minLength": 10},
                    "continuation": {"type": "object", "required": ["source", "t0", "t1"],
                                     "properties": {"source": {"type": "string"}, "t0": {"type": "number"},
                                                    "t1": {"type": "number"},
                                                    "anchors": {"type": "array", "items": {"type": "string"}}}}}}

    def select(self, anchors: AnchorSet, spec: TaskSpec) -> list[Evidence]:
        p = self.params(spec)
        faults = sorted(anchors.of_kind("fault"), key=lambda a: a.t0)
        if not faults:
            return []
        ph = phases(anchors)
        dur = duration_of(anchors)
        peer = None
        out = []
        for f in faults:
            good = anchors.get(f.data.get("last_good_anchor", "")) if hasattr(anchors, "get") else None
            recall_t = float(f.data.get("recall_t", f.t0))
            recall_phase = phase_at(ph, recall_t)
            cited: list[Anchor] = [f] + ([good] if good else []) + ([recall_phase] if recall_phase else [])
            meta: dict[str, Any] = {"variant": f.data["type"], "duration": dur, "task": task_text(anchors),
                                    "fault": f.id, "recall_t": recall_t, "span": [min(recall_t, f.t0), f.t1]}
            # 1. the same episode recovered by itself: its completion after the fault is the continuation
            later = [a for a in ph if a.t0 >= f.t1 - 1e-6 or (a.t0 <= f.t1 < a.t1)]
            if f.data["type"] in SELF_RECOVERED and any(a.data.get("phase") == "place" for a in later):
                c0 = f.t1
                c1 = max(a.t1 for a in later if a.data.get("phase") == "place")
                cont = [a for a in later if a.t0 < c1]
                meta["continuation"] = {"source": anchors.source.id, "t0": round(c0, 3), "t1": round(c1, 3),
                                        "anchors": [a.id for a in cont], "self": True}
                cited += cont
            else:
                if peer is None:
                    peer = successful_peer(anchors.source, p.max_peers) or False
                if not peer:
                    continue  # no real successful data to continue from: no sample
                fph = f.data.get("phase") or (recall_phase.data["phase"] if recall_phase else "reach")
                start = "grasp" if f.data["type"] in FROM_GRASP else fph
                if start not in STANDARD:  # lift / stall: continue from the last regular phase before the fault
                    prev = [a.data["phase"] for a in ph if a.t0 < f.t0 - 1e-6 and a.data.get("phase") in STANDARD]
                    start = prev[-1] if prev else "reach"
                pph = phases(peer)
                first = next((a for a in pph if a.data.get("phase") == start), pph[0])
                place = [a for a in pph if a.data.get("phase") == "place"]
                c1 = place[-1].t1 if place else duration_of(peer)
                meta["continuation"] = {"source": peer.source.id, "source_path": peer.source.path,
                                        "t0": round(first.t0, 3), "t1": round(c1, 3),
                                        "anchors": [a.id for a in pph if first.t0 <= a.t0 < c1], "self": False}
                meta["peer"] = peer.source
            out.append(Evidence(sources=[anchors.source] + ([meta["peer"]] if "peer" in meta else []),
                                anchors=list({a.id: a for a in cited}.values()),
                                frames=[round(recall_t, 3), round(f.t0, 3)], key=f"fault:{f.id}", meta=meta))
        return out

    def prompt(self, ev: Evidence, spec: TaskSpec) -> list[dict[str, Any]]:
        c = ev.meta["continuation"]
        return build_prompt(ev, spec, (f"The robot ('{ev.meta['task']}') failed (fault {ev.meta['fault']}). Write the "
                                       "diagnosis, the state to recall (time + anchor), a recovery plan, and copy "
                                       f"the continuation {c}."), self.draft_schema())

    def rules(self, ev: Evidence, spec: TaskSpec) -> dict[str, Any]:
        f = ev.anchor(ev.meta["fault"])
        recall_t = ev.meta["recall_t"]
        rp = phase_at(ev.anchors, recall_t)
        c = ev.meta["continuation"]
        where = "the same episode after it recovered" if c.get("self") else "a successful episode of the same task"
        diag = (f"{f.data['type'].replace('_', ' ').capitalize()} during {f.data.get('phase') or 'the episode'} "
                f"from {f.t0:.2f} s to {f.t1:.2f} s: {f.data['diagnosis']}.")
        plan = (f"Recall the state at {recall_t:.2f} s ({rp.data['phase'] if rp else 'before the fault'}), then "
                f"{PLANS[f.data['type']]}; continue as in {where}.")
        return {"fault": f.id, "diagnosis": diag, "recall": {"t": recall_t, "anchor": rp.id if rp else f.id},
                "plan": plan, "continuation": {k: c[k] for k in ("source", "t0", "t1", "anchors")}}

    def build(self, draft: dict[str, Any], ev: Evidence, spec: TaskSpec, media: Any) -> Sample:
        errors = validate_draft(draft, self.draft_schema())
        if errors:
            raise DraftError(errors)
        p = self.params(spec)
        f = ev.anchor(draft["fault"])
        if f is None or f.kind != "fault":
            raise DraftError([f"fault: {draft['fault']!r} is not a fault anchor of this evidence"])
        rt = float(draft["recall"]["t"])
        errors += span_errors(ev, [draft["recall"]["anchor"]], rt, rt, "recall")
        c, want = draft["continuation"], ev.meta["continuation"]
        if (c["source"], round(float(c["t0"]), 3), round(float(c["t1"]), 3)) != (want["source"], want["t0"], want["t1"]):
            errors.append(f"continuation: must be {want['source'][:12]} {want['t0']}-{want['t1']} s (real successful data)")
        if errors:
            raise DraftError(errors)
        st = episode(ev.source)
        # chronological (the verifier orders recovery): recalled state, the fault, the plan, the continuation
        cam = has_camera(ev.source)
        sol = [Segment(type="image", path=media.keyframe(ev.source, rt), t0=rt, t1=rt, anchors=[draft["recall"]["anchor"]])] if cam else []
        sol += [Segment(type="action", t0=rt, t1=rt, anchors=[draft["recall"]["anchor"]],
                       action={"recall_state": state_at(st, rt), "state_names": st.state_names}),
               Segment(type="text", text=draft["diagnosis"], t0=f.t0, t1=f.t1, anchors=[f.id]),
               Segment(type="text", text=draft["plan"])]
        c0, c1 = float(want["t0"]), float(want["t1"])
        if want.get("self"):
            ids = list(want["anchors"])
            if p.clip and cam:
                sol.append(Segment(type="clip", path=media.clip(ev.source, c0, c1), t0=c0, t1=c1, anchors=ids))
            sol.append(Segment(type="action", t0=c0, t1=c1, anchors=ids,
                               action={"continuation": rows(st, c0, c1, every=p.action_every),
                                       "names": st.action_names, "source": ev.source.id, "every": p.action_every}))
        else:
            peer: Source = ev.meta["peer"]
            pst = episode(peer)
            # another source's times: kept in the action payload, not as this source's segment times
            clip = media.clip(peer, c0, c1) if p.clip and has_camera(peer) else None
            sol.append(Segment(type="action", path=clip,
                               action={"continuation": rows(pst, c0, c1, every=p.action_every),
                                       "names": pst.action_names, "source": peer.id, "source_path": peer.path,
                                       "t0": c0, "t1": c1, "anchors": list(want["anchors"]), "every": p.action_every}))
        q = Query(text=(f"The robot was asked to {ev.meta['task']}. Something went wrong around {f.t0:.2f} s. "
                        "What went wrong, which earlier state should it return to, and how should it continue?"),
                  media=[Segment(type="image", path=media.keyframe(ev.source, f.t0), t0=f.t0, t1=f.t0, anchors=[f.id])]
                  if cam else [])
        return Sample(id=evidence_sample_id(self.name, ev), task=self.name, domain="embodied", source=ev.source.id,
                      query=q, solution=sol, evidence=[a.id for a in ev.anchors],
                      meta={"variant": f.data["type"], "fault": f.data["type"], "continuation_self": bool(want.get("self"))},
                      provenance=provenance(ev, spec))

    def check(self, sample: Sample, ev: Evidence) -> list[str]:
        """The continuation must be real: a finished episode's own log over the cited span."""
        cont = [s for s in sample.solution if s.type == "action" and s.action and "continuation" in s.action]
        if not cont:
            return ["no continuation"]
        a = cont[0].action
        errs = []
        if a["source"] != ev.source.id:
            peer = ev.meta.get("peer")
            if peer is None or peer.id != a["source"]:
                return [f"continuation source {a['source'][:12]} is not the evidence's peer episode"]
            aset = run_experts(peer)
            if not finished(aset):
                errs.append("continuation episode did not finish its task")
            ids = {x.id for x in aset.anchors}
            errs += [f"continuation cites {i!r}, not an anchor of {peer.id[:12]}" for i in a["anchors"] if i not in ids]
            if a["continuation"] != rows(episode(peer), a["t0"], a["t1"], every=a["every"]):
                errs.append("continuation actions differ from the peer episode's log")
        elif a["continuation"] != rows(episode(ev.source), cont[0].t0, cont[0].t1, every=a["every"]):
            errs.append("continuation actions differ from the episode's log")
        return errs
