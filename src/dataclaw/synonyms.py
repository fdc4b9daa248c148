"""Word relations from WordNet 3.0 (Debian `wordnet-base`, read by nltk): a paraphrase layer for focus matching.

"the part where the tea sits in the water" shares no word with "Steep the leaves", but WordNet's gloss of
*steep* is "let sit in a liquid ...", and *tea* is "dried leaves of the tea shrub". `related(a, b)` says
how two words relate: the same synset (synonyms), one in the other's gloss, or a shared direct hypernym.

The data ships in the Debian package (`/usr/share/wordnet`, or `$WNHOME`); nltk's reader wants a
`lexnames` file that Debian keeps only as the lexnames(5WN) man page, so a reader folder is laid out once
in the model cache: copies of the data files (nltk opens no links) plus `lexnames` written from that page. Without nltk or the
data, `available()` is False and focus matching keeps to words and MiniLM.
"""
from __future__ import annotations

import gzip
import logging
import os
import re
import shutil
from functools import lru_cache
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

FILES = ("data.adj", "data.adv", "data.noun", "data.verb", "index.adj", "index.adv", "index.noun", "index.verb",
         "adj.exc", "adv.exc", "noun.exc", "verb.exc")
SENSES = 2  # the first senses of a word (WordNet orders them by frequency); rare senses relate everything
SYNONYM, GLOSS, SIBLING = 1.0, 0.8, 0.6  # how much a relation counts as the word itself
_GLOSS_STOP = set("""a an the of to in on at by for with and or as from into that which who what something someone
be is are being used use make made cause take give get have having put set one ones especially usually often
very more most than so such not no without other another its it their thing things way act state quality
certain part parts person people""".split())


def _wnhome() -> Path | None:
    for d in (os.environ.get("WNHOME"), "/usr/share/wordnet"):
        if d and all((Path(d) / f).is_file() for f in ("data.noun", "index.noun")):
            return Path(d)
    return None


def _lexnames(home: Path) -> str:
    """lexnames from the lexnames(5WN) page (`00<TAB>adj.all<TAB>...`); numbered placeholders if it is missing."""
    rows = []
    for page in (Path("/usr/share/man/man5/lexnames.5WN.gz"), home / "lexnames.5WN.gz"):
        if page.is_file():
            rows = re.findall(r"^(\d\d)\t(\S+)\s", gzip.decompress(page.read_bytes()).decode("latin-1"), re.M)
            break
    if not rows:  # nltk needs the lines only for Synset.lexname(), which matching never asks
        rows = [(f"{i:02d}", f"lex.{i:02d}") for i in range(45)]
    return "".join(f"{i}\t{name}\t0\n" for i, name in rows)


def _reader_dir(home: Path) -> Path:
    from .models_local import models_dir  # noqa: PLC0415 - the cache every model uses

    out = models_dir() / "wordnet-3.0-nltk"
    if not (out / "lexnames").is_file():
        out.mkdir(parents=True, exist_ok=True)
        for f in FILES:
            if (home / f).is_file() and not (out / f).exists():
                shutil.copyfile(home / f, out / f)  # nltk refuses symlinks and hard links (28 MB, once)
        tmp = out / "lexnames.tmp"
        tmp.write_text(_lexnames(home))
        tmp.replace(out / "lexnames")
    return out


@lru_cache(maxsize=1)
def wordnet() -> Any | None:
    """nltk's WordNet reader on the Debian data, or None (no nltk, no data)."""
    home = _wnhome()
    if home is None:
        return None
    try:
        import warnings  # noqa: PLC0415

        import nltk  # noqa: PLC0415
        from nltk.corpus.reader.wordnet import WordNetCorpusReader  # noqa: PLC0415

        root = _reader_dir(home)
        if str(root) not in nltk.data.path:
            nltk.data.path.append(str(root))  # nltk reads only under its data paths
        class Reader(WordNetCorpusReader):
            def map_wn(self, version: str = "wordnet") -> None:  # noqa: ARG002
                return None  # maps to nltk's downloaded copy for multilingual data, which is not used here

        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # "multilingual functions are not available": not needed here
            return Reader(str(root), None)
    except Exception as exc:  # noqa: BLE001 - the paraphrase layer is optional
        log.info("WordNet not usable (%s): focus matching uses words and MiniLM only", exc)
        return None


def available() -> bool:
    return wordnet() is not None


def _content(text: str) -> set[str]:
    return {w for w in re.findall(r"[a-z]+", text.lower()) if len(w) > 2 and w not in _GLOSS_STOP}


