// dataclaw view: all text from the data goes through textContent / attributes, never innerHTML.
"use strict";

const $ = (id) => document.getElementById(id);

function el(tag, props, ...children) {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(props || {})) {
    if (k === "text") node.textContent = v;
    else if (k === "class") node.className = v;
    else if (k.startsWith("on")) node.addEventListener(k.slice(2), v);
    else node.setAttribute(k, v);
  }
  for (const c of children) if (c != null) node.append(c);
  return node;
}

async function api(path, body) {
  const opts = body === undefined ? {} : {
    method: "POST", headers: { "Content-Type": "application/json" }, body: JSON.stringify(body) };
  const r = await fetch(path, opts);
  const data = await r.json();
  if (!r.ok) throw new Error(data.error || r.statusText);
  return data;
}

function fileUrl(rel) {
  return "/files/" + String(rel).split("/").map(encodeURIComponent).join("/");
}

function fmt(t) {
  return (typeof t === "number") ? t.toFixed(2) + "s" : "";
}

// ------------------------------------------------------------------ list
let filling = false;

async function loadSummary() {
  const s = await api("/api/summary");
  $("dsname").textContent = s.name + " (" + s.samples + " samples)";
  $("intent").textContent = s.intent || "";
  for (const [id, values] of [["f-task", s.tasks], ["f-domain", s.domains]]) {
    const sel = $(id);
    for (const v of values) sel.append(el("option", { value: v, text: v }));
  }
}

async function loadList() {
  const p = new URLSearchParams({
    task: $("f-task").value, domain: $("f-domain").value, min_score: $("f-score").value || "0",
    status: $("f-status").value, q: $("f-text").value });
  const rows = await api("/api/samples?" + p.toString());
  const body = $("samples").tBodies[0];
  body.replaceChildren(...rows.map((r) => el("tr", {
      "data-id": r.id, "data-task": r.task, onclick: () => { location.hash = "#/sample/" + encodeURIComponent(r.id); } },
    el("td", { text: r.task }), el("td", { text: r.domain }), el("td", { text: r.score.toFixed(2) }),
    el("td", { class: "st-" + r.status, text: r.status + (r.edited ? " (edited)" : "") }),
    el("td", { text: r.query }))));
  $("count").textContent = rows.length + " shown";
  document.body.dataset.listReady = String(Date.now());
}

// ------------------------------------------------------------------ sample
let current = null;
let editing = false;

function timeline(s) {
  const box = $("timeline");
  const dur = s.duration || 1;
  const cited = new Set(s.cited);
  const lanes = ["shots", "text", "speech", "actions", "contacts", "seen", "other"];
  const children = [];
  for (const lane of lanes) {
    const items = s.anchors.filter((a) => a.lane === lane);
    if (!items.length && lane === "other") continue;
    const track = el("div", { class: "lane-track" });
    for (const a of items) {
      const left = Math.max(0, a.t0 / dur * 100);
      const width = Math.max(0.3, (a.t1 - a.t0) / dur * 100);
      const node = el("div", {
        class: "anchor" + (cited.has(a.id) ? " cited" : ""), "data-id": a.id, "data-kind": a.kind,
        title: a.kind + " " + fmt(a.t0) + "-" + fmt(a.t1) + ": " + a.label,
        onclick: () => seek(a.t0) });
      node.style.left = left + "%";
      node.style.width = width + "%";
      track.append(node);
    }
    children.push(el("div", { class: "lane", "data-lane": lane }, el("span", { class: "lane-name", text: lane }), track));
  }
  // the sample's own segments, as spans on a lane of their own
  const segTrack = el("div", { class: "lane-track" });
  for (const seg of s.row.solution.concat(s.row.query.media || [])) {
    if (typeof seg.t0 !== "number" || typeof seg.t1 !== "number") continue;
    const node = el("div", { class: "anchor span", title: seg.type + " " + fmt(seg.t0) + "-" + fmt(seg.t1),
      onclick: () => seek(seg.t0) });
    node.style.left = (seg.t0 / dur * 100) + "%";
    node.style.width = Math.max(0.3, (seg.t1 - seg.t0) / dur * 100) + "%";
    segTrack.append(node);
  }
  children.push(el("div", { class: "lane", "data-lane": "sample" }, el("span", { class: "lane-name", text: "sample" }), segTrack));
  const head = el("div", { id: "playhead" });
  box.replaceChildren(...children, head);
  head.style.left = "76px";
}

function seek(t) {
  const v = $("video");
  if (v.getAttribute("src")) v.currentTime = t;
}

