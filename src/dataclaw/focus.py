"""Focus: which part of the sources the user asked about, and how relevant each piece of evidence is.

    intent --parse_focus--> Focus          topic / step, object, person, UI target, robot phase or
                                           failures, time range; count, difficulty, audience, style
    (AnchorSet, Focus) --locate--> Match   the spans of the source the focus selects, the parts that
                                           matched with scores and reasons, or a clear "no part of
                                           this video matches 'the dough'"
    (task, spec, AnchorSet, Focus) --focus_evidence--> [Evidence], Match
                                           the task selects from the focused anchors only (or, for
                                           tasks that need their context, its evidence is filtered);
                                           each bundle carries meta["focus"] = spans, score, reasons

This is the one place where relevance is decided: the agent calls `focus_evidence` instead of
`task.select` when the plan has a focus, so no task type re-implements it. A task may define
`focus_select(anchorset, spec, match) -> list[Evidence]` for special handling, or set
`focus_mode = "filter"` when its evidence needs anchors outside the focused part.

Matching is lexical (Snowball stems, rapidfuzz for spelling and OCR noise, character bigrams for
Chinese) plus MiniLM sentence similarity when the planner's model is installed. A part of a video
is a shot (split where the on-screen heading changes); a heading that matches says the part is
*about* the topic, a body line that matches only mentions it, and a heading match wins.
"""
from __future__ import annotations

import dataclasses
import json
import logging
import math
import re
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Callable

from .lang import cn_int
from .model import Anchor, AnchorSet, Focus, FocusReading, FocusTime
from .tasks.shared.common import duration_of, merge_same_heading, overlap, units

log = logging.getLogger(__name__)

MATCH_MIN = 0.6  # an anchor matches a reading at this score (lexical coverage or mapped similarity)
HEADING_MIN = 0.6  # a part whose heading matches this well is about the reading
KEEP_SHARE = 0.5  # a filtered bundle is kept when this share of its footprint lies in the focus
REL_KEEP = 0.85  # several parts: keep those that match about as well as the best
MEANING_MAX = 0.8  # a match by meaning alone never counts as much as the words themselves
SAID_KINDS = {"ocr_text", "transcript", "speech", "caption"}  # anchors whose text a person wrote or said
WN_GUESS = 0.5  # WordNet relations that MiniLM calls unrelated (cos < EMB_LO): a guess for `_weak`, never a match
EMB_LO, EMB_HI = 0.35, 0.65  # MiniLM cosine mapped linearly to [0, 1] between these (0.35: unrelated)
FUZZ_MIN = 85.0  # rapidfuzz ratio for a word to match a word (typos, OCR noise)
# the labels every step heading has ("Step 2:"): a near spelling of them is another word ("steep" is no "step")
FUZZ_NOT = {"step", "part", "stage", "phase", "section", "chapter"}
LITERAL = 0.99  # a part whose anchor has every word of the reading beats parts matched by relations or meaning
WEAK_MIN = 0.4  # a part the user says exists ("the part where ..."): the best one is taken at this score ...
WEAK_LEAD = 1.25  # ... when it leads the next part by this factor (else the reading is too vague to pick one)
TIME_KINDS = {"transition"}  # boundaries between parts, not what a part is about
FILTER_TASKS = {"recovery", "world_model", "gui_stitch"}  # their evidence needs anchors outside the part

# ---------------------------------------------------------------------------------------- words
STOP = set("""a an the of to in on at by for with and or but is are was were be been being it its this that these
those they them their he she his her we our you your i me my where when which who whom what how why there here
then than so as if into onto from up down out over about just only also very really please make write give create
generate produce want need some any all each every part parts bit bits section sections segment segments moment
moments portion stretch scene scenes stage stages one ones thing things do does did done get gets got can could
would should will shall may might must let lets something someone somebody people video clip recording footage
around across toward towards through along upon via""".split())
VAGUE = set("interesting important main key best cool relevant useful good nice fun nicest funniest".split())
# words that name where the words come from, not what they are about: "what the narrator says", "the
# narration", "the on-screen text" is the whole of what is said or shown, never a topic to look for
SAID_OR_SHOWN = set("""narrator narrators narration narrated narrates narrate speaker speakers presenter presenters
teacher teachers host hosts voice voiceover voice-over speech spoken audio sound soundtrack say says said saying talk
talks talked talking speak speaks speaking spoke tell tells told mention mentions mentioned explain explains
explained explaining narrating words word text texts caption captions subtitle subtitles transcript slide slides
screen screens onscreen on-screen shown show shows showing written writes reads read dialogue lines line""".split())
_SAID = set("narrator narration narrated narrates narrate narrating speaker presenter teacher host voice voiceover "
            "speech spoken audio say says said saying talk talks talked talking speak speaks speaking spoke tell tells "
            "told mention mentions mentioned explain explains explained explaining dialogue transcript".split())
_SHOWN = set("text texts caption captions subtitle subtitles slide slides screen screens onscreen on-screen shown "
             "written".split())
SAID_OR_SHOWN_ZH = re.compile(r"^(?:问|关于)?(?:讲者|老师|旁白|解说员?|主持人|他们?|她们?|视频里|视频中)?(?:所)?(?:说|讲|提到|念)(?:的)?"
                              r"(?:话|内容|东西)?$|^(?:旁白|画外音|解说|字幕|屏幕上的文字|屏幕文字|画面上的文字|说的话)$")
GENERIC = re.compile(
    r"^(?:(?:this|the|that|my|our|these|those|each|every|all)\s+)?(?:whole\s+|entire\s+)?(?:video|recording|clip|footage|"
    r"lesson|lecture|session|episodes?|demos?|demonstrations?|screen recording|thing|everything|all|it|them|"
    r"data|dataset|model|timeline|events?|order of events|event order|what happens|what happened|when things happen|"
    r"things|stuff|content|material|source|sources|frames?|screens?|video's timeline)$")
NUM_WORDS = {"a": 1, "an": 1, "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8,
             "nine": 9, "ten": 10, "eleven": 11, "twelve": 12, "fifteen": 15, "twenty": 20, "thirty": 30,
             "forty": 40, "fifty": 50, "sixty": 60, "a couple of": 2, "a few": 3, "several": 5}
ZH_DIGITS = {"零": 0, "一": 1, "二": 2, "两": 2, "三": 3, "四": 4, "五": 5, "六": 6, "七": 7, "八": 8, "九": 9}
UNIT_S = {"s": 1, "sec": 1, "secs": 1, "second": 1, "seconds": 1, "min": 60, "mins": 60, "minute": 60,
          "minutes": 60, "秒": 1, "秒钟": 1, "分": 60, "分钟": 60}
ORDINALS = {"first": 1, "second": 2, "third": 3, "fourth": 4, "last": -1, "final": -1}
EVENTS = {"cut": "cut", "cuts": "cut", "hard cut": "cut", "transition": "transition", "dissolve": "dissolve",
          "fade": "fade", "scene change": "transition", "shot change": "transition", "剪辑": "cut", "切换": "transition",
          "镜头切换": "transition", "转场": "transition", "切镜": "cut"}
AUDIENCE = {"beginner": "beginners", "beginners": "beginners", "novice": "beginners", "novices": "beginners",
            "newcomer": "beginners", "newcomers": "beginners", "kid": "children", "kids": "children",
            "child": "children", "children": "children", "student": "students", "students": "students",
            "expert": "experts", "experts": "experts", "advanced": "experts", "teacher": "teachers",
            "teachers": "teachers", "初学者": "beginners", "新手": "beginners", "入门": "beginners", "小学生": "children",
            "孩子": "children", "儿童": "children", "学生": "students", "专家": "experts", "老师": "teachers"}
STYLES = {r"multiple[- ]choice|选择题": "multiple_choice", r"yes[/ -]no|true[/ -]false|判断题": "yes_no",
          r"\bshort\b|\bbrief\b|concise|简短|简洁": "short", r"detailed|in detail|详细": "detailed",
          r"bullet|列表": "bullets", r"step[- ]by[- ]step|分步": "step_by_step", r"\bformal\b|正式": "formal",
          r"casual|informal|口语": "casual"}
LANGS = {r"\bin chinese\b|用中文|中文的|汉语": "zh", r"\bin english\b|用英文|英文的": "en"}
FAIL_RE = re.compile(r"\b(?:fail(?:ed|s|ing|ure|ures)?|unsuccessful|mistakes?|errors?|faults?|faulty|went wrong|goes wrong|"
                     r"go wrong|mess(?:es|ed)? up|botched|dropped|drops?|slips?|slipped|stalls?|stalled|bad attempts?|"
                     # an attempt that got nothing: "the gripper misses the cube", "grabs that come up empty"
                     r"miss(?:es|ed)?|(?:come|comes|came|coming) up empty|empty[- ]handed|(?:close|closes|closed|closing) on nothing|"
                     # a held thing lost: "loses the cube", "when the cube is lost mid-carry" (a drop)
                     r"(?:lose|loses|losing|lost)\s+(?:its\s+|their\s+|the\s+|a\s+|hold\s+of\s+(?:the\s+)?|grip\s+(?:on|of)\s+(?:the\s+)?)?"
                     r"(?:cube|block|object|item|box|ball|grip|hold|piece|load)|"
                     r"(?:cube|block|object|item|box|ball|piece|load)\s+(?:is|was|gets|got|being)\s+lost|"
                     # a held thing falling: "the cube falls out of the gripper", "the block fell off"
                     r"(?:fall|falls|fell|falling|tumbles?|tumbled)\s+(?:out|off|away|from|down))\b"
                     r"|失败|出错|错误|失误|故障|掉落|卡住")
# robot phases as the simulator and the phase expert name them; Chinese words map onto them
ROBOT = {"reach": "reach", "reaching": "reach", "approach": "reach", "grasp": "grasp", "grasps": "grasp",
         "grasping": "grasp", "grip": "grasp", "grips": "grasp", "gripping": "grasp", "grab": "grasp",
         "grabs": "grasp", "pick": "grasp", "picks": "grasp", "picking": "grasp", "lift": "transport",
         "lifting": "transport", "transport": "transport", "carry": "transport", "carrying": "transport",
         "place": "place", "places": "place", "placing": "place", "placement": "place", "placements": "place",
         "put": "place", "release": "place", "releases": "place", "releasing": "place", "retreat": "retreat",
         "retreating": "retreat", "handover": "handover", "handovers": "handover", "handoff": "handover", "伸手": "reach", "接近": "reach", "靠近": "reach", "抓取": "grasp", "抓": "grasp", "拿起": "grasp",
         "夹取": "grasp", "夹住": "grasp", "夹紧": "grasp", "握住": "grasp", "抓住": "grasp", "搬运": "transport", "移动": "transport", "放置": "place", "放下": "place",
         "松开": "place", "后退": "retreat", "收回": "retreat",
         "交接": "handover", "递给": "handover"}
PERSON = re.compile(r"\b(?:person|people|man|men|woman|women|guy|girl|boy|kid|child|speaker|presenter|host|"
                    r"teacher|instructor|player|someone)\b|人|男人|女人|讲者|老师")
UI = re.compile(r"\b(?:button|checkout|check out|cart|basket|log ?in|sign ?in|sign ?up|login|menu|form|field|"
                r"page|tab|link|search|settings?|submit|email|password|dialog|dropdown|checkbox|toggle|"
                r"address bar|textbox|text box|icon)\b|按钮|结账|购物车|登录|菜单|表单|搜索|设置|提交")
COLOURS = re.compile(r"\b(?:red|green|blue|yellow|orange|purple|pink|black|white|grey|gray|brown)\b|红|绿|蓝|黄|黑|白")
POSITION = [(r"\b(?:on|at|to) the left\b|\bleft(?:most|-hand)?\b|左边|左侧", "left"),
            # "right" alone is mostly "correct" ("make sure x = 5 is right"): a side needs its words
            (r"\b(?:on|at|to) the right\b|\bright(?:most|-hand)\b|\bright (?:side|hand|one)\b|右边|右侧", "right"),
            (r"\bin the (?:middle|centre|center)\b|中间", "middle"),
            (r"\b(?:at|on) the top\b|上面|上方", "top"), (r"\b(?:at|on) the bottom\b|下面|下方", "bottom")]

DIRECTED = re.compile(r"\b(?:turn|move|go|goes|went|look|steer|swipe|scroll|strafe|head|veer|drift|drive|slide|"
                      r"pan|tilt|swing|roll|lean|step|walk|run|ran|fly|flew|shift|rotate|spin)(?:s|ed|ing|ning|ped)?\s+"
                      r"(?:(?:to|towards?) (?:the )?)?(?:left|right)\b")
_NUM = r"(\d+(?:\.\d+)?|" + "|".join(sorted((re.escape(k) for k in NUM_WORDS), key=len, reverse=True)) + r")"
_UNIT = r"(seconds?|secs?|s|minutes?|mins?)"
_CLOCK = r"(\d{1,2}:\d{2}(?:\.\d+)?|\d+(?:\.\d+)?\s*(?:seconds?|secs?|s|minutes?|mins?)?)"
_ZH_NUM = r"(\d+(?:\.\d+)?|[零一二两三四五六七八九十百]+)"
# a closing remark that says the focus is all the user wants ("and nothing else", "leave out the rest",
# "exclusively"): it ends a focus phrase, never a word to look for
_SHUT = (r"\b(?:(?:and|but|with)\s+)?(?:nothing|none|no(?:thing)? more)\s+(?:else|more|besides|beyond that)\b|"
         r"\b(?:(?:and|but)\s+)?(?:leave|leaving|skip|skipping|ignore|ignoring|drop|dropping|cut|cutting)\s+"
         r"(?:out\s+)?(?:all\s+)?(?:the\s+)?(?:rest|others?|remainder|everything\s+else)\b|\bexclusively\b|\balone\b|"
         # "nothing from the other parts", "none of the rest"
         r"\b(?:nothing|none)\s+(?:from|of|about|on|in)\s+(?:the\s+|any\s+)?(?:other|others|rest|remaining)\b|"
         # "the other sections are not needed", "the rest can be skipped", "no need for the rest"
         r"(?:\b(?:the\s+)?(?:other|remaining)\s+(?:\w+\s+)?|\bthe\s+rest\s+(?:of\s+(?:it|them|the\s+\w+)\s+)?)(?:is|are|can\s+be|may\s+be)\s+"
         r"(?:not\s+(?:needed|wanted|necessary|required|important|relevant|of\s+interest)|unnecessary|unneeded|unwanted|irrelevant|"
         r"skipped|ignored|left\s+out|dropped|omitted)\b|\b(?:(?:do\s+not|don'?t|no)\s+need\s+(?:for\s+)?(?:the\s+|any\s+)?(?:rest|others?|other\s+\w+))\b|"
         r"(?:其他|其余|别的|其它)(?:的|部分|内容)?(?:都|一概|全)?(?:不要|不用|略过|跳过)|不要(?:其他|其余|别的|其它)")
