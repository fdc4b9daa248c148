"""The shop fragment set of the GUI tests (a module of its own: test modules import it by name,
which a `conftest` import cannot do safely when several test folders run in one session)."""

# shuffled names; truth order is shop1 -> shop2 -> shop3, settings is the distractor
FRAGMENT_NAMES = {"shop3": "frag_a", "settings": "frag_b", "shop1": "frag_c", "shop2": "frag_d"}
FRAGMENT_TRUTH = ["frag_c", "frag_d", "frag_a"]
FRAGMENT_DISTRACTOR = "frag_b"
STITCH_INTENT = "stitch these fragments into one task: buy a blue mug and a green teapot in the shop"
