"""Helpers for verify/export tests: real small media (an MP4 made with PyAV, JPEGs with PIL) and a hand-built AnchorSet whose
facts the hand-made samples cite."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest  # noqa: F401

from dataclaw.anchors import AnchorSet
from dataclaw.model import Anchor, Query, Sample, Segment, Source

SRC = "a" * 40
DURATION = 10.0
FPS = 25.0


def make_mp4(path: Path, seconds: float = 1.0, fps: int = 25, size: tuple[int, int] = (64, 48)) -> None:
    import av

    path.parent.mkdir(parents=True, exist_ok=True)
    with av.open(str(path), "w", format="mp4") as out:
        vs = out.add_stream("libx264", rate=fps)
        vs.width, vs.height, vs.pix_fmt = size[0], size[1], "yuv420p"
        for i in range(int(seconds * fps)):
            img = np.full((size[1], size[0], 3), (i * 9) % 255, dtype=np.uint8)
            for pkt in vs.encode(av.VideoFrame.from_ndarray(img, format="rgb24")):
                out.mux(pkt)
        for pkt in vs.encode(None):
            out.mux(pkt)


def make_jpeg(path: Path, shade: int = 128) -> None:
    from PIL import Image

    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(np.full((48, 64, 3), shade, dtype=np.uint8)).save(path, format="JPEG")


@pytest.fixture(scope="session")
def media_dir(tmp_path_factory) -> Path:
    """A dataset folder holding media/kf_2000.jpg, media/kf_6000.jpg and media/clip_4000_6000.mp4."""
    root = tmp_path_factory.mktemp("ds")
    make_jpeg(root / "media" / "kf_2000.jpg", 60)
    make_jpeg(root / "media" / "kf_6000.jpg", 200)
    make_mp4(root / "media" / "clip_4000_6000.mp4")
    (root / "media" / "fake.jpg").write_bytes(b"not a jpeg at all")
    (root / "outside.jpg").write_bytes((root / "media" / "kf_2000.jpg").read_bytes())
    return root


def build_anchorset(source_id: str = SRC) -> AnchorSet:
    src = Source(id=source_id, path=f"/videos/{source_id[:6]}.mp4", kind="video")
    anchors = [
        Anchor(source=source_id, kind="shot", t0=0.0, t1=4.0, data={"index": 0}, expert="shots"),
        Anchor(source=source_id, kind="shot", t0=4.0, t1=10.0, data={"index": 1}, expert="shots"),
        Anchor(source=source_id, kind="keyframe", t0=2.0, t1=2.0, data={"shot": 0}, expert="keyframes"),
        Anchor(source=source_id, kind="keyframe", t0=6.0, t1=6.0, data={"shot": 1}, expert="keyframes"),
        Anchor(source=source_id, kind="ocr_text", t0=0.5, t1=3.5, data={"text": "Newton's Second Law", "bbox": [1, 2, 30, 10]}, expert="ocr"),
        Anchor(source=source_id, kind="transcript", t0=4.2, t1=8.0,
               data={"text": "force equals mass times acceleration",
                     "words": [{"word": "force", "t0": 4.2, "t1": 4.6, "p": 0.9}]}, expert="speech"),
    ]
    return AnchorSet(source=src, anchors=anchors, meta={"duration": DURATION, "fps": FPS})


@pytest.fixture()
def anchorset() -> AnchorSet:
    return build_anchorset()


def ids(aset: AnchorSet) -> dict[str, str]:
    """Readable names for the anchor ids: shot0, shot1, kf2, kf6, ocr, asr."""
    names = ["shot0", "shot1", "kf2", "kf6", "ocr", "asr"]
    return dict(zip(names, [a.id for a in aset.anchors]))


def tutorial_sample(aset: AnchorSet, sid: str = "tut-1", source: str = SRC) -> Sample:
    a = ids(aset)
    return Sample(
        id=sid, task="tutorial", domain="education", source=source,
        query=Query(text="What does the slide say about Newton's second law? This frame is where I am.",
                    media=[Segment(type="image", path="media/kf_2000.jpg", t0=2.0, t1=2.0, anchors=[a["kf2"]])]),
        solution=[
            Segment(type="text", text='The title "Newton\'s Second Law" is on the slide.', t0=0.0, t1=4.0,
                    anchors=[a["shot0"], a["ocr"]]),
            Segment(type="image", path="media/kf_2000.jpg", t0=2.0, t1=2.0, anchors=[a["kf2"]]),
            Segment(type="text", text='The narrator says: "force equals mass times acceleration".', t0=4.0, t1=10.0,
                    anchors=[a["shot1"], a["asr"]]),
            Segment(type="clip", path="media/clip_4000_6000.mp4", t0=4.0, t1=6.0, anchors=[a["shot1"]]),
        ],
        evidence=[a["shot0"], a["shot1"], a["kf2"], a["ocr"], a["asr"]],
        meta={"variant": "current_situation", "step_count": 2},
        provenance={"backend": "rules"},
    )