# what a request makes: after "turn X into", never a topic word
_OUTPUT_NOUNS = (r"how-?tos?|tutorials?|guides?|walk-?throughs?|lessons?|instructions?|steps?|step-by-step(?:\s+\w+)?|"
                 r"questions?|quiz(?:zes)?|q ?& ?a|qa|captions?|captioned\s+\w+|clips?|videos?|samples?|examples?|"
                 r"data(?:set)?|annotations?|segments?|labels?|pairs?|exercises?|flashcards?|summar(?:y|ies)")
# what leads an output noun after "as" / "into": "a set of timestamped questions", "a short step-by-step guide"
_OUT_LEAD = (r"(?:(?:a|an|some)\s+(?:(?:set|list|series|couple|few|number|bunch|handful|collection)\s+of\s+)?(?:[a-z&-]+\s+){0,2}?|"
             r"(?:short\s+|a\s+set\s+of\s+)*)")
# where a focus phrase stops: a purpose, audience, time or output clause
_END = re.compile(
    # a comma that goes on to name another part ("dividing by three, and after that the check") does not end it
    r"\s*(?:,(?!\s*(?:and|plus)\s+(?:after\s+that|then|also|afterwards)\s+(?:the|where|when|[a-z]+ing)\b)|[.;!?，。；！？]|"
    r"\bfor (?:a |an |the |my |our )?(?:beginners?|novices?|newcomers?|kids?|children|students?|"
    r"experts?|teachers?|training|fine-?tuning|llama|trl|verl|lerobot|a model|an? ai|my model)\b|"
    r"\b(?:in|during|within|over)\s+the\s+(?:first|last|final|second|opening|closing)\b|\b(?:after|before)\s+the\b|"
    r"\bbetween\s+\d|\bfrom\s+\d|\bwith (?:timestamps?|timestamped|answers?|keyframes?|times?|captions?|boxes|points)\b|"
    r"\band (?:then |also )?(?:make|write|give|export|save|keep|put|format)\b|\bas (?:json|jsonl|a |an )|"
    r"\b(?:in|into|to) (?:llama|trl|verl|lerobot|webdataset|sharegpt|parquet)|\bplease\b|\bthat (?:are|is) "
    r"(?:hard|easy|difficult|simple)|\b(?:hard|easy|difficult|simple|challenging) ones\b|\bin (?:chinese|english)\b|"
    r"\b\d+ (?:questions?|samples?|examples?|items?|pairs?|clips?)\b|\bonly\b|的问题|的题|的样本|的数据|的片段|"
    # "turn the part where ... into a how-to": what it is made into is the output, not the part
    rf"\b(?:into|as)\s+{_OUT_LEAD}(?:{_OUTPUT_NOUNS})\b|"
    # "X and nothing else", "X, and leave out the rest", "X exclusively": the user closing the focus
    rf"{_SHUT})")
_SUBJECT = re.compile(r"^(?:(?:they|he|she|we|you|i|someone|somebody|it|the (?:narrator|teacher|presenter|speaker|user|"
                      r"robot|arm|person|host|instructor|student|man|woman))\s+)")
_PART = r"(?:part|bit|section|segment|moment|scene|step|portion|stretch|stage|point|piece)"
_PHRASES = [
    # "only about the part where they check the answer", "the step about dividing"
    (re.compile(rf"\bthe\s+({_PART})(s?)\s+(?:where|when|in which|that|about|with|showing|on|of)\s+(?P<x>.+)"), "part"),
    # "the moment the gripper closes ...": a relative clause without its "where" / "when"
    (re.compile(rf"\bthe\s+({_PART})(s?)\s+(?P<x>(?:the|they|it|he|she|we|you|someone)\s+.+)"), "part"),
    # "frames where the player shoots", "clips when the cup tilts"
    (re.compile(r"\b(frame|clip|shot|moment|time|scene)(s?)\s+(?:where|when|in which)\s+(?P<x>.+)"), "part"),
    (re.compile(r"\b(?:focus(?:ed|ing)?|concentrat\w*|zoom(?:ed|ing)? in)\s+on\s+(?P<x>.+)"), "focus"),
    (re.compile(r"\b(?:questions?|quiz(?:zes)?|q ?& ?a|qa|samples?|examples?|clips?|captions?|tutorials?|guides?|write-?ups?|"
                r"walk-?throughs?|how-?tos?|explainers?|"
                r"trajector(?:y|ies)|pairs?|annotations?|instructions?|demos?|demonstrations?|data|steps?|"
                r"grounding)\s+(?:only\s+)?(?:about|on|covering|regarding|concerning|around|involving|featuring)\s+(?P<x>.+)"),
     "about"),
    (re.compile(r"\bonly\s+(?:about\s+|on\s+|covering\s+|regarding\s+|with\s+|for\s+)?(?P<x>.+)"), "only"),
    (re.compile(r"\bjust\s+(?:about\s+|on\s+)?(?P<x>(?:the|where|when)\s+.+|[a-z]+ing\s+.+)"), "only"),
    (re.compile(r"\b(?:limited|restricted|confined|narrowed)\s+to\s+(?P<x>.+)"), "only"),
    # "that stick to the watering", "sticking to the division"
    (re.compile(r"\b(?:stick|sticks|sticking|stuck|keep|keeps|keeping)\s+(?:strictly\s+|only\s+)?to\s+(?P<x>.+)"), "only"),
    # "turn the cyclist example plus the answer into a how-to and leave out the rest": what is made into
    # the output is the focus when the user closes it (else "turn this video into a tutorial" names all)
    (re.compile(r"\b(?:turn|turns|make|convert|transform|change|rework|rewrite|cut|edit)\s+(?P<x>.+?)\s+into\s+"
                rf"{_OUT_LEAD}(?:{_OUTPUT_NOUNS})\b(?=.*(?:\bonly\b|{_SHUT}))"), "only"),
    # "write up the check as step-by-step instructions; nothing from the other parts": the same, with "as"
    (re.compile(r"\b(?:write|writes|writing|wrote|type|set|lay|put)\s+(?:up|out|down)\s+(?P<x>.+?)\s+as\s+"
                rf"{_OUT_LEAD}(?:{_OUTPUT_NOUNS})\b(?=.*(?:\bonly\b|{_SHUT}))"), "only"),
    # "steps for the division only", "clips of the brewing and nothing else", "about the dough exclusively":
    # the closing word comes after the phrase
    (re.compile(r"\b(?:for|of|about|on|covering|regarding|concerning|involving|featuring|showing|from)\s+"
                rf"(?P<x>.+?)\s*,?\s*(?:\bonly\b|{_SHUT})"), "tail"),
    (re.compile(r"(?:关于|有关|针对|围绕|聚焦于?|只看|只关注)(?P<x>[^，。,.!?；;]+)"), "zh"),
    (re.compile(r"(?:只要|只出|只做|只给|仅|只)(?P<x>[^，。,.!?；;关有针围聚看]+)"), "zh"),
    # "请把X整理成教程", "为X生成带描述的视频片段", "把 X 这一段写成 tutorial": X is what the output is made of
    # ... but "把这个讲座视频做成教程" makes the whole source into the output: no part is named
    (re.compile(r"(?:^|请|麻烦)\s*(?:把|将|为)(?!\s*(?:这个|这段|这部|这|该|本|整个|整段)?\S{0,4}?(?:视频|讲座|课|录像|录屏|演示|影片|内容)"
                r"\s*(?:整理成|写成|做成|改成|剪成|生成|制作|出))(?P<x>[^，。,.!?；;]+?)"
                r"(?:整理成|写成|做成|改成|剪成|剪辑|剪出|生成|制作|(?<![求算找得指看列推导说选挑做写得])出(?!来的))"), "zh"),
]
# who the data is for, leading a phrase after "for": "for (a) beginner(s) (about ...)" names no topic
_AUDIENCE_LEAD = re.compile(r"^(?:(?:a|an|the|my|our)\s+)?(?:(?:complete|absolute|total|young)\s+)?(?:"
                            + "|".join(k for k in AUDIENCE if k.isascii()) + r"|training|fine-?tuning|my model|a model|llama|trl|verl|lerobot|webdataset|sharegpt|parquet)"
                            r"\b(?:\s+(?:about|on|of|covering|regarding)\s+|\s*$)")
_ZH_TAIL = re.compile(r"(?:的)?(?:(?:那|这)?[一两二三四五几]?个?(?:部分|段|步|片段|环节|步骤|时候|地方|过程)|(?:那|这)一?个?)?(?:的)?"
                      r"(?:难题|简单题|问题|题目|题|样本|数据|教程|内容|字幕|提问|例子)?$")
_ZH_HEAD = re.compile(r"^(?:出|做|给|要|讲|生成|标注|标记|分割|切分|剪辑|剪|配|整理|描述)?(?:一些|几个)?"
                      r"(?:他们|她们|我们|他|她|老师|讲者|视频)?(?:在)?")
# what the user wants made, after the focus phrase: "...的带时间戳问答", "...配字幕片段", "...的教程"
# (a request verb, a count, what the items carry, the output noun): never a word to look for
_ZH_OUTPUT = re.compile(
    r"\s*(?:的|并|来)?\s*(?:配上?|加上?|生成|做成?|写成|整理成|制作|出|剪成?|标注|做个)?\s*"
    r"(?:一个|一些|几个|几道|几条|一段|几段|若干)?\s*(?:带有?|附带?|含有?|有)?\s*"
    r"(?:时间戳|时间|timestamps?|描述|字幕|说明|captions?|答案)?\s*的?\s*"
    r"(?:难题|简单题|问答题?|问题|题目?|教程|tutorials?|字幕|视频片段|片段|clips?|captions?|样本|数据|q ?& ?a|qa)\s*$")


def _num(word: str) -> float | None:
    word = word.strip().lower()
    if re.fullmatch(r"\d+(?:\.\d+)?", word):
        return float(word)
    if word in NUM_WORDS:
        return float(NUM_WORDS[word])
    if word and all(c in ZH_DIGITS or c in "十百" for c in word):  # 十五, 二十, 两: lang reads Chinese numerals
        n = cn_int(word)
        return float(n) if n is not None else None
    return None


def _clock(text: str) -> float | None:
    text = text.strip()
    m = re.fullmatch(r"(\d{1,2}):(\d{2}(?:\.\d+)?)", text)
    if m:
        return int(m.group(1)) * 60 + float(m.group(2))
    m = re.fullmatch(r"(\d+(?:\.\d+)?)\s*(seconds?|secs?|s|minutes?|mins?)?", text)
    if m:
        return float(m.group(1)) * (UNIT_S.get(m.group(2) or "s", 1))
    return None


# ---------------------------------------------------------------------------------------- parse
def _parse_time(text: str) -> tuple[FocusTime | None, list[tuple[int, int]]]:
    """The time constraint of the intent and the character spans it used (blanked before phrases)."""
    pats: list[tuple[re.Pattern, Callable[[re.Match], FocusTime | None]]] = [
        (re.compile(rf"\b(?:the\s+)?(first|opening|last|final|closing)\s+(?:{_NUM}\s*)?{_UNIT}\b"),
         lambda m: _edge(m.group(1), _num(m.group(2) or "1"), m.group(3), m.group(0))),
        (re.compile(r"\b(?:the\s+)?(first|second|last)\s+half\b"),
         lambda m: FocusTime(text=m.group(0), t0=0.0 if m.group(1) == "first" else -0.5,
                             t1=0.5 if m.group(1) == "first" else None, unit="fraction")),
        (re.compile(rf"\b(?:between|from)\s+{_CLOCK}\s+(?:and|to|until|till|-)\s+{_CLOCK}"),
         lambda m: _between(m.group(1), m.group(2), m.group(0))),
        (re.compile(r"\b(after|before)\s+the\s+(?:(first|second|third|fourth|last|final)\s+)?"
                    r"(hard cut|cut|transition|dissolve|fade|scene change|shot change)s?\b"),
         lambda m: FocusTime(text=m.group(0), nth=ORDINALS.get(m.group(2) or "first", 1),
                             **{m.group(1): EVENTS[m.group(3)]})),
        (re.compile(rf"前\s*{_ZH_NUM}\s*(秒钟|秒|分钟|分)"), lambda m: _edge("first", _num(m.group(1)), m.group(2), m.group(0))),
        (re.compile(rf"(?:最后|末尾|结尾)的?\s*{_ZH_NUM}\s*(秒钟|秒|分钟|分)"),
         lambda m: _edge("last", _num(m.group(1)), m.group(2), m.group(0))),
        (re.compile(r"前半(?:部分|段)?"), lambda m: FocusTime(text=m.group(0), t0=0.0, t1=0.5, unit="fraction")),
        (re.compile(r"后半(?:部分|段)?"), lambda m: FocusTime(text=m.group(0), t0=-0.5, unit="fraction")),
        (re.compile(r"(?:第一次)?(剪辑|镜头切换|切换|转场|切镜)(?:之|以)(后|前)"),
         lambda m: FocusTime(text=m.group(0), **{("after" if m.group(2) == "后" else "before"): EVENTS[m.group(1)]})),
    ]
    for pat, make in pats:
        m = pat.search(text)
        if m:
            t = make(m)
            if t is not None:
                return t, [m.span()]
    return None, []


def _edge(which: str, n: float | None, unit: str, text: str) -> FocusTime | None:
    if n is None:
        return None
    secs = n * UNIT_S.get(unit.lower().rstrip(), 1)
    if which in ("first", "opening"):
        return FocusTime(text=text, t0=0.0, t1=secs)
    return FocusTime(text=text, t0=-secs)


def _between(a: str, b: str, text: str) -> FocusTime | None:
    t0, t1 = _clock(a), _clock(b)
    if t0 is None or t1 is None or t1 <= t0:
        return None
    if not re.search(r"[a-z:]", a) and re.search(r"min", b):  # "from 1 to 2 minutes"
        t0 *= 60
    return FocusTime(text=text, t0=t0, t1=t1)


