"""Gameplay exports: `game_frames` samples for video-generation trainers, game episodes as LeRobot.

`export_game(dataset_dir)` writes `<dataset>/game/`:

    frames.jsonl   one row per game_frames sample: prompt, context images, target image, target clip,
                   action chunk (names per frame, fps, held runs), horizon; paths relative to the dataset
    lerobot/       every game recording of the dataset in the LeRobot v2.1 layout (`write_lerobot`):
                   `action` = index into the game's action set per frame, `observation.state` = score,
                   lives and the logged RAM fields, the screen as `observation.images.screen`, the
                   logged events (score changes, lost lives) as per-frame sub-task language

`lerobot.lerobot_game_episodes` builds the episodes; `export_lerobot` writes them for a dataset of games only.
"""
from __future__ import annotations

import json
from pathlib import Path
from .lerobot import lerobot_game_episodes, write_lerobot
from .native import read_samples


def export_game(dataset_dir: Path) -> list[Path]:
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


__all__ = ["export_game"]
