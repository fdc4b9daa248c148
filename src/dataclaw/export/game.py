"""Gameplay exports: `game_frames` samples for video-generation trainers, game episodes as LeRobot.

`export_game(dataset_dir)` writes `<dataset>/game/`:

    frames.jsonl   one row per game_frames sample: prompt, context images, target image, target clip,
                   action chunk (names per frame, fps, held runs), horizon; paths relative to the dataset
    lerobot/       every game recording of the dataset in the LeRobot v2.1 layout (`write_lerobot`):
                   `action` = index into the game's action set per frame, `observation.state` = score,
                   lives and the logged RAM fields, the screen as `observation.images.screen`, the
                   logged events (score changes, lost lives) as per-frame sub-task language

`lerobot_game_episodes` is also what `export_lerobot` writes for a dataset of games only.
"""
from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import numpy as np


def _game_anchor_sets(root: Path) -> list[dict[str, Any]]:
    out = []
    for f in sorted((root / "anchors").glob("*.json")):
        try:
            d = json.loads(f.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if (d.get("source") or {}).get("kind") == "game":
            out.append(d)
    return out


def lerobot_game_episodes(root: Path) -> tuple[list[Any], float | None]:
    """(LeRobotEpisode per game recording of the dataset, fps); recordings at another fps than the
    first are left out (LeRobot holds one rate per dataset)."""
    from ..sources.game import LOG_NAME, GameStream, read_log  # noqa: PLC0415
    from .lerobot import LeRobotEpisode  # noqa: PLC0415

    episodes, fps = [], None
    sets = _game_anchor_sets(Path(root))
    ram_keys: list[str] = []  # one state layout for the dataset: every game's RAM fields (0 where absent)
    for d in sets:
        try:
            ram_keys += [k for k in read_log(Path(d["source"]["path"]) / LOG_NAME)[0].get("ram_fields", {})
                         if k not in ram_keys]
        except Exception:  # noqa: BLE001 - an unreadable recording is skipped below with its own error
            continue
    for d in sets:
        src = d["source"]
        with GameStream(src["path"]) as st:
            if fps is None:
                fps = st.fps
            elif abs(st.fps - fps) > 1e-3:
                continue
            rows = st.rows
            state = np.array([[float(r.get("score", 0)), float(r.get("lives", 0)),
                               *[float((r.get("ram") or {}).get(k, 0)) for k in ram_keys]] for r in rows])
            action = np.array([float(st.actions.index(r["action"])) if r["action"] in st.actions else -1.0
                               for r in rows])
            events = [{"t0": a["t0"], "t1": a["t0"] + 1.0 / st.fps,
                       "text": ("score " + ("rises" if a["data"].get("delta", 0) > 0 else "falls") +
                                f" by {abs(a['data'].get('delta', 0)):g}") if a["kind"] == "score_change"
                       else "life lost"}
                      for a in d.get("anchors", []) if a.get("kind") in ("score_change", "life_lost")]
            episodes.append(LeRobotEpisode(
                columns={"observation.state": state, "action": action},
                names={"observation.state": ["score", "lives", *ram_keys]},
                task=f"play {st.game}", videos={"screen": st.video.path},
                annotations=sorted(events, key=lambda e: e["t0"]),
                timestamps=np.array([r["t"] for r in rows]),
                extra={"source": src["id"], "source_path": src["path"], "game": st.game,
                       "action_names": st.actions, "engine": st.header.get("engine", ""),
                       "seed": st.header.get("seed")}))
    return episodes, fps


def export_game(dataset_dir: Path) -> list[Path]:
    from .lerobot import write_lerobot  # noqa: PLC0415
    from .native import read_samples  # noqa: PLC0415

    root = Path(dataset_dir)
    out = root / "game"
    rows = []
    for r in (smp.model_dump() for smp in read_samples(root)):  # action payloads decoded
        if r.get("task") != "game_frames":
            continue
        act = next((s for s in r["solution"] if s.get("type") == "action"), None)
        target = next((s for s in r["solution"] if s.get("type") == "image"), None)
        clip = next((s for s in r["solution"] if s.get("type") == "clip"), None)
        rows.append({"id": r["id"], "source": r["source"], "prompt": r["query"]["text"],
                     "context_images": [m["path"] for m in r["query"]["media"] if m.get("type") == "image"],
                     "context_times": [m["t0"] for m in r["query"]["media"] if m.get("type") == "image"],
                     "target_image": target["path"] if target else None, "target_time": target["t0"] if target else None,
                     "target_clip": clip["path"] if clip else None,
                     "actions": act["action"]["chunk"] if act else None,
                     "action_runs": act["action"].get("runs") if act else None,
                     "fps": act["action"].get("fps") if act else None,
                     "horizon": (r.get("meta") or {}).get("horizon")})
    written: list[Path] = []
    if rows:
        out.mkdir(parents=True, exist_ok=True)
        (out / "frames.jsonl").write_text("".join(json.dumps(x) + "\n" for x in rows))
        written.append(out / "frames.jsonl")
    episodes, fps = lerobot_game_episodes(root)
    if episodes:
        engines = "+".join(sorted({str(e.extra.get("engine") or "game") for e in episodes}))
        lr = write_lerobot(out / "lerobot", episodes, fps=fps or 15.0, robot_type=engines, overwrite=True)
        written += [lr / "meta" / "info.json"] + sorted((lr / "data").glob("chunk-*/episode_*.parquet"))
    return written


__all__ = ["export_game", "lerobot_game_episodes"]