def _clean_phrase(x: str, subject: bool = False, lead: bool = False) -> str:
    m = _END.search(x)
    if m:
        x = x[: m.start()]
    x = x.strip(" '\"“”‘’")
    x = re.sub(r"^(?:just|only|solely|purely)\s+", "", x)
    # "I only care about the steeping", "we only want the check": the wish is no topic
    x = re.sub(r"^(?:(?:really|truly)\s+)?(?:care|cares|cared)\s+(?:about|for)\s+|^(?:am|is|are)\s+interested\s+in\s+", "", x)  # "covering just the bike example": "just" is no topic
    m = re.match(r"(?:where|when|in which)\s+", x) if lead else None
    if m:  # "just where it carries the cube": what happens there ("about when things happen" stays generic)
        x, subject = x[m.end():], True
    if subject:  # "the part where they check the answer": the doer is not what to look for
        x = _SUBJECT.sub("", x)
    x = re.sub(r"\s+", " ", x).strip()
    while True:  # a preposition left dangling where a time phrase was cut out ("the red cup in")
        y = re.sub(r"\s+(?:in|during|within|over|at|from|for|of|on|and|with|to|by|the)$", "", x)
        if y == x or _particle_end(x):
            break
        x = y
    return re.sub(r"\s+", " ", x).strip()


def _particle_end(x: str) -> bool:
    """Whether the phrase ends in a verb's particle ("the kettle goes on", "the final speed comes out"):
    WordNet knows the verb and its last word as one verb ("go on", "come out"), so it is no dangling
    preposition left where a time phrase was cut out ("the red cup in")."""
    toks = re.findall(r"[a-z]+", x.lower())
    if len(toks) < 2 or toks[-1] not in ("in", "on", "over"):
        return False
    from . import synonyms  # noqa: PLC0415

    return (toks[-2] not in STOP and synonyms.available()
            and any(synonyms.is_verb(f"{b} {toks[-1]}") for b in synonyms.base_forms(toks[-2])))


def content_words(text: str) -> list[str]:
    """The words of a phrase that carry its meaning (no stop words); Chinese runs are kept whole."""
    toks = re.findall(r"[a-z0-9]+(?:'[a-z]+)?|[\u4e00-\u9fff]+", text.lower())
    return [t for t in toks if t not in STOP]


def _readings(x: str, failures: bool) -> tuple[list[FocusReading], str | None, bool]:
    """Readings of one focus phrase (ranked), a position qualifier, and whether it is ambiguous."""
    # "turns left", "moves to the right": a direction of motion, part of what to look for, not a place
    sided = DIRECTED.sub(" ", x)
    position = next((name for pat, name in POSITION if re.search(pat, sided)), None)
    terms = x
    if position is not None:
        for pat, _ in POSITION:
            terms = re.sub(pat, " ", terms)
    if failures:
        terms = FAIL_RE.sub(" ", terms)
    # "what the narrator says about dividing": the topic is what follows, whoever says it
    terms = re.sub(r"^(?:what|everything|anything)\s+(?:(?:the|a|our|my)\s+\w+|he|she|they|we|you|is|gets|was)?\s*"
                   r"(?:says?|said|talks?|talked|speaks?|spoke|explains?|explained|mentions?|mentioned|tells?(?: us)?|"
                   r"writes?|shows?)\s+(?:about|on|regarding|of)\s+", "", terms)
    terms = re.sub(r"\b(?:attempts?|tries|times|cases|ones|parts?|phases?|stages?)\b", " ", terms)
    terms = re.sub(r"\s+", " ", terms).strip(" ,.的")
    # the object moved or got hold of names the phase: "while the cube is being moved over to the goal"
    # (transport; "moved" alone is as much the arm's reach), "where the gripper gets hold of the cube" (grasp)
    terms = _OBJECT_MOVED.sub(" carry ", terms)
    terms = _ARM_TOWARD.sub(" reach ", terms)
    terms = re.sub(r"\b(?:get|gets|got|getting)\s+(?:a\s+)?hold\s+of\b", " grasp ", terms).strip()
    words = content_words(terms)
    if not words or all(w in VAGUE for w in words) or GENERIC.match(" ".join(words)) or GENERIC.match(terms):
        return [], position, bool(words)
    if all(w in SAID_OR_SHOWN for w in words) and set(words) & (_SAID | _SHOWN) or SAID_OR_SHOWN_ZH.match(terms):
        return [], position, False  # "what the narrator says": all that is said, no part of it
    robot = [_robot_word(w) for w in words if _robot_word(w)] + _zh_phases(terms)
    if robot:
        rest = [w for w in words if not _robot_word(w)]
        out = [FocusReading(text=x, terms=" ".join(dict.fromkeys(robot)), kind="robot", weight=1.0)]
        if rest:  # "grasp of the red cube": the phase, and the phrase itself as a topic (on a video "put
            # the tops together" is no robot phase: its own words are what to look for)
            out = [out[0].model_copy(update={"weight": 0.6}),
                   FocusReading(text=x, terms=" ".join(words), kind="topic", weight=0.4)]
        return out, position, len(out) > 1
    if PERSON.search(terms):
        return [FocusReading(text=x, terms=terms, kind="person")], position, False
    if UI.search(terms) or re.search(r"\b(?:control|widget|element)s?\b", terms):
        # "the 'Your name' control", "the Save button": the name is what the screen shows
        named = re.sub(r"\b(?:controls?|widgets?|elements?|buttons?|fields?|boxes|box|links?|icons?|tabs?)\b", " ", terms)
        named = re.sub(r"\s+", " ", named).strip(" '\"")
        return [FocusReading(text=x, terms=named if content_words(named) else terms, kind="ui")], position, False
    if COLOURS.search(terms) and not re.search(r"\b\w+ing\b|\b(?:is|are|was|were|gets?|got)\b", terms):
        # "the red cup" is a thing to see, or the words on screen / said: keep both, the thing first
        return [FocusReading(text=x, terms=terms, kind="object", weight=0.6),
                FocusReading(text=x, terms=terms, kind="topic", weight=0.4)], position, True
    return [FocusReading(text=x, terms=terms, kind="topic")], position, False


# Chinese robot phases by the verb characters that say them (a lexicon, not phrases): 伸向 / 靠近 reach, 抓 / 夹 /
# 握 grasp, 运 / 搬 / 移动 / 带到 transport, 放 / 置于 place, 抬起 / 举起 lift (transport, as "lift"), 退 / 撤 retreat;
# characters that are other words' halves are excluded (位置, 举例, 放大, 带有)
ZH_PHASE_VERBS = [(re.compile(r"伸(?!缩)|靠近|靠向|靠拢|移向|挪向|接近|够向|凑近"), "reach"),
                  (re.compile(r"抓|夹(?!角|爪|子)|握|捏住|拿起|拾起|拿住|取起|钳住"), "grasp"),
                  (re.compile(r"运(?!动员|算)|搬|移动|挪动|移到|挪到|带到|带去|带往|送到|送往|端到|拿到|抬起|抬高|举起|提起"), "transport"),
                  (re.compile(r"放(?!大|弃|映|松|心)|置于|摆到|摆在|落下|松开|松手|释放"), "place"),
                  (re.compile(r"后退|退回|退开|撤回|撤离|收回|缩回|离开"), "retreat"),
                  (re.compile(r"交接|递给|递到|传给|交给"), "handover")]


def _zh_phases(terms: str) -> list[str]:
    """The robot phases a Chinese phrase's verbs name, in the order it says them."""
    if not re.search(r"[\u4e00-\u9fff]", terms):
        return []
    hits = sorted((m.start(), name) for pat, name in ZH_PHASE_VERBS for m in pat.finditer(terms))
    return list(dict.fromkeys(name for _, name in hits))


# the arm moving to the object before touching it is the reach: "the arm moving in toward the cube", "where it
# heads over to the block" (the doer already cut off)
_ARM_TOWARD = re.compile(r"(?:^|\b(?:arm|gripper|hand|robot|effector|claw)\s+)(?:is\s+|was\s+)?(?:mov|go|head|com|travel|extend|"
                         r"stretch|swing|swoop|glid|push|lower|approach|inch|creep|edg)\w*\s+(?:(?:in|over|out|down|across|forward|"
                         r"closer|nearer)\s+)*(?:toward|towards|to|near|up\s+to|at|on)\b(?=\s+(?:the\s+|a\s+|its\s+)?"
                         r"(?:\w+\s+)?(?:cube|block|object|item|box|ball|piece|bottle|cup|can|part|target\s+object)\b)")
_OBJECT_MOVED = re.compile(r"\b(?:is|are|was|were|gets|get|got|being)\s+(?:being\s+)?(?:moved|carried|brought|taken|"
                           r"transferred|transported|shifted)(?=\s+(?:over|across|along|to|toward|towards|onto|into)\b)")


def _robot_word(word: str) -> str | None:
    """The robot phase a word names, in any inflection ("carries" -> transport)."""
    if word in ROBOT:
        return ROBOT[word]
    if not word.isalpha():
        return None
    return _robot_stems().get(_stems([word])[0])


@lru_cache(maxsize=1)
def _robot_stems() -> dict[str, str]:
    return {_stems([k])[0]: v for k, v in ROBOT.items() if k.isascii()}


def parse_focus(intent: str) -> Focus:
    """The Focus of an intent by rules (English and Chinese phrasings); empty when it names no part."""
    raw = (intent or "").strip()
    text = raw.lower()
    focus = Focus()
    m = re.search(rf"\b{_NUM}\s+(?:[a-z-]+\s+){{0,3}}?(?:questions?|samples?|examples?|items?|pairs?|clips?|steps?|"
                  r"captions?|trajector(?:y|ies)|quizzes|rows?)\b", text)
    m = m or re.search(rf"{_ZH_NUM}\s*(?:个|道|条|组|段)?[^，。,.]{{0,12}}?(?:问题|题|样本|例子|片段|数据)", text)
    if m:
        n = _num(m.group(1))
        focus.count = int(n) if n and n >= 1 and m.group(1) not in ("a", "an") else None
    if re.search(r"\b(?:hard(?:er|est)?|difficult|challenging|tricky|advanced)\b(?! cuts?)|较难|困难|有难度|难题|难一点", text):
        focus.difficulty = "hard"
    elif re.search(r"\b(?:easy|easier|simple|basic)\b|简单|容易|基础", text):
        focus.difficulty = "easy"
    elif re.search(r"\bmedium\b|中等", text):
        focus.difficulty = "medium"
    for m in re.finditer(r"\b(?:for|help|helps|teach|teaching) (?:a |an |the |my |our )?(?:complete |absolute |total |young )?"
                         r"([a-z]+)\b|(?:给|适合|面向|针对)([\u4e00-\u9fff]{2,3})", text):
        word = m.group(1) or m.group(2) or ""
        hit = AUDIENCE.get(word) or next((v for k, v in AUDIENCE.items() if len(k) > 1 and word.startswith(k)), None)
        if hit:
            focus.audience = hit
            break
    focus.style = [name for pat, name in STYLES.items() if re.search(pat, text)]
    focus.language = next((lang for pat, lang in LANGS.items() if re.search(pat, text)), None)
    focus.time, used = _parse_time(text)
    blanked = text
    for a, b in used:
        blanked = blanked[:a] + " " * (b - a) + blanked[b:]
    focus.failures = bool(FAIL_RE.search(blanked))
    phrases: list[tuple[str, str, bool]] = []
    for pat, how in _PHRASES:
        for m in pat.finditer(blanked):
            x = m.group("x")
            if how == "tail":  # "for beginners only" is an audience; "for a beginner about the dough only": the dough
                x = _AUDIENCE_LEAD.sub("", x)
                how = "only"
            if how == "zh":  # the output clause first ("...那部分出带 timestamp 的问题": _END cuts at 的问题)
                x = _clean_phrase(_ZH_OUTPUT.sub("", x.strip()))
                while (y := _ZH_TAIL.sub("", _ZH_OUTPUT.sub("", x).strip()).strip()) != x:
                    x = y
                x = _ZH_HEAD.sub("", x).strip()
            else:
                x = _clean_phrase(x, how == "part", how == "only")
            single = how == "part" and not m.group(2) or (how == "zh" and bool(re.search(r"那(?:一)?(?:个)?(?:部分|段|步)", m.group(0))))
            # "just when the fingers close", "only where it sets the object down": one stretch, like "the part where"
            single = single or (how == "only" and bool(re.match(r"\s*(?:where|when|in which)\s", m.group("x"))))
            if x:
                phrases.append((x, how, single))
    seen: set[str] = set()
    for x, how, single in phrases:
        key = " ".join(content_words(x))
        if not key or any(key in s or s in key for s in seen):
            continue
        readings, position, ambiguous = _readings(x, focus.failures)
        focus.position = focus.position or position
        if readings:
            seen.add(key)
            focus.readings += readings
            focus.single = focus.single or single
            focus.fuzzy = focus.fuzzy or ambiguous
    # a reading of only what the request makes ("timestamped questions and answers") or of how many, how hard,
    # in what style or language ("only 5 questions", "只要五个问题", "only the hard ones") is no topic
    focus.readings = [r for r in focus.readings if r.kind != "topic" or not _asks_nothing(r.terms, focus)]
    if (not focus.readings and focus.time is None and focus.position is None and not focus.failures
            and (_RESTRICTS.search(blanked) or _NAMES_PART.search(blanked))):
        # the intent restricts ("only", "the other sections are not needed", 只, 其他的略过) or names a part, but
        # no focus phrase was read: its own content words, less what it makes and the restriction, are the
        # reading (they go through the same locate; a vague residue still matches no part)
        x = _residue(blanked)
        readings, position, ambiguous = _readings(x, focus.failures) if x else ([], None, False)
        readings = [r for r in readings if not _asks_nothing(r.terms, focus)]
        if readings:
            focus.readings, focus.method = readings, "rules-fallback"
            focus.fuzzy = focus.fuzzy or ambiguous
            focus.single = focus.single or bool(_NAMES_PART.search(blanked)) and not re.search(r"\b(?:and|plus)\b|和|以及|与", x)
    if len(focus.readings) > 1:
        z = sum(r.weight for r in focus.readings)
        focus.readings = sorted((r.model_copy(update={"weight": round(r.weight / z, 3)}) for r in focus.readings),
                                key=lambda r: -r.weight)
    if focus.failures and not focus.readings and not re.search(r"recover|fault|failure|mistake|went wrong|mess", text):
        focus.failures = bool(re.search(r"\bonly\b|只", text))  # "only the failed ones"; a recovery intent names failures anyway
    return focus


