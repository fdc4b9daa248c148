"""The viewer's HTTP side: listing/filtering, sample pages, security (traversal, Host, CSRF, types),
and curation marks honoured by the exporters."""
from __future__ import annotations

import http.client
import json
import os
from urllib.parse import urlsplit

import pytest


def _req(url: str, path: str, method: str = "GET", body: bytes | None = None, headers: dict | None = None):
    u = urlsplit(url)
    conn = http.client.HTTPConnection(u.hostname, u.port, timeout=30)
    conn.request(method, path, body=body, headers=headers or {})  # the path is sent as is (no normalising)
    r = conn.getresponse()
    data = r.read()
    conn.close()
    return r.status, dict(r.getheaders()), data


def _get_json(url: str, path: str):
    status, _, data = _req(url, path)
    assert status == 200, data
    return json.loads(data)


def test_list_filter_and_sample(viewer):
    url, ds = viewer
    rows = [json.loads(line) for line in (ds / "samples.jsonl").read_text().splitlines()]
    everything = _get_json(url, "/api/samples")
    assert len(everything) == len(rows)
    t2v = _get_json(url, "/api/samples?task=t2v")
    assert t2v and {r["task"] for r in t2v} == {"t2v"} and len(t2v) == sum(r["task"] == "t2v" for r in rows)
    assert _get_json(url, "/api/samples?min_score=1.01") == []
    edu = _get_json(url, "/api/samples?domain=education")
    assert {r["domain"] for r in edu} == {"education"}
    s = _get_json(url, "/api/sample?id=" + t2v[0]["id"])
    assert s["row"]["id"] == t2v[0]["id"] and s["video"] == "/source/" + s["row"]["source"]
    lanes = {a["lane"] for a in s["anchors"]}
    assert {"shots", "text", "speech"} <= lanes
    anchor_ids = {a["id"] for a in s["anchors"]}
    assert s["cited"] and set(s["cited"]) <= anchor_ids
    status, headers, data = _req(url, s["video"], headers={"Range": "bytes=0-1023"})
    assert status == 206 and len(data) == 1024 and headers["Content-Type"] == "video/mp4"
    clip = next(seg["path"] for seg in s["row"]["solution"] if seg.get("path"))
    status, headers, data = _req(url, "/files/" + clip)
    assert status == 200 and data == (ds / clip).read_bytes()


@pytest.mark.parametrize("path", [
    "/files/../../../../etc/passwd", "/files/%2e%2e/%2e%2e/%2e%2e/etc/passwd", "/files//etc/passwd",
    "/files/media/../../outside.txt", "/files/%2Fetc%2Fpasswd", "/files/link-out/secret.txt",
    "/files/link-file.txt", "/source/../../etc/passwd", "/source/not-a-source", "/files/", "/files/media",
])
def test_only_files_inside_the_dataset_are_served(viewer, path, tmp_path_factory):
    url, ds = viewer
    outside = tmp_path_factory.mktemp("outside")
    (outside / "secret.txt").write_text("SECRET")
    (ds.parent / "outside.txt").write_text("SECRET")
    if not (ds / "link-out").exists():
        os.symlink(outside, ds / "link-out")
        os.symlink(outside / "secret.txt", ds / "link-file.txt")
    status, _, data = _req(url, path)
    assert status == 404 and b"SECRET" not in data and b"root:" not in data


def test_security_headers_host_and_csrf(viewer):
    url, ds = viewer
    status, headers, _ = _req(url, "/")
    assert status == 200 and "script-src 'self'" in headers["Content-Security-Policy"]
    assert headers["X-Content-Type-Options"] == "nosniff"
    assert _req(url, "/api/summary", headers={"Host": "attacker.example:80"})[0] == 403  # DNS rebinding
    sid = _get_json(url, "/api/samples")[0]["id"]
    body = json.dumps({"id": sid, "status": "rejected"}).encode()
    assert _req(url, "/api/curation", "POST", f"id={sid}".encode(),
                {"Content-Type": "application/x-www-form-urlencoded"})[0] == 415
    assert _req(url, "/api/curation", "POST", body, {"Content-Type": "application/json",
                                                     "Origin": "http://attacker.example"})[0] == 403
    assert _req(url, "/api/curation", "POST", json.dumps({"id": sid, "status": "<script>"}).encode(),
                {"Content-Type": "application/json"})[0] == 400
    assert _req(url, "/api/curation", "POST", json.dumps({"id": sid, "edits": {"meta": "x"}}).encode(),
                {"Content-Type": "application/json"})[0] == 400
    assert not (ds / "curation.jsonl").exists()
    # a file in the data that a browser would run is sent as a download, never rendered here
    (ds / "media" / "evil.html").write_text("<script>alert(1)</script>")
    status, headers, _ = _req(url, "/files/media/evil.html")
    assert status == 200 and headers["Content-Type"] == "application/octet-stream"
    assert headers["Content-Disposition"] == "attachment"


def test_viewer_binds_loopback_by_default():
    import inspect

    from dataclaw.cli.view import view_cmd
    from dataclaw.viewer import make_server

    assert inspect.signature(make_server).parameters["host"].default == "127.0.0.1"
    assert inspect.signature(view_cmd).parameters["host"].default.default == "127.0.0.1"


def test_curation_is_honoured_by_the_exporters(viewer):
    from dataclaw.export import EXPORTERS

    url, ds = viewer
    listed = _get_json(url, "/api/samples?task=tutorial")
    rejected, edited = listed[0]["id"], listed[1]["id"]
    hdr = {"Content-Type": "application/json"}
    assert _req(url, "/api/curation", "POST", json.dumps({"id": rejected, "status": "rejected"}).encode(), hdr)[0] == 200
    edit = {"id": edited, "status": "accepted", "edits": {"query.text": "EDITED QUERY <b>&</b>"}}
    assert _req(url, "/api/curation", "POST", json.dumps(edit).encode(), hdr)[0] == 200
    assert _get_json(url, "/api/samples?status=rejected")[0]["id"] == rejected
    for fmt in ("native", "trl", "parquet"):
        EXPORTERS[fmt](ds)
    curated = [json.loads(line) for line in (ds / "samples.curated.jsonl").read_text().splitlines()]
    ids = [r["id"] for r in curated]
    assert rejected not in ids and edited in ids
    assert next(r for r in curated if r["id"] == edited)["query"]["text"] == "EDITED QUERY <b>&</b>"
    raw = (ds / "samples.jsonl").read_text()
    assert rejected in raw  # the made data itself is never rewritten
    trl = (ds / "trl.jsonl").read_text()
    assert "EDITED QUERY" in trl
    import pyarrow.parquet as pq

    pids = pq.read_table(ds / "parquet" / "part-000000.parquet").column("id").to_pylist()
    assert rejected not in pids and len(pids) == len(ids)