function segmentNode(seg, i, editable) {
  const li = el("li", { "data-type": seg.type });
  if (typeof seg.t0 === "number") li.append(el("span", { class: "seg-time", text: fmt(seg.t0) + "-" + fmt(seg.t1) }));
  if (seg.type === "text") {
    if (editable) li.append(el("textarea", { "data-key": "solution." + i + ".text" }));
    else li.append(el("span", { class: "seg-text", text: seg.text || "" }));
    if (editable) li.lastChild.value = seg.text || "";
  } else if (seg.path) {
    const url = fileUrl(seg.path);
    const media = /\.(mp4|webm|mov|m4v)$/i.test(seg.path)
      ? el("video", { src: url, controls: "", preload: "metadata", class: "clip" })
      : el("img", { src: url, alt: seg.type });
    li.append(el("div", { class: "seg-media" }, el("span", { text: seg.type + " " }), media));
    if (seg.text) li.append(el("div", { text: seg.text }));
  } else {
    li.append(el("span", { text: seg.type + (seg.text ? ": " + seg.text : "") }));
  }
  return li;
}

function applyEdits(row, mark) {
  const r = JSON.parse(JSON.stringify(row));
  for (const [k, v] of Object.entries((mark && mark.edits) || {})) {
    if (k === "query.text") r.query.text = v;
    const m = /^solution\.(\d+)\.text$/.exec(k);
    if (m && r.solution[+m[1]]) r.solution[+m[1]].text = v;
  }
  return r;
}

function renderSample() {
  const s = current;
  const row = applyEdits(s.row, s.mark);
  $("s-id").textContent = row.id;
  const dl = $("s-meta");
  const items = [["task", row.task], ["domain", row.domain], ["source", s.source_path || row.source],
    ["score", s.score.toFixed(3)], ["scores", JSON.stringify(row.scores)],
    ["status", (s.mark && s.mark.status) || "unmarked"]];
  dl.replaceChildren(...items.flatMap(([k, v]) => [el("dt", { text: k }), el("dd", { text: String(v) })]));
  $("mark-status").textContent = (s.mark && s.mark.status) || "unmarked";
  const q = $("query");
  if (editing) {
    const ta = el("textarea", { "data-key": "query.text" });
    ta.value = row.query.text;
    q.replaceChildren(ta);
  } else {
    q.replaceChildren(el("p", { class: "query-text", text: row.query.text }));
  }
  for (const m of row.query.media || []) q.append(segmentNode(m, -1, false));
  $("solution").replaceChildren(...row.solution.map((seg, i) => segmentNode(seg, i, editing)));
  $("b-save").hidden = !editing;
  $("b-edit").textContent = editing ? "cancel edit" : "edit";
}

async function openSample(id) {
  current = await api("/api/sample?id=" + encodeURIComponent(id));
  editing = false;
  const v = $("video");
  if (current.video) {
    v.setAttribute("src", current.video);
    v.hidden = false; $("no-video").hidden = true;
  } else {
    v.removeAttribute("src");
    v.hidden = true; $("no-video").hidden = false;
  }
  timeline(current);
  renderSample();
  document.body.dataset.sampleReady = current.row.id;
}

async function mark(status, withEdits) {
  const edits = Object.assign({}, (current.mark && current.mark.edits) || {});
  if (withEdits) {  // only what was changed; an edit back to the made text removes the edit
    for (const ta of document.querySelectorAll("#sample-view textarea")) {
      const key = ta.dataset.key;
      const m = /^solution\.(\d+)\.text$/.exec(key);
      const made = key === "query.text" ? current.row.query.text : (m ? current.row.solution[+m[1]].text : null);
      if (ta.value === (made || "")) delete edits[key];
      else edits[key] = ta.value;
    }
  }
  const prev = current.mark && current.mark.status;
  current.mark = await api("/api/curation", { id: current.row.id, status: status === undefined ? (prev || null) : status, edits });
  editing = false;
  renderSample();
  document.body.dataset.marked = current.mark.status || "edited";
}

// ------------------------------------------------------------------ routing
function route() {
  const m = /^#\/sample\/(.+)$/.exec(location.hash);
  $("list-view").hidden = !!m;
  $("sample-view").hidden = !m;
  if (m) openSample(decodeURIComponent(m[1])).catch(showError);
  else { $("video").pause(); loadList().catch(showError); }
}

function showError(e) {
  document.body.dataset.error = String(e.message || e);
  console.error(e);
}

window.addEventListener("DOMContentLoaded", () => {
  for (const id of ["f-task", "f-domain", "f-score", "f-status", "f-text"]) {
    $(id).addEventListener(id === "f-text" || id === "f-score" ? "input" : "change", () => loadList().catch(showError));
  }
  $("filters").addEventListener("submit", (e) => e.preventDefault());
  $("b-accept").addEventListener("click", () => mark("accepted", false).catch(showError));
  $("b-reject").addEventListener("click", () => mark("rejected", false).catch(showError));
  $("b-edit").addEventListener("click", () => { editing = !editing; renderSample(); });
  $("b-save").addEventListener("click", () => mark(undefined, true).catch(showError));
  const v = $("video");
  v.addEventListener("timeupdate", () => {
    const head = $("playhead");
    if (!head || !current) return;
    const frac = Math.min(1, v.currentTime / (current.duration || 1));
    head.style.left = "calc(76px + (100% - 80px) * " + frac + ")";
  });
  window.addEventListener("hashchange", route);
  loadSummary().then(route).catch(showError);
});