# what a request makes and asks with (output nouns, request verbs): never what it is about. One list for
# the phrase fallback and for readings made of nothing else
_TASK_PHRASES = re.compile(
    r"\b(?:questions?\s+(?:and|&|with)\s+(?:their\s+)?answers?|q\s*(?:&|and|n)\s*a|question[- ]answer(?:\s+pairs?)?|"
    r"step[- ]by[- ]step|how[- ]tos?|write[- ]ups?|walk[- ]?throughs?|time[- ]?stamp(?:s|ed)?|with\s+(?:the\s+)?times?|"
    r"(?:a|an|some)\s+(?:set|list|series|couple|bunch|handful|collection|number)\s+of)\b")
TASK_WORDS = set("""tutorial tutorials guide guides instruction instructions question questions quiz quizzes qa caption captions
captioned clip clips annotation annotations annotate annotated label labels labelled labeled labelling labeling segment
segments segmented segmenting segmentation sample samples dataset data pair pairs flashcard flashcards explainer explainers
walkthrough walkthroughs please produce make create generate write build give prepare extract export need want like would
could can set series list bunch you me us i i'd i'm short brief detailed numbered timestamped stamped turn convert""".split())
# the whole source named in a request ("turn the video into a tutorial"): no part of it (`_residue` only)
_SOURCE_WORDS = set("video videos recording recordings footage lecture lesson episode episodes demo whole entire robot "
                    "robots".split())
# what restricts: "only", "just", "nothing else", the closings of `_SHUT`, 只 / 仅
_RESTRICT_WORDS = (r"\b(?:only|just|solely|purely|merely|exclusively|alone)\b|\b(?:and\s+)?(?:that'?s|that\s+is)\s+(?:all|it)\b|"
                   r"\b(?:is|are)\s+all\s+(?:i|we)\s+(?:want|need|care\s+about)\b|\ball\s+(?:i|we)\s+(?:want|need)\s+is\b|"
                   r"只要?(?:这一?(?:部分|段|步|个)|这些|这个)?|仅(?:仅|限)?|就行|就好|即可|就可以了?|都不用|不用别的")
_RESTRICTS = re.compile(rf"{_RESTRICT_WORDS}|{_SHUT}")
_NAMES_PART = re.compile(rf"\bthe\s+{_PART}s?\s+(?:where|when|in which|that|about|with|of|on|showing)\b|"
                         # "这段录像" is the recording itself, not a part of it
                         r"[那这]一?(?:个)?(?:部分|段|步|环节|片段|过程)(?!录像|视频|影片|录屏|内容|课|讲座)|的(?:部分|环节|步骤|过程|片段)")
_ZH_LEAD = re.compile(r"^(?:我(?:只)?(?:要|想要|需要|想)|请|麻烦|帮我|帮忙)?\s*(?:把|将|为|给|对)?")


# the kinds of data a request names ("GUI trajectories", "t2v training"): what it makes, not what it is about
_DATA_KINDS = set("""gui agent agents trajectory trajectories demos demonstration demonstrations t2v training train
grounding computer-use text-to-video multimodal vlm""".split())
_DIFFICULTY_WORDS = set("easy easier easiest simple basic medium moderate intermediate hard harder hardest difficult "
                        "tricky challenging tough advanced".split())
_ZH_COUNT = re.compile(r"([零一二两三四五六七八九十百几\d]+)\s*(?:个|道|条|组|份|段|句)")


def _asks_nothing(terms: str, focus: Focus) -> bool:
    """Whether a reading says only what the request makes (`TASK_WORDS`, `_DATA_KINDS`) and how many, how hard,
    in what style or language, which the focus holds apart (count, difficulty, style, language)."""
    text = re.sub(r"\s*-\s*", "-", terms.lower())  # "multiple - choice" as the residue spaces it
    for pat in [*(STYLES if focus.style else ()), *LANGS]:
        text = re.sub(pat, " ", text)
    text = re.sub(r"\b(?:english|chinese|mandarin)\b|英文|中文", " ", text)  # "only English captions": a language
    if focus.count is not None:
        text = _ZH_COUNT.sub(lambda m: " " if _num(m.group(1)) in (focus.count, None) else m.group(0), text)
        text = " ".join(w for w in text.split() if _num(w) != focus.count)
    words = [w for w in _without_task_words(text).split() if w not in _DATA_KINDS
             and not (focus.difficulty and w in _DIFFICULTY_WORDS)]
    return not content_words(" ".join(words))


def _without_task_words(text: str) -> str:
    """`text` less the words of what a request makes and asks with (`TASK_WORDS`)."""
    text = _TASK_PHRASES.sub(" ", text.lower())
    return " ".join(t for t in re.findall(r"[a-z0-9]+(?:'[a-z]+)?(?:/[a-z]+)?|[^\sa-z0-9]+", text) if t not in TASK_WORDS)


def _residue(text: str) -> str:
    """The intent's own words, less the restriction (`_RESTRICTS`), what it makes (`TASK_WORDS`) and the
    Chinese output clause and request verbs: the clauses that still have content words, joined."""
    text = _RESTRICTS.sub(" , ", text)
    out = []
    for clause in re.split(r"\s*(?:[;.!?，。；！？、:：]|,|\s-+\s)\s*", text):
        if re.search(r"[\u4e00-\u9fff]", clause):
            clause = _ZH_LEAD.sub("", clause.strip())
            while (y := _ZH_TAIL.sub("", _ZH_OUTPUT.sub("", clause).strip()).strip()) != clause:
                clause = y
            clause = _ZH_HEAD.sub("", clause).strip()
        clause = _clean_phrase(" ".join(w for w in _without_task_words(clause).split() if w not in _SOURCE_WORDS))
        clause = re.sub(r"^(?:(?:on|of|about|for|from|with|covering|regarding|the)\s+)+", "", clause).strip(" ,'\"")
        if content_words(clause):
            out.append(clause)
    return ", ".join(out)


def focus_schema() -> dict[str, Any]:
    """The JSON Schema a model-assisted parse must follow: the Focus fields that select, bounded so a
    schema-enforcing decoder always finishes (no $refs, short strings, few readings)."""
    text = {"type": "string", "minLength": 1, "maxLength": 60}
    reading = {"type": "object", "required": ["text", "terms", "kind"], "additionalProperties": False,
               "properties": {"text": text, "terms": text,
                              "kind": {"type": "string", "enum": ["topic", "object", "person", "ui", "robot"]},
                              "weight": {"type": "number", "minimum": 0, "maximum": 1}}}
    time = {"type": "object", "additionalProperties": False,
            "properties": {"text": text, "t0": {"type": "number"}, "t1": {"type": "number"},
                           "after": {"type": "string", "enum": ["cut", "transition", "dissolve", "fade"]},
                           "before": {"type": "string", "enum": ["cut", "transition", "dissolve", "fade"]}}}
    return {"type": "object", "required": ["readings"], "additionalProperties": False, "properties": {
        "readings": {"type": "array", "maxItems": 3, "items": reading}, "time": time,
        "failures": {"type": "boolean"}, "single": {"type": "boolean"},
        "position": {"type": "string", "enum": ["left", "right", "middle", "top", "bottom"]},
        "count": {"type": "integer", "minimum": 1, "maximum": 1000},
        "difficulty": {"type": "string", "enum": ["easy", "medium", "hard"]},
        "audience": {"type": "string", "maxLength": 30}}}


def parse_focus_model(intent: str, backend: Any) -> Focus | None:
    """Asks a model backend for the Focus, constrained to its schema; None when its answer is unusable
    (the caller keeps the rules parse)."""
    from pydantic import ValidationError  # noqa: PLC0415

    rules = parse_focus(intent)
    messages = [{"role": "system", "content": "You read what part of a video, recording or robot episode a data request "
                                              "is about. Answer with one JSON object only."},
                {"role": "user", "content": (
                    f"Request: {intent}\n\nFill the fields that the request states; leave the others out. `readings`: "
                    "what to look for (terms: the words to match; kind: topic, object, person, ui or robot), best first. "
                    "`time`: t0/t1 in seconds (negative = from the end) or after/before an event such as a cut. "
                    f"A rules parser read: {rules.model_dump_json(exclude_defaults=True)}\n"
                    f"JSON Schema:\n{json.dumps(focus_schema())}")}]
    try:
        gen = backend.generate(messages, focus_schema())
    except Exception as exc:  # noqa: BLE001 - model parsing is optional
        log.warning("model focus parse failed: %s", exc)
        return None
    if not isinstance(gen.draft, dict):
        return None
    try:
        import jsonschema  # noqa: PLC0415

        jsonschema.validate(gen.draft, focus_schema())
        focus = Focus.model_validate({**gen.draft, "method": "model", "fuzzy": len(gen.draft.get("readings") or []) > 1})
    except jsonschema.ValidationError as exc:
        log.warning("model focus parse off the schema: %s", exc.message)
        return None
    except ValidationError as exc:
        log.warning("model focus parse unusable: %s", exc.errors()[0]["msg"])
        return None
    if any(not content_words(r.terms) for r in focus.readings):
        return None
    return focus


def describe_focus(focus: Focus | None) -> list[str]:
    """Short lines for `dataclaw plan`: what the focus selects and how it was read."""
    if focus is None:
        return []
    lines = []
    for i, r in enumerate(focus.readings):
        rank = f" (reading {i + 1}, weight {r.weight:.2f})" if len(focus.readings) > 1 else ""
        lines.append(f"{r.kind}: {r.terms!r}{rank}" + (" - one part" if focus.single and i == 0 else ""))
    if focus.time:
        t = focus.time
        what = (f"after the {'last' if t.nth < 0 else _ordinal(t.nth)} {t.after}" if t.after else
                f"before the {'last' if t.nth < 0 else _ordinal(t.nth)} {t.before}" if t.before else
                f"{_fmt_bound(t.t0, t.unit)} to {_fmt_bound(t.t1, t.unit, end=True)}")
        lines.append(f"time: {what} ({t.text!r})")
    if focus.position:
        lines.append(f"position: {focus.position}")
    if focus.failures:
        lines.append("only failures / faults")
    for name in ("count", "difficulty", "audience", "language"):
        v = getattr(focus, name)
        if v is not None:
            lines.append(f"{name}: {v}")
    if focus.style:
        lines.append(f"style: {', '.join(focus.style)}")
    if lines:
        how = ("rules (fallback: no focus phrase read; the intent's own words less what it makes and the restriction)"
               if focus.method == "rules-fallback" else focus.method)
        lines.append(f"parsed by {how}" + (" (fuzzy: readings ranked)" if focus.fuzzy else ""))
    return lines


def _ordinal(n: int) -> str:
    return {1: "first", 2: "second", 3: "third", 4: "fourth"}.get(n, f"{n}th")


def _fmt_bound(v: float | None, unit: str, end: bool = False) -> str:
    if v is None:
        return "the end" if end else "the start"
    if unit == "fraction":
        return f"{abs(v):.0%} {'before the end' if v < 0 else 'in'}"
    return f"{-v:g} s before the end" if v < 0 else f"{v:g} s"


# ---------------------------------------------------------------------------------------- match
@lru_cache(maxsize=1)
def _stemmer() -> Any:
    try:
        import snowballstemmer  # noqa: PLC0415

        return snowballstemmer.stemmer("english")
    except ImportError:  # matching still works on whole words
        return None


def _stems(words: list[str]) -> list[str]:
    st = _stemmer()
    out = []
    for w in words:
        if re.match(r"[\u4e00-\u9fff]", w):  # Chinese: character bigrams (no word segmenter needed)
            out += [w[i:i + 2] for i in range(max(1, len(w) - 1))]
        else:
            out.append(st.stemWord(w) if st is not None else w)
    return out


# Chinese characters that carry no topic (particles, pronouns, measure words)
ZH_STOP = set("的了着过是在和与及或并把被将那这哪个些也都就又还吗呢吧啊呀得地之其所我你他她它们请")
_ZH_NUMERAL = re.compile(r"[零一二两三四五六七八九十百]+")


def _zh_units(run: str) -> list[str]:
    """A Chinese run as the units it is matched by: its characters (no segmenter; a request says
    "减掉三" where the slide says "减去三", so bigrams alone miss the step), less particles, and its
    numerals as digits ("三" is the "3" of "2x + 3 - 3", "十一" the "11")."""
    out: list[str] = []
    i = 0
    for m in _ZH_NUMERAL.finditer(run):
        out += [c for c in run[i:m.start()] if c not in ZH_STOP]
        n = cn_int(m.group(0))
        out += [str(n)] if n is not None else [str(ZH_DIGITS.get(c, c)) for c in m.group(0)]
        i = m.end()
    out += [c for c in run[i:] if c not in ZH_STOP]
    return out


# an operator between two operands is said as a word: "x = 4" is "x等于四" / "x equals four"; a "- 3" on both
# sides is the three taken away ("把加三消掉", 消 = eliminate)
_OPERATORS = [(re.compile(r"[\w)]\s*=\s*[\w(-]"), "等 于 equal"), (re.compile(r"[\w)]\s*\+\s*[\w(]"), "加 plus"),
              (re.compile(r"[\w)]\s*[-−]\s*[\w(]"), "减 消 minus"), (re.compile(r"[\w)]\s*[×*]\s*[\w(]"), "乘 time"),
              (re.compile(r"[\w)]\s*[÷]\s*[\w(]"), "除 divid")]


def _operator_words(text: str) -> set[str]:
    """The words (Chinese characters, English stems) that say the operators `text` writes."""
    return {w for pat, words in _OPERATORS if pat.search(text) for w in words.split()}


def _is_zh(text: str) -> bool:
    """Whether a text is mostly Chinese (at least a third of its letters)."""
    zh = len(re.findall(r"[\u4e00-\u9fff]", text))
    return zh > 0 and zh >= 0.5 * len(re.findall(r"[a-zA-Z]", text))


_DIGIT_WORDS = {k: str(v) for k, v in NUM_WORDS.items() if " " not in k and k not in ("a", "an", "several")}



# fraction words name their denominator: "sixths" is the 6 of "5/6" on a slide or the "six" ASR hears; a
# relation, not the word (a slide's "6" may be any six)
FRACTION_WORDS = {w: str(n) for n, ws in {2: "half halves", 3: "third thirds", 4: "quarter quarters fourth fourths",
                                          5: "fifth fifths", 6: "sixth sixths", 7: "seventh sevenths",
                                          8: "eighth eighths", 9: "ninth ninths", 10: "tenth tenths"}.items()
                  for w in ws.split()}
FRACTION_HIT = 0.8
_FRACTION_SAID = re.compile(r"\b(\d+|" + "|".join(k for k in NUM_WORDS if " " not in k and k not in ("several",)) + r")\s+("
                            + "|".join(sorted(FRACTION_WORDS, key=len, reverse=True)) + r")\b")


