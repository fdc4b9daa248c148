"""Highway driving recorded headless with `highway-env` (pure Python; pygame renders offscreen).

`record_highway(out_dir, seed, seconds)` drives the ego car with a rule-based policy with intent and
writes a game recording folder (the same layout `sources/game.py` reads for Atari):

    video.mp4    the top-down view, one frame per policy step (`fps` Hz)
    game.jsonl   line 1: header {engine: "highway-env", game, env, seed, fps, actions, lanes, ...};
                 then one row per video frame: {i, t, action, intent, reward,
                   ego: {x, y, speed, heading, lane, target_lane, crashed},
                   lead: {id, gap, speed} | null,            the nearest car ahead in the ego lane
                   vehicles: [{id, x, y, speed, lane}, ...]} the other cars within `near` m

Row i is the state shown on frame i and the meta-action chosen *from* it. Every state is the
simulator's own (positions, speeds, lane indices, `crashed`), never read back from pixels. Lane ids
count from the leftmost lane (0), so LANE_LEFT lowers the id.

The policy (so that clips hold lane changes, braking and following, not only cruising):
    a car closer than `brake_gap` m ahead          -> SLOWER ("brake")
    a slower car within `follow_gap` m ahead       -> a lane change where the side lane has room
                                                      ("overtake"), else SLOWER ("follow")
    a free road ahead, below the top speed         -> FASTER now and then ("cruise")
    now and then, where a side lane has room       -> a lane change ("change lane")
    with probability `explore` a random meta-action ("random"), otherwise IDLE ("keep")
The intent is logged as the policy's reason; the truth a plan is checked against is the states.
"""
from __future__ import annotations

import json
import os
import random
from importlib.metadata import version
from pathlib import Path
from typing import Any

import numpy as np
from ..export.lerobot import encode_mp4

LANE_WIDTH = 4.0


def _lead(road: Any, v: Any, lane_index: Any) -> tuple[Any, float | None]:
    front, _ = road.neighbour_vehicles(v, lane_index)
    if front is None:
        return None, None
    return front, float(front.position[0] - v.position[0] - v.LENGTH)


def _room(road: Any, v: Any, lane_index: Any, ahead: float, behind: float) -> bool:
    front, rear = road.neighbour_vehicles(v, lane_index)
    ok_front = front is None or front.position[0] - v.position[0] - v.LENGTH > ahead
    ok_rear = rear is None or v.position[0] - rear.position[0] - v.LENGTH > behind
    return ok_front and ok_rear


