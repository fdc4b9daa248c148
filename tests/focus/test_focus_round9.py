"""Round 9 of the focus matcher (issue 24), from the seed-29 (fresh7) misses: openers that say what the
focus is made into ("write up X as step-by-step instructions", 请把X整理成教程, 为X生成..., 把 X 写成 tutorial),
closing remarks ("nothing from the other parts", "skip everything else"), a wish that is no topic ("I only
care about X"), a Chinese output clause before "的问题" cuts it, and robot phases said by what the object
does ("the cube is being moved over to the goal", "gets hold of", 靠近, "falls out of the gripper")."""
from __future__ import annotations

from dataclaw.focus import parse_focus


def _terms(intent: str) -> list[str]:
    return [r.terms for r in parse_focus(intent).readings]


# ---------------------------------------------------------------------------------- English openers / closings
def test_write_up_x_as_an_output_names_x():
    """Seed 29: "can you write up X as step-by-step instructions? nothing from the other parts" read no
    focus (whole video) or kept "as step-by-step instructions" in the terms."""
    assert _terms("can you write up warming the water to eighty degrees as step-by-step instructions? "
                  "nothing from the other parts") == ["warming the water to eighty degrees"]
    assert _terms("can you write up the bit where x ends up on its own as step-by-step instructions? "
                  "nothing from the other parts") == ["x ends up on its own"]
    assert _terms("write up the repotting as a tutorial and nothing else") == ["the repotting"]
    assert _terms("write up this video as a tutorial") == []  # no closing remark: the whole video


def test_closing_remarks_and_wishes_are_no_topic_words():
    """Seed 29: "I only care about X; ... skip everything else" kept "care about" in the terms."""
    assert _terms("I only care about the steeping; build timestamped Q&A from that and skip everything else") \
        == ["the steeping"]
    assert _terms("questions about the watering, none of the other parts") == ["the watering"]


# ---------------------------------------------------------------------------------- Chinese leads
def test_chinese_leads_that_say_what_x_becomes():
    """Seed 29: 请把X整理成教程 / 为X生成带描述的视频片段 / 把 X 这一段写成 tutorial read no focus (11 cases,
    whole video)."""
    f = parse_focus("请把验证答案对不对的环节整理成教程，其余部分不要")
    assert [r.terms for r in f.readings] == ["验证答案对不对"]
    assert _terms("为两边除以2得到结果的那一步生成带描述的视频片段") == ["两边除以2得到结果"]
    assert _terms("把 loosen the roots 这一段写成 tutorial，别的不要") == ["loosen the roots"]


def test_chinese_output_clause_goes_before_de_wenti_cuts():
    """Seed 29: "请针对 X 那部分出带 timestamp 的问题" kept "那部分出带 timestamp" (the phrase end 的问题 cut first)."""
    f = parse_focus("请针对 common denominator 那部分出带 timestamp 的问题")
    assert [r.terms for r in f.readings] == ["common denominator"] and f.single


# ---------------------------------------------------------------------------------- robot phases
def test_robot_phases_said_by_what_the_object_does():
    """Seed 29: "is being moved over to the goal" (moved ~ reach), "gets hold of" and 靠近 read no phase."""
    for intent, phase in (("segment only while the cube is being moved over to the goal", "transport"),
                          ("label just where the gripper gets hold of the cube", "grasp"),
                          ("只分割机械臂靠近方块的过程", "reach")):
        f = parse_focus(intent)
        assert f.readings and f.readings[0].kind == "robot" and f.readings[0].terms == phase, intent


def test_falling_out_of_the_gripper_is_a_failure():
    """Seed 29: "the cube falls out of the gripper" was no failure (the drop case located the whole contact)."""
    assert parse_focus("contact annotations only for the moment the cube falls out of the gripper").failures
    assert not parse_focus("segment only the part where the arm moves down").failures


def test_a_minus_on_a_slide_is_what_is_taken_away():
    """Seed 29: "把加三消掉那一步" (cancel the +3) located the check slide "2 × 4 + 3 = 11", not the step
    that writes "- 3" on both sides: 消 (eliminate) says the minus."""
    from dataclaw.focus import coverage

    step, check = "第一步：两边减去三 2x + 3 - 3 = 11 - 3 2x = 8", "第三步：检验答案 2 × 4 + 3 = 11"
    assert coverage("把加三消掉", step)[0] > coverage("把加三消掉", check)[0]


def test_a_comma_that_goes_on_to_the_next_part_keeps_both():
    """Seed 29: "dividing by three, and after that the check" lost the check (the comma ended the phrase)."""
    from dataclaw.focus import conjuncts

    f = parse_focus("generate captioned clips, restricted to dividing by three, and after that the check")
    assert [c.terms for r in f.readings for c in conjuncts(r)] == ["dividing by three", "check"]
    assert _terms("questions about the watering, and then make them hard") == ["the watering"]


def test_the_whole_source_made_into_the_output_names_no_part():
    """"把这个讲座视频做成分步教程数据" is "turn this lecture video into tutorial data": the source itself, not a
    part of it (the 把X做成 opener read "这个讲座视频" as a topic, and the zh lecture run made nothing)."""
    from dataclaw.focus import parse_focus

    for intent in ("把这个讲座视频做成分步教程数据，并生成带时间戳的问答", "把这个视频做成教程", "为这段录像生成字幕"):
        f = parse_focus(intent)
        assert f is None or not f.selects, (intent, f)
    assert [r.terms for r in parse_focus("请把减三那一步整理成教程").readings] == ["减三"]