def _written_fractions(terms: str, text: str) -> set[str]:
    """The request's words of a fraction said in words ("one third", "two sixths") that `text` writes as
    the fraction ("1/3", "2/6"): both words are found."""
    out: set[str] = set()
    for m in _FRACTION_SAID.finditer(terms.lower()):
        n = m.group(1) if m.group(1).isdigit() else str(NUM_WORDS.get(m.group(1), ""))
        if n and re.search(rf"(?<![\d.]){n}\s*/\s*{FRACTION_WORDS[m.group(2)]}(?!\d)", text):
            out |= {_DIGIT_WORDS.get(m.group(1), m.group(1)), m.group(2)}
    return out


def _digits(words: list[str]) -> list[str]:
    """Number words as digits, so "five" finds "5" (ASR and slides write numbers either way)."""
    return [_DIGIT_WORDS.get(w, w) for w in words]


def lexical(terms: str, text: str) -> float:
    """Share of the reading's content words found in `text` (stems; near spellings; numbers as digits)."""
    return coverage(terms, text)[0]


def _query(terms: str) -> list[tuple[str, str]]:
    """The reading's content words as (stem, word), numbers as digits, each once; a Chinese run as its
    characters and numerals (`_zh_units`)."""
    out: dict[str, tuple[str, str]] = {}
    for w in _digits(content_words(terms)):
        if re.match(r"[\u4e00-\u9fff]", w):
            out.update({u: (u, u) for u in _zh_units(w)})
        else:
            st = _stems([w])[0]
            out.setdefault(st, (st, w))
    return list(out.values())


def coverage(terms: str, text: str, idf: dict[str, float] | None = None,
             wordnet: bool = False) -> tuple[float, str]:
    """How much of the reading `text` covers: per content word 1 for the word itself (stem, near spelling,
    number), else with `wordnet` its WordNet relation to a word of `text` (synonym 1, in a definition 0.8,
    shared hypernym 0.6); weighted by `idf` (stem -> weight; words every part has count little). Returns
    (score, "words" | "wordnet")."""
    q = _query(terms)
    if not q:
        return 0.0, "words"
    raw = _digits(re.findall(r"[a-z0-9]+|[\u4e00-\u9fff]+", text.lower()))
    have = set(_stems(raw)) | set(raw)
    have |= {u for w in raw if re.match(r"[\u4e00-\u9fff]", w) for u in _zh_units(w)} | _operator_words(text)
    written = _written_fractions(terms, text)
    from rapidfuzz import fuzz  # noqa: PLC0415

    rel = synonyms = None
    if wordnet:
        from . import synonyms  # noqa: PLC0415 - optional paraphrase layer (Debian wordnet-base + nltk)

        rel = synonyms.related if synonyms.available() else None
    qstems = {st for st, _ in q} | {w for _, w in q}
    # a word of the text that is itself a word of the request explains that word, not another one by a
    # relation ("move the gripper to the object": "object" is the request's "object", not its "target")
    own = [w for w in dict.fromkeys(raw) if w not in STOP and len(w) > 2 and w.isalpha()]
    got: dict[str, float] = {}
    para = False
    for st, w in q:
        if st in have or w in have or (len(st) >= 4 and any(len(h) >= 4 and h not in FUZZ_NOT and fuzz.ratio(st, h) >= FUZZ_MIN
                                                         for h in have)):
            got[st] = 1.0
        elif w in written:  # "one third" said, "1/3" written: the fraction itself
            got[st] = 1.0
        elif FRACTION_WORDS.get(w) in have:  # "five sixths" said, "5/6" written or "5 six" heard: the number
            got[st] = FRACTION_HIT
        elif rel is not None and w.isalpha():
            got[st] = max((rel(w, h) for h in own), default=0.0)
            para = para or got[st] > 0
    if rel is not None and own:
        # a phrasal verb means more than its words: "take five away" is "take away" (remove); both of
        # its words count as the relation of the whole lemma to a word of the text
        toks = re.findall(r"[a-z]+", terms.lower())
        stem_of = {w: st for st, w in q}
        for lemma, i, j in synonyms.phrase_lemmas(toks):
            r = max((synonyms.related_phrase(lemma, h) for h in own), default=0.0)
            for w in (toks[i], toks[j]):
                st = stem_of.get(_DIGIT_WORDS.get(w, w))
                if st is not None and r > got.get(st, 0.0):
                    got[st], para = r, True
    hit = total = 0.0
    for st, _ in q:
        weight = 1.0 if idf is None else idf.get(st, 1.0)
        total += weight
        hit += weight * got.get(st, 0.0)
    return (hit / total if total else 0.0), ("wordnet" if para else "words")


KIND_WORDS = {  # what an anchor of a kind is, in words a user might use
    "fault": "fault failure failed error mistake", "stagnation": "stall stuck hesitation",
    "contact": "contact touch grasp hold", "gripper": "gripper", "phase": "phase",
    "gui_action": "action", "gui_element": "element", "hand": "hand", "hand_object": "hand holding object",
    "person": "person people", "face": "face person", "camera_motion": "camera moves", "subject_motion": "moving",
    "scene": "scene", "motion": "motion moving", "transition": "transition cut",
    # game recordings: what the player does and what the game shows for it
    "game_action": "player presses action button", "player_move": "player moves", "score_change": "score points",
    "life_lost": "player loses a life dies", "counter_change": "counter changes", "game_over": "game over ends",
}
TEXT_KEYS = ("text", "label", "name", "phase", "type", "target", "role", "object", "objects", "diagnosis",
             "caption", "title", "action_type", "element", "tag", "value", "kind", "direction", "what", "event",
             "with", "side", "act", "motion", "label", "activity", "actions", "palette", "light", "words", "field")
KIND_FOR = {  # anchor kinds a reading of each kind is looked for in (topic: all of them)
    "robot": {"phase", "fault", "contact", "gripper", "stagnation", "last_good_state"},
    "ui": {"gui_element", "gui_action", "screen_state", "ocr_text", "window", "transcript"},
    "person": {"person", "face", "hand", "hand_object", "subject_motion", "ocr_text", "transcript",
               "game_action", "player_move", "life_lost"},  # in a game the person is the player
    "object": {"hand_object", "object", "objects", "scene", "ocr_text", "transcript", "phase", "contact"},
}


def anchor_words(a: Anchor, with_kind: bool = True) -> str:
    """An anchor as words to match: its text fields and (`with_kind`) what its kind is."""
    parts = [KIND_WORDS.get(a.kind, "")] if with_kind else []
    d = a.data if isinstance(a.data, dict) else {}
    for k in TEXT_KEYS:
        v = d.get(k)
        if isinstance(v, str) and not re.fullmatch(r"[a-z_]+-[0-9a-f]{8,}", v):
            parts.append(v.replace("_", " "))
        elif isinstance(v, list):
            parts += [str(x) for x in v if isinstance(x, str)]
        elif isinstance(v, dict):
            parts += [str(x) for x in v.values() if isinstance(x, str)]
    return re.sub(r"\s+", " ", " ".join(p for p in parts if p)).strip()


def _embed_fn() -> Callable[[list[str]], Any] | None:
    try:
        from .embed import embedder_path, minilm  # noqa: PLC0415 - the planner's MiniLM, one loader

        model = minilm() if embedder_path() is not None else None
    except Exception:  # noqa: BLE001
        model = None
    if model is None:
        return None

    def fn(texts: list[str]) -> Any:
        import numpy as np  # noqa: PLC0415

        return np.concatenate([np.asarray(model.encode(texts[i:i + 64], normalize_embeddings=True))
                               for i in range(0, len(texts), 64)])

    return fn


def _names_kind(word: str, text: str) -> bool:
    """Whether `text` names a generic kind that `word` is a kind of ("the object" for "block")."""
    if not word.isalpha():
        return False
    from . import synonyms  # noqa: PLC0415

    if not synonyms.available():
        return False
    return any(synonyms.kind_of(word, h) > 0 for h in set(re.findall(r"[a-z]+", text.lower())) if h not in STOP)


class Scorer:
    """Scores anchors against readings: max(lexical coverage, MiniLM similarity mapped to [0, 1])."""

    def __init__(self, embed: Callable[[list[str]], Any] | None | bool = True) -> None:
        self.embed = _embed_fn() if embed is True else (embed or None)
        self._vec: dict[str, Any] = {}
        self.idf: dict[str, dict[str, float]] = {}  # reading terms -> stem -> weight, set by weigh()

    def _vectors(self, texts: list[str]) -> None:
        todo = [t for t in dict.fromkeys(texts) if t and t not in self._vec]
        if todo and self.embed is not None:
            for t, v in zip(todo, self.embed(todo)):
                self._vec[t] = v

    def prepare(self, texts: list[str]) -> None:
        if self.embed is not None:
            self._vectors(texts)

    def score(self, reading: FocusReading, text: str, own: str | None = None, kind: str = "") -> tuple[float, str]:
        """`text`: the anchor's words with its kind; `own`: its own text only, compared by meaning when
        it has two words or more (a bare kind name like "gripper" is too short to embed reliably)."""
        idf = self.idf.get(reading.terms)
        own = text if own is None else own
        # WordNet relates a request's words to what the anchor says, never to its kind's words ("box" is
        # in the definition of "camera": a camera_motion anchor is not about a box)
        plain = coverage(reading.terms, text, idf)
        related = coverage(reading.terms, own, idf, wordnet=reading.kind != "robot")
        emb, cos = 0.0, None
        # robot readings are already phase names ("grasp"): matched by word, not by a loose meaning
        # MiniLM (English) is no judge of Chinese: it calls any two Chinese texts alike
        if (self.embed is not None and reading.kind != "robot" and len(content_words(own)) >= 2
                and not _is_zh(reading.terms) and not _is_zh(own)):
            self._vectors([reading.terms, own])
            cos = float(self._vec[reading.terms] @ self._vec[own])
            emb = MEANING_MAX * min(1.0, max(0.0, (cos - EMB_LO) / (EMB_HI - EMB_LO)))
        if (related[1] == "wordnet" and related[0] >= MATCH_MIN > plain[0] and cos is not None and cos < EMB_LO
                and kind in SAID_KINDS):
            # WordNet's relations alone ("work" is in the gloss of "hours", "kettle" and "cup" share a
            # hypernym) make a match only when MiniLM does not call the two texts unrelated; else the
            # relations count as a guess (below MATCH_MIN), as in `restates_task`
            related = (min(related[0], WN_GUESS), "wordnet")
        lex, how = max(plain, related)
        return (lex, how) if lex >= emb else (emb, "meaning")

    def cosine(self, a: str, b: str) -> float | None:
        """MiniLM cosine of two texts (None without the embedder)."""
        if self.embed is None or not a or not b:
            return None
        self._vectors([a, b])
        return float(self._vec[a] @ self._vec[b])

    def weigh(self, reading: FocusReading, parts: list["Part"], title: str = "") -> None:
        """Weights for the reading's words by how few parts have them (BM25's idf): "tea" said in every
        part of a tea video tells no part from another; "steep" does. A word no part has weighs as one
        part's word (it tells nothing either way). A word of the source's opening title ("tea" in "Brewing
        Green Tea") names what all of it is about, so it counts as said in every part."""
        q = _query(reading.terms)
        if len(q) < 2 or len(parts) < 2:
            self.idf.pop(reading.terms, None)
            return
        texts = [" ".join(anchor_words(a) for a in p.anchors if a.kind not in TIME_KINDS) for p in parts]
        owns = [" ".join(anchor_words(a, with_kind=False) for a in p.anchors if a.kind not in TIME_KINDS) for p in parts]
        n = len(parts)
        idf = {}
        for st, w in q:
            # parts that say the word, or the generic word it is a kind of ("block" for the "object"
            # every robot phase names tells no phase from another); looser relations are no mention
            df = max(sum(1 for t in texts if coverage(w, t)[0] >= 1.0),
                     sum(1 for t in owns if t and _names_kind(w, t)))
            # a Chinese character no part has is mostly a paraphrase's other character for the same word
            # ("减掉" / "减去", "算出" / "求出"; no segmenter tells words apart): it counts as little as a
            # word every part has; any other word no part has weighs as one part's word
            df = df or (n if re.fullmatch(r"[\u4e00-\u9fff]", w) else 1)
            if title and coverage(w, title)[0] >= 1.0:
                df = n
            idf[st] = math.log((n - df + 0.5) / (df + 0.5) + 1.0)
        self.idf[reading.terms] = idf


@dataclass
class Part:
    """A stretch of the source that can be in or out of the focus, with the anchors that tell what it is."""

    t0: float
    t1: float
    anchors: list[Anchor]
    heading: Anchor | None = None
    score: float = 0.0
    reasons: list[str] = field(default_factory=list)
    weak: list[float] = field(default_factory=list)  # every anchor's score, kept when none matched
    literal: bool = False  # an anchor has every word of the reading
    lexbest: float = 0.0  # its best anchor by words or WordNet (not by MiniLM meaning)
    weak_why: str = ""

    @property
    def span(self) -> tuple[float, float]:
        texts = [a for a in self.anchors if anchor_words(a)]
        return (min([self.t0] + [a.t0 for a in texts]), max([self.t1] + [a.t1 for a in texts]))


@dataclass
class Match:
    """Where the focus lies in one source: spans (s), the parts that matched, and what was read."""

    spans: list[tuple[float, float]]
    parts: list[Part] = field(default_factory=list)
    reading: FocusReading | None = None
    message: str | None = None  # why nothing matched (then spans is empty)

    @property
    def matched(self) -> bool:
        return bool(self.spans)

    def record(self) -> dict[str, Any]:
        return {"spans": [[round(a, 3), round(b, 3)] for a, b in self.spans],
                "reading": self.reading.model_dump() if self.reading else None,
                "parts": [{"t0": round(p.t0, 3), "t1": round(p.t1, 3), "score": round(p.score, 3),
                           "reasons": p.reasons} for p in self.parts],
                **({"message": self.message} if self.message else {})}


def _kind_word(source: Any) -> str:
    return {"robot": "episode", "gui": "recording", "images": "image sequence"}.get(getattr(source, "kind", ""), "video")


