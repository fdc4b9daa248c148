"""LeRobot v2.1 dataset writer (pyarrow + PyAV), with language annotations.

Layout written (what `sources/robot.py` and the `lerobot` package read):

    meta/info.json  meta/episodes.jsonl  meta/tasks.jsonl  meta/episodes_stats.jsonl
    data/chunk-000/episode_000000.parquet
    videos/chunk-000/observation.images.<camera>/episode_000000.mp4

Language: the episode instruction is the frame's `task_index` (as LeRobot does); sub-task
descriptions (e.g. segmentation samples) are extra tasks referenced per frame by `subtask_index`,
and listed per episode in `meta/episodes.jsonl` under `annotations` with their time spans.
"""
from __future__ import annotations

import json
import shutil
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any

import numpy as np
from ..model import Source
from ..sources import open_stream
from ..sources.game import GameStream, LOG_NAME, read_log
from .native import read_rows

CODEBASE_VERSION = "v2.1"
CHUNK_SIZE = 1000
DATA_PATH = "data/chunk-{episode_chunk:03d}/episode_{episode_index:06d}.parquet"
VIDEO_PATH = "videos/chunk-{episode_chunk:03d}/{video_key}/episode_{episode_index:06d}.mp4"


@dataclass
class LeRobotEpisode:
    """One episode to write. `columns` are per-frame arrays [T] or [T, d] (float)."""

    columns: dict[str, np.ndarray]
    names: dict[str, list[str]] = field(default_factory=dict)  # column -> element names
    task: str = ""
    videos: dict[str, np.ndarray | str | Path] = field(default_factory=dict)  # camera -> [T,H,W,3] or mp4 path
    annotations: list[dict[str, Any]] = field(default_factory=list)  # [{t0, t1, text}] sub-task language
    timestamps: np.ndarray | None = None  # default: frame_index / fps
    extra: dict[str, Any] = field(default_factory=dict)  # stored in episodes.jsonl


def encode_mp4(frames: np.ndarray, path: str | Path, fps: float, crf: int = 20) -> None:
    """H.264 yuv420p MP4, one frame per row of `frames` ([T, H, W, 3] uint8), constant rate."""
    import av  # noqa: PLC0415
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    h, w = frames.shape[1:3]
    with av.open(str(path), mode="w") as out:
        vs = out.add_stream("libx264", rate=Fraction(fps).limit_denominator(1000))
        vs.width, vs.height, vs.pix_fmt = w - w % 2, h - h % 2, "yuv420p"
        vs.options = {"crf": str(crf), "preset": "veryfast", "g": "10"}
        for img in frames:
            vf = av.VideoFrame.from_ndarray(np.ascontiguousarray(img[: h - h % 2, : w - w % 2]), format="rgb24")
            for pkt in vs.encode(vf):
                out.mux(pkt)
        for pkt in vs.encode(None):
            out.mux(pkt)


def _sample_indices(n: int) -> list[int]:
    """LeRobot's frame sample for image stats (compute_stats.sample_indices): ~n**0.75, 100 to 10000."""
    k = min(n, max(min(100, n), min(int(n ** 0.75), 10_000)))
    return sorted(set(np.round(np.linspace(0, n - 1, k)).astype(int).tolist()))


def _image_stats(frames: np.ndarray) -> dict[str, Any]:
    """Per-channel min/max/mean/std in [0, 1], shaped [3, 1, 1] as LeRobot's Normalize reads them."""
    px = frames.astype(np.float64) / 255.0
    return {s: [[[v]] for v in getattr(px, s)(axis=(0, 1, 2)).tolist()] for s in ("min", "max", "mean", "std")} | {
        "count": [len(frames)]}