def record_highway(out_dir: str | Path, seed: int = 0, seconds: float = 20.0, env_id: str = "highway-v0",
                   fps: int = 5, vehicles: int = 25, lanes: int = 4, near: float = 80.0, brake_gap: float = 12.0,
                   follow_gap: float = 35.0, explore: float = 0.08) -> Path:
    """Drives and records one episode (stops at a crash or after `seconds`); returns the folder."""
    os.environ.setdefault("SDL_VIDEODRIVER", "dummy")  # headless pygame
    os.environ.setdefault("SDL_AUDIODRIVER", "dummy")
    import gymnasium as gym  # noqa: PLC0415 - optional extra `driving`
    import highway_env  # noqa: PLC0415,F401 - registers the envs

    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    config = {"policy_frequency": fps, "simulation_frequency": 3 * fps, "duration": seconds + 1,
              "vehicles_count": vehicles, "lanes_count": lanes, "screen_width": 600, "screen_height": 150,
              "offscreen_rendering": True}
    env = gym.make(env_id, render_mode="rgb_array", config=config)
    env.reset(seed=int(seed))
    u = env.unwrapped
    names = [u.action_type.actions[k] for k in sorted(u.action_type.actions)]
    idx = {n: k for k, n in u.action_type.actions.items()}
    rng = random.Random(seed)
    ids: dict[int, int] = {}

    def vid(v: Any) -> int:
        return ids.setdefault(id(v), len(ids))

    vid(u.vehicle)  # the ego car is vehicle 0
    frames: list[np.ndarray] = []
    rows: list[dict[str, Any]] = []
    cooldown = 0
    crashed = False
    n_lanes = 1  # lanes of the ego's road, as the road network has them (merge-v0 ignores lanes_count)
    for i in range(int(seconds * fps)):
        frames.append(np.asarray(env.render()).copy())
        ego, road = u.vehicle, u.road
        n_lanes = max(n_lanes, len(road.network.all_side_lanes(ego.lane_index)))
        lead, gap = _lead(road, ego, ego.lane_index)
        top = float(max(u.action_type.target_speeds))
        action, intent = "IDLE", "keep"
        if cooldown > 0:
            cooldown -= 1
        elif gap is not None and gap < brake_gap:
            action, intent = "SLOWER", "brake"
        elif gap is not None and gap < follow_gap and lead.speed < top - 0.5:  # a slower car holds us up
            sides = [s for s in road.network.side_lanes(ego.lane_index)
                     if _room(road, ego, s, ahead=gap + 8.0, behind=8.0)]
            if sides and rng.random() < 0.5:
                side = rng.choice(sides)
                action, intent = ("LANE_LEFT" if side[2] < ego.lane_index[2] else "LANE_RIGHT"), "overtake"
                cooldown = int(1.5 * fps)  # let the lane change finish before the next decision
            elif lead.speed < ego.speed - 0.5:
                action, intent = "SLOWER", "follow"
            else:
                intent = "follow"
        elif rng.random() < explore:
            action, intent = rng.choice(names), "random"
            cooldown = int(0.6 * fps) if action.startswith("LANE") else 0
        elif (gap is None or gap > 2 * follow_gap) and ego.target_speed < top and rng.random() < 0.3:
            action, intent = "FASTER", "cruise"
        elif rng.random() < 0.04:  # now and then a lane change where there is room, as drivers weave
            sides = [s for s in road.network.side_lanes(ego.lane_index) if _room(road, ego, s, 20.0, 10.0)]
            if sides:
                side = rng.choice(sides)
                action, intent = ("LANE_LEFT" if side[2] < ego.lane_index[2] else "LANE_RIGHT"), "change lane"
                cooldown = int(1.5 * fps)
        row = {"i": i, "t": round(i / fps, 4), "action": action, "intent": intent,
               "ego": {"x": round(float(ego.position[0]), 2), "y": round(float(ego.position[1]), 2),
                       "speed": round(float(ego.speed), 2), "heading": round(float(ego.heading), 4),
                       "lane": int(ego.lane_index[2]), "target_lane": int(ego.target_lane_index[2]),
                       "crashed": bool(ego.crashed)},
               "lead": ({"id": vid(lead), "gap": round(gap, 2), "speed": round(float(lead.speed), 2)}
                        if lead is not None else None),
               "vehicles": [{"id": vid(v), "x": round(float(v.position[0]), 2), "y": round(float(v.position[1]), 2),
                             "speed": round(float(v.speed), 2), "lane": int(v.lane_index[2])}
                            for v in road.vehicles if v is not ego and abs(v.position[0] - ego.position[0]) <= near]}
        if crashed:  # the frame after the crash is logged, then the episode ends
            row["action"], row["intent"], row["reward"] = "IDLE", "crashed", 0.0
            rows.append(row)
            break
        _, reward, terminated, truncated, _ = env.step(idx[action])
        row["reward"] = round(float(reward), 4)
        rows.append(row)
        crashed = bool(u.vehicle.crashed)
        if truncated or (terminated and not crashed):
            break
    env.close()
    header = {"engine": "highway-env", "engine_version": _version(), "game": "highway", "env": env_id,
              "seed": int(seed), "fps": float(fps), "actions": names, "ram_fields": {}, "lanes": n_lanes,
              "lane_width": LANE_WIDTH, "units": {"x": "m", "speed": "m/s", "gap": "m (bumper to bumper)"},
              "policy": (f"rule-based with intent: brake under {brake_gap:g} m, overtake or follow a slower car "
                         f"within {follow_gap:g} m, speed up on a free road, p={explore} random meta-action"),
              "game_over": crashed, "n_frames": len(rows)}
    encode_mp4(np.stack(frames[: len(rows)]), out / "video.mp4", float(fps), crf=18)
    with open(out / "game.jsonl", "w") as fh:
        fh.write(json.dumps(header) + "\n")
        for r in rows:
            fh.write(json.dumps(r) + "\n")
    return out


def _version() -> str:
    return version("highway-env")


__all__ = ["record_highway", "LANE_WIDTH"]