def parts_of(anchorset: AnchorSet) -> list[Part]:
    """The source cut into parts: shots split at heading changes (video), phases and faults (robot),
    actions with their screens and element (GUI), else every anchor that has words."""
    kinds = {a.kind for a in anchorset.anchors}
    if "shot" in kinds and anchorset.source.kind in ("video", "images"):
        out = []
        for u in merge_same_heading(units(anchorset)):
            have = {a.id for a in u.anchors()}
            extra = [a for a in anchorset.anchors if a.id not in have and a.kind not in ("shot", "static", "speech")
                     and (overlap(a.t0, a.t1, u.t0, u.t1) >= 0.5 * (a.t1 - a.t0) if a.t1 > a.t0 else u.t0 <= a.t0 < u.t1)]
            out += _action_parts(Part(u.t0, u.t1, u.anchors() + extra, heading=u.title_anchor))
        return out
    if "gui_action" in kinds:
        linked: dict[str, list[Anchor]] = {}
        for a in anchorset.anchors:
            ref = a.data.get("action") if isinstance(a.data, dict) else None
            if isinstance(ref, str):
                linked.setdefault(ref, []).append(a)
        out = []
        for act in anchorset.of_kind("gui_action"):
            group = [act] + linked.get(act.id, [])
            out.append(Part(min(a.t0 for a in group), max(a.t1 for a in group), group))
        return out
    if kinds & {"phase", "fault"}:
        out = []
        for a in anchorset.of_kind("phase", "stagnation"):
            near = [b for b in anchorset.anchors if b.kind in ("contact", "gripper")
                    and a.t0 - 1e-6 <= b.t0 and b.t1 <= a.t1 + 1e-6]
            out.append(Part(a.t0, a.t1, [a] + near))
        for f in anchorset.of_kind("fault"):
            # a fault is the attempt that failed: the fault with the anchors its expert cites (the contact
            # that ended in a drop, the gripper closing on nothing), from the first of them
            ids = set(f.data.get("evidence") or [])
            near = [b for b in anchorset.anchors if b.id in ids]
            t0 = min([f.t0] + [b.t0 for b in near])
            out.append(Part(t0, f.t1, [f] + near))
        return out
    return [Part(a.t0, a.t1, [a]) for a in anchorset.anchors if anchor_words(a)]


def _action_parts(part: Part) -> list[Part]:
    """An unnarrated shot with several hand actions ("holds", "turns", "puts down") as one part per action
    and one per other anchor with words (camera, subject motion), as a source without shots is: on real
    footage without speech or on-screen text the shot is one part, and "the part where the hand turns
    the cup" would select all of it."""
    if part.heading is not None or any(a.kind in ("speech", "ocr_text") for a in part.anchors):
        return [part]
    acts = sorted((a for a in part.anchors if a.kind == "hand_object"), key=lambda a: a.t0)
    if len(acts) < 2 or len({anchor_words(a, with_kind=False) for a in acts}) < 2:
        return [part]
    out = [Part(part.t0 if i == 0 else act.t0, part.t1 if i == len(acts) - 1 else acts[i + 1].t0, [act])
           for i, act in enumerate(acts)]
    out += [Part(a.t0, a.t1, [a]) for a in part.anchors
            if a.kind not in ("hand_object", "hand", "shot", "keyframe", "scene", "motion") and anchor_words(a)]
    return sorted(out, key=lambda p: (p.t0, p.t1))


def _window(anchorset: AnchorSet, t: FocusTime, duration: float) -> tuple[tuple[float, float] | None, str | None]:
    if t.after or t.before:
        what = t.after or t.before
        evs = sorted((a for a in anchorset.of_kind("transition")
                      if what == "transition" or str(a.data.get("type", "")).startswith(what)), key=lambda a: a.t0)
        if not evs:
            return None, f"no {what} in this {_kind_word(anchorset.source)} for {t.text!r}"
        k = t.nth - 1 if t.nth > 0 else t.nth
        if not -len(evs) <= k < len(evs):
            return None, f"this {_kind_word(anchorset.source)} has {len(evs)} {what}(s), not enough for {t.text!r}"
        ev = evs[k]
        return ((ev.t1, duration) if t.after else (0.0, ev.t0)), None
    scale = duration if t.unit == "fraction" else 1.0
    t0 = 0.0 if t.t0 is None else (t.t0 * scale if t.t0 >= 0 else duration + t.t0 * scale)
    t1 = duration if t.t1 is None else (t.t1 * scale if t.t1 >= 0 else duration + t.t1 * scale)
    t0, t1 = max(0.0, t0), min(duration, t1) if duration else t1
    if t1 <= t0:
        return None, f"{t.text!r} lies outside this {_kind_word(anchorset.source)} (0-{duration:.1f} s)"
    return (t0, t1), None


def _clip(p: Part, w: tuple[float, float] | None) -> Part | None:
    if w is None:
        return p
    t0, t1 = max(p.t0, w[0]), min(p.t1, w[1])
    if t1 < t0 or (t1 == t0 and p.t1 > p.t0):
        return None
    return dataclasses.replace(p, t0=t0, t1=t1, anchors=[a for a in p.anchors if a.t1 >= t0 and a.t0 <= t1])


def _position_ok(a: Anchor, position: str | None, width: float, height: float) -> bool:
    box = (a.data.get("bbox") or a.data.get("box")) if isinstance(a.data, dict) else None
    rows = a.data.get("boxes") if isinstance(a.data, dict) else None
    if box is None and isinstance(rows, list) and rows and all(isinstance(r, list) and len(r) == 5 for r in rows):
        box = [sum(float(r[k]) for r in rows) / len(rows) for k in (1, 2, 3, 4)]  # a track: its mean box
    if not position:
        return True
    if not isinstance(box, (list, tuple)) or len(box) != 4:
        return False  # "the hand on the left": an anchor with no box cannot show where it is
    try:
        cx, cy = (float(box[0]) + float(box[2])) / 2, (float(box[1]) + float(box[3])) / 2
    except (TypeError, ValueError):
        return True
    w = 1.0 if max(float(box[2]), float(box[3])) <= 1.0 else (width or 1.0)
    h = 1.0 if max(float(box[2]), float(box[3])) <= 1.0 else (height or 1.0)
    x, y = cx / w, cy / h
    return {"left": x < 0.45, "right": x > 0.55, "middle": 0.3 < x < 0.7, "top": y < 0.45, "bottom": y > 0.55}[position]


def _shared_words(parts: list[Part]) -> set[str]:
    """Robot episodes: the stems that half or more of the phase and fault descriptions have ("gripper",
    "object" and the object's name, the kind words): they tell no phase from another, and every noun of a
    request is WordNet's kind of "object", so matching them would let any phrasing take the first phase."""
    texts = [anchor_words(p.anchors[0]) for p in parts if p.anchors and p.anchors[0].kind in ("phase", "fault")]
    if len(texts) < 3:
        return set()
    df: dict[str, int] = {}
    for t in texts:
        for st in set(_stems(content_words(t))):
            df[st] = df.get(st, 0) + 1
    return {st for st, n in df.items() if 2 * n >= len(texts)}


def _tells_nothing(word: str, shared: set[str]) -> bool:
    """A request word that is a shared word or a kind of one ("cube" for the "object" every phase names)."""
    if _stems([word])[0] in shared:
        return True
    from . import synonyms  # noqa: PLC0415

    return synonyms.available() and any(synonyms.kind_of(word, h) > 0 for h in shared if h.isalpha())


def _without(words: str, shared: set[str]) -> str:
    return " ".join(w for w in words.split() if not shared or _stems([w.lower()])[0] not in shared)


def _score_part(p: Part, reading: FocusReading, scorer: Scorer, position: str | None, size: tuple[float, float],
                shared: set[str] | None = None) -> Part:
    allowed = KIND_FOR.get(reading.kind)
    if reading.kind == "ui" and ELEMENT_WORDS.search(reading.text):
        allowed = {"gui_element"}  # "the 'Checkout' button" is that element, not every action on a "Checkout" page
    scored = []
    literal = False
    for a in p.anchors:
        if allowed is not None and a.kind not in allowed or a.kind in TIME_KINDS:
            continue
        if not _position_ok(a, position, *size):
            continue
        # a robot reading names a phase or fault: match what the anchor says, not what its kind is
        # (a contact is a "grasp" by kind, but only the grasp phase is the grasp)
        words, own = anchor_words(a, with_kind=reading.kind != "robot"), anchor_words(a, with_kind=False)
        if shared and a.kind in KIND_FOR["robot"]:  # a phrasing's words name a phase by what only it does
            words, own = _without(words, shared), _without(own, shared)
        if not words:
            continue
        s, how = scorer.score(reading, words, own, a.kind)
        scored.append((a, s, how, 2.0 if a is p.heading else 1.0))
        literal = literal or (how == "words" and coverage(reading.terms, words)[0] >= LITERAL)
    if not scored:
        return dataclasses.replace(p, score=0.0, reasons=[])
    best = max(s for _, s, _, _ in scored)
    mean = sum(s * w for _, s, _, w in scored) / sum(w for *_, w in scored)
    top = sorted(scored, key=lambda x: -x[1])[:2]
    reasons = [f"{a.kind} {anchor_words(a)[:48]!r} matches {reading.terms!r} by {how} ({s:.2f})"
               for a, s, how, _ in top if s >= MATCH_MIN]
    head = next((s for a, s, _, _ in scored if a is p.heading), 0.0)
    if head >= HEADING_MIN:
        reasons.insert(0, "its heading matches")
    a0, s0, how0, _ = top[0]
    lexbest = max((s for _, s, how, _ in scored if how != "meaning"), default=0.0)
    return dataclasses.replace(p, score=round(0.5 * best + 0.5 * mean, 4) if best >= MATCH_MIN else 0.0,
                               reasons=reasons, weak=[s for _, s, _, _ in scored], literal=literal, lexbest=lexbest,
                               weak_why=f"{a0.kind} {anchor_words(a0)[:48]!r} ~ {reading.terms!r} by {how0} ({s0:.2f})")


def _pick(parts: list[Part], reading: FocusReading, scorer: Scorer, single: bool, position: str | None,
          size: tuple[float, float]) -> list[Part]:
    """The parts a reading selects. On a robot episode a topic reading is first matched without the words
    every phase has (`_shared_words`): when what is left names a phase, that phase (a match, never a
    guess); when it names none, the words all phases share decide as before."""
    shared = _shared_words(parts) if reading.kind == "topic" else set()
    got = _pick_by(parts, reading, scorer, single, position, size, shared, guess=False) if shared else []
    return got or _pick_by(parts, reading, scorer, single, position, size, set())


def _pick_by(parts: list[Part], reading: FocusReading, scorer: Scorer, single: bool, position: str | None,
             size: tuple[float, float], shared: set[str], guess: bool = True) -> list[Part]:
    gen = set() if ASKS_GENERIC.search(reading.terms) else _generic(parts)
    scorer.weigh(reading, parts, _title_words(parts, gen))
    scored = [_score_part(p, reading, scorer, position, size, shared) for p in parts]
    # an intro, title slide or summary restates every step: it is what was asked only when its heading
    # says every word of the request; else a step comes first, matched or the clear closest (`_weak`)
    # The opening title never stands in by its own heading: its words are what every part is about
    # (`Scorer.weigh`), so "rewriting over six and then adding" does not take "Adding Fractions" for
    # its "adding"; asking for the intro or the title (ASKS_GENERIC) still gets it
    title = next((i for i, p in enumerate(parts) if p.heading is not None), None)
    over = {i for i in gen if i == title or not (scored[i].literal and scored[i].reasons
                                                 and scored[i].reasons[0] == "its heading matches")}
    steps = [p for i, p in enumerate(scored) if i not in over]
    hits = [p for p in steps if p.score > 0]
    if not hits and over:
        got = _weak(steps, reading) if len(steps) >= 2 and guess else []
        if got:
            return got
    # no step matched: an intro or summary restates every step, so it stands in only by the request's own
    # words ("the dog" ~ "Thanks for watching" by a WordNet sibling is no reason to take the outro)
    hits = hits or [p for i, p in enumerate(scored) if p.score > 0 and (i not in over or p.literal)]
    if not hits:  # a guess is for a step said in other words, never for the intro or summary
        return _weak(steps if over else scored, reading) if guess else []
    headed = [p for p in hits if p.reasons and p.reasons[0] == "its heading matches"]
    pool = headed or hits  # a part whose heading matches is about it; a line that matches only mentions it
    literal = [p for p in pool if p.literal]
    pool = literal or pool  # every word said beats words related by WordNet or meaning
    worded = [p for p in pool if p.lexbest >= MATCH_MIN]
    pool = worded or pool  # a match by words or WordNet beats one by MiniLM meaning alone
    top = max(p.score for p in pool)
    if single:
        return [max(pool, key=lambda p: (p.score, -p.t0))]
    return sorted((p for p in pool if p.score >= REL_KEEP * top), key=lambda p: p.t0)


def conjuncts(reading: FocusReading) -> list[FocusReading]:
    """A reading that joins several things ("subtracting and dividing", "the intro, the answer") as one
    reading per thing; a lone reading as itself."""
    if reading.kind not in ("topic", "object"):
        return [reading]
    bits = [b.strip() for b in re.split(r"\s*(?:,|;|&|\band\b|\bas well as\b|\bplus\b|和|与|以及|、)\s*", reading.terms)]
    bits = [re.sub(r"^(?:(?:then|also|after\s+that|afterwards|the|a|an)\s+)+", "", b) for b in bits if content_words(b)]
    if len(bits) < 2 or re.search(r"\b(?:are|were|get|got|become|became)\b", bits[-1]):
        # "the half and the third are turned into sixths": "and" joins the subject of one event
        return [reading]
    return [reading.model_copy(update={"terms": b, "text": b}) for b in bits]


def _pick_all(parts: list[Part], reading: FocusReading, scorer: Scorer, single: bool, position: str | None,
              size: tuple[float, float]) -> list[Part]:
    """Several things named: the parts of each (one part each when the intent says "the part"); the
    parts of those that match (a thing no part shows is left out, not the whole focus). Else one reading."""
    each = conjuncts(reading)
    whole = _pick(parts, reading, scorer, single, position, size) if len(each) > 1 else []
    if whole and all(p.literal and p.reasons and p.reasons[0] == "its heading matches" for p in whole):
        return whole  # "Plant and water" is one step's title: the whole phrase names it
    if len(each) > 1:
        got: dict[int, Part] = {}
        for r in each:
            for p in _pick(parts, r, scorer, True, position, size):
                got.setdefault(id(next(q for q in parts if q.t0 == p.t0 and q.t1 == p.t1)), p)
        if got:
            return sorted(got.values(), key=lambda p: p.t0)
    return _pick(parts, reading, scorer, single, position, size)


