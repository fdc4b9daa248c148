"""Intent phrasings per task: clear ones name the data; fuzzy ones state the need indirectly."""
from __future__ import annotations

INTENTS: dict[str, dict[str, tuple[str, ...]]] = {
    "tutorial": {
        "clear": ("turn this lesson into step-by-step tutorial data",
                  "make step-by-step how-to instructions with keyframes from this video",
                  "write a tutorial with one step per part of the video"),
        "fuzzy": ("I want people to be able to follow along and do this themselves",
                  "help a beginner learn this from the recording",
                  "make this easier to learn from"),
    },
    "temporal_qa": {
        "clear": ("make temporal QA about when things happen, with timestamped answers",
                  "questions about the order of events with timestamps",
                  "write temporal questions and answers that give the time of each event"),
        "fuzzy": ("check whether a model really followed what happened and when",
                  "I need something to test if an assistant remembers the video's timeline",
                  "quiz me on this video"),
    },
    "t2v": {
        "clear": ("make text-to-video training pairs: clips with dense captions",
                  "caption clips for a video generation model",
                  "cut this into clips with generation-ready captions for t2v training"),
        "fuzzy": ("I'm training a video generator, prepare this footage for it",
                  "turn this into something a generative model can learn from",
                  "describe each piece of this footage so a model could recreate it"),
    },
    "segmentation": {
        "clear": ("segment these robot episodes into subtasks with labels",
                  "label the phases of each manipulation",
                  "split the robot episode into labelled sub-task phases"),
        "fuzzy": ("break down what the robot is doing into its stages",
                  "what are the parts of this robot's job?",
                  "help me understand the structure of this demonstration"),
    },
    "contact": {
        "clear": ("find grasp and contact moments",
                  "hand-object contact annotations with start and end times",
                  "mark when the gripper touches the object"),
        "fuzzy": ("when does the robot actually touch the thing?",
                  "I care about the moments of physical interaction",
                  "show me where the robot holds the cube"),
    },
    "recovery": {
        "clear": ("failure recovery data from robot episodes",
                  "find mistakes and how the robot recovered",
                  "make fault diagnosis and recovery examples from these episodes"),
        "fuzzy": ("the robot messes up sometimes; teach it to get back on track",
                  "what went wrong here and what should it have done?",
                  "help the robot learn from its bad attempts"),
    },
    "gui_trajectory": {
        "clear": ("make computer-use agent trajectories from this screen recording",
                  "GUI agent training data with clicks and typing",
                  "turn my browser session into agent demonstrations"),
        "fuzzy": ("teach an assistant to do what I did on the computer",
                  "I want a model to be able to repeat this for me",
                  "record how this is done so an AI can do it next time"),
    },
    "gui_grounding": {
        "clear": ("GUI element grounding data: where is each button on the screen",
                  "make element grounding pairs with points and bounding boxes",
                  "locate the clicked UI elements as boxes"),
        "fuzzy": ("help a model find things on the screen",
                  "a model keeps clicking the wrong spot; fix that with data",
                  "teach it what the controls look like and where they are"),
    },
}


def pick(task: str, fuzzy: bool, rng) -> str:
    """One phrasing of the need for `task`, chosen by the build's seeded generator."""
    options = INTENTS[task]["fuzzy" if fuzzy else "clear"]
    return options[int(rng.integers(0, len(options)))]
