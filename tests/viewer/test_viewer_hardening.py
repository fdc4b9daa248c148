"""The viewer serves a source only if it is media whose content hash is its id; bad bodies get 400."""
from __future__ import annotations

import json
import shutil

from test_server import _req


def test_source_must_be_media_with_a_matching_hash(viewer, tmp_path):
    url, ds = viewer
    m = json.loads((ds / "manifest.json").read_text())
    sid, info = next(iter(m["sources"].items()))
    assert _req(url, f"/source/{sid}")[0] == 200  # the real source still plays
    fake = tmp_path / "other.mp4"
    shutil.copy(info["path"], fake)
    with open(fake, "ab") as fh:
        fh.write(b"changed")  # same name and type, other content: not this source
    for path in ("/etc/passwd", str(fake)):
        m["sources"][sid]["path"] = path
        (ds / "manifest.json").write_text(json.dumps(m))
        status, _, body = _req(url, f"/source/{sid}")
        assert status == 404 and b"root:" not in body, (path, status)


def test_curation_bodies_that_are_not_an_object_get_400(viewer):
    url, _ = viewer
    h = {"Content-Type": "application/json"}
    for body in (b"[]", b"1", b'"x"', b"null", b"[" * 5000 + b"]" * 5000, b"{not json"):
        status, _, data = _req(url, "/api/curation", "POST", body, h)
        assert status == 400, (body[:20], status, data)