@lru_cache(maxsize=20000)
def _info(word: str) -> tuple[frozenset[str], frozenset[str], frozenset[str]]:
    """(synonyms, gloss words, direct hypernyms' lemmas) of the word's first senses (each part of speech);
    lemmas are lower-case words ("work_out" -> "work out")."""
    wn = wordnet()
    if wn is None or not word.isalpha():
        return frozenset(), frozenset(), frozenset()
    syn: set[str] = set()
    gloss: set[str] = set()
    hyper: set[str] = set()
    for pos in ("n", "v", "a", "r"):
        for s in wn.synsets(word, pos=pos)[:SENSES]:
            syn |= {n.lower().replace("_", " ") for n in s.lemma_names()}
            gloss |= _content(s.definition())
            for h in s.hypernyms()[:2]:
                hyper |= {n.lower().replace("_", " ") for n in h.lemma_names()}
    syn.discard(word)
    return frozenset(syn), frozenset(gloss), frozenset(hyper)


@lru_cache(maxsize=20000)
def base_forms(word: str) -> frozenset[str]:
    """The word's dictionary forms (WordNet's morphy: "sits" -> "sit", "leaves" -> "leaf", "leave")."""
    wn = wordnet()
    if wn is None:
        return frozenset({word})
    out = {word}
    for pos in ("n", "v", "a", "r"):
        try:
            out |= set(wn._morphy(word, pos))
        except Exception:  # noqa: BLE001
            pass
    return frozenset(out)


@lru_cache(maxsize=100000)
def related(a: str, b: str) -> float:
    """How strongly word `a` (of a request) stands for word `b` (of the source): 1 synonyms, 0.8 one in the
    other's definition, 0.6 a shared direct hypernym; 0 otherwise (also when WordNet is missing)."""
    if a == b:
        return 1.0
    best = 0.0
    for x in base_forms(a):
        sx, gx, hx = _info(x)
        for y in base_forms(b):
            if x == y:
                return 1.0
            sy, gy, hy = _info(y)
            if y in sx or x in sy:
                return SYNONYM
            if y in gx or x in gy or _phrase_in_gloss(x, y) or _phrase_in_gloss(y, x):
                best = max(best, GLOSS)
            elif (hx & hy) or (hx & sy) or (hy & sx):
                best = max(best, SIBLING)
    return best or kind_of(a, b)


@lru_cache(maxsize=20000)
def _senses(word: str) -> tuple[frozenset[str], tuple[tuple[str, ...], ...]]:
    """(the multi-word synonyms of the word's first senses, as "take away"; its definitions as word lists)."""
    wn = wordnet()
    if wn is None or not word.isalpha():
        return frozenset(), ()
    phrases: set[str] = set()
    defs = []
    for pos in ("n", "v", "a", "r"):
        for s in wn.synsets(word, pos=pos)[:SENSES]:
            phrases |= {n.lower().replace("_", " ") for n in s.lemma_names() if "_" in n}
            defs.append(tuple(re.findall(r"[a-z]+", s.definition().lower())))
    return frozenset(phrases), tuple(defs)


def _phrase_in_gloss(a: str, b: str) -> bool:
    """Whether a multi-word synonym of `a` is said in a definition of `b`, its words in order, each
    within PHRASE_GAP words of the last, any inflection: "remove" is "take away", and "subtract" is
    "take off or away"; "subtract" is "take off", and "remove" is "... as by lifting, pushing, or
    taking off". The gloss relation for a paraphrase that WordNet words as a phrasal verb."""
    phrases, _ = _senses(a)
    if not phrases:
        return False
    defs = _senses(b)[1]
    for ph in phrases:
        want = ph.split()
        for d in defs:
            k, last = 0, -1
            for i, tok in enumerate(d):
                if k and i - last > PHRASE_GAP + 1:
                    k = 0
                if want[k] == tok or want[k] in base_forms(tok):
                    k, last = k + 1, i
                    if k == len(want):
                        return True
    return False


PARTICLES = frozenset("away off out up down in back over together on around apart aside".split())
PHRASE_GAP = 3  # words a phrasal verb's particle may stand from its verb ("take five away", "plug it back in")
KIND_OF = 0.7  # a specific thing for the generic word a source uses ("the block" for "the object")
KIND_SENSES = 5  # only generic words are asked about, so a thing's rarer senses may count ("cube": a block)
GENERIC_DEPTH = 3  # "a kind of X" counts only for X this near the top of WordNet (object, whole, thing)