def video_stats(path: str | Path) -> dict[str, Any]:
    """Camera stats of an MP4 as LeRobot computes them: a sample of its frames (`_sample_indices`),
    decoded and downsampled to about 150 px when larger than 300 px."""
    import av  # noqa: PLC0415

    with av.open(str(path)) as c:
        n = sum(1 for p in c.demux(video=0) if p.size)
    want = set(_sample_indices(max(1, n)))
    picked = []
    with av.open(str(path)) as c:
        for i, f in enumerate(c.decode(video=0)):
            if i in want:
                img = f.to_ndarray(format="rgb24")
                h, w = img.shape[:2]
                if max(h, w) >= 300:
                    k = int((w if w > h else h) / 150)
                    img = img[::k, ::k]
                picked.append(img)
    if not picked:
        raise ValueError(f"{path}: no decodable frame for camera stats")
    return _image_stats(np.stack(picked))


def _stats(arr: np.ndarray) -> dict[str, Any]:
    a = arr.reshape(len(arr), -1).astype(np.float64)
    return {"min": a.min(0).tolist(), "max": a.max(0).tolist(), "mean": a.mean(0).tolist(),
            "std": a.std(0).tolist(), "count": [len(a)]}


def write_lerobot(root: str | Path, episodes: list[LeRobotEpisode], fps: float, robot_type: str = "unknown",
                  overwrite: bool = False) -> Path:
    """Writes a LeRobot v2.1 dataset folder; returns its root."""
    import pyarrow as pa  # noqa: PLC0415
    import pyarrow.parquet as pq  # noqa: PLC0415

    root = Path(root)
    if root.exists() and overwrite:
        shutil.rmtree(root)
    (root / "meta").mkdir(parents=True, exist_ok=True)
    tasks: dict[str, int] = {}

    def task_index(text: str) -> int:
        return tasks.setdefault(text, len(tasks))

    features: dict[str, Any] = {}
    ep_rows, stat_rows = [], []
    total_frames, gidx = 0, 0
    for ei, ep in enumerate(episodes):
        n = len(next(iter(ep.columns.values())))
        chunk = ei // CHUNK_SIZE
        ts = ep.timestamps if ep.timestamps is not None else np.arange(n) / fps
        cols: dict[str, Any] = {}
        for name, arr in ep.columns.items():
            arr = np.asarray(arr, dtype=np.float32)
            if arr.ndim == 1:
                cols[name] = pa.array(arr)
                features.setdefault(name, {"dtype": "float32", "shape": [1], "names": None})
            else:
                d = arr.shape[1]
                cols[name] = pa.FixedSizeListArray.from_arrays(pa.array(arr.reshape(-1)), d)
                features.setdefault(name, {"dtype": "float32", "shape": [d],
                                           "names": ep.names.get(name) or [f"{name}_{i}" for i in range(d)]})
        ti = task_index(ep.task)
        sub = np.full(n, -1, dtype=np.int64)
        for ann in ep.annotations:
            k = task_index(ann["text"])
            sub[(ts >= ann["t0"] - 1e-6) & (ts < ann["t1"] - 1e-6)] = k
        cols["timestamp"] = pa.array(np.asarray(ts, dtype=np.float32))
        cols["frame_index"] = pa.array(np.arange(n, dtype=np.int64))
        cols["episode_index"] = pa.array(np.full(n, ei, dtype=np.int64))
        cols["index"] = pa.array(np.arange(gidx, gidx + n, dtype=np.int64))
        cols["task_index"] = pa.array(np.full(n, ti, dtype=np.int64))
        if ep.annotations:
            cols["subtask_index"] = pa.array(sub)
        path = root / DATA_PATH.format(episode_chunk=chunk, episode_index=ei)
        path.parent.mkdir(parents=True, exist_ok=True)
        pq.write_table(pa.table(cols), path)
        stats = {k: _stats(np.asarray(v)) for k, v in ep.columns.items()}
        for cam, vid in ep.videos.items():
            key = cam if cam.startswith("observation.images.") else f"observation.images.{cam}"
            vpath = root / VIDEO_PATH.format(episode_chunk=chunk, video_key=key, episode_index=ei)
            if isinstance(vid, (str, Path)):
                vpath.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(vid, vpath)
                h, w = _video_size(vpath)
                stats[key] = video_stats(vpath)  # Normalize needs every camera's stats
            else:
                encode_mp4(vid, vpath, fps)
                h, w = vid.shape[1] - vid.shape[1] % 2, vid.shape[2] - vid.shape[2] % 2
                stats[key] = _image_stats(vid[_sample_indices(len(vid))])
            features.setdefault(key, {"dtype": "video", "shape": [h, w, 3], "names": ["height", "width", "channels"],
                                      "info": {"video.fps": fps, "video.codec": "h264", "video.pix_fmt": "yuv420p",
                                               "video.is_depth_map": False, "has_audio": False}})
        row = {"episode_index": ei, "tasks": [ep.task], "length": n}
        if ep.annotations:
            row["annotations"] = [{"t0": float(a["t0"]), "t1": float(a["t1"]), "text": a["text"]} for a in ep.annotations]
        row.update(ep.extra)
        ep_rows.append(row)
        stat_rows.append({"episode_index": ei, "stats": stats})
        total_frames += n
        gidx += n
    for k, dt in (("timestamp", "float32"), ("frame_index", "int64"), ("episode_index", "int64"),
                  ("index", "int64"), ("task_index", "int64")):
        features[k] = {"dtype": dt, "shape": [1], "names": None}
    if any(ep.annotations for ep in episodes):
        features["subtask_index"] = {"dtype": "int64", "shape": [1], "names": None}
    n_eps = len(episodes)
    info = {
        "codebase_version": CODEBASE_VERSION, "robot_type": robot_type, "total_episodes": n_eps,
        "total_frames": total_frames, "total_tasks": len(tasks),
        "total_videos": sum(len(e.videos) for e in episodes), "total_chunks": max(1, (n_eps + CHUNK_SIZE - 1) // CHUNK_SIZE),
        "chunks_size": CHUNK_SIZE, "fps": fps, "splits": {"train": f"0:{n_eps}"},
        "data_path": DATA_PATH, "video_path": VIDEO_PATH if any(e.videos for e in episodes) else None,
        "features": features,
    }
    (root / "meta" / "info.json").write_text(json.dumps(info, indent=2))
    _write_jsonl(root / "meta" / "episodes.jsonl", ep_rows)
    _write_jsonl(root / "meta" / "tasks.jsonl", [{"task_index": i, "task": t} for t, i in tasks.items()])
    _write_jsonl(root / "meta" / "episodes_stats.jsonl", stat_rows)
    return root


def _write_jsonl(path: Path, rows: list[dict[str, Any]]) -> None:
    path.write_text("".join(json.dumps(r) + "\n" for r in rows))


def _video_size(path: Path) -> tuple[int, int]:
    import av  # noqa: PLC0415

    with av.open(str(path)) as c:
        cc = c.streams.video[0].codec_context
        return cc.height, cc.width


# ---------------------------------------------------------------------- from a dataset folder
def _anchor_sets(root: Path, kind: str) -> list[dict[str, Any]]:
    """The stored anchor sets (as JSON) of the folder's sources of one kind; unreadable files are passed over."""
    out = []
    for f in sorted((root / "anchors").glob("*.json")):
        try:
            d = json.loads(f.read_text())
        except (OSError, json.JSONDecodeError):
            continue
        if (d.get("source") or {}).get("kind") == kind:
            out.append(d)
    return out


def _annotations(rows: list[dict[str, Any]], anchors: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Sub-task language: the segmentation samples' spans, else the phase anchors' descriptions."""
    spans = [{"t0": s["t0"], "t1": s["t1"], "text": s["text"]}
             for r in rows if r.get("task") == "segmentation" for s in r["solution"]
             if s.get("type") == "span" and s.get("text")]
    if spans:
        return sorted(spans, key=lambda a: a["t0"])
    return [{"t0": a["t0"], "t1": a["t1"], "text": f"{a['data']['phase']}: {a['data'].get('text', '')}"}
            for a in sorted(anchors, key=lambda a: a["t0"]) if a.get("kind") == "phase"]


def export_lerobot(dataset_dir: Path) -> list[Path]:
    """`<dataset>/lerobot/`: every robot episode of the dataset as LeRobot v2.1, with the episode
    instruction, per-frame sub-task language (`subtask_index`) and, per episode, the contact
    intervals and faults found. Reads the original episodes again (states, actions, camera videos)."""
    root = Path(dataset_dir)
    sets = _anchor_sets(root, "robot")
    if not sets:  # a dataset of game recordings: the same layout, actions and state from the game log

        games, gfps = lerobot_game_episodes(root)
        if not games:
            return []
        out = write_lerobot(root / "lerobot", games, fps=gfps or 15.0,
                            robot_type="+".join(sorted({str(e.extra.get("engine") or "game") for e in games})),
                            overwrite=True)
        return [out / "meta" / "info.json"] + sorted((out / "data").glob("chunk-*/episode_*.parquet"))
    by_source: dict[str, list[dict[str, Any]]] = {}
    for r in read_rows(root):
        by_source.setdefault(r["source"], []).append(r)
    episodes, fps, robot_types = [], None, []
    for d in sets:
        src = Source(**d["source"])
        anchors = d.get("anchors", [])
        with open_stream(src) as st:
            if fps is None:
                fps = st.meta.fps
            elif abs(st.meta.fps - fps) > 1e-3:
                continue  # LeRobot holds one frame rate per dataset
            cols = {"observation.state": st.state}
            names = {"observation.state": list(st.state_names)}
            if st.action is not None:
                cols["action"], names["action"] = st.action, list(st.action_names)
            if st.ee_pos is not None:
                cols["observation.ee_pos"], names["observation.ee_pos"] = st.ee_pos, ["x", "y", "z"]
            for key, arr, nm in (("observation.effort", st.effort, st.effort_names),
                                 ("observation.velocity", st.velocity, st.velocity_names)):
                if arr is not None:
                    cols[key] = arr
                    names[key] = list(nm) if len(nm) == np.asarray(arr).reshape(len(arr), -1).shape[1] else []
            if st.meta.robot_type:
                robot_types.append(st.meta.robot_type)
            videos: dict[str, Any] = {}
            for cam, stream in st.cameras.items():
                path = getattr(stream, "path", None)
                videos[cam] = path if isinstance(path, Path) and path.suffix == ".mp4" else \
                    np.stack([f.image for f in stream.frames(fps=None, max_side=None)])
            extra = {"source": src.id, "source_path": src.path,
                     "contacts": [[a["t0"], a["t1"]] for a in anchors if a.get("kind") == "contact"],
                     "faults": [{"type": a["data"]["type"], "t0": a["t0"], "t1": a["t1"],
                                 "diagnosis": a["data"].get("diagnosis", "")} for a in anchors if a.get("kind") == "fault"]}
            episodes.append(LeRobotEpisode(columns=cols, names=names, task=st.task or "robot episode", videos=videos,
                                           annotations=_annotations(by_source.get(src.id, []), anchors),
                                           timestamps=st.t, extra=extra))
    kinds = sorted(set(robot_types))  # LeRobot holds one robot_type per dataset
    robot_type = kinds[0] if len(kinds) == 1 else ("+".join(kinds) if kinds else "unknown")
    out = write_lerobot(root / "lerobot", episodes, fps=fps or 30.0, robot_type=robot_type, overwrite=True)
    return [out / "meta" / "info.json"] + sorted((out / "data").glob("chunk-*/episode_*.parquet"))


def lerobot_game_episodes(root: Path) -> tuple[list[Any], float | None]:
    """(LeRobotEpisode per game recording of the dataset, fps); recordings at another fps than the
    first are left out (LeRobot holds one rate per dataset)."""
    episodes, fps = [], None
    sets = _anchor_sets(Path(root), "game")
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