def _overviews(parts: list[Part]) -> set[int]:
    """Parts that echo the headings of at least two other parts (an intro listing the steps, a summary)."""
    # a heading's numbering ("Step 2:", "第二步：") is no word of what it is about
    heads = [content_words(re.sub(rf"^\s*(?:{NUMBERED.pattern})", " ", anchor_words(p.heading, with_kind=False), flags=re.I))
             if p.heading is not None else [] for p in parts]
    heads = [[w for w in h if not re.fullmatch(r"step|\d+", w)] for h in heads]
    out = set()
    if len(parts) < 3:
        return out
    for i, p in enumerate(parts):
        text = " ".join(anchor_words(a, with_kind=False) for a in p.anchors if a.kind not in TIME_KINDS)
        echoed = sum(1 for j, h in enumerate(heads) if j != i and h and coverage(" ".join(h), text)[0] >= 0.5)
        if echoed >= 2:
            out.add(i)
    return out


INTRO_CUE = re.compile(r"\b(?:welcome|today we|in this (?:lesson|video|tutorial|lecture|talk|course)|here is how|here's how|"
                       r"this is how|we will|we'll|let's|let us|introduction|overview|agenda)\b")
OUTRO_CUE = re.compile(r"\b(?:summary|summari[sz]e|summing up|to sum up|recap|in conclusion|conclusion|"
                       r"thanks? (?:you )?for watching|that's it|that is all)\b")
ASKS_GENERIC = re.compile(r"\b(?:intro|introduction|introduc\w+|opening|overview|title|summary|summari[sz]\w*|recap|"
                          r"conclusion|conclud\w+|wrap[- ]?up|outro|ending|welcome|beginning|start)\b|开头|介绍|总结|结尾")


NUMBERED = re.compile(r"(?:(?:step|part|stage|phase|example|exercise|task|lesson|section|chapter)\b\s*\d*\s*[:.)-]|"
                      r"\d+\s*[:.)]|(?:第\s*\S{1,3}\s*[步部章节]))", re.I)  # a heading that numbers one step


def _part_text(p: Part) -> str:
    return " ".join(anchor_words(a, with_kind=False) for a in p.anchors if a.kind not in TIME_KINDS)


def _generic(parts: list[Part]) -> set[int]:
    """Parts about the whole source rather than one step of it: intros and summaries that echo other
    parts' headings (`_overviews`), the opening title part (it says it opens, or its heading's words are
    what the later parts are about) and a closing part that says it sums up. Only a source cut into
    three or more headed parts has them."""
    headed = [i for i, p in enumerate(parts) if p.heading is not None]
    if len(parts) < 3 or len(headed) < 3:
        return set()
    out = set(_overviews(parts))
    first, last = headed[0], headed[-1]
    text0 = _part_text(parts[first]).lower()
    later = " ".join(_part_text(p) for p in parts[first + 1:])
    head0 = anchor_words(parts[first].heading, with_kind=False)
    # the opening title: it says it opens, or its heading's words are what the later parts are about
    # (all of them; half when it is no numbered step: narration garbles words - "average" heard as
    # "amarage" - and a deck's first heading that is not "Step 1: ..." names the whole of it)
    recur = coverage(head0, later)[0] if content_words(head0) else 0.0
    # a first heading that numbers no step, before headings that all do ("第一步：...", "Step 2: ..."),
    # is the deck's title (its words need not recur: a garbled narration may say none of them)
    numbered = all(NUMBERED.match(anchor_words(parts[i].heading, with_kind=False).strip()) for i in headed[1:])
    if (INTRO_CUE.search(text0) or recur >= 1.0 or (recur >= 0.5 and not NUMBERED.match(head0.strip()))
            or (numbered and not NUMBERED.match(head0.strip()))):
        out.add(first)
    if OUTRO_CUE.search(_part_text(parts[last]).lower()):
        out.add(last)
    return out


def _title_words(parts: list[Part], gen: set[int]) -> str:
    """The opening title's words (when it is a generic part): they name what every part is about."""
    first = next((i for i, p in enumerate(parts) if p.heading is not None), None)
    if first is None or first not in gen:
        return ""
    return anchor_words(parts[first].heading, with_kind=False)


def _weak(scored: list[Part], reading: FocusReading) -> list[Part]:
    """No part matches well, but a paraphrase may still point at one: the part whose best anchor covers
    the reading most (words, WordNet, meaning), when it clearly leads the others; else none."""
    if reading.kind == "robot" or len(scored) < 2:
        return []
    best = sorted(((max((a for a in p.weak), default=0.0), i) for i, p in enumerate(scored)), reverse=True)
    (b0, i0), (b1, _) = best[0], best[1]
    if b0 < WEAK_MIN or b0 < WEAK_LEAD * b1:
        return []
    p = scored[i0]
    return [dataclasses.replace(p, score=round(b0, 4), reasons=[
        f"the closest part (best {b0:.2f}, next {b1:.2f}): {p.weak_why}"])]


NOUN_MARK = set("the a an its their his her this that these those each every".split())  # a word after these is a noun
_SUBJECT_WORDS = set("it they he she we you i them him us me there here and or to of".split())


def _phase_name(p: Part) -> str | None:
    a = p.anchors[0] if p.anchors else None
    if a is None or a.kind != "phase" or not isinstance(a.data, dict):
        return None
    return str(a.data.get("phase") or "") or None


@lru_cache(maxsize=256)
def _phase_lexicon(phase: str, text: str) -> dict[str, float]:
    """The ways to say a robot phase: the WordNet verb lexicon (`synonyms.verb_lexicon`) of its name
    and of the verbs its description says it does ("open the gripper to release the object": open,
    release): its first word and a verb after "to"."""
    from . import synonyms  # noqa: PLC0415

    words = re.findall(r"[a-z]+", text.lower())
    verbs = [phase] + words[:1] + [b for a, b in zip(words, words[1:]) if a == "to" and synonyms.is_verb(b)]
    out: dict[str, float] = {}
    for v in dict.fromkeys(verbs):
        for k, w in synonyms.verb_lexicon(v).items():
            out[k] = max(out.get(k, 0.0), w)
    return out


def request_verbs(terms: str) -> list[tuple[str, ...]]:
    """The verbs of a request phrase, each as its readings best first: a multi-word lemma WordNet knows
    ("lets go of" -> "let go of", "sets it down" -> "set down", then its head verb "set"; the lemma's
    words count only with it) and single words with a verb sense that no determiner marks as a noun
    ("the block", "its goal")."""
    from . import synonyms  # noqa: PLC0415

    toks = re.findall(r"[a-z]+", terms.lower())
    out: list[tuple[str, ...]] = []
    used: set[int] = set()
    # neighbours ("let go of", "lets go"), then a verb with its particle a few words on ("take five away")
    spans = [(i, list(range(i + 1, i + n))) for n in (3, 2) for i in range(len(toks) - n + 1)]
    spans += [(i, [j]) for _, i, j in synonyms.phrase_lemmas(toks)]
    for i, rest in spans:
        # a light verb leads a lemma ("let go", "get rid of"), never a pronoun or a noun ("the block")
        if used & {i, *rest} or toks[i] in NOUN_MARK or toks[i] in _SUBJECT_WORDS or (i and toks[i - 1] in NOUN_MARK):
            continue
        heads = sorted(synonyms.base_forms(toks[i]))
        # the longest lemma, then shorter ones ("take hold of", "take hold"), then the head verb
        lemmas = [" ".join([x] + [toks[k] for k in rest[:n]]) for n in range(len(rest), 0, -1) for x in heads]
        lemmas = [x for x in dict.fromkeys(lemmas) if synonyms.is_verb(x)]
        if lemmas and lemmas[0].split()[-1] == toks[rest[-1]]:
            out.append((*lemmas, *(h for h in heads if toks[i] not in STOP)))
            used |= {i, *rest}
    for i, w in enumerate(toks):
        if i in used or w in STOP or (i and toks[i - 1] in NOUN_MARK) or not synonyms.is_verb(w):
            continue
        out.append(tuple(sorted(synonyms.base_forms(w))))
    return out


def _phase_parts(parts: list[Part], reading: FocusReading, focus: Focus) -> list[Part]:
    """The parts a robot phase is looked for in: the phases, not the faults. A fault part records the
    phase it happened in and starts at the contact it cites, in the phase before ("the transport phase"
    of an episode with a drop would reach back into the grasp); faults are for requests for failures."""
    if reading.kind != "robot" or focus.failures:
        return parts
    return [p for p in parts if not (p.anchors and p.anchors[0].kind == "fault")] or parts


def _phases_by_verb(parts: list[Part], reading: FocusReading) -> tuple[set[str], str]:
    """Robot episodes: the phases the reading's verb names by the phases' verb lexicons (`_phase_lexicon`),
    best first. Nouns like "gripper" and "object" are in most phase descriptions and tell none apart; the
    verb ("lets go of the cube", "brings the block to its goal") does. Returns (phases, why); none when
    the source has no phases, no verb of the reading names one, or the reading is no topic."""
    from . import synonyms  # noqa: PLC0415

    if reading.kind != "topic" or not synonyms.available():
        return set(), ""
    lex = {}
    for p in parts:
        name = _phase_name(p)
        if name:
            lex.setdefault(name, _phase_lexicon(name, str(p.anchors[0].data.get("text") or "")))
    if len(lex) < 2:
        return set(), ""
    best: dict[str, tuple[float, str]] = {}
    for readings in request_verbs(reading.terms):
        # a lemma first ("set down"), its head verb ("set") only when no phase says the lemma
        v = next((r for r in readings if any(r in words for words in lex.values())), None)
        if v is None:
            continue
        for name, words in lex.items():
            w = words.get(v, 0.0)
            if w > best.get(name, (0.0, ""))[0]:
                best[name] = (w, v)
    top = max((w for w, _ in best.values()), default=0.0)
    if top <= 0:
        return set(), ""
    won = {name for name, (w, _) in best.items() if w == top}
    return won, ", ".join(f"{best[n][1]!r} names {n}" for n in sorted(won))


# "the checkout part / flow / page", not "the 'Checkout' button": the stage an action opens, not the action alone
STAGE_WORDS = re.compile(r"\b(?:parts?|sections?|stages?|steps?|flows?|process|procedure|pages?|screens?|bits?|phases?)\b|"
                         r"部分|环节|步骤|流程|页面|阶段|过程")
ELEMENT_WORDS = re.compile(r"\b(?:controls?|buttons?|links?|fields?|boxe?s?|checkbox(?:es)?|icons?|tabs?|menu items?|"
                           r"elements?|inputs?|dropdowns?|toggles?)\b|按钮|链接|输入框|控件")
REVEALS = 2.0  # a click whose visible change is this many times its element's area opened something (a form, a page)
KEYBOARD = {"type", "key", "hotkey", "press", "keys"}


def _box_area(b: Any) -> float:
    return float(b[2]) * float(b[3]) if isinstance(b, (list, tuple)) and len(b) == 4 else 0.0


def _gui_stages(parts: list[Part], picked: list[Part], reading: FocusReading) -> list[Part]:
    """A stage of a GUI session ("the checkout part", "the checkout page") for each picked action:
    - the page it was done on, when that page's title names the stage (every action there, and the click
      before that opened it, if that click's element names the stage too);
    - else what the action opened on its page (its visible change much larger than the element clicked:
      a form shown): the pointer actions inside the changed region, and the typing that follows them.
    "Only the checkout part" is the Checkout click and the form filled after it, not the click alone."""
    def act_of(p: Part) -> Anchor | None:
        return next((a for a in p.anchors if a.kind == "gui_action"), None)

    def el_of(p: Part) -> Anchor | None:
        return next((a for a in p.anchors if a.kind == "gui_element"), None)

    what = STAGE_WORDS.sub(" ", reading.terms).strip()  # "the checkout page" names the page "Checkout"

    def names(text: str) -> bool:
        return bool(text and content_words(what)) and coverage(what, text, wordnet=True)[0] >= MATCH_MIN

    order = sorted((p for p in parts if act_of(p) is not None), key=lambda p: p.t0)
    at = {act_of(p).id: i for i, p in enumerate(order)}  # a picked part is a copy of its part
    stages: list[list[int]] = []
    for p in picked:
        act = act_of(p)
        if act is None or act.id not in at:
            stages.append([])
            continue
        i, d = at[act.id], act.data or {}
        same = {j for j, q in enumerate(order) if (act_of(q).data or {}).get("fragment") == d.get("fragment")}
        if names(str(d.get("title") or "")):  # the page is the stage
            on = {j for j in same if (act_of(order[j]).data or {}).get("url") == d.get("url")}
            lo, hi = i, i
            while lo - 1 in on:  # the visit to that page the picked action is in
                lo -= 1
            while hi + 1 in on:
                hi += 1
            run = list(range(lo, hi + 1))
            k = lo - 1
            if k in same and (el := el_of(order[k])) is not None and names(anchor_words(el, with_kind=False)):
                run.insert(0, k)
            stages.append(run)
            continue
        el, region = el_of(p), d.get("changed_bbox")
        own = _box_area((el.data or {}).get("box") or (el.data or {}).get("bbox")) if el else 0.0
        if not own or _box_area(region) < REVEALS * own:
            stages.append([i])
            continue
        x0, y0, w, h = (float(v) for v in region)
        run = [i]
        for j in range(i + 1, len(order)):
            q = act_of(order[j]).data or {}
            # a page it loaded is a stage when its title names it (above): "Add to cart" opening the cart
            # page does not make the cart page's Checkout click part of adding to the cart
            if j not in same or q.get("url") != d.get("url"):
                break
            typed = q.get("type") in KEYBOARD and "x" not in q  # into the field the run's last click chose
            if not typed and not ("x" in q and x0 - 2 <= float(q["x"]) <= x0 + w + 2
                                  and y0 - 2 <= float(q["y"]) <= y0 + h + 2):
                break
            run.append(j)
        stages.append(run)
    out, seen = [], set()
    for p, run in zip(picked, stages):
        if len(run) <= 1:
            if not run or run[0] not in seen:
                out.append(p)
                seen.update(run)
            continue
        run = [j for j in run if j not in seen]
        if not run:
            continue
        seen.update(run)
        qs = [order[j] for j in run]
        out.append(Part(qs[0].t0, max(q.t1 for q in qs), [a for q in qs for a in q.anchors], score=p.score,
                        reasons=p.reasons + [f"a stage of {len(qs)} actions"], literal=p.literal, lexbest=p.lexbest))
    return sorted(out, key=lambda p: p.t0)