def phrase_lemmas(words: list[str]) -> list[tuple[str, int, int]]:
    """Two-word lemmas WordNet knows in a request, as (lemma, i, j) word positions: neighbours ("work out")
    and phrasal verbs with the particle a few words on ("take five away" -> "take away"); verbs in any
    inflection ("taking away")."""
    wn = wordnet()
    if wn is None:
        return []
    out = []
    for i, a in enumerate(words):
        if not a.isalpha():
            continue
        for j in range(i + 1, min(len(words), i + 2 + PHRASE_GAP)):
            b = words[j]
            if not b.isalpha() or (j > i + 1 and b not in PARTICLES):
                continue
            for x in sorted(base_forms(a)):
                got = wn.synsets(f"{x}_{b}")
                # a verb with a particle ("take away") or a compound noun ("green tea"); not "take five"
                if got and (b in PARTICLES or any(g.pos() == "n" for g in got)):
                    out.append((f"{x} {b}", i, j))
                    break
    return out


@lru_cache(maxsize=20000)
def kind_of(a: str, b: str) -> float:
    """KIND_OF when a noun sense of `a` is a kind of `b` and `b` is a generic physical thing near the top
    of WordNet ("block", "cube", "mug" are kinds of "object"); else 0."""
    wn = wordnet()
    if wn is None or not (a.isalpha() and b.isalpha()):
        return 0.0
    physical = wn.synset("physical_entity.n.01")
    # a generic *thing* ("object", "item"): abstract ones ("event", "act") would relate every request
    tops = [s for s in wn.synsets(b, pos="n")[:1] if s.min_depth() <= GENERIC_DEPTH
            and physical in s.closure(lambda y: y.hypernyms())]
    if not tops:
        return 0.0
    for x in base_forms(a):
        for s in wn.synsets(x, pos="n")[:KIND_SENSES]:
            if any(t in s.closure(lambda y: y.hypernyms()) for t in tops):
                return KIND_OF
    return 0.0


def related_phrase(lemma: str, b: str) -> float:
    """`related` for a two-word lemma of the request ("work out") against a source word."""
    wn = wordnet()
    if wn is None:
        return 0.0
    syn: set[str] = set()
    gloss: set[str] = set()
    for s in wn.synsets(lemma.replace(" ", "_"))[:SENSES]:
        syn |= {n.lower().replace("_", " ") for n in s.lemma_names()}
        gloss |= _content(s.definition())
    forms = base_forms(b)
    if forms & syn:
        return SYNONYM
    if forms & gloss:
        return GLOSS
    words = set(lemma.split())
    for y in forms:  # the other way round: "subtract" is "take off or away", so "take away" is in its gloss
        for pos in ("v", "n"):
            for s in wn.synsets(y, pos=pos)[:SENSES]:
                if words <= set(re.findall(r"[a-z]+", s.definition().lower())):
                    return GLOSS
    for y in forms:  # "work out" is "find the solution"; "answer" has "solution" as a synonym
        if _info(y)[0] & (syn | gloss):
            return SIBLING
    return 0.0


VERB_SYNONYM, VERB_NARROWER, VERB_BROADER = 1.0, 0.8, 0.6  # how a request's verb stands for a described action


@lru_cache(maxsize=2000)
def verb_lexicon(verb: str) -> dict[str, float]:
    """The ways to say the action `verb` names, from WordNet's first verb senses: its synonyms
    (VERB_SYNONYM: "release" -> "let go of", "relinquish"), the narrower verbs one level down
    (VERB_NARROWER: "put" -> "set down", "put down"; "carry" -> "bring"; none for a verb at the top
    of WordNet's tree, whose narrower verbs are every kind of it) and the broader verb one level up
    (VERB_BROADER: "grasp" -> "hold", "take hold"). Lemmas are lower-case words ("let go of"). Empty
    without WordNet or when `verb` is no verb."""
    wn = wordnet()
    if wn is None or not verb.isalpha():
        return {}
    out: dict[str, float] = {}

    def add(s: Any, w: float) -> None:
        for n in s.lemma_names():
            k = n.lower().replace("_", " ")
            out[k] = max(out.get(k, 0.0), w)

    for x in sorted(base_forms(verb)):
        for s in wn.synsets(x, pos="v")[:SENSES]:
            add(s, VERB_SYNONYM)
            ups = s.hypernyms()[:1]
            for h in ups:
                add(h, VERB_BROADER)
            if ups:  # a top of WordNet's verbs ("move", "travel", "close") has hundreds of narrower verbs:
                for h in s.hyponyms():  # every motion is a kind of moving, so they tell nothing apart
                    add(h, VERB_NARROWER)
    return out


def is_verb(word: str) -> bool:
    """Whether WordNet knows `word` (any inflection, or a two-word lemma "let go") as a verb."""
    wn = wordnet()
    if wn is None:
        return False
    if " " in word:
        return bool(wn.synsets(word.replace(" ", "_"), pos="v"))
    return any(wn.synsets(x, pos="v") for x in base_forms(word))
