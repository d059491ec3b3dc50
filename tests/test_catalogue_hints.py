"""Every hint of the mistake catalogue reads as what the learner's answer did, then what is expected.

A hint is shown after "Hint:" next to a wrong answer. Written as a rule ("the rows are ordered
(i, j, n), the image index fastest: row r = ..."; "the mask is [z >= 0]"), it reads as if the
mistake were the rule (review 1, item 6). So each hint opens with a description of the learner's
answer, up to the first ": ", "; " or ". ", in one of three voices:

- "your ..." / "yours ..." / "you ..."       (your mask passes z = 0 ([z >= 0]): ...)
- what was done, in the past: "... was/were ..." (the kernel was flipped: ...)
- what the answer is: "this is ...", "that is ...", "it returned ..."

then says what is expected, in a part of its own. An output's name may come first ("dw: ",
"db: ") when one checker judges several outputs. Hints stay short (at most 300 characters; most
are under 200), and the framework adds "Hint:" itself.
"""
import re

import pytest

from cnnlib.exercises.catalogue import catalogue

OUTPUT_PREFIX = re.compile(r"^(dw|db|dx): ")
LEARNER_VOICE = re.compile(r"\b(your|yours|you)\b|\b(was|were)\b|^(this|that) is\b|^it returned\b", re.IGNORECASE)
MAX_LENGTH = 300

HINTS = [(checker, m.key, m.hint) for checker, mistakes in catalogue().items() for m in mistakes]


def parts(hint):
    """``(description, rest)``: the hint split after its first clause (": ", "; " or ". ")."""
    text = OUTPUT_PREFIX.sub("", hint)
    match = re.search(r": |; |\. ", text)
    return (text, "") if match is None else (text[:match.start()], text[match.end():])


@pytest.mark.parametrize("checker, key, hint", HINTS, ids=[f"{c}:{k}" for c, k, _ in HINTS])
def test_a_hint_describes_the_learners_answer_first(checker, key, hint):
    description, rest = parts(hint)
    assert LEARNER_VOICE.search(description), (
        f"{checker}: {key}: the hint opens like a rule, not like a description of the learner's answer "
        f"('your ...', '... was ...', 'this is ...'):\n  {hint}")
    assert len(rest.strip()) >= 15, f"{checker}: {key}: no part saying what is expected:\n  {hint}"


@pytest.mark.parametrize("checker, key, hint", HINTS, ids=[f"{c}:{k}" for c, k, _ in HINTS])
def test_a_hint_is_short_and_plain(checker, key, hint):
    assert len(hint) <= MAX_LENGTH, f"{checker}: {key}: {len(hint)} characters (at most {MAX_LENGTH})"
    assert not hint.lower().startswith("hint"), f"{checker}: {key}: the framework writes 'Hint:' itself"
    assert hint == hint.strip() and "  " not in hint, f"{checker}: {key}: stray spaces"


@pytest.mark.parametrize("hint, ok", [
    ("the rows are ordered (i, j, n), the image index fastest: row r = (n*H_out + i)*W_out + j", False),
    ("the mask is [z >= 0]: at z = 0 the unit is off, so use [z > 0].", False),
    ("the window of out[i, j] starts at row S·i and column S·j of x_pad, not at (i, j).", False),
    ("your rows are ordered (i, j, n), the image index fastest: expected r = (n*H_out + i)*W_out + j", True),
    ("your mask passes z = 0 ([z >= 0]): at z = 0 the unit is off. Expected: [z > 0].", True),
    ("dw: the deltas were rotated by 180 degrees: each pixel pairs with the delta of its window.", True),
    ("this is the cross-correlation: the kernel was not rotated by 180 degrees (rot180).", True),
    ("your bias is missing.", False),       # a description, but nothing about what is expected
])
def test_the_rule_tells_a_rule_from_a_description(hint, ok):
    description, rest = parts(hint)
    assert (bool(LEARNER_VOICE.search(description)) and len(rest.strip()) >= 15) is ok