def _topics_only(readings: list[FocusReading], failures: bool) -> list[FocusReading]:
    """A source without robot phases (a lecture, a how-to): a robot phase word is a topic word only ("the
    total of five sixths is reached" is no robot reach). A robot reading gives way to the phrase's own
    words as a topic; when the phrase has no other reading, it becomes that topic."""
    out: list[FocusReading] = []
    for r in readings:
        if r.kind == "robot":
            text = FAIL_RE.sub(" ", r.text) if failures else r.text
            terms = " ".join(content_words(text))
            if not terms or any(q.kind != "robot" and q.text == r.text for q in readings):
                continue
            r = r.model_copy(update={"kind": "topic", "terms": terms})
        if all(q.terms != r.terms or q.kind != r.kind for q in out):
            out.append(r)
    return out


def _merge(spans: list[tuple[float, float]]) -> list[tuple[float, float]]:
    out: list[list[float]] = []
    for a, b in sorted(spans):
        if out and a <= out[-1][1] + 1e-6:
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


def locate(anchorset: AnchorSet, focus: Focus, scorer: Scorer | None = None) -> Match:
    """The spans of one source that the focus selects (see the module docstring)."""
    duration = duration_of(anchorset)
    where = _kind_word(anchorset.source)
    window = None
    if focus.time is not None:
        window, why = _window(anchorset, focus.time, duration)
        if window is None:
            return Match([], message=why)
    parts = [q for p in parts_of(anchorset) if (q := _clip(p, window)) is not None]
    shared = _shared_words(parts)
    if focus.failures:
        parts = [p for p in parts if any(a.kind in ("fault", "stagnation") for a in p.anchors)]
        if not parts:
            return Match([], message=f"no failure or fault found in this {where}"
                         + (f" {focus.time.text}" if focus.time else ""))
    readings = focus.readings if anchorset.of_kind("phase", "fault") else _topics_only(focus.readings, focus.failures)
    if focus.failures and shared:
        # "the attempts where the gripper misses the cube": past the failure words, only words every phase
        # has ("gripper", the object), which name no failure: the failure words say which ("misses"); a
        # phase a request names ("when the cube is lost mid-carry": transport) is a phase, not such a word
        readings = [r if r.kind == "robot" or not all(_tells_nothing(w, shared) for w in content_words(r.terms)) else
                    r.model_copy(update={"terms": " ".join(m.group(0) for m in FAIL_RE.finditer(r.text))})
                    for r in readings]
        readings = [r for r in readings if content_words(r.terms)]
    if not readings:
        if focus.failures:
            for p in parts:
                p.score, p.reasons = 1.0, ["a fault: " + ", ".join(anchor_words(a) for a in p.anchors
                                                                      if a.kind in ("fault", "stagnation"))[:80]]
            return Match(_merge([p.span for p in parts]), parts)
        if window is not None:
            return Match([window], [Part(window[0], window[1], [], score=1.0, reasons=[f"inside {focus.time.text!r}"])])
        return Match([(0.0, duration)])
    scorer = scorer or Scorer()
    scorer.prepare([anchor_words(a, with_kind=False) for p in parts for a in p.anchors] + [r.terms for r in focus.readings])
    size = (float(anchorset.meta.get("width") or 0), float(anchorset.meta.get("height") or 0))
    for reading in readings:
        phases, why = _phases_by_verb(parts, reading)
        picked = []
        if len(phases) == 1:  # the verb names one phase: read the request as that phase
            reading = reading.model_copy(update={"terms": next(iter(phases)), "kind": "robot"})
            picked = [dataclasses.replace(p, reasons=[f"its verb: {why}"] + p.reasons)
                      for p in _pick_all(_phase_parts(parts, reading, focus), reading, scorer, focus.single,
                                         focus.position, size)]
        elif phases:  # several phases do it ("go": reach and retreat): the other words choose among them
            picked = _pick_all([p for p in parts if _phase_name(p) in phases], reading, scorer, focus.single,
                               focus.position, size)
            picked = [dataclasses.replace(p, reasons=[f"its verb: {why}"] + p.reasons) for p in picked]
        picked = picked or _pick_all(_phase_parts(parts, reading, focus), reading, scorer, focus.single,
                                     focus.position, size)
        if (picked and reading.kind == "ui" and (focus.single or STAGE_WORDS.search(reading.text))
                and not ELEMENT_WORDS.search(reading.text)):  # "the part where they check out" is a stage too
            picked = _gui_stages(parts, picked, reading)
        if picked:
            spans = [p.span for p in picked]
            if window is not None:
                spans = [(max(a, window[0]), min(b, window[1])) for a, b in spans]
            return Match(_merge(spans), picked, reading)
    said = " or ".join(repr(r.text) for r in focus.readings[:1]) + (
        f" (nor the other readings: {', '.join(repr(r.terms) for r in focus.readings[1:])})" if len(focus.readings) > 1 else "")
    extra = f" {focus.time.text}" if focus.time else ""
    return Match([], message=f"no part of this {where}{extra} matches {said}")


# ---------------------------------------------------------------------------------------- evidence
WINDOW_SHARE = 0.8  # share of an anchor that must lie inside a plain time window ("the first 20 seconds")


def focused_view(anchorset: AnchorSet, spans: list[tuple[float, float]], share: float = 0.5) -> AnchorSet:
    """The AnchorSet with only the anchors inside the spans (mostly inside, or containing a whole span:
    a long shot around the part stays as its context). Ids are unchanged, so citations stay valid."""
    def keep(a: Anchor) -> bool:
        for s0, s1 in spans:
            if a.t1 <= a.t0:
                if s0 - 1e-3 <= a.t0 <= s1 + 1e-3:
                    return True
                continue
            ov = max(0.0, min(a.t1, s1) - max(a.t0, s0))
            if ov >= share * (a.t1 - a.t0) or (s1 > s0 and ov >= 0.9 * (s1 - s0)):
                return True
        return False

    kept = [a for a in anchorset.anchors if keep(a)]
    ids = {a.id for a in kept}
    view = dataclasses.replace(anchorset, anchors=kept,
                               by_expert={k: [a for a in v if a.id in ids] for k, v in anchorset.by_expert.items()},
                               meta={**anchorset.meta, "focus_spans": [list(s) for s in spans]})
    return view


def footprint(ev: Any) -> list[tuple[float, float]]:
    """Where on the timeline a bundle's sample will point: its span, targets, units or steps, else its anchors."""
    m = ev.meta or {}
    span = m.get("span")
    if isinstance(span, (list, tuple)) and len(span) == 2 and all(isinstance(v, (int, float)) for v in span):
        return [(float(span[0]), float(span[1]))]
    if m.get("targets"):
        got = [ev.anchor(i) for i in m["targets"]]
        if any(got):
            return [(a.t0, a.t1) for a in got if a is not None]
    for key in ("units", "steps"):
        rows = m.get(key)
        if isinstance(rows, list) and rows and all(isinstance(r, dict) and "t0" in r for r in rows):
            return [(float(r["t0"]), float(r.get("t1", r["t0"]))) for r in rows]
    containers = {"shot", "static", "speech", "window", "motion"}
    own = [(a.t0, a.t1) for a in ev.anchors if a.kind not in containers] or [(a.t0, a.t1) for a in ev.anchors]
    return own


def inside_share(spans_in: list[tuple[float, float]], focus_spans: list[tuple[float, float]], tol: float = 0.05) -> float:
    """Share of `spans_in` (length-weighted; points count 1 each) that lies inside the focus spans."""
    if not spans_in:
        return 0.0
    total = inside = 0.0
    for a, b in spans_in:
        if b - a <= 1e-6:
            total += 1
            inside += any(s0 - tol <= a <= s1 + tol for s0, s1 in focus_spans)
            continue
        total += 1
        ov = sum(max(0.0, min(b, s1 + tol) - max(a, s0 - tol)) for s0, s1 in focus_spans)
        inside += min(1.0, ov / (b - a))
    return inside / total


def relevance(ev: Any, anchorset: AnchorSet, focus: Focus, match: Match | None = None) -> dict[str, Any]:
    """How relevant one bundle is to the focus: {score, inside, reasons, spans} (recorded per sample)."""
    match = match or locate(anchorset, focus)
    if not match.matched:
        return {"score": 0.0, "inside": 0.0, "reasons": [match.message or "no match"], "spans": []}
    fp = footprint(ev)
    share = inside_share(fp, match.spans)
    over = [p for p in match.parts if any(min(b, p.span[1]) >= max(a, p.span[0]) for a, b in fp)]
    score = share * max((p.score for p in over), default=1.0 if not match.parts else 0.0)
    reasons = list(dict.fromkeys(r for p in over for r in p.reasons))[:4]
    if share < 1.0:
        reasons.append(f"{share:.0%} of its times lie in the focus")
    return {"score": round(score, 4), "inside": round(share, 4), "reasons": reasons,
            "spans": [[round(a, 3), round(b, 3)] for a, b in match.spans],
            "reading": match.reading.terms if match.reading else None}


def _uncapped(task: Any, spec: Any) -> Any:
    """`spec` without the task's `max_samples` cap (when its Params have one): the windows after the cap
    may be the very ones the focus asks for ("only around the grasp" at 21 s of a 24 s episode)."""
    fields = getattr(getattr(task, "Params", None), "model_fields", {})
    if "max_samples" not in fields:
        return spec
    return spec.model_copy(update={"params": {**spec.params, "max_samples": 10 ** 6}})


def _held(ev: Any, rel: dict[str, Any], match: Match, need: float) -> dict[str, Any]:
    """A fixed window (Task.focus_holds) is on focus when it lies mostly in the focus or holds a whole
    focused part (a 0.1 s shot in a 1 s window); either way the window is the sample, so its span joins the
    focus it records (the verifier checks its target frame against it), with the part it holds as a reason."""
    fp = footprint(ev)
    held = [p for p in match.parts if any(a - 1e-6 <= p.span[0] and p.span[1] <= b + 1e-6 for a, b in fp)]
    if rel["inside"] < need and not held:
        return rel
    spans = sorted({(round(a, 3), round(b, 3)) for a, b in [*map(tuple, rel["spans"]), *fp]})
    out = {**rel, "spans": [list(x) for x in spans]}
    if rel["inside"] < need:
        best = max(held, key=lambda p: p.score)
        out.update(score=round(best.score, 4), inside=1.0, reasons=list(dict.fromkeys(
            [f"its window holds the focused {best.span[0]:.2f}-{best.span[1]:.2f} s", *best.reasons]))[:4])
    return out


TASK_RESTATED = 0.45  # the planner's CLEAR_SCORE: a reading this close to the task's own words names the task


def restates_task(task: Any, focus: Focus, scorer: Scorer) -> bool:
    """Whether every reading only restates what the task is about ("the moments of physical interaction"
    asking for contact data), so it selects nothing beyond the task itself. The task's own words, or a
    WordNet relation that MiniLM agrees is related: WordNet alone relates almost anything to a task's
    generic description ("the people walking" ~ "which comes first"), and then a video with no people
    walking would get questions about all of it."""
    texts = [t for t in [getattr(task, "description", "")] + list(getattr(task, "examples", ())) if t]

    def restated(r: FocusReading, t: str) -> bool:
        if coverage(r.terms, t)[0] >= TASK_RESTATED:
            return True
        cos = scorer.cosine(r.terms, t)
        return cos is not None and cos >= EMB_LO and coverage(r.terms, t, wordnet=True)[0] >= TASK_RESTATED
    return bool(texts and focus.readings) and all(any(restated(r, t) for t in texts) for r in focus.readings)


def _difficulty_first(evs: list[Any], difficulty: str | None) -> list[Any]:
    if not difficulty or not any((e.meta or {}).get("difficulty") for e in evs):
        return evs
    return sorted(evs, key=lambda e: (e.meta or {}).get("difficulty") != difficulty)  # stable: keeps the mix order


def focus_evidence(task: Any, spec: Any, anchorset: AnchorSet | list[AnchorSet], focus: Focus | None,
                   scorer: Scorer | None = None) -> tuple[list[Any], Match | None]:
    """The task's evidence for this focus, each bundle with meta["focus"]; (bundles, match).
    Without a focus that selects, this is `task.select` unchanged."""
    if focus is None or not focus.selects or isinstance(anchorset, (list, tuple)):
        evs = task.select(anchorset, spec)
        return (_difficulty_first(evs, focus.difficulty) if focus else evs), None
    scorer = scorer or Scorer()
    match = locate(anchorset, focus, scorer)
    if not match.matched:
        # "the part where ..." names one part of the source, never the task itself; "only the failed
        # grasps" never means every grasp when none failed
        if focus.time is None and not focus.single and not focus.failures and restates_task(task, focus, scorer):
            return task.select(anchorset, spec), None  # "the moments of physical interaction" for contact
        return [], match
    hook = getattr(task, "focus_select", None)
    mode = getattr(task, "focus_mode", None) or ("filter" if task.name in FILTER_TASKS else "restrict")
    if callable(hook):
        evs = hook(anchorset, spec, match)
    elif mode == "filter":  # the task's sample cap counts what the focus keeps, not the whole source's windows
        evs = task.select(anchorset, _uncapped(task, spec))
    else:  # a time window is meant strictly: anchors mostly inside a part, but nearly all inside a window
        evs = task.select(focused_view(anchorset, match.spans, 0.5 if focus.readings or focus.failures else WINDOW_SHARE),
                          spec)
    kept = []
    need = KEEP_SHARE if focus.readings or focus.failures else WINDOW_SHARE
    for ev in evs:
        rel = relevance(ev, anchorset, focus, match)
        if getattr(task, "focus_holds", False) and match.reading is not None:
            rel = _held(ev, rel, match, need)
        if rel["inside"] < need:
            continue
        ev.meta["focus"] = rel
        kept.append(ev)
    kept.sort(key=lambda e: -e.meta["focus"]["score"])  # stable: the task's order within a score
    kept = _difficulty_first(kept, focus.difficulty)
    cap = getattr(task.params(spec), "max_samples", None) if mode == "filter" and not callable(hook) else None
    if isinstance(cap, int) and cap > 0:
        kept = kept[:cap]
    if not kept:
        n = len(evs)
        match = dataclasses.replace(match, spans=[], message=(
            f"the focus matched {', '.join(f'{a:.1f}-{b:.1f} s' for a, b in match.spans)} of this "
            f"{_kind_word(anchorset.source)}, but {task.name} found nothing to make there"
            + (f" ({n} bundle(s) outside it)" if n else "")))
    return kept, match


__all__ = ["parse_focus", "parse_focus_model", "describe_focus", "locate", "relevance", "focus_evidence",
           "focused_view", "footprint", "inside_share", "Match", "Part", "Scorer", "lexical", "anchor_words"]
